#include "docker_engine.hpp"

#include <rapidjson/document.h>

#include <stdexcept>
#include <utility>

namespace vigil::container {

namespace {

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

std::string Reason(const UnixHttpClient::Response& r) {
  rapidjson::Document doc;  // Docker's errors are {"message": "..."}
  doc.Parse(r.body.data(), r.body.size());
  std::string why = "HTTP " + std::to_string(r.status);
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("message") &&
      doc["message"].IsString()) {
    why += ": " + std::string(doc["message"].GetString());
  }
  return why;
}

}  // namespace

DockerEngine::DockerEngine(std::string socket_path, std::chrono::milliseconds timeout,
                           size_t label_max_len)
    : http_(std::move(socket_path), timeout), label_max_len_(label_max_len) {}

std::optional<ContainerInfo> DockerEngine::Inspect(const std::string& id) const {
  // Docker's ids are hex; anything else (another runtime's id, as containerd's event stream
  // names them) is not Docker's, and only hex goes into the request line.
  if (!IsHex(id)) return std::nullopt;
  UnixHttpClient::Response r = http_.Get("/containers/" + id + "/json");
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) {
    throw std::runtime_error(socket_path() + ": container " + id + ": " + Reason(r));
  }
  ContainerInfo c = ParseDockerInspect(r.body, label_max_len_);
  if (c.image_digest.empty() && !c.image_id.empty() && IsHex(c.image_id)) {
    // The registry digest is the image's, not the container's; a local image has none.
    UnixHttpClient::Response image = http_.Get("/images/sha256:" + c.image_id + "/json");
    if (image.status == 200) c.image_digest = DigestFromDockerImage(image.body, c.image_repository);
  }
  return c;
}

void DockerEngine::Watch(
    const std::function<void(std::string_view action, std::string_view id)>& on_event,
    const std::atomic<bool>& stop) const {
  // filters={"type":["container"]}
  const std::string target = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";
  const unsigned status = http_.Stream(
      target,
      [&](std::string_view line) {
        rapidjson::Document doc;
        doc.Parse(line.data(), line.size());
        if (doc.HasParseError() || !doc.IsObject()) return;  // not an event: skip it
        auto text = [&](const rapidjson::Value& v, const char* key) -> std::string_view {
          auto it = v.FindMember(key);
          if (it == v.MemberEnd() || !it->value.IsString()) return {};
          return {it->value.GetString(), it->value.GetStringLength()};
        };
        std::string_view action = text(doc, "Action");
        if (action.empty()) action = text(doc, "status");  // API before 1.22
        std::string_view id = text(doc, "id");
        auto actor = doc.FindMember("Actor");
        if (id.empty() && actor != doc.MemberEnd() && actor->value.IsObject()) {
          id = text(actor->value, "ID");
        }
        if (!action.empty() && !id.empty()) on_event(action, id);
      },
      stop);
  if (status != 200) {
    throw std::runtime_error(socket_path() + ": /events: HTTP " + std::to_string(status));
  }
}

}  // namespace vigil::container
