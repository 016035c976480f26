// What the k8s enricher knows of the cluster: the objects its watches keep current, and the
// metadata of a pod with the objects linked to it (namespace, owners up to the deployment or
// cron job, services selecting it), answered by container id or pod uid for extraction. Watch
// threads write, extraction reads; one mutex, held for a few lookups. Bounded: at most
// `max_objects` of each kind (more are dropped and counted).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kube_object.hpp"

namespace vigil::k8s {

enum class Kind : uint8_t {
  kPod,
  kNamespace,
  kReplicaSet,
  kDeployment,
  kReplicationController,
  kJob,
  kService,
};
constexpr size_t kKinds = 7;
// Its name as ownerReferences and the API name it ("ReplicaSet").
const char* KindName(Kind kind);

// One object linked to a pod, as the fields show it: known when uid is set.
struct Meta {
  std::string name, uid;
  Labels labels;
  bool known() const { return !uid.empty(); }
};

struct PodMeta {
  Meta pod, ns, deployment, rs, rc, job, cronjob, daemonset, statefulset;
  std::string ip;
  std::vector<Meta> services;
};

class ClusterState {
 public:
  explicit ClusterState(size_t max_objects) : max_objects_(max_objects) {}

  // A fresh list of `kind`: what was kept of it goes, `objects` take its place.
  void Replace(Kind kind, std::vector<KubeObject> objects);
  // One watch event's change (kAdded, kModified, kDeleted; others are ignored).
  void Apply(Kind kind, WatchEvent::Type type, KubeObject object);

  // The pod running container `container_id` (the full id), or else the pod of `pod_uid`; null
  // when neither is known. The answer is a snapshot: valid however the state changes after.
  std::shared_ptr<const PodMeta> Find(std::string_view container_id,
                                      std::string_view pod_uid) const;
  bool HasPod(std::string_view pod_uid) const;
  // Called with a pod's uid each time a pod comes in or changes (from the watch's thread, with
  // no lock held). Set it before the watches start.
  void OnPod(std::function<void(const std::string& uid)> on_pod) { on_pod_ = std::move(on_pod); }

  size_t size(Kind kind) const;
  uint64_t dropped() const;

 private:
  using Objects = std::unordered_map<std::string, KubeObject>;  // by uid; namespaces by name
  static std::string KeyOf(Kind kind, const KubeObject& o);
  void Insert(Kind kind, KubeObject object);  // with mu_ held
  void Erase(Kind kind, const std::string& key);
  std::shared_ptr<const PodMeta> Build(const KubeObject& pod) const;
  Meta MetaOf(Kind kind, const OwnerRef* ref) const;

  const size_t max_objects_;
  mutable std::mutex mu_;
  std::array<Objects, kKinds> objects_;
  std::unordered_map<std::string, std::string> pod_of_container_;  // container id -> pod uid
  // Built on demand, dropped at every change (pod metadata is asked far more than it changes).
  mutable std::unordered_map<std::string, std::shared_ptr<const PodMeta>> built_;
  uint64_t dropped_ = 0;
  std::function<void(const std::string&)> on_pod_;
};

}  // namespace vigil::k8s
