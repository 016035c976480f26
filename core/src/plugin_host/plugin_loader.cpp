// LoadPluginLibrary: from a file name to a checked, loaded plugin table.
#include <dlfcn.h>
#include <link.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>
#include <cerrno>
#include <cstring>
#include <utility>
#include <filesystem>
#include <fstream>
#include <optional>

#include "vigil/core/log.hpp"
#include "vigil/core/plugin_host.hpp"

namespace vigil::plugin_host {
namespace fs = std::filesystem;
namespace {

// Closes a file descriptor on every path out.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The device and inode of the file mapped at `addr`, read from /proc/self/maps.
std::optional<std::pair<dev_t, ino_t>> MappedFile(const void* addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto a = reinterpret_cast<uintptr_t>(addr);
  while (std::getline(maps, line)) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    unsigned int maj = 0, min = 0;
    char perms[8];
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset, &maj,
                    &min, &inode) == 7 &&
        a >= start && a < end) {
      return std::pair{makedev(maj, min), static_cast<ino_t>(inode)};
    }
  }
  return std::nullopt;
}

// A library loaded through /proc/self/fd/N. The dynamic loader knows a library by that name, so the
// descriptor stays open while the library is loaded, and no other library can get the same name
// meanwhile. A name still known from an earlier library (one dlclose could not unload) would hand
// back that library: the loaded object's file is compared with ours, and on a mismatch the load is
// retried through a duplicate descriptor, under a new name.
struct LoadedLibrary {
  explicit LoadedLibrary(int checked_fd) : fd(checked_fd) {}
  ~LoadedLibrary() {
    library.unload();
    for (int f : fds) ::close(f);
    ::close(fd);
  }
  void Load(const struct stat& checked) {
    int load_fd = fd;
    for (int attempt = 0; attempt < 16; ++attempt) {
      // RTLD_NODELETE: code a plugin registered (thread_local destructors, atexit handlers)
      // must stay mapped until the process ends, so a plugin is never really unloaded.
      library.load(fmt::format("/proc/self/fd/{}", load_fd),
                   static_cast<boost::dll::load_mode::type>(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE));
      link_map* map = nullptr;
      if (::dlinfo(library.native(), RTLD_DI_LINKMAP, &map) == 0 && map != nullptr) {
        auto file = MappedFile(map->l_ld);
        if (!file || (file->first == checked.st_dev && file->second == checked.st_ino)) return;
      }
      library.unload();
      load_fd = ::dup(fd);
      if (load_fd < 0) throw std::runtime_error(std::strerror(errno));
      fds.push_back(load_fd);
    }
    throw std::runtime_error("the dynamic loader keeps returning another library");
  }
  int fd;
  std::vector<int> fds;  // duplicates taken to avoid stale names
  boost::dll::shared_library library;
};

// Root-owned and writable by root alone: anyone else able to write there could swap the code.
Status CheckOwnership(const struct stat& st, const std::string& what) {
  if (st.st_uid != 0) {
    return Status::Error(fmt::format("{} is owned by uid {}, not root", what, st.st_uid));
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return Status::Error(fmt::format("{} is {}-writable (mode {:04o})", what,
                                     (st.st_mode & S_IWOTH) ? "world" : "group",
                                     st.st_mode & 07777));
  }
  return Status::Ok();
}

