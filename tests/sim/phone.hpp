// The simulated phone (primary device) of one WhatsApp account: it signs a companion's identity
// when it scans a QR and checks the companion's counter-signature (PROTOCOL.md §6).
// Value type; not thread-safe (the simulator serialises access).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include "util/curve25519.hpp"

namespace sim {

// Faults the phone injects into pair-success, for negative tests.
struct PhoneFaults {
  bool tamper_hmac = false;               // one bit of the HMAC flipped
  bool tamper_account_signature = false;  // one bit of accountSignature flipped (HMAC still valid)
};

// What the phone sent for one scan; needed to check the companion's reply.
struct SignedCompanion {
  util::Bytes device_identity;    // ADVSignedDeviceIdentityHMAC: content of <device-identity>
  util::Bytes details;            // ADVDeviceIdentity bytes
  util::Bytes account_signature;  // as sent (tampered if so asked)
  uint32_t key_index = 0;
  util::curve::Key32 companion_identity{};
};

class Phone {
 public:
  Phone();  // fresh identity key pair and account raw id

  const util::curve::KeyPair& identity() const { return identity_; }
  uint32_t raw_id() const { return raw_id_; }

  // Builds the ADV identity for a companion (§6): ADVDeviceIdentity{rawID, timestamp, keyIndex,
  // E2EE, E2EE}, accountSignature = sign(phone, 06 00 || details || companion identity),
  // wrapped in ADVSignedDeviceIdentityHMAC with HMAC-SHA256(adv_secret, inner). Each call uses
  // the next key index.
  SignedCompanion sign_companion(const util::curve::Key32& companion_identity,
                                 const util::Bytes& adv_secret, int64_t now_unix,
                                 const PhoneFaults& faults = {});

  // Checks the <device-identity key-index=K> of the companion's <pair-device-sign> (§6 steps 5, 7):
  // an ADVSignedDeviceIdentity WITHOUT accountSignatureKey, the same details and account
  // signature that were sent, key-index matching, and a deviceSignature by the companion identity
  // over 06 01 || details || companion identity || phone identity.
  // Returns std::nullopt when valid, otherwise the reason.
  std::optional<std::string> check_device_sign(const SignedCompanion& sent,
                                               const util::Bytes& reply_identity,
                                               const std::string& key_index_attr) const;

  // Added (issue 3): checks the <device-identity> a companion attaches to messages with a pkmsg
  // (§9): an ADVSignedDeviceIdentity INCLUDING accountSignatureKey = this phone's key, details
  // with the companion's key index, the phone's account signature over
  // 06 00 || details || companion identity, and the companion's deviceSignature over
  // 06 01 || details || companion identity || phone identity.
  // Returns std::nullopt when valid, otherwise the reason.
  std::optional<std::string> check_message_identity(const util::Bytes& device_identity,
                                                    const util::Bytes& companion_identity,
                                                    uint32_t key_index) const;

 private:
  util::curve::KeyPair identity_;
  uint32_t raw_id_;
  uint32_t next_key_index_ = 1;
};

}  // namespace sim
