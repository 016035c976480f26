// A local Kubernetes API server for the k8s enricher's tests, over HTTPS with the test CA's
// certificate (data/). It answers as kube-apiserver does where the enricher depends on it:
// bearer tokens (401 with a Status when refused), paginated lists (limit/continue, an expired
// continue token is 410), watches streamed as chunked lines from a resourceVersion with
// bookmarks, "too old resource version" as an ERROR event with code 410 after a compaction,
// timeoutSeconds, fieldSelector spec.nodeName for pods, and the failures a watch sees in life:
// dropped connections and a line of bad JSON.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace vigil::k8s::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;

inline std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(VIGIL_K8S_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FakeApiServer {
 public:
  explicit FakeApiServer(std::string token = "good-token", std::string address = "127.0.0.1")
      : token_(std::move(token)), address_(std::move(address)) {
    tls_.use_certificate_chain(asio::buffer(ReadTestFile("server.pem")));
    tls_.use_private_key(asio::buffer(ReadTestFile("server.key")), asio::ssl::context::pem);
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address(address_), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~FakeApiServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      changed_.notify_all();
    }
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    // Wake the blocked accept with one last connection.
    asio::ip::tcp::socket poke(ioc_);
    poke.connect({asio::ip::make_address(address_), port_}, ignored);
    accept_thread_.join();
    for (auto& t : connections_) t.join();
  }

  std::string url() const { return "https://" + address_ + ":" + std::to_string(port_); }

  // Objects of the resource at `path` ("/api/v1/pods"), as JSON; the server sets their
  // metadata.resourceVersion. Each change is a watch event.
  void Put(const std::string& path, const std::string& json) { Change(path, "MODIFIED", json); }
  void Delete(const std::string& path, const std::string& json) { Change(path, "DELETED", json); }
  // A resource the server serves, empty until Put.
  void Declare(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    resources_[path];
  }
  // A bookmark to every open watch of `path`.
  void Bookmark(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    Resource& r = resources_[path];
    r.history.push_back({++rv_, "BOOKMARK",
                         R"({"kind":"Pod","apiVersion":"v1","metadata":{)"
                         R"("resourceVersion":")" +
                             std::to_string(rv_) + R"("}})"});
    changed_.notify_all();
  }
  // Forgets the history: watches from before now get 410 (as etcd's compaction makes it), and
  // open watches end with it, as the API server's watch cache ends those it can no longer serve.
  void Compact() {
    std::lock_guard<std::mutex> lock(mu_);
    compacted_ = rv_;
    ++compactions_;
    for (auto& [path, r] : resources_) r.history.clear();
    changed_.notify_all();
  }
  // Cuts every open watch off mid-stream (no final chunk, no TLS close).
  void DropWatches() {
    std::lock_guard<std::mutex> lock(mu_);
    ++drops_;
    changed_.notify_all();
  }
  // The next line sent to a watch of `path` is `line` as it is (bad JSON, say).
  void SendRaw(const std::string& path, const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    resources_[path].history.push_back({rv_, "RAW", line});
    changed_.notify_all();
  }
  void set_token(std::string token) {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = std::move(token);
  }
  void set_expire_continue(bool expire) {
    std::lock_guard<std::mutex> lock(mu_);
    expire_continue_ = expire;
  }
  // Targets asked, in order.
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t open_watches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return open_watches_;
  }
  // Waits until `pred(requests())` holds.
  template <class Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

 private:
  struct Event {
    uint64_t rv;
    std::string type;
    std::string json;  // the object (RAW: the whole line)
  };
  struct Resource {
    std::map<std::string, std::string> objects;  // by uid, in their latest form
    std::vector<std::string> order;              // uids by creation
    std::vector<Event> history;
  };
  using Stream = asio::ssl::stream<asio::ip::tcp::socket>;
  using Request = http::request<http::string_body>;

  void Change(const std::string& path, const std::string& type, const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    std::lock_guard<std::mutex> lock(mu_);
    const std::string rv = std::to_string(++rv_);
    doc["metadata"].RemoveMember("resourceVersion");
    doc["metadata"].AddMember("resourceVersion", rapidjson::Value(rv.c_str(), doc.GetAllocator()),
                              doc.GetAllocator());
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    doc.Accept(w);
    const std::string uid = doc["metadata"]["uid"].GetString();
    Resource& r = resources_[path];
    std::string event_type = type;
    if (type == "DELETED") {
      r.objects.erase(uid);
      r.order.erase(std::remove(r.order.begin(), r.order.end(), uid), r.order.end());
    } else {
      if (r.objects.count(uid) == 0) {
        event_type = "ADDED";
        r.order.push_back(uid);
      }
      r.objects[uid] = out.GetString();
    }
    r.history.push_back({rv_, event_type, out.GetString()});
    changed_.notify_all();
  }

  void AcceptLoop() {
    for (;;) {
      asio::ip::tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      if (ec) continue;
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }

  static std::string Query(const std::string& target, const std::string& key) {
    size_t q = target.find('?');
    if (q == std::string::npos) return "";
    std::string query = target.substr(q + 1);
    for (size_t start = 0; start <= query.size();) {
      size_t amp = query.find('&', start);
      std::string kv = query.substr(start, amp == std::string::npos ? amp : amp - start);
      if (kv.compare(0, key.size() + 1, key + "=") == 0) return Decode(kv.substr(key.size() + 1));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    return "";
  }
  static std::string Decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }
  static std::string StatusJson(int code, const std::string& reason, const std::string& message) {
    return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" +
           message + R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
  }
  // Whether an object passes the fieldSelector (spec.nodeName=X is the one the enricher uses).
  static bool Selected(const std::string& json, const std::string& selector) {
    if (selector.empty()) return true;
    const std::string key = "spec.nodeName=";
    if (selector.compare(0, key.size(), key) != 0) return false;
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    if (!doc.IsObject() || !doc.HasMember("spec") || !doc["spec"].HasMember("nodeName")) {
      return false;
    }
    return selector.substr(key.size()) == doc["spec"]["nodeName"].GetString();
  }

  void Reply(Stream& s, http::status status, const std::string& body) {
    http::response<http::string_body> res(status, 11);
    res.set(http::field::content_type, "application/json");
    res.body() = body;
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(s, res, ec);
  }

  void Serve(asio::ip::tcp::socket socket) {
    Stream s(std::move(socket), tls_);
    boost::system::error_code ec;
    s.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    boost::beast::flat_buffer buffer;
    Request req;
    http::read(s, buffer, req, ec);
    if (ec) return;
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(target);
    if (req[http::field::authorization] != "Bearer " + token_) {
      lock.unlock();
      return Reply(s, http::status::unauthorized, StatusJson(401, "Unauthorized", "Unauthorized"));
    }
    if (resources_.count(path) == 0) {
      lock.unlock();
      return Reply(s, http::status::not_found,
                   StatusJson(404, "NotFound", "the server could not find the requested resource"));
    }
    if (Query(target, "watch") == "1") return Watch(s, lock, target, path);
    // A list page.
    Resource& r = resources_[path];
    const std::string selector = Query(target, "fieldSelector");
    const size_t limit = Query(target, "limit").empty() ? 0 : std::stoul(Query(target, "limit"));
    const std::string cont = Query(target, "continue");
    if (!cont.empty() && expire_continue_) {
      expire_continue_ = false;
      lock.unlock();
      return Reply(s, http::status::gone,
                   StatusJson(410, "Expired", "The provided continue parameter is too old"));
    }
    size_t offset = cont.empty() ? 0 : std::stoul(cont);
    std::string items;
    size_t n = 0, i = offset;
    for (; i < r.order.size() && (limit == 0 || n < limit); ++i) {
      const std::string& json = r.objects[r.order[i]];
      if (!Selected(json, selector)) continue;
      items += (n++ ? "," : "") + json;
    }
    const std::string next = i < r.order.size() ? std::to_string(i) : "";
    const std::string body = R"({"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":")" +
                             std::to_string(rv_) + R"(","continue":")" + next + R"("},"items":[)" +
                             items + "]}";
    lock.unlock();
    Reply(s, http::status::ok, body);
  }

  void Watch(Stream& s, std::unique_lock<std::mutex>& lock, const std::string& target,
             const std::string& path) {
    const uint64_t from = std::stoull("0" + Query(target, "resourceVersion"));
    const std::string selector = Query(target, "fieldSelector");
    const std::string timeout = Query(target, "timeoutSeconds");
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::seconds(timeout.empty() ? 1800 : std::stoi(timeout));
    const uint64_t drops = drops_, compactions = compactions_;
    ++open_watches_;
    lock.unlock();
    http::response<http::empty_body> res(http::status::ok, 11);
    res.set(http::field::content_type, "application/json");
    res.chunked(true);
    http::response_serializer<http::empty_body> sr(res);
    boost::system::error_code ec;
    http::write_header(s, sr, ec);
    auto send = [&](const std::string& line) {
      asio::write(s, http::make_chunk(asio::buffer(line + "\n")), ec);
      return !ec;
    };
    lock.lock();
    size_t sent = 0;  // history entries looked at
    bool ok = !ec;
    auto too_old = [&] {
      lock.unlock();
      send(R"({"type":"ERROR","object":)" +
           StatusJson(410, "Expired",
                      "too old resource version: " + std::to_string(from) + " (" +
                          std::to_string(compacted_) + ")") +
           "}");
      lock.lock();
      ok = false;
    };
    if (ok && from < compacted_) too_old();
    while (ok && !stopping_ && drops_ == drops && std::chrono::steady_clock::now() < end) {
      if (compactions_ != compactions) {
        too_old();
        break;
      }
      Resource& r = resources_[path];
      if (sent > r.history.size()) sent = 0;  // compacted meanwhile
      std::vector<std::string> lines;
      for (; sent < r.history.size(); ++sent) {
        Event& e = r.history[sent];
        if (e.type == "RAW") {  // sent once, to the first watch that gets it
          lines.push_back(e.json);
          e.type = "SENT";
        } else if (e.rv > from && (e.type == "BOOKMARK" || Selected(e.json, selector))) {
          lines.push_back(R"({"type":")" + e.type + R"(","object":)" + e.json + "}");
        }
      }
      if (!lines.empty()) {
        lock.unlock();
        for (const auto& l : lines) ok = ok && send(l);
        lock.lock();
        continue;
      }
      changed_.wait_until(
          lock, std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
    }
    const bool dropped = drops_ != drops;
    --open_watches_;
    lock.unlock();
    if (dropped) return;  // the connection just goes
    asio::write(s, http::make_chunk_last(), ec);
  }

  asio::io_context ioc_;
  asio::ssl::context tls_{asio::ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::thread accept_thread_;
  std::vector<std::thread> connections_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Resource> resources_;
  std::vector<std::string> requests_;
  std::string token_;
  const std::string address_;
  uint64_t rv_ = 100, compacted_ = 0, compactions_ = 0, drops_ = 0;
  size_t open_watches_ = 0;
  bool expire_continue_ = false, stopping_ = false;
};

}  // namespace vigil::k8s::testing
