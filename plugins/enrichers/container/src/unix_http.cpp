#include "unix_http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>
#include <utility>

namespace vigil::container {

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Socket = asio::local::stream_protocol::socket;
using boost::system::error_code;

constexpr size_t kMaxLine = 1u << 20;  // an event is a few hundred bytes

// One request's connection: the async steps run on `ioc` in slices, so a deadline or a stop flag
// can cut them off (Asio's blocking calls cannot be).
class Exchange {
 public:
  Exchange(const std::string& path, const std::string& target)
      : path_(path), socket_(ioc_), request_(http::verb::get, target, 11) {
    request_.set(http::field::host, "localhost");  // what Docker's own client sends
    request_.set(http::field::user_agent, "vigil-container");
  }

  // Connects, sends the request and reads the response header.
  void Start(std::chrono::milliseconds timeout) {
    std::optional<error_code> done;
    socket_.async_connect(asio::local::stream_protocol::endpoint(path_), [&](error_code connected) {
      if (connected) {
        done = connected;
        return;
      }
      http::async_write(socket_, request_, [&](error_code written, size_t) {
        if (written) {
          done = written;
          return;
        }
        http::async_read_header(socket_, buffer_, parser_,
                                [&](error_code ec, size_t) { done = ec; });
      });
    });
    RunUntil(done, timeout, "connect and response header");
  }

  // Reads the rest of the body within `timeout`.
  std::string ReadBody(std::chrono::milliseconds timeout) {
    std::optional<error_code> done;
    http::async_read(socket_, buffer_, parser_, [&](error_code ec, size_t) { done = ec; });
    RunUntil(done, timeout, "response body");
    return std::move(parser_.get().body());
  }

  // Reads the body as it comes, handing out complete lines, until it ends or `stop`.
  void StreamLines(const std::function<void(std::string_view)>& on_line,
                   const std::atomic<bool>& stop, std::chrono::milliseconds poll) {
    std::string& body = parser_.get().body();
    while (!parser_.is_done()) {
      std::optional<error_code> done;
      http::async_read_some(socket_, buffer_, parser_, [&](error_code ec, size_t) { done = ec; });
      while (!done) {
        if (stop.load()) {
          Close();
          return;
        }
        ioc_.restart();
        ioc_.run_for(poll);
      }
      if (*done && *done != http::error::end_of_stream) Fail(*done, "streamed body");
      // The string body appends after what it holds, so taking lines out in between is safe.
      size_t start = 0;
      for (size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1) {
        on_line(std::string_view(body).substr(start, nl - start));
      }
      body.erase(0, start);
      if (body.size() > kMaxLine)
        Fail(http::error::body_limit, "streamed body (a line over 1 MiB)");
      if (*done) return;
    }
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
      Close();
      ioc_.restart();
      ioc_.run();  // lets the cancelled handlers finish before their captures go
      throw std::runtime_error(path_ + ": no answer within " + std::to_string(timeout.count()) +
                               " ms (" + step + ")");
    }
    if (*done) Fail(*done, step);
  }
  [[noreturn]] void Fail(error_code ec, const char* step) {
    throw std::runtime_error(path_ + ": " + step + ": " + ec.message());
  }
  void Close() {
    error_code ignored;
    socket_.close(ignored);
  }

  std::string path_;
  asio::io_context ioc_;
  Socket socket_;
  http::request<http::empty_body> request_;
  boost::beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

UnixHttpClient::UnixHttpClient(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

UnixHttpClient::Response UnixHttpClient::Get(const std::string& target) const {
  Exchange exchange(socket_path_, target);
  exchange.set_body_limit(64u << 20);  // an inspect answer is kilobytes; a list, megabytes
  exchange.Start(timeout_);
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
  exchange.Start(timeout_);
  if (exchange.status() == 200) exchange.StreamLines(on_line, stop, poll);
  return exchange.status();
}

}  // namespace vigil::container
