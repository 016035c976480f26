#include "cluster_state.hpp"

#include <algorithm>
#include <utility>

namespace vigil::k8s {

namespace {

size_t Index(Kind kind) { return static_cast<size_t>(kind); }

bool Selects(const Labels& selector, const Labels& labels) {
  if (selector.empty()) return false;  // a service without a selector selects nothing
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kPod:
      return "Pod";
    case Kind::kNamespace:
      return "Namespace";
    case Kind::kReplicaSet:
      return "ReplicaSet";
    case Kind::kDeployment:
      return "Deployment";
    case Kind::kReplicationController:
      return "ReplicationController";
    case Kind::kJob:
      return "Job";
    case Kind::kService:
      return "Service";
  }
  return "?";
}

std::string ClusterState::KeyOf(Kind kind, const KubeObject& o) {
  return kind == Kind::kNamespace ? o.name : o.uid;
}

void ClusterState::Insert(Kind kind, KubeObject object) {
  Objects& objects = objects_[Index(kind)];
  std::string key = KeyOf(kind, object);
  if (key.empty()) return;
  Erase(kind, key);
  if (objects.size() >= max_objects_) {
    ++dropped_;
    return;
  }
  if (kind == Kind::kPod) {
    for (const auto& id : object.container_ids) pod_of_container_[id] = object.uid;
  }
  objects.emplace(std::move(key), std::move(object));
}

void ClusterState::Erase(Kind kind, const std::string& key) {
  Objects& objects = objects_[Index(kind)];
  auto it = objects.find(key);
  if (it == objects.end()) return;
  if (kind == Kind::kPod) {
    for (const auto& id : it->second.container_ids) {
      auto c = pod_of_container_.find(id);
      if (c != pod_of_container_.end() && c->second == key) pod_of_container_.erase(c);
    }
  }
  objects.erase(it);
}

void ClusterState::Replace(Kind kind, std::vector<KubeObject> objects) {
  std::vector<std::string> pods;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (kind == Kind::kPod) pod_of_container_.clear();
    objects_[Index(kind)].clear();
    for (auto& o : objects) {
      if (kind == Kind::kPod) pods.push_back(o.uid);
      Insert(kind, std::move(o));
    }
    built_.clear();
  }
  if (on_pod_) {
    for (const auto& uid : pods) on_pod_(uid);
  }
}

void ClusterState::Apply(Kind kind, WatchEvent::Type type, KubeObject object) {
  const bool put = type == WatchEvent::Type::kAdded || type == WatchEvent::Type::kModified;
  const std::string pod = kind == Kind::kPod && put ? object.uid : "";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (put) {
      Insert(kind, std::move(object));
    } else if (type == WatchEvent::Type::kDeleted) {
      Erase(kind, KeyOf(kind, object));
    } else {
      return;
    }
    built_.clear();
  }
  if (!pod.empty() && on_pod_) on_pod_(pod);
}

std::shared_ptr<const PodMeta> ClusterState::Find(std::string_view container_id,
                                                  std::string_view pod_uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string uid(pod_uid);
  if (!container_id.empty()) {
    auto c = pod_of_container_.find(std::string(container_id));
    if (c != pod_of_container_.end()) uid = c->second;
  }
  if (uid.empty()) return nullptr;
  if (auto b = built_.find(uid); b != built_.end()) return b->second;
  const Objects& pods = objects_[Index(Kind::kPod)];
  auto p = pods.find(uid);
  if (p == pods.end()) return nullptr;
  return built_[uid] = Build(p->second);
}

bool ClusterState::HasPod(std::string_view pod_uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_[Index(Kind::kPod)].count(std::string(pod_uid)) != 0;
}

Meta ClusterState::MetaOf(Kind kind, const OwnerRef* ref) const {
  if (ref == nullptr) return {};
  Meta m{ref->name, ref->uid, {}};
  const Objects& objects = objects_[Index(kind)];
  if (auto it = objects.find(ref->uid); it != objects.end()) m.labels = it->second.labels;
  return m;
}

std::shared_ptr<const PodMeta> ClusterState::Build(const KubeObject& pod) const {
  auto meta = std::make_shared<PodMeta>();
  meta->pod = Meta{pod.name, pod.uid, pod.labels};
  meta->ip = pod.ip;
  const Objects& namespaces = objects_[Index(Kind::kNamespace)];
  if (auto ns = namespaces.find(pod.ns); ns != namespaces.end()) {
    meta->ns = Meta{ns->second.name, ns->second.uid, ns->second.labels};
  } else {
    meta->ns.name = pod.ns;  // the name is the pod's to tell; uid and labels are the namespace's
  }
  // Owners: pod -> ReplicaSet -> Deployment, pod -> Job -> CronJob, and the direct ones.
  meta->rs = MetaOf(Kind::kReplicaSet, pod.Owner("ReplicaSet"));
  if (meta->rs.known()) {
    const Objects& sets = objects_[Index(Kind::kReplicaSet)];
    if (auto rs = sets.find(meta->rs.uid); rs != sets.end()) {
      meta->deployment = MetaOf(Kind::kDeployment, rs->second.Owner("Deployment"));
    }
  }
  meta->job = MetaOf(Kind::kJob, pod.Owner("Job"));
  if (meta->job.known()) {
    const Objects& jobs = objects_[Index(Kind::kJob)];
    if (auto job = jobs.find(meta->job.uid); job != jobs.end()) {
      if (const OwnerRef* cron = job->second.Owner("CronJob")) {
        meta->cronjob = Meta{cron->name, cron->uid, {}};
      }
    }
  }
  meta->rc = MetaOf(Kind::kReplicationController, pod.Owner("ReplicationController"));
  if (const OwnerRef* ds = pod.Owner("DaemonSet")) meta->daemonset = Meta{ds->name, ds->uid, {}};
  if (const OwnerRef* ss = pod.Owner("StatefulSet")) {
    meta->statefulset = Meta{ss->name, ss->uid, {}};
  }
  for (const auto& [uid, svc] : objects_[Index(Kind::kService)]) {
    if (svc.ns == pod.ns && Selects(svc.selector, pod.labels)) {
      meta->services.push_back(Meta{svc.name, svc.uid, svc.labels});
    }
  }
  std::sort(meta->services.begin(), meta->services.end(),
            [](const Meta& a, const Meta& b) { return a.name < b.name; });
  return meta;
}

size_t ClusterState::size(Kind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_[Index(kind)].size();
}

uint64_t ClusterState::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace vigil::k8s
