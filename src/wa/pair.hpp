// QR pairing cryptography (PROTOCOL.md §6): the QR string, and pair-success processing
// (HMAC with the adv secret, account signature check, device signature).
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

namespace wa {

// "https://wa.me/settings/linked_devices#" REF "," b64(noise.pub) "," b64(identity.pub) ","
// b64(adv_secret) "," PLATFORM — standard padded base64.
std::string make_qr_string(const std::string& ref, const util::curve::Key32& noise_pub,
                           const util::curve::Key32& identity_pub, const util::Bytes& adv_secret,
                           char platform = '1');

// The QR platform character for a DeviceProps.PlatformType (CHROME -> '1', unknown -> '9', ...).
char qr_platform_char(int platform_type);

enum class PairError { malformed, hmac_mismatch, signature_mismatch };
const char* pair_error_text(PairError e);  // "hmac-mismatch", "signature-mismatch", "internal-error"
int pair_error_code(PairError e);          // 401 for mismatches, 500 otherwise

struct PairedIdentity {
  util::Bytes account;          // ADVSignedDeviceIdentity with all four fields: persist this
  util::Bytes account_for_reply;// the same without accountSignatureKey: goes in pair-device-sign
  uint32_t key_index = 0;
  util::Bytes account_signature_key;  // the phone's identity key (32 bytes)
};

// device_identity: content of <pair-success><device-identity> (ADVSignedDeviceIdentityHMAC).
std::variant<PairedIdentity, PairError> process_pair_success(
    const util::Bytes& device_identity, const util::Bytes& adv_secret,
    const util::curve::KeyPair& identity);

}  // namespace wa