StatusOr<fs::path> Resolve(const std::string& library, const PluginLoadOptions& options) {
  if (options.search_paths.empty()) {
    return Status::Error(fmt::format("cannot load '{}': no plugin_paths are configured", library));
  }
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const std::string& dir : options.search_paths) {
    fs::path canonical = fs::weakly_canonical(dir, ec);
    dirs.push_back(ec ? fs::path(dir) : canonical);
  }
  if (library.find('/') != std::string::npos) {
    fs::path p(library);
    if (!p.is_absolute()) {
      return Status::Error(fmt::format(
          "plugin library '{}': give a file name (looked up in plugin_paths) or an absolute path",
          library));
    }
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (ec || !fs::exists(canonical)) {
      return Status::NotFound(fmt::format("plugin library '{}' does not exist", library));
    }
    for (const fs::path& dir : dirs) {
      if (canonical.parent_path() == dir) return canonical;
    }
    return Status::Error(fmt::format(
        "plugin library '{}' is not in a configured plugin path ({}); plugins load only from there",
        library, fmt::join(options.search_paths, ", ")));
  }
  for (const fs::path& dir : dirs) {
    fs::path candidate = dir / library;
    if (fs::exists(candidate, ec)) {
      fs::path canonical = fs::weakly_canonical(candidate, ec);
      if (canonical.parent_path() != dir) {
        return Status::Error(fmt::format(
            "plugin library '{}' is a link leading out of the plugin path {}", candidate.string(),
            dir.string()));
      }
      return canonical;
    }
  }
  return Status::NotFound(fmt::format("plugin library '{}' not found in plugin_paths ({})", library,
                                      fmt::join(options.search_paths, ", ")));
}

StatusOr<std::string> Sha256Hex(int fd, const std::string& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Status::Error("cannot start a SHA-256 digest");
  }
  char buf[1 << 16];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(fmt::format("reading {}: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n));
    off += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

}  // namespace

std::string DefaultLibraryFileName(const std::string& name) { return "lib" + name + ".so"; }

StatusOr<std::shared_ptr<const PluginLibrary>> LoadPluginLibrary(
    const std::string& library, const std::optional<std::string>& sha256,
    const PluginLoadOptions& options) {
  auto resolved = Resolve(library, options);
  if (!resolved.ok()) return resolved.status();
  const std::string path = resolved->string();

  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Status::Error(fmt::format("cannot open plugin {}: {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::Error(fmt::format("plugin {} is not a regular file", path));
  }
  if (options.allow_insecure) {
    log::debug("loading {} without ownership checks (allow_insecure_plugins)", path);
  } else {
    struct stat dir_st {};
    std::string dir = resolved->parent_path().string();
    if (::stat(dir.c_str(), &dir_st) != 0) {
      return Status::Error(fmt::format("cannot stat plugin directory {}: {}", dir,
                                       std::strerror(errno)));
    }
    for (auto [s, what] : {std::pair{&st, "plugin file " + path},
                           std::pair{&dir_st, "plugin directory " + dir}}) {
      if (Status ok = CheckOwnership(*s, what); !ok.ok()) {
        return Status::Error(ok.message() +
                             "; refusing to load it (allow_insecure_plugins: true relaxes this "
                             "for development)");
      }
    }
  }
  if (sha256) {
    auto digest = Sha256Hex(fd.get(), path);
    if (!digest.ok()) return digest.status();
    std::string want = *sha256;
    for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (want.rfind("sha256:", 0) == 0) want.erase(0, 7);
    if (*digest != want) {
      return Status::Error(fmt::format("plugin {}: SHA-256 is {}, but the config pins {}", path,
                                       *digest, want));
    }
  }

  // Load through the descriptor we checked, not the path, which could have been swapped since.
  auto lib = std::make_shared<LoadedLibrary>(fd.release());
  try {
    lib->Load(st);
  } catch (const std::exception& e) {
    return Status::Error(fmt::format("cannot load plugin {}: {}", path, e.what()));
  }
  auto* so = &lib->library;
  if (!so->has(VIGIL_PLUGIN_ENTRY_SYMBOL)) {
    return Status::Error(fmt::format("plugin {} does not export '{}'; is it a vigil plugin?", path,
                                     VIGIL_PLUGIN_ENTRY_SYMBOL));
  }
  auto entry = so->get<const vigil_plugin_api*()>(VIGIL_PLUGIN_ENTRY_SYMBOL);
  return PluginLibrary::FromTable(entry(), path, lib);
}

}  // namespace vigil::plugin_host
