// valid_tenant_id (declared in router.hpp). A tenant id names a directory under SESSIONS_DIR,
// so the allowed alphabet excludes '/', '.', NUL and anything that needs quoting.
#include "http/router.hpp"

namespace sidecar {

bool valid_tenant_id(const std::string& id) {
  // ^[A-Za-z0-9_-]{1,64}$ as a plain loop: std::regex is slow and recursive on long input.
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sidecar
