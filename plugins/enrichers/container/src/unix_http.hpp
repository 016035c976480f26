// HTTP/1.1 over a unix socket (Boost.Beast), for runtimes that serve their API there: Docker
// Engine, Podman's Docker-compatible service. One connection per request; a request that does not
// finish in time is cut off, so a hung runtime never stalls the plugin's worker.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace vigil::container {

class UnixHttpClient {
 public:
  struct Response {
    unsigned status = 0;
    std::string body;
  };

  UnixHttpClient(std::string socket_path, std::chrono::milliseconds timeout);

  const std::string& socket_path() const { return socket_path_; }

  // GET `target`; throws std::runtime_error naming the socket on a connect or protocol error or
  // the timeout. Any status is returned.
  Response Get(const std::string& target) const;

  // GET a streamed body (Docker's /events): calls on_line with each line of the body (without the
  // '\n') as it arrives, until the server ends it (returns its status) or `stop` is set (checked
  // every `poll`). Connecting and the response header are bound by the timeout; the body is not.
  // Throws std::runtime_error as Get.
  unsigned Stream(const std::string& target, const std::function<void(std::string_view)>& on_line,
                  const std::atomic<bool>& stop,
                  std::chrono::milliseconds poll = std::chrono::milliseconds(200)) const;

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace vigil::container
