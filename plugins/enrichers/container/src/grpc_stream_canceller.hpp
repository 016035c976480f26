// The gRPC engines' event streams: Watch runs one on the engine's thread, Cancel (stopping the
// plugin) ends it from another, now and for good, also when it comes before the stream starts.
#pragma once

#include <grpcpp/client_context.h>

#include <mutex>

namespace vigil::container {

class StreamCanceller {
 public:
  // ctx is the stream Cancel ends while the registration lives; a false one: Cancel came first.
  class Registration {
   public:
    explicit Registration(StreamCanceller* c) : c_(c) {}
    ~Registration() {
      if (c_ == nullptr) return;
      std::lock_guard<std::mutex> lock(c_->mutex_);
      c_->ctx_ = nullptr;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    explicit operator bool() const { return c_ != nullptr; }

   private:
    StreamCanceller* c_;
  };

  Registration Begin(grpc::ClientContext& ctx) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) return Registration(nullptr);
    ctx_ = &ctx;
    return Registration(this);
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }

 private:
  std::mutex mutex_;  // guards ctx_ and cancelled_
  grpc::ClientContext* ctx_ = nullptr;
  bool cancelled_ = false;
};

}  // namespace vigil::container
