#include "api_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "sliced_exchange.hpp"

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

using Exchange = vigil::enrichers::SlicedExchange<ssl::stream<tcp::socket>>;

// Sets the request's headers and the certificate check for the host dialled, then resolves,
// connects, handshakes, sends the request and reads the response header.
void Start(Exchange& exchange, const ApiEndpoint& e, std::chrono::milliseconds timeout) {
  auto& request = exchange.request();
  request.set(http::field::host, e.host);
  request.set(http::field::user_agent, "vigil-k8s");
  request.set(http::field::accept, "application/json");
  const std::string token = ReadToken(e);
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  SSL* s = exchange.stream().native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(s);
  error_code not_ip;
  asio::ip::make_address(e.host, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, e.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, e.host.c_str(), e.host.size());
    SSL_set_tlsext_host_name(s, e.host.c_str());
  }
  exchange.set_explain([s](error_code ec) -> std::string {
    if (ec.category() != asio::error::get_ssl_category()) return "";
    const long verify = SSL_get_verify_result(s);
    if (verify == X509_V_OK) return "";
    return std::string("server certificate refused: ") + X509_verify_cert_error_string(verify);
  });
  tcp::resolver resolver(exchange.ioc());
  exchange.Start(
      [&](auto done) {
        resolver.async_resolve(e.host, e.port, [&, done](error_code resolved, auto endpoints) {
          if (resolved) return done(resolved);
          asio::async_connect(exchange.stream().lowest_layer(), endpoints,
                              [&, done](error_code connected, const tcp::endpoint&) {
                                if (connected) return done(connected);
                                exchange.stream().async_handshake(ssl::stream_base::client, done);
                              });
        });
      },
      timeout, "connect, TLS and response header");
}

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
  Exchange exchange(endpoint_.Describe(), target, tls_->ctx);
  exchange.set_body_limit(256u << 20);  // a list page of 500 pods is megabytes
  Start(exchange, endpoint_, timeout_);
  Response r;
  r.body = exchange.ReadBody(timeout_);
  r.status = exchange.status();
  return r;
}

unsigned ApiClient::Stream(const std::string& target,
                           const std::function<void(std::string_view)>& on_line,
                           const std::atomic<bool>& stop, std::chrono::milliseconds idle,
                           std::string* error_body, std::chrono::milliseconds poll) const {
  Exchange exchange(endpoint_.Describe(), target, tls_->ctx);
  exchange.set_body_limit(std::nullopt);  // a watch has no end
  Start(exchange, endpoint_, timeout_);
  if (exchange.status() != 200) {
    *error_body = exchange.ReadBody(timeout_);
    return exchange.status();
  }
  exchange.StreamLines(on_line, stop, poll, idle, kMaxLine);
  return 200;
}

}  // namespace vigil::k8s
