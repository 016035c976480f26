#include "api_config.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vigil::k8s {

namespace {

[[noreturn]] void Bad(const std::string& what) { throw std::runtime_error(what); }

std::string ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Bad("cannot read " + what + " " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Base64(const std::string& in, const std::string& where) {
  std::string clean;
  for (char c : in) {
    if (c != '\n' && c != '\r' && c != ' ') clean += c;
  }
  if (clean.size() % 4 != 0) Bad(where + ": not base64");
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) Bad(where + ": not base64");
  size_t pad = 0;
  while (pad < 2 && pad < clean.size() && clean[clean.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// The entry `name` of a kubeconfig list (clusters, users, contexts): its inner map.
YAML::Node Named(const YAML::Node& root, const char* list, const char* inner,
                 const std::string& name, const std::string& where) {
  for (const auto& item : root[list]) {
    if (item["name"] && item["name"].as<std::string>() == name) return item[inner];
  }
  Bad(where + ": no " + std::string(list) + " entry named '" + name + "'");
}

// A file member (relative paths from the kubeconfig's folder) or its -data twin, base64.
std::string FileOrData(const YAML::Node& node, const std::string& key, const std::string& dir,
                       const std::string& where) {
  if (node[key + "-data"])
    return Base64(node[key + "-data"].as<std::string>(), where + " " + key + "-data");
  if (!node[key]) return "";
  std::string path = node[key].as<std::string>();
  if (!path.empty() && path[0] != '/') path = dir + "/" + path;
  return ReadFile(path, where + " " + key);
}

ApiEndpoint FromKubeconfig(const std::string& path) {
  const std::string where = "kubeconfig " + path;
  YAML::Node root;
  try {
    root = YAML::Load(ReadFile(path, "the kubeconfig"));
  } catch (const YAML::Exception& e) {
    Bad(where + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  try {
    const std::string dir =
        path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
    if (!root["current-context"]) Bad(where + ": no current-context");
    const std::string context_name = root["current-context"].as<std::string>();
    YAML::Node context = Named(root, "contexts", "context", context_name, where);
    YAML::Node cluster =
        Named(root, "clusters", "cluster", context["cluster"].as<std::string>(), where);
    YAML::Node user = Named(root, "users", "user", context["user"].as<std::string>(), where);
    if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>()) {
      Bad(where + ": insecure-skip-tls-verify: vigil verifies the API server; give its CA");
    }
    if (user["exec"] || user["auth-provider"]) {
      Bad(where + ": user '" + context["user"].as<std::string>() +
          "' authenticates with exec/auth-provider, which vigil does not run; give a token or a "
          "client certificate");
    }
    ApiEndpoint e;
    if (!cluster["server"]) Bad(where + ": cluster without a server");
    SetServer(cluster["server"].as<std::string>(), e);
    e.ca_pem = FileOrData(cluster, "certificate-authority", dir, where);
    if (user["token"]) e.token = user["token"].as<std::string>();
    if (user["tokenFile"]) e.token_file = user["tokenFile"].as<std::string>();
    e.client_cert_pem = FileOrData(user, "client-certificate", dir, where);
    e.client_key_pem = FileOrData(user, "client-key", dir, where);
    return e;
  } catch (const YAML::Exception& e) {
    Bad(where + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace

void SetServer(const std::string& url, ApiEndpoint& e) {
  const std::string scheme = "https://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    Bad("api server '" + url + "': only https:// (vigil does not talk to the API in the clear)");
  }
  std::string rest = url.substr(scheme.size());
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  e.port = "443";
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) Bad("api server '" + url + "': unclosed [");
    e.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') e.port = rest.substr(close + 2);
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    e.host = rest.substr(0, colon);
    e.port = rest.substr(colon + 1);
  } else {
    e.host = rest;
  }
  if (e.host.empty() || e.port.empty()) Bad("api server '" + url + "': no host or port");
}

std::optional<ApiEndpoint> ResolveEndpoint(const ApiSettings& s,
                                           const std::map<std::string, std::string>& env) {
  std::optional<ApiEndpoint> e;
  if (!s.kubeconfig.empty()) {
    e = FromKubeconfig(s.kubeconfig);
  } else {
    auto host = env.find("KUBERNETES_SERVICE_HOST");
    auto port = env.find("KUBERNETES_SERVICE_PORT");
    if (host == env.end() && s.api_server.empty()) return std::nullopt;  // not in a cluster
    e.emplace();
    if (host != env.end()) {
      const bool v6 = host->second.find(':') != std::string::npos;
      SetServer("https://" + (v6 ? "[" + host->second + "]" : host->second) + ":" +
                    (port == env.end() ? "443" : port->second),
                *e);
    }
    e->token_file = s.token_file;
    e->ca_pem = ReadFile(s.ca_file, "the service account's CA");
  }
  if (!s.api_server.empty()) SetServer(s.api_server, *e);
  return e;
}

}  // namespace vigil::k8s
