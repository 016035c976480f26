#include "api_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace vigil::k8s {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxLine = 16u << 20;  // one watch event: a pod is kilobytes

std::string ReadToken(const ApiEndpoint& e) {
  if (e.token_file.empty()) return e.token;
  std::ifstream in(e.token_file);
  if (!in) throw std::runtime_error("cannot read the token file " + e.token_file);
  std::stringstream s;
  s << in.rdbuf();
  std::string token = s.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  return token;
}

// One request's connection. The async steps run on `ioc` in slices, so a deadline or a stop flag
// can cut them off (Asio's blocking calls cannot be).
class Exchange {
 public:
  Exchange(const ApiEndpoint& e, ssl::context& ctx, const std::string& target)
      : e_(e), stream_(ioc_, ctx), request_(http::verb::get, target, 11) {
    request_.set(http::field::host, e.host);
    request_.set(http::field::user_agent, "vigil-k8s");
    request_.set(http::field::accept, "application/json");
    const std::string token = ReadToken(e);
    if (!token.empty()) request_.set(http::field::authorization, "Bearer " + token);
    SSL* s = stream_.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(s);
    error_code not_ip;
    asio::ip::make_address(e.host, not_ip);
    if (!not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, e.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, e.host.c_str(), e.host.size());
      SSL_set_tlsext_host_name(s, e.host.c_str());
    }
  }

  // Resolves, connects, handshakes, sends the request and reads the response header.
  void Start(std::chrono::milliseconds timeout) {
    std::optional<error_code> done;
    tcp::resolver resolver(ioc_);
    resolver.async_resolve(
        e_.host, e_.port, [&](error_code resolved, tcp::resolver::results_type r) {
          if (resolved) {
            done = resolved;
            return;
          }
          asio::async_connect(
              stream_.lowest_layer(), r, [&](error_code connected, const tcp::endpoint&) {
                if (connected) {
                  done = connected;
                  return;
                }
                stream_.async_handshake(ssl::stream_base::client, [&](error_code shook) {
                  if (shook) {
                    done = shook;
                    return;
                  }
                  http::async_write(stream_, request_, [&](error_code written, size_t) {
                    if (written) {
                      done = written;
                      return;
                    }
                    http::async_read_header(stream_, buffer_, parser_,
                                            [&](error_code ec, size_t) { done = ec; });
                  });
                });
              });
        });
    RunUntil(done, timeout, "connect, TLS and response header");
  }

  std::string ReadBody(std::chrono::milliseconds timeout) {
    std::optional<error_code> done;
    http::async_read(stream_, buffer_, parser_, [&](error_code ec, size_t) { done = ec; });
    RunUntil(done, timeout, "response body");
    return std::move(parser_.get().body());
  }

  void StreamLines(const std::function<void(std::string_view)>& on_line,
                   const std::atomic<bool>& stop, std::chrono::milliseconds idle,
                   std::chrono::milliseconds poll) {
    std::string& body = parser_.get().body();
    while (!parser_.is_done()) {
      std::optional<error_code> done;
      http::async_read_some(stream_, buffer_, parser_, [&](error_code ec, size_t) { done = ec; });
      const auto deadline = std::chrono::steady_clock::now() + idle;
      while (!done) {
        if (stop.load()) {
          Abandon();
          return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          Abandon();
          throw std::runtime_error(e_.Describe() + ": watch silent for " +
                                   std::to_string(idle.count()) + " ms");
        }
        ioc_.restart();
        ioc_.run_for(poll);
      }
      if (*done && *done != http::error::end_of_stream) Fail(*done, "watch stream");
      size_t start = 0;
      for (size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1) {
        on_line(std::string_view(body).substr(start, nl - start));
      }
      body.erase(0, start);
      if (body.size() > kMaxLine)
        Fail(http::error::body_limit, "watch stream (a line over 16 MiB)");
      if (*done) break;
    }
    if (!body.empty()) on_line(body);  // a last line without its newline
  }

  unsigned status() const { return parser_.get().result_int(); }
  void set_body_limit(std::optional<uint64_t> limit) {
    if (limit) {
      parser_.body_limit(*limit);
    } else {
      parser_.body_limit(boost::none);
    }
  }

 private:
  void RunUntil(std::optional<error_code>& done, std::chrono::milliseconds timeout,
                const char* step) {
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      Abandon();
      throw std::runtime_error(e_.Describe() + ": no answer within " +
                               std::to_string(timeout.count()) + " ms (" + step + ")");
    }
    if (*done) Fail(*done, step);
  }
  [[noreturn]] void Fail(error_code ec, const char* step) {
    std::string why = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
      const long verify = SSL_get_verify_result(stream_.native_handle());
      if (verify != X509_V_OK) {
        why = std::string("server certificate refused: ") + X509_verify_cert_error_string(verify);
      }
    }
    throw std::runtime_error(e_.Describe() + ": " + step + ": " + why);
  }
  // Closes the socket (no TLS close: the connection is given up) and lets the cancelled handlers
  // finish before their captures go.
  void Abandon() {
    error_code ignored;
    stream_.lowest_layer().close(ignored);
    ioc_.restart();
    ioc_.run();
  }

  const ApiEndpoint& e_;
  asio::io_context ioc_;
  ssl::stream<tcp::socket> stream_;
  http::request<http::empty_body> request_;
  boost::beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

struct ApiClient::Tls {
  ssl::context ctx{ssl::context::tls_client};
};

ApiClient::ApiClient(ApiEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout), tls_(std::make_unique<Tls>()) {
  const std::string where = endpoint_.Describe();
  tls_->ctx.set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (endpoint_.ca_pem.empty()) {
    tls_->ctx.set_default_verify_paths(ec);
  } else {
    tls_->ctx.add_certificate_authority(asio::buffer(endpoint_.ca_pem), ec);
  }
  if (ec) throw std::runtime_error(where + ": the CA does not load: " + ec.message());
  if (!endpoint_.client_cert_pem.empty()) {
    tls_->ctx.use_certificate_chain(asio::buffer(endpoint_.client_cert_pem), ec);
    if (!ec) {
      tls_->ctx.use_private_key(asio::buffer(endpoint_.client_key_pem), ssl::context::pem, ec);
    }
    if (ec)
      throw std::runtime_error(where + ": the client certificate does not load: " + ec.message());
  }
}

ApiClient::~ApiClient() = default;

ApiClient::Response ApiClient::Get(const std::string& target) const {
  Exchange exchange(endpoint_, tls_->ctx, target);
  exchange.set_body_limit(256u << 20);  // a list page of 500 pods is megabytes
  exchange.Start(timeout_);
  Response r;
  r.body = exchange.ReadBody(timeout_);
  r.status = exchange.status();
  return r;
}

unsigned ApiClient::Stream(const std::string& target,
                           const std::function<void(std::string_view)>& on_line,
                           const std::atomic<bool>& stop, std::chrono::milliseconds idle,
                           std::string* error_body, std::chrono::milliseconds poll) const {
  Exchange exchange(endpoint_, tls_->ctx, target);
  exchange.set_body_limit(std::nullopt);  // a watch has no end
  exchange.Start(timeout_);
  if (exchange.status() != 200) {
    *error_body = exchange.ReadBody(timeout_);
    return exchange.status();
  }
  exchange.StreamLines(on_line, stop, idle, poll);
  return 200;
}

}  // namespace vigil::k8s
