#include "unix_http.hpp"

#include <boost/asio/local/stream_protocol.hpp>
#include <optional>
#include <utility>

#include "sliced_exchange.hpp"

namespace vigil::container {

namespace {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;
using Exchange = vigil::enrichers::SlicedExchange<Socket>;

constexpr size_t kMaxLine = 1u << 20;  // an event is a few hundred bytes

void Start(Exchange& exchange, const std::string& path, std::chrono::milliseconds timeout) {
  exchange.request().set(boost::beast::http::field::host, "localhost");  // as Docker's client
  exchange.request().set(boost::beast::http::field::user_agent, "vigil-container");
  exchange.Start(
      [&](auto done) {
        exchange.stream().async_connect(asio::local::stream_protocol::endpoint(path), done);
      },
      timeout, "connect and response header");
}

}  // namespace

UnixHttpClient::UnixHttpClient(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

UnixHttpClient::Response UnixHttpClient::Get(const std::string& target) const {
  Exchange exchange(socket_path_, target);
  exchange.set_body_limit(64u << 20);  // an inspect answer is kilobytes; a list, megabytes
  Start(exchange, socket_path_, timeout_);
  Response r;
  r.body = exchange.ReadBody(timeout_);
  r.status = exchange.status();
  return r;
}

unsigned UnixHttpClient::Stream(const std::string& target,
                                const std::function<void(std::string_view)>& on_line,
                                const std::atomic<bool>& stop,
                                std::chrono::milliseconds poll) const {
  Exchange exchange(socket_path_, target);
  exchange.set_body_limit(std::nullopt);  // an event stream has no end
  Start(exchange, socket_path_, timeout_);
  if (exchange.status() == 200) exchange.StreamLines(on_line, stop, poll, std::nullopt, kMaxLine);
  return exchange.status();
}

}  // namespace vigil::container
