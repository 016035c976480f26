// A minimal kubelet for the container plugin's CRI test (tests/container_cri_test.cpp): runs a pod
// through a CRI runtime's RuntimeService and removes it again, as crictl would. Its own process:
// the plugin under test carries the same CRI stubs, and protobuf allows one copy of a .proto's
// descriptors per process.
//   cri_kubelet SOCKET run-pod LOG_DIR   the pod web-0 of namespace shop (cgroupfs parent
//                                        /kubepods/besteffort/pod<uid>) with its container app
//                                        (sleep 60, /etc on /host/etc read-only); prints
//                                        key=value lines: sandbox, container, pid, pod_ip,
//                                        image_ref, created_at
//   cri_kubelet SOCKET remove-pod ID     stops (the CNI releases its address) and removes it
#include <grpcpp/grpcpp.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "cri/runtime_v1.grpc.pb.h"

namespace {

namespace cri = runtime::v1;

constexpr const char* kImage = "docker.io/library/vigil-test:1";
constexpr const char* kPodUid = "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
// The pod as applied: the app's exec probes; an HTTP probe (no command) on the sidecar.
constexpr const char* kLastApplied =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"shop"},)"
    R"("spec":{"containers":[{"name":"sidecar","livenessProbe":{"httpGet":{"port":80}}},)"
    R"({"name":"app","image":"vigil-test:1",)"
    R"("livenessProbe":{"exec":{"command":["/bin/cat","/tmp/alive"]}},)"
    R"("readinessProbe":{"exec":{"command":["test","-e","/tmp/ready"]}}}]}})";

std::unique_ptr<cri::RuntimeService::Stub> service;

template <typename Req, typename Resp>
Resp Call(grpc::Status (cri::RuntimeService::Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
          const Req& req, const char* what) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  Resp resp;
  grpc::Status s = (service.get()->*rpc)(&ctx, req, &resp);
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.error_message());
  return resp;
}

void KubernetesLabels(google::protobuf::Map<std::string, std::string>& labels) {
  labels["io.kubernetes.pod.name"] = "web-0";
  labels["io.kubernetes.pod.namespace"] = "shop";
  labels["io.kubernetes.pod.uid"] = kPodUid;
}

// As the kubelet configures the pod (cgroupfs driver, best effort).
cri::PodSandboxConfig PodConfig(const std::string& log_dir) {
  cri::PodSandboxConfig c;
  c.mutable_metadata()->set_name("web-0");
  c.mutable_metadata()->set_namespace_("shop");
  c.mutable_metadata()->set_uid(kPodUid);
  c.set_hostname("web-0");
  c.set_log_directory(log_dir);
  (*c.mutable_labels())["app"] = "web";
  (*c.mutable_labels())["tier"] = "front";
  KubernetesLabels(*c.mutable_labels());
  (*c.mutable_annotations())["kubectl.kubernetes.io/last-applied-configuration"] = kLastApplied;
  c.mutable_linux()->set_cgroup_parent(std::string("/kubepods/besteffort/pod") + kPodUid);
  return c;
}

void RunPod(const std::string& log_dir) {
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig(log_dir);
  const std::string sandbox =
      Call(&cri::RuntimeService::Stub::RunPodSandbox, run, "run pod sandbox").pod_sandbox_id();
  std::cout << "sandbox=" << sandbox << std::endl;  // for remove-pod, whatever fails next
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox);
  *create.mutable_sandbox_config() = PodConfig(log_dir);
  cri::ContainerConfig& c = *create.mutable_config();
  c.mutable_metadata()->set_name("app");
  c.mutable_image()->set_image(kImage);
  c.add_command("/bin/sleep");
  c.add_args("60");
  c.set_log_path("app.log");
  (*c.mutable_labels())["io.kubernetes.container.name"] = "app";
  KubernetesLabels(*c.mutable_labels());
  cri::Mount& m = *c.add_mounts();
  m.set_container_path("/host/etc");
  m.set_host_path("/etc");
  m.set_readonly(true);
  const std::string id =
      Call(&cri::RuntimeService::Stub::CreateContainer, create, "create container").container_id();
  cri::StartContainerRequest start;
  start.set_container_id(id);
  Call(&cri::RuntimeService::Stub::StartContainer, start, "start container");

  cri::ContainerStatusRequest status_req;
  status_req.set_container_id(id);
  status_req.set_verbose(true);
  auto status = Call(&cri::RuntimeService::Stub::ContainerStatus, status_req, "container status");
  rapidjson::Document info;
  info.Parse(status.info().count("info") ? status.info().at("info").c_str() : "{}");
  if (!info.IsObject() || !info.HasMember("pid") || !info["pid"].IsInt64())
    throw std::runtime_error("no pid in the container's verbose status");
  cri::PodSandboxStatusRequest pod_req;
  pod_req.set_pod_sandbox_id(sandbox);
  auto pod = Call(&cri::RuntimeService::Stub::PodSandboxStatus, pod_req, "pod sandbox status");
  std::cout << "container=" << id << "\npid=" << info["pid"].GetInt64()
            << "\npod_ip=" << pod.status().network().ip()
            << "\nimage_ref=" << status.status().image_ref()
            << "\ncreated_at=" << status.status().created_at() << std::endl;
}

void RemovePod(const std::string& sandbox) {
  cri::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(sandbox);
  Call(&cri::RuntimeService::Stub::StopPodSandbox, stop, "stop pod sandbox");
  cri::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(sandbox);
  Call(&cri::RuntimeService::Stub::RemovePodSandbox, remove, "remove pod sandbox");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: cri_kubelet SOCKET run-pod LOG_DIR | remove-pod SANDBOX_ID\n";
    return 2;
  }
  service = cri::RuntimeService::NewStub(
      grpc::CreateChannel(std::string("unix:") + argv[1], grpc::InsecureChannelCredentials()));
  const std::string command = argv[2];
  try {
    if (command == "run-pod") {
      RunPod(argv[3]);
    } else if (command == "remove-pod") {
      RemovePod(argv[3]);
    } else {
      std::cerr << "cri_kubelet: unknown command " << command << "\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "cri_kubelet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
