// One HTTP/1.1 request's connection for the enrichers' runtime and API clients (Boost.Beast),
// over any Asio stream: a unix socket (container: Docker Engine API) or TLS over TCP (k8s: the
// API server). Every async step runs on the exchange's own io_context in slices, so a deadline,
// an idle limit or a stop flag can cut it off, which Asio's blocking calls cannot; a client
// thread never hangs on a server that stopped answering.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace vigil::enrichers {

template <class Stream>
class SlicedExchange {
 public:
  using error_code = boost::system::error_code;

  // `where` names the server in errors ("/run/docker.sock", "https://10.0.0.1:6443"); `explain`
  // may turn a failed step's error into a better reason (a refused certificate).
  template <class... StreamArgs>
  SlicedExchange(std::string where, const std::string& target, StreamArgs&&... stream_args)
      : where_(std::move(where)),
        stream_(ioc_, std::forward<StreamArgs>(stream_args)...),
        request_(boost::beast::http::verb::get, target, 11) {}

  Stream& stream() { return stream_; }
  boost::asio::io_context& ioc() { return ioc_; }
  boost::beast::http::request<boost::beast::http::empty_body>& request() { return request_; }
  void set_explain(std::function<std::string(error_code)> explain) {
    explain_ = std::move(explain);
  }

  // Sends the request and reads the response header, once `connect(done)` (which starts the
  // connection's async steps and calls done(error) when they are through) succeeded.
  template <class Connect>
  void Start(Connect&& connect, std::chrono::milliseconds timeout, const char* step) {
    namespace http = boost::beast::http;
    std::optional<error_code> done;
    connect([&](error_code connected) {
      if (connected) {
        done = connected;
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
    RunUntil(done, timeout, step);
  }

  // The rest of the body, within `timeout`.
  std::string ReadBody(std::chrono::milliseconds timeout) {
    std::optional<error_code> done;
    boost::beast::http::async_read(stream_, buffer_, parser_,
                                   [&](error_code ec, size_t) { done = ec; });
    RunUntil(done, timeout, "response body");
    return std::move(parser_.get().body());
  }

  // Reads the body as it comes and hands out complete lines (a last one without its newline
  // too), until it ends or `stop` (checked every `poll`). Nothing for `idle` throws; a line over
  // `max_line` bytes throws.
  void StreamLines(const std::function<void(std::string_view)>& on_line,
                   const std::atomic<bool>& stop, std::chrono::milliseconds poll,
                   std::optional<std::chrono::milliseconds> idle, size_t max_line) {
    namespace http = boost::beast::http;
    std::string& body = parser_.get().body();
    while (!parser_.is_done()) {
      std::optional<error_code> done;
      http::async_read_some(stream_, buffer_, parser_, [&](error_code ec, size_t) { done = ec; });
      const auto deadline = std::chrono::steady_clock::now() + idle.value_or(poll);
      while (!done) {
        if (stop.load()) return Abandon();
        if (idle && std::chrono::steady_clock::now() >= deadline) {
          Abandon();
          throw std::runtime_error(where_ + ": stream silent for " + std::to_string(idle->count()) +
                                   " ms");
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
      if (body.size() > max_line) {
        Fail(http::error::body_limit,
             ("streamed body (a line over " + std::to_string(max_line >> 20) + " MiB)").c_str());
      }
      if (*done) break;
    }
    if (!body.empty()) on_line(body);
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
      throw std::runtime_error(where_ + ": no answer within " + std::to_string(timeout.count()) +
                               " ms (" + step + ")");
    }
    if (*done) Fail(*done, step);
  }
  [[noreturn]] void Fail(error_code ec, const char* step) {
    std::string why = explain_ ? explain_(ec) : "";
    throw std::runtime_error(where_ + ": " + step + ": " + (why.empty() ? ec.message() : why));
  }
  // Closes the connection (for TLS: no close_notify, it is given up) and lets the cancelled
  // handlers finish before their captures go.
  void Abandon() {
    error_code ignored;
    boost::beast::get_lowest_layer(stream_).close(ignored);
    ioc_.restart();
    ioc_.run();
  }

  std::string where_;
  boost::asio::io_context ioc_;
  Stream stream_;
  boost::beast::http::request<boost::beast::http::empty_body> request_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  std::function<std::string(error_code)> explain_;
};

}  // namespace vigil::enrichers
