#include "wa/signal/identity_policy.hpp"

#include "util/log.hpp"

namespace wa::signal {

bool adopt_identity(StoreAdapter& adapter, const std::string& name, uint32_t device,
                    const util::curve::Key32& key) {
  store::Store& store = adapter.store();
  const util::Bytes raw(key.begin(), key.end());
  auto stored = store.get_identity(name, device);
  if (stored && *stored == raw) return false;
  if (stored) {
    store.delete_session(name, device);
    // The address only (no key bytes): operators need to see that a peer reinstalled.
    util::log::warn("identity_changed", adapter.tenant(),
                    {{"address", name}, {"device", device}, {"session_dropped", true}});
  }
  store.put_identity(name, device, raw);
  return stored.has_value();
}

}  // namespace wa::signal
