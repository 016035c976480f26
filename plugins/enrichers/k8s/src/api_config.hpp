// Where the k8s enricher finds the API server and how it authenticates, as kubectl and client-go
// do: a kubeconfig when one is configured (its current context: server, CA, token or client
// certificate), else in-cluster (KUBERNETES_SERVICE_HOST/PORT, the service account's token and
// CA under /var/run/secrets/kubernetes.io/serviceaccount), else none: the fields have no value.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api_client.hpp"

namespace vigil::k8s {

struct ApiSettings {
  std::string api_server;  // "https://host:port"; "" for the kubeconfig's or in-cluster
  std::string kubeconfig;  // a path; "" for none
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
};

// The endpoint, or nullopt when there is no kubeconfig and vigil is not in a cluster. Throws
// std::runtime_error naming the file and what is wrong (unreadable, no current context, an
// auth method vigil does not support, verification turned off).
std::optional<ApiEndpoint> ResolveEndpoint(const ApiSettings& settings,
                                           const std::map<std::string, std::string>& env);

// "https://host:port" (port 443 when left out; [v6] literals) into the endpoint's host and port.
void SetServer(const std::string& url, ApiEndpoint& e);

}  // namespace vigil::k8s
