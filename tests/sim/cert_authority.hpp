// A stand-in for WhatsApp's Noise certificate authority (PROTOCOL.md §3): a root key, an
// intermediate it signs, and leaf certificates for a server's Noise static key, with switches
// that break each link of the chain for negative tests.
#pragma once
#include <cstdint>

#include "util/curve25519.hpp"

namespace sim {

struct CertFaults {
  bool wrong_root = false;                  // intermediate signed by a key other than root()
  bool bad_intermediate_signature = false;  // intermediate signature bytes corrupted
  bool bad_intermediate_issuer = false;     // intermediate issuerSerial != 0
  bool bad_leaf_signature = false;          // leaf signature bytes corrupted
  bool leaf_key_mismatch = false;           // leaf certifies a key other than the server static
  bool expired_intermediate = false;
  bool expired_leaf = false;
  bool bad_leaf_issuer = false;             // leaf issuerSerial != intermediate serial
  bool short_signature = false;             // 63-byte leaf signature
};

class CertAuthority {
 public:
  static constexpr uint32_t kIntermediateSerial = 1;
  static constexpr uint32_t kLeafSerial = 2;

  CertAuthority();  // random root and intermediate key pairs
  // A fixed root (e.g. a demo key shared with a service config); the intermediate is random.
  explicit CertAuthority(const util::curve::KeyPair& root);

  const util::curve::KeyPair& root() const { return root_; }
  // Serialized CertChain{leaf, intermediate} certifying server_static, valid around now_unix.
  util::Bytes chain_for(const util::curve::Key32& server_static, int64_t now_unix,
                        const CertFaults& f = {}) const;

 private:
  util::curve::KeyPair root_, intermediate_;
};

}  // namespace sim
