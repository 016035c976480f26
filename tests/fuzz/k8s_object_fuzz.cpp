// Fuzzes what the k8s enricher reads from the API server (plugins/enrichers/k8s): a list page
// and a watch event line (ParseList, ParseWatchEvent), and the cluster state fed with what they
// accept. Input: the first byte picks list or watch line, the rest is the JSON. A parse either
// throws std::runtime_error or gives objects the state takes and answers for.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "cluster_state.hpp"
#include "fuzz_util.hpp"
#include "kube_object.hpp"

namespace {

using namespace vigil::k8s;
using vigil::fuzz::Require;

void Check(ClusterState& state, const KubeObject& o) {
  if (o.uid.empty()) return;
  std::shared_ptr<const PodMeta> by_uid = state.Find("", o.uid);
  Require(by_uid != nullptr && by_uid->pod.uid == o.uid, "a pod kept is found by its uid");
  for (const auto& id : o.container_ids) {
    Require(state.Find(id, "") != nullptr, "a pod kept is found by its containers");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view json(reinterpret_cast<const char*>(data) + 1, size - 1);
  ClusterState state(16);
  try {
    if (data[0] % 2 == 0) {
      ObjectList list = ParseList(json);
      const size_t n = list.items.size();
      state.Replace(Kind::kPod, list.items);
      state.Replace(Kind::kService, list.items);
      Require(state.size(Kind::kPod) <= 16 && state.size(Kind::kPod) <= n, "bounded");
      if (n == 1) Check(state, list.items[0]);
    } else {
      WatchEvent e = ParseWatchEvent(json);
      state.Apply(Kind::kNamespace, e.type, e.object);
      state.Apply(Kind::kPod, e.type, e.object);
      const bool put = e.type == WatchEvent::Type::kAdded || e.type == WatchEvent::Type::kModified;
      if (put) Check(state, e.object);
    }
  } catch (const std::runtime_error&) {
    // Rejected with a message: what bad input should get.
  }
  return 0;
}
