#include "cri_engine.hpp"

#include <grpcpp/grpcpp.h>

#include <stdexcept>

#include "cri/runtime_v1.grpc.pb.h"
#include "grpc_stream_canceller.hpp"

namespace vigil::container {

namespace cri = runtime::v1;

struct CriEngine::Impl {
  std::unique_ptr<cri::RuntimeService::Stub> runtime;
  std::chrono::milliseconds timeout;
  size_t label_max_len;

  StreamCanceller watch;

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + timeout);
    return ctx;
  }
};

namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

[[noreturn]] void Fail(const std::string& socket, const char* what, const grpc::Status& status) {
  throw std::runtime_error("CRI " + socket + ": " + what + ": " + status.error_message() +
                           " (gRPC code " + std::to_string(status.error_code()) + ")");
}

template <typename Map>
std::map<std::string, std::string> Labels(const Map& labels, size_t max_len) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : labels) {
    if (value.size() <= max_len) out.emplace(key, value);
  }
  return out;
}

// Falco's names for the CRI's propagation modes.
const char* Propagation(cri::MountPropagation p) {
  switch (p) {
    case cri::PROPAGATION_PRIVATE:
      return "private";
    case cri::PROPAGATION_HOST_TO_CONTAINER:
      return "rslave";
    case cri::PROPAGATION_BIDIRECTIONAL:
      return "rshared";
    default:
      return "unknown";
  }
}

void ApplyImage(const std::string& image, const std::string& image_ref, ContainerInfo& c) {
  // image: what the pod asked for ("nginx:1.25"), or the image's id when the runtime has only
  // that; image_ref: "repository@sha256:..." or the image's id ("sha256:...").
  if (image.rfind("sha256:", 0) != 0) {
    c.image = image;
    ImageName split = SplitImage(image);
    c.image_repository = std::move(split.repository);
    c.image_tag = std::move(split.tag);
    c.image_digest = std::move(split.digest);
  }
  if (size_t at = image_ref.find('@'); at != std::string::npos) {
    if (c.image_digest.empty()) c.image_digest = image_ref.substr(at + 1);
  } else if (image_ref.rfind("sha256:", 0) == 0) {
    c.image_id = image_ref.substr(7);
  }
  if (c.image_id.empty() && image.rfind("sha256:", 0) == 0) c.image_id = image.substr(7);
}

}  // namespace

CriEngine::CriEngine(std::string socket_path, std::chrono::milliseconds timeout,
                     size_t label_max_len)
    : socket_path_(std::move(socket_path)), impl_(std::make_unique<Impl>()) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);  // soon back after a runtime restart
  impl_->runtime = cri::RuntimeService::NewStub(
      grpc::CreateCustomChannel("unix:" + socket_path_, grpc::InsecureChannelCredentials(), args));
  impl_->timeout = timeout;
  impl_->label_max_len = label_max_len;
}

CriEngine::~CriEngine() = default;

std::optional<ContainerInfo> CriEngine::Inspect(const std::string& id) const {
  cri::ContainerStatusRequest req;
  req.set_container_id(id);
  req.set_verbose(true);
  cri::ContainerStatusResponse got;
  grpc::Status s = impl_->runtime->ContainerStatus(impl_->Context().get(), req, &got);
  ContainerInfo c;
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    // Not a container: perhaps a pod's sandbox (its pause process has the sandbox's cgroup).
    c.full_id = id;
    c.pod.sandbox_id = id;
    if (!AddPod(c)) return std::nullopt;
    c.name = c.pod.name;
    return c;
  }
  if (!s.ok()) Fail(socket_path_, "container status", s);
  const cri::ContainerStatus& status = got.status();
  c.full_id = status.id().empty() ? id : status.id();
  c.name = status.metadata().name();
  ApplyImage(status.image().image(), status.image_ref(), c);
  if (c.image_id.empty() && status.image_id().rfind("sha256:", 0) == 0)
    c.image_id = status.image_id().substr(7);
  c.labels = Labels(status.labels(), impl_->label_max_len);
  c.created_ns = status.created_at() > 0 ? static_cast<uint64_t>(status.created_at()) : 0;
  if (auto info = got.info().find("info"); info != got.info().end()) {
    try {
      ApplyCriContainerInfo(info->second, c);
    } catch (const std::exception& e) {
      throw std::runtime_error("CRI " + socket_path_ + ": container " + id + ": " + e.what());
    }
  }
  // The CRI's own list of what the kubelet mounted, when it gives one, over the spec's.
  if (status.mounts_size() > 0) {
    c.mounts.clear();
    for (const cri::Mount& m : status.mounts()) {
      c.mounts.push_back(Mount{m.host_path(), m.container_path(), "", Propagation(m.propagation()),
                               !m.readonly()});
    }
  }
  ApplyKubernetesLabels(c);
  if (c.pod.sandbox_id.empty()) {  // a runtime without verbose info: its list says
    cri::ListContainersRequest list_req;
    list_req.mutable_filter()->set_id(c.full_id);
    cri::ListContainersResponse listed;
    if (impl_->runtime->ListContainers(impl_->Context().get(), list_req, &listed).ok() &&
        listed.containers_size() == 1) {
      c.pod.sandbox_id = listed.containers(0).pod_sandbox_id();
    }
  }
  if (!c.pod.sandbox_id.empty()) AddPod(c);
  return c;
}

