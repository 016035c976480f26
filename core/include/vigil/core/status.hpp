// Status and StatusOr<T>: how vigil's config and loading paths report errors.
//
// A Status is ok or carries a human message that already names where the problem is
// (file:line, plugin, field), and a code for the few places a caller branches on the kind of
// failure: kNotFound (a file or library that is not there), kInvalid (what is there is wrong: a
// config, a rule, a plugin table), kUnavailable (a resource that may come back: a busy device, a
// refused connection). Anything else is kError. No exceptions cross component boundaries; the
// event path does not allocate Status at all.
//
//   StatusOr<Config> cfg = LoadConfig(path);
//   if (!cfg.ok()) { log::error("{}", cfg.status().message()); return 2; }
//   Use(*cfg);
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace vigil {

enum class StatusCode { kOk, kError, kNotFound, kInvalid, kUnavailable };

class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    return Status(StatusCode::kError, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Invalid(std::string message) {
    return Status(StatusCode::kInvalid, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }

  bool ok() const { return !message_.has_value(); }
  StatusCode code() const { return code_; }
  // The message; "" when ok.
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  // Returns a copy whose message is "<prefix>: <message>", with the same code; ok stays ok.
  Status Prefixed(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + ": " + *message_);
  }

 private:
  Status() = default;
  Status(StatusCode code, std::string m) : code_(code), message_(std::move(m)) {}
  StatusCode code_ = StatusCode::kOk;
  std::optional<std::string> message_;
};

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)), status_(Status::Ok()) {}  // NOLINT: implicit
  StatusOr(Status status) : status_(std::move(status)) {                   // NOLINT: implicit
    assert(!status_.ok() && "StatusOr needs a value or an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace vigil
