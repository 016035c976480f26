// Status and StatusOr<T>: how vigil's config and loading paths report errors.
//
// A Status is ok or carries a human message that already names where the problem is
// (file:line, plugin, field). No exceptions cross component boundaries; the event path does not
// allocate Status at all.
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

class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // The message; "" when ok.
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  // Returns a copy whose message is "<prefix>: <message>"; ok stays ok.
  Status Prefixed(const std::string& prefix) const {
    return ok() ? *this : Status(prefix + ": " + *message_);
  }

 private:
  Status() = default;
  explicit Status(std::string m) : message_(std::move(m)) {}
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
