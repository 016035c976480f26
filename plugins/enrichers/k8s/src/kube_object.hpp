// Kubernetes objects as the k8s enricher keeps them: only what its fields and the links between
// objects need (names, uids, labels, owners; a pod's node, address and containers; a service's
// selector), so a node's share of a cluster stays small. Parsed from the API server's JSON: a list
// page, or one line of a watch stream.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::k8s {

using Labels = std::map<std::string, std::string>;

struct OwnerRef {
  std::string kind, name, uid;
  bool controller = false;
};

struct KubeObject {
  std::string uid, name, ns, resource_version;
  Labels labels;
  std::vector<OwnerRef> owners;
  // Pods.
  std::string node, ip;
  std::vector<std::string> container_ids;  // from status, without the "containerd://" prefix
  // Services: the pods they select (none: a service without a selector selects nothing).
  Labels selector;

  // The owner that controls the object (ownerReferences[].controller), or the one of `kind`.
  const OwnerRef* Owner(std::string_view kind) const;
};

struct ObjectList {
  std::vector<KubeObject> items;
  std::string resource_version;  // the list's, to watch from
  std::string continue_token;    // the next page's, "" on the last
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  KubeObject object;    // kError: empty
  int code = 0;         // kError: the Status's code (410: the resource version is too old)
  std::string message;  // kError: the Status's message
};

// These throw std::runtime_error saying what is wrong (bad JSON at offset N, a member missing or
// of the wrong type) and where (the object's name where it has one).
ObjectList ParseList(std::string_view json);
WatchEvent ParseWatchEvent(std::string_view line);

// The message of a Status answer (an error's body), or "" when `json` is not one.
std::string StatusMessage(std::string_view json);

}  // namespace vigil::k8s
