// Verification of the Noise server certificate chain (PROTOCOL.md §3, whatsmeow's full list):
// root -> intermediate -> leaf, and the leaf must certify the server's Noise static key.
#pragma once
#include <cstdint>
#include "util/curve25519.hpp"

namespace wa {

enum class CertError {
  ok = 0,
  malformed,                   // not a CertChain, missing details/signature, wrong lengths
  bad_intermediate_signature,  // intermediate not signed by the trusted root
  bad_intermediate_issuer,     // intermediate issuerSerial != 0 (the root's serial)
  bad_leaf_signature,          // leaf not signed by the intermediate key
  intermediate_expired,        // now outside [notBefore, notAfter]
  bad_leaf_issuer,             // leaf issuerSerial != intermediate serial
  leaf_key_mismatch,           // leaf key != server static key from the handshake
  leaf_expired,
};

const char* describe(CertError e);  // short human sentence

CertError verify_cert_chain(const util::Bytes& cert_chain, const util::curve::Key32& trusted_root,
                            const util::Bytes& server_static, int64_t now_unix);

}  // namespace wa
