// A local Docker Engine API server on a unix socket, for the client's and the plugin's tests where
// no dockerd runs. It checks what the real one requires of a request (HTTP/1.1, a Host header,
// GET on a known route) and answers as it documents: the inspect object, 404 with
// {"message": ...} for an unknown container, 400 for a malformed request, and /events as a
// chunked stream of JSON lines that stays open.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::container::testing {

class FakeDockerEngine {
 public:
  explicit FakeDockerEngine(std::string path) : path_(std::move(path)) {
    ::unlink(path_.c_str());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      std::perror("fake docker: bind");
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDockerEngine() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_all();
    }
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    for (std::thread& t : connections_) t.join();
    ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }

  // The inspect answer for `id` (full id; unknown ids get 404). `delay` holds the answer back.
  void SetContainer(const std::string& id, std::string json,
                    std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    std::lock_guard lock(mutex_);
    containers_[id] = {std::move(json), delay};
  }
  void RemoveContainer(const std::string& id) {
    std::lock_guard lock(mutex_);
    containers_.erase(id);
  }
  void SetImage(const std::string& id, std::string json) {
    std::lock_guard lock(mutex_);
    images_[id] = std::move(json);
  }
  // Sends one event to every open /events stream.
  void Emit(const std::string& json_line) {
    std::lock_guard lock(mutex_);
    events_.push_back(json_line + "\n");
    wake_.notify_all();
  }
  // Requests seen, as "GET /path".
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t streams() const { return streams_.load(); }

 private:
  struct Answer {
    std::string json;
    std::chrono::milliseconds delay;
  };

  void Serve() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      connections_.emplace_back([this, fd] {
        Handle(fd);
        ::close(fd);
      });
    }
  }

  static bool SendAll(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  static void Reply(int fd, int status, const char* reason, const std::string& body) {
    SendAll(fd, "HTTP/1.1 " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  void Handle(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    const std::string line = request.substr(0, request.find("\r\n"));
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp1 == sp2 || line.substr(sp2 + 1) != "HTTP/1.1" ||
        request.find("\r\nHost: ") == std::string::npos) {
      return Reply(fd, 400, "Bad Request", R"({"message":"malformed request"})");
    }
    const std::string method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(method + " " + target);
    }
    if (method != "GET") return Reply(fd, 405, "Method Not Allowed", R"({"message":"GET only"})");
    const std::string containers = "/containers/", images = "/images/";
    if (target.rfind("/events?", 0) == 0) return StreamEvents(fd);
    if (target.rfind(containers, 0) == 0 && target.size() > containers.size() + 5 &&
        target.compare(target.size() - 5, 5, "/json") == 0) {
      const std::string id =
          target.substr(containers.size(), target.size() - 5 - containers.size());
      Answer answer;
      {
        std::lock_guard lock(mutex_);
        auto it = containers_.find(id);
        if (it == containers_.end()) {
          return Reply(fd, 404, "Not Found", R"({"message":"No such container: )" + id + R"("})");
        }
        answer = it->second;
      }
      std::this_thread::sleep_for(answer.delay);
      return Reply(fd, 200, "OK", answer.json);
    }
    if (target.rfind(images, 0) == 0 && target.size() > images.size() + 5) {
      const std::string id = target.substr(images.size(), target.size() - 5 - images.size());
      std::lock_guard lock(mutex_);
      auto it = images_.find(id);
      if (it == images_.end()) {
        return Reply(fd, 404, "Not Found", R"({"message":"No such image: )" + id + R"("})");
      }
      return Reply(fd, 200, "OK", it->second);
    }
    Reply(fd, 404, "Not Found", R"({"message":"page not found"})");
  }

  void StreamEvents(int fd) {
    if (!SendAll(fd,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n")) {
      return;
    }
    ++streams_;
    std::unique_lock lock(mutex_);
    size_t sent = events_.size();  // a stream gets the events after it opened, as dockerd's
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || sent < events_.size(); });
      if (stopping_) return;
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", events_[sent].size());
      if (!SendAll(fd, size + events_[sent] + "\r\n")) return;
      ++sent;
    }
  }

  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
  std::vector<std::thread> connections_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Answer> containers_;
  std::map<std::string, std::string> images_;
  std::deque<std::string> events_;
  std::vector<std::string> requests_;
  std::atomic<size_t> streams_{0};
};

}  // namespace vigil::container::testing
