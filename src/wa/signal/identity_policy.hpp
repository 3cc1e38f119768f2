// Identity policy of both reference clients (PROTOCOL.md §9 "Identity changes"): trust on first
// use, and when a peer's identity key changes (reinstall, new device), replace the stored key
// and drop the session built with the old one, logging the event, instead of refusing to talk.
#pragma once
#include <cstdint>
#include <string>

#include "util/curve25519.hpp"
#include "wa/signal/store_adapter.hpp"

namespace wa::signal {

// Called with the identity key a bundle or a pkmsg carries, inside the transaction of that
// operation and *before* libsignal sees it. libsignal-protocol-c stores the freshly built
// session before it calls save_identity (session_builder.c), so dropping the old session in
// save_identity would throw away the new one; here, libsignal then starts from an empty record.
// If the operation fails, the transaction rolls this back too.
// Returns true if the identity changed.
bool adopt_identity(StoreAdapter& adapter, const std::string& name, uint32_t device,
                    const util::curve::Key32& key);

}  // namespace wa::signal