bool CriEngine::AddPod(ContainerInfo& c) const {
  cri::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(c.pod.sandbox_id);
  req.set_verbose(true);
  cri::PodSandboxStatusResponse got;
  grpc::Status s = impl_->runtime->PodSandboxStatus(impl_->Context().get(), req, &got);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  if (!s.ok()) Fail(socket_path_, "pod sandbox status", s);
  const cri::PodSandboxStatus& pod = got.status();
  if (c.pod.name.empty()) {
    c.pod.name = pod.metadata().name();
    c.pod.ns = pod.metadata().namespace_();
    c.pod.uid = pod.metadata().uid();
  }
  c.pod.labels = PodLabelsFromSandbox(Labels(pod.labels(), SIZE_MAX), impl_->label_max_len);
  c.pod.ip = pod.network().ip();
  c.ip = c.pod.ip;
  if (auto info = got.info().find("info"); info != got.info().end()) {
    c.pod.cni_json = CniResultFromSandboxInfo(info->second);
    c.cni_json = c.pod.cni_json;
  }
  if (c.created_ns == 0 && pod.created_at() > 0) c.created_ns = pod.created_at();
  // The pod's namespaces: what a container without a spec of its own (a sandbox) shares.
  if (c.full_id == c.pod.sandbox_id) {
    const cri::NamespaceOption& ns = pod.linux().namespaces().options();
    c.host_network = ns.network() == cri::NODE;
    c.host_pid = ns.pid() == cri::NODE;
    c.host_ipc = ns.ipc() == cri::NODE;
  }
  // The probes, as Falco finds them: in the pod as `kubectl apply` left it.
  if (auto applied = pod.annotations().find(kLastApplied); applied != pod.annotations().end()) {
    ApplyLastAppliedProbes(applied->second, c.name, c);
  }
  return true;
}

void CriEngine::Watch(
    const std::function<void(std::string_view action, std::string_view id)>& on_event) const {
  grpc::ClientContext ctx;  // no deadline: the stream lives as long as the runtime does
  const StreamCanceller::Registration watching = impl_->watch.Begin(ctx);
  if (!watching) return;

  std::unique_ptr<grpc::ClientReader<cri::ContainerEventResponse>> stream =
      impl_->runtime->GetContainerEvents(&ctx, cri::GetEventsRequest());
  cri::ContainerEventResponse event;
  while (stream->Read(&event)) {
    switch (event.container_event_type()) {
      case cri::CONTAINER_CREATED_EVENT:
        on_event("create", event.container_id());
        break;
      case cri::CONTAINER_STARTED_EVENT:
        on_event("start", event.container_id());
        break;
      case cri::CONTAINER_DELETED_EVENT:
        on_event("destroy", event.container_id());
        break;
      default:
        break;
    }
  }
  grpc::Status s = stream->Finish();
  if (s.ok() || s.error_code() == grpc::StatusCode::CANCELLED ||
      s.error_code() == grpc::StatusCode::UNIMPLEMENTED)
    return;
  Fail(socket_path_, "container events", s);
}

void CriEngine::Cancel() { impl_->watch.Cancel(); }

}  // namespace vigil::container
