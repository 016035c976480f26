#include "watcher.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vigil::k8s {

namespace {

// Percent-encodes a query value (field selectors hold '=' and ',').
std::string Encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Thrown for "410 Gone": start over with a fresh list.
struct Gone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Refused(const std::string& what, unsigned status, const std::string& body) {
  std::string message = StatusMessage(body);
  std::string why = status == 401   ? " (the token was refused)"
                    : status == 403 ? " (the service account may not do this: RBAC)"
                                    : "";
  throw std::runtime_error(what + ": HTTP " + std::to_string(status) + why +
                           (message.empty() ? "" : ": " + message));
}

}  // namespace

Watcher::Watcher(const ApiClient& client, Resource resource, ClusterState& state, sdk::Logger log,
                 WatchOptions options)
    : client_(client),
      resource_(std::move(resource)),
      state_(state),
      log_(std::move(log)),
      options_(options) {}

std::string Watcher::Target(bool watch, const std::string& rv, const std::string& cont) const {
  std::string t = resource_.path + "?";
  if (watch) {
    t += "watch=1&allowWatchBookmarks=true&resourceVersion=" + Encode(rv) +
         "&timeoutSeconds=" + std::to_string(options_.watch_timeout.count());
  } else {
    t += "limit=" + std::to_string(options_.page_size);
    if (!cont.empty()) t += "&continue=" + Encode(cont);
  }
  if (!resource_.field_selector.empty()) t += "&fieldSelector=" + Encode(resource_.field_selector);
  return t;
}

std::string Watcher::List() {
  std::vector<KubeObject> items;
  std::string cont, rv;
  for (;;) {
    ApiClient::Response r = client_.Get(Target(false, "", cont));
    if (r.status == 410 && !cont.empty()) {  // the continue token expired: list from the start
      items.clear();
      cont.clear();
      continue;
    }
    if (r.status != 200) Refused("list " + resource_.path, r.status, r.body);
    ObjectList page = ParseList(r.body);
    for (auto& o : page.items) items.push_back(std::move(o));
    cont = page.continue_token;
    rv = page.resource_version;
    if (cont.empty()) break;
  }
  state_.Replace(resource_.kind, std::move(items));
  synced_ = true;  // before the count, which tells the world the list is in
  ++lists_;
  return rv;
}

bool Watcher::Watch(std::string& rv, const std::atomic<bool>& stop) {
  std::string error_body;
  bool gone = false;
  const unsigned status = client_.Stream(
      Target(true, rv, ""),
      [&](std::string_view line) {
        if (gone || line.empty()) return;
        WatchEvent e = ParseWatchEvent(line);  // throws on bad JSON: resumed from the last rv
        if (e.type == WatchEvent::Type::kError) {
          if (e.code == 410) {
            gone = true;
            return;
          }
          throw std::runtime_error("watch " + resource_.path + ": ERROR " + std::to_string(e.code) +
                                   ": " + e.message);
        }
        if (!e.object.resource_version.empty()) rv = e.object.resource_version;
        if (e.type != WatchEvent::Type::kBookmark) {
          state_.Apply(resource_.kind, e.type, std::move(e.object));
          ++events_;
        }
      },
      stop, options_.watch_timeout + std::chrono::seconds(60), &error_body);
  if (status == 410) return false;
  if (status != 200) Refused("watch " + resource_.path, status, error_body);
  return !gone;
}

void Watcher::Run(const std::atomic<bool>& stop) {
  std::mt19937_64 random(std::random_device{}());
  std::chrono::milliseconds backoff = options_.backoff_min;
  std::string rv;
  while (!stop) {
    try {
      if (rv.empty()) rv = List();
      if (!Watch(rv, stop)) {
        log_.Info("watch " + resource_.path + ": resource version " + rv +
                  " is gone (410): listing again");
        rv.clear();
      }
      backoff = options_.backoff_min;
    } catch (const std::exception& e) {
      ++errors_;
      log_.Warning(std::string(e.what()) + "; retrying in about " +
                   std::to_string(backoff.count()) + " ms");
      // Full jitter in [backoff/2, backoff]: watchers of many nodes do not retry in step.
      std::uniform_int_distribution<int64_t> jitter(backoff.count() / 2, backoff.count());
      Sleep(std::chrono::milliseconds(jitter(random)), stop);
      backoff = std::min(backoff * 2, options_.backoff_max);
    }
  }
}

void Watcher::Sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, d, [&] { return stop.load(); });
}

void Watcher::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  wake_.notify_all();
}

}  // namespace vigil::k8s
