#include "paths.hpp"

namespace vigil::state {
namespace {

// Appends the components of `p` to `out`, which holds a normalised path ("/..." or "" for a
// relative one).
void AppendComponents(std::string_view p, std::string* out) {
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view comp = p.substr(i, j - i);
    i = j + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      size_t slash = out->rfind('/');
      bool relative = out->empty() || out->front() != '/';
      std::string_view last = slash == std::string::npos ? std::string_view(*out)
                                                         : std::string_view(*out).substr(slash + 1);
      if (relative && (out->empty() || last == "..")) {
        // relative with nothing left to remove: keep the "..".
        if (!out->empty()) out->push_back('/');
        out->append("..");
      } else if (slash == std::string::npos) {
        out->clear();
      } else if (slash == 0) {
        out->resize(1);  // never above "/"
      } else {
        out->resize(slash);
      }
      continue;
    }
    if (!out->empty() && out->back() != '/') out->push_back('/');
    out->append(comp);
  }
}

}  // namespace

void ResolvePath(std::string_view base, std::string_view path, std::string* out) {
  out->clear();
  bool absolute = !path.empty() && path.front() == '/';
  if (absolute || (!base.empty() && base.front() == '/')) {
    out->push_back('/');
    if (!absolute) AppendComponents(base, out);
  }
  AppendComponents(path, out);
}

}  // namespace vigil::state
