// A local containerd API server (gRPC on a unix socket) for the client's and the plugin's tests
// where no containerd runs. It holds what containerd's metadata store holds (namespaces, their
// containers and images) and answers as containerd does: a call without the
// `containerd-namespace` header fails with FAILED_PRECONDITION, an unknown container or image is
// NOT_FOUND, and Subscribe streams the envelopes Publish hands it, in order, until the client
// cancels or the server stops.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "github.com/containerd/containerd/api/services/containers/v1/containers.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/events/v1/events.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/namespaces/v1/namespace.grpc.pb.h"

namespace vigil::container::testing {

namespace cd = containerd::services;

class FakeContainerd final : public cd::namespaces::v1::Namespaces::Service,
                             public cd::containers::v1::Containers::Service,
                             public cd::images::v1::Images::Service,
                             public cd::events::v1::Events::Service {
 public:
  explicit FakeContainerd(const std::string& path) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
    builder.RegisterService(static_cast<cd::namespaces::v1::Namespaces::Service*>(this));
    builder.RegisterService(static_cast<cd::containers::v1::Containers::Service*>(this));
    builder.RegisterService(static_cast<cd::images::v1::Images::Service*>(this));
    builder.RegisterService(static_cast<cd::events::v1::Events::Service*>(this));
    server_ = builder.BuildAndStart();
  }
  ~FakeContainerd() override { Stop(); }

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
      wake_.notify_all();
    }
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  void AddContainer(const std::string& ns, cd::containers::v1::Container c) {
    std::lock_guard lock(mutex_);
    namespaces_[ns][c.id()] = std::move(c);
  }
  void RemoveContainer(const std::string& ns, const std::string& id) {
    std::lock_guard lock(mutex_);
    namespaces_[ns].erase(id);
  }
  void AddImage(const std::string& ns, const std::string& name, const std::string& digest) {
    std::lock_guard lock(mutex_);
    namespaces_[ns];
    images_[ns][name] = digest;
  }
  // An event to every subscriber, as containerd's exchange sends it.
  void Publish(const std::string& ns, const std::string& topic, const std::string& type_url,
               const google::protobuf::Message& event) {
    cd::events::v1::Envelope e;
    e.set_namespace_(ns);
    e.set_topic(topic);
    e.mutable_event()->set_type_url(type_url);
    e.mutable_event()->set_value(event.SerializeAsString());
    std::lock_guard lock(mutex_);
    for (auto& [id, queue] : subscribers_) queue.push_back(e);
    wake_.notify_all();
  }
  size_t subscribers() const {
    std::lock_guard lock(mutex_);
    return subscribers_.size();
  }
  size_t container_gets() const {
    std::lock_guard lock(mutex_);
    return container_gets_;
  }

  grpc::Status List(grpc::ServerContext*, const cd::namespaces::v1::ListNamespacesRequest*,
                    cd::namespaces::v1::ListNamespacesResponse* out) override {
    std::lock_guard lock(mutex_);
    for (const auto& [name, containers] : namespaces_) out->add_namespaces()->set_name(name);
    return grpc::Status::OK;
  }

  grpc::Status Get(grpc::ServerContext* ctx, const cd::containers::v1::GetContainerRequest* req,
                   cd::containers::v1::GetContainerResponse* out) override {
    std::string ns;
    if (grpc::Status s = Namespace(*ctx, ns); !s.ok()) return s;
    std::lock_guard lock(mutex_);
    ++container_gets_;
    static const std::map<std::string, cd::containers::v1::Container> kNone;
    auto n = namespaces_.find(ns);
    const auto& containers = n == namespaces_.end() ? kNone : n->second;
    auto c = containers.find(req->id());
    if (c == containers.end()) {
      return {grpc::StatusCode::NOT_FOUND,
              "container \"" + req->id() + "\" in namespace \"" + ns + "\": not found"};
    }
    *out->mutable_container() = c->second;
    return grpc::Status::OK;
  }

  grpc::Status Get(grpc::ServerContext* ctx, const cd::images::v1::GetImageRequest* req,
                   cd::images::v1::GetImageResponse* out) override {
    std::string ns;
    if (grpc::Status s = Namespace(*ctx, ns); !s.ok()) return s;
    std::lock_guard lock(mutex_);
    auto n = images_.find(ns);
    auto it = n == images_.end() ? std::map<std::string, std::string>::iterator()
                                 : n->second.find(req->name());
    if (n == images_.end() || it == n->second.end()) {
      return {grpc::StatusCode::NOT_FOUND, "image \"" + req->name() + "\": not found"};
    }
    out->mutable_image()->set_name(req->name());
    out->mutable_image()->mutable_target()->set_media_type(
        "application/vnd.oci.image.manifest.v1+json");
    out->mutable_image()->mutable_target()->set_digest(it->second);
    return grpc::Status::OK;
  }

  grpc::Status Subscribe(grpc::ServerContext* ctx, const cd::events::v1::SubscribeRequest*,
                         grpc::ServerWriter<cd::events::v1::Envelope>* writer) override {
    std::unique_lock lock(mutex_);
    const int id = ++next_subscriber_;
    auto& queue = subscribers_[id];
    while (!stopped_ && !ctx->IsCancelled()) {
      if (queue.empty()) {
        wake_.wait_for(lock, std::chrono::milliseconds(20));
        continue;
      }
      cd::events::v1::Envelope e = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      const bool written = writer->Write(e);
      lock.lock();
      if (!written) break;
    }
    subscribers_.erase(id);
    return stopped_ ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "server stopping")
                    : grpc::Status::OK;
  }

 private:
  static grpc::Status Namespace(const grpc::ServerContext& ctx, std::string& ns) {
    auto it = ctx.client_metadata().find("containerd-namespace");
    if (it == ctx.client_metadata().end() || it->second.empty()) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "namespace is required: failed precondition"};
    }
    ns.assign(it->second.data(), it->second.size());
    return grpc::Status::OK;
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::map<std::string, std::map<std::string, cd::containers::v1::Container>> namespaces_;
  std::map<std::string, std::map<std::string, std::string>> images_;
  std::map<int, std::deque<cd::events::v1::Envelope>> subscribers_;
  int next_subscriber_ = 0;
  size_t container_gets_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace vigil::container::testing
