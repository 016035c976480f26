#include "containerd_engine.hpp"

#include <grpcpp/grpcpp.h>

#include <stdexcept>
#include <vector>

#include "github.com/containerd/containerd/api/events/container.pb.h"
#include "github.com/containerd/containerd/api/events/task.pb.h"
#include "github.com/containerd/containerd/api/services/containers/v1/containers.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/events/v1/events.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/namespaces/v1/namespace.grpc.pb.h"
#include "grpc_stream_canceller.hpp"

namespace vigil::container {

namespace containers = containerd::services::containers::v1;
namespace images = containerd::services::images::v1;
namespace namespaces = containerd::services::namespaces::v1;
namespace events = containerd::services::events::v1;

struct ContainerdEngine::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<containers::Containers::Stub> containers;
  std::unique_ptr<images::Images::Stub> images;
  std::unique_ptr<namespaces::Namespaces::Stub> namespaces;
  std::unique_ptr<events::Events::Stub> events;
  std::chrono::milliseconds timeout;
  size_t label_max_len;

  StreamCanceller watch;

  // A context for one call: its deadline, and the namespace containerd scopes it to.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& ns) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + timeout);
    if (!ns.empty()) ctx->AddMetadata("containerd-namespace", ns);
    return ctx;
  }
};

namespace {

[[noreturn]] void Fail(const std::string& socket, const char* what, const grpc::Status& status) {
  throw std::runtime_error("containerd " + socket + ": " + what + ": " + status.error_message() +
                           " (gRPC code " + std::to_string(status.error_code()) + ")");
}

uint64_t Nanoseconds(const google::protobuf::Timestamp& t) {
  if (t.seconds() <= 0) return 0;
  return static_cast<uint64_t>(t.seconds()) * 1000000000u + static_cast<uint64_t>(t.nanos());
}

std::map<std::string, std::string> Labels(const containers::Container& c, size_t max_len) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : c.labels()) {
    if (value.size() <= max_len) out.emplace(key, value);
  }
  return out;
}

}  // namespace

ContainerdEngine::ContainerdEngine(std::string socket_path, std::chrono::milliseconds timeout,
                                   size_t label_max_len)
    : socket_path_(std::move(socket_path)), impl_(std::make_unique<Impl>()) {
  grpc::ChannelArguments args;
  // Reconnect soon after containerd restarts; the defaults back off up to two minutes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  impl_->channel =
      grpc::CreateCustomChannel("unix:" + socket_path_, grpc::InsecureChannelCredentials(), args);
  impl_->containers = containers::Containers::NewStub(impl_->channel);
  impl_->images = images::Images::NewStub(impl_->channel);
  impl_->namespaces = namespaces::Namespaces::NewStub(impl_->channel);
  impl_->events = events::Events::NewStub(impl_->channel);
  impl_->timeout = timeout;
  impl_->label_max_len = label_max_len;
}

ContainerdEngine::~ContainerdEngine() = default;

std::optional<ContainerInfo> ContainerdEngine::Inspect(const std::string& id) const {
  namespaces::ListNamespacesResponse listed;
  if (grpc::Status s = impl_->namespaces->List(impl_->Context("").get(), {}, &listed); !s.ok())
    Fail(socket_path_, "list namespaces", s);
  // k8s.io first: on a Kubernetes node nearly every container is there.
  std::vector<std::string> order;
  for (const auto& n : listed.namespaces()) {
    n.name() == "k8s.io" ? (void)order.insert(order.begin(), n.name()) : order.push_back(n.name());
  }
  for (const std::string& ns : order) {
    containers::GetContainerRequest req;
    req.set_id(id);
    containers::GetContainerResponse got;
    grpc::Status s = impl_->containers->Get(impl_->Context(ns).get(), req, &got);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    if (!s.ok()) Fail(socket_path_, "get container", s);
    const containers::Container& c = got.container();

    ContainerInfo info;
    info.full_id = c.id();
    info.name = c.labels().count("nerdctl/name") ? c.labels().at("nerdctl/name") : c.id();
    info.image = c.image();
    ImageName split = SplitImage(info.image);
    info.image_repository = std::move(split.repository);
    info.image_tag = std::move(split.tag);
    info.image_digest = std::move(split.digest);
    info.labels = Labels(c, impl_->label_max_len);
    info.created_ns = Nanoseconds(c.created_at());
    if (c.has_spec()) {
      try {
        ApplyOciSpec(c.spec().value(), info);
      } catch (const std::exception& e) {
        throw std::runtime_error("containerd " + socket_path_ + ": container " + id + ": " +
                                 e.what());
      }
    }
    ApplyKubernetesLabels(info);

    // The image's digest (its manifest's, as `ctr images ls` shows it); gone images leave it out.
    if (!info.image.empty()) {
      images::GetImageRequest image_req;
      image_req.set_name(info.image);
      images::GetImageResponse image;
      if (impl_->images->Get(impl_->Context(ns).get(), image_req, &image).ok()) {
        const std::string& digest = image.image().target().digest();
        if (info.image_digest.empty()) info.image_digest = digest;
        info.image_id = digest.rfind("sha256:", 0) == 0 ? digest.substr(7) : digest;
      }
    }
    // The pod's labels are on its sandbox container.
    if (!info.pod.sandbox_id.empty()) {
      containers::GetContainerRequest sandbox_req;
      sandbox_req.set_id(info.pod.sandbox_id);
      containers::GetContainerResponse sandbox;
      if (impl_->containers->Get(impl_->Context(ns).get(), sandbox_req, &sandbox).ok()) {
        info.pod.labels =
            PodLabelsFromSandbox(Labels(sandbox.container(), SIZE_MAX), impl_->label_max_len);
      }
    }
    return info;
  }
  return std::nullopt;
}

void ContainerdEngine::Watch(
    const std::function<void(std::string_view action, std::string_view id)>& on_event) const {
  grpc::ClientContext ctx;  // no deadline: the stream lives as long as containerd does
  const StreamCanceller::Registration watching = impl_->watch.Begin(ctx);
  if (!watching) return;

  events::SubscribeRequest req;
  req.add_filters(R"(topic~="^/containers/")");
  req.add_filters(R"(topic=="/tasks/start")");
  std::unique_ptr<grpc::ClientReader<events::Envelope>> stream =
      impl_->events->Subscribe(&ctx, req);
  events::Envelope envelope;
  while (stream->Read(&envelope)) {
    const std::string& topic = envelope.topic();
    const std::string& value = envelope.event().value();
    if (topic == "/containers/create") {
      containerd::events::ContainerCreate e;
      if (e.ParseFromString(value)) on_event("create", e.id());
    } else if (topic == "/containers/delete") {
      containerd::events::ContainerDelete e;
      if (e.ParseFromString(value)) on_event("destroy", e.id());
    } else if (topic == "/tasks/start") {
      containerd::events::TaskStart e;
      if (e.ParseFromString(value)) on_event("start", e.container_id());
    }
  }
  grpc::Status s = stream->Finish();
  if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED) Fail(socket_path_, "events", s);
}

void ContainerdEngine::Cancel() { impl_->watch.Cancel(); }

}  // namespace vigil::container
