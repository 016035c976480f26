// HTTPS to the Kubernetes API server (Boost.Beast over Asio's OpenSSL stream), verification on:
// the server's certificate must chain to the configured CA and name the host (or IP) dialled.
// Authenticates with a bearer token (re-read from its file at every connection: projected
// service-account tokens rotate) or a client certificate. One connection per request; every step
// is bounded by a timeout, and a stream by an idle limit, so a dead server never hangs a watch.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace vigil::k8s {

struct ApiEndpoint {
  std::string host, port = "443";
  std::string ca_pem;      // the CA bundle the server's certificate must chain to (PEM)
  std::string token;       // bearer token, or
  std::string token_file;  //   read from this file at each connection
  std::string client_cert_pem, client_key_pem;  // client certificate authentication
  std::string Describe() const { return "https://" + host + ":" + port; }
};

class ApiClient {
 public:
  struct Response {
    unsigned status = 0;
    std::string body;
  };

  // Throws std::runtime_error when the CA or client certificate does not load.
  ApiClient(ApiEndpoint endpoint, std::chrono::milliseconds timeout);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  const ApiEndpoint& endpoint() const { return endpoint_; }

  // GET `target`; any status is returned. Throws std::runtime_error naming the server and the
  // step on a connect, TLS (certificate refused), protocol or timeout error.
  Response Get(const std::string& target) const;

  // GET a streamed body (a watch): on_line gets each line as it arrives, until the server ends
  // the body (returns 200), `stop` is set (checked every `poll`; returns 200), or nothing came for
  // `idle` (throws). A status other than 200 returns at once with the body read into *error_body.
  unsigned Stream(const std::string& target, const std::function<void(std::string_view)>& on_line,
                  const std::atomic<bool>& stop, std::chrono::milliseconds idle,
                  std::string* error_body,
                  std::chrono::milliseconds poll = std::chrono::milliseconds(200)) const;

 private:
  struct Tls;
  ApiEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Tls> tls_;  // the OpenSSL context, made once
};

}  // namespace vigil::k8s
