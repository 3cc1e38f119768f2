// libFuzzer target: the part of process_pair_success (PROTOCOL.md §6 steps 3-7; whatsmeow
// pair.go handlePair) that fuzz_pair_success cannot reach: it only gets past the HMAC, and a
// random account signature never verifies. Here the phone side is played for real with a fixed
// account key, so the fuzzed ADVDeviceIdentity details (and the rest of the signed identity)
// go through the signature checks into the success path: our device signature, the stored
// account and the reply copy.
//
// Input: byte 0 = flags (bit 0: the HMAC container says HOSTED; bit 1: the account signature
// uses the HOSTED prefix 06 05 instead of 06 00; bit 2: corrupt one signature byte), then
// [n][n bytes of ADVDeviceIdentity details][extra bytes appended to the signed identity,
// e.g. unknown or repeated fields].
#include <cstddef>
#include <cstdint>
#include <string>

#include "adv.pb.h"
#include "util/crypto.hpp"
#include "wa/pair.hpp"

namespace {

util::curve::KeyPair fixed_key(uint8_t seed) {
  util::curve::Key32 priv{};
  for (size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return util::curve::KeyPair::from_private(priv);
}

const util::Bytes& adv_secret() {
  static const util::Bytes secret(32, 0x42);
  return secret;
}
const util::curve::KeyPair& identity() {
  static const util::curve::KeyPair k = fixed_key(1);
  return k;
}
const util::curve::KeyPair& account() {
  static const util::curve::KeyPair k = fixed_key(2);
  return k;
}

std::string str(const util::Bytes& b) { return std::string(b.begin(), b.end()); }
util::Bytes bytes(const std::string& s) { return util::Bytes(s.begin(), s.end()); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t n = data[1] < size - 2 ? data[1] : size - 2;
  const util::Bytes details(data + 2, data + 2 + n);
  const std::string extra(data + 2 + n, data + size);

  // The phone's account signature: prefix || details || our identity pub (§6 step 4).
  const util::Bytes prefix = (flags & 2) ? util::Bytes{6, 5} : util::Bytes{6, 0};
  const util::Bytes own_pub = identity().pub_bytes();
  util::Bytes account_sig =
      util::curve::sign(account().priv, util::concat({&prefix, &details, &own_pub}));
  if (flags & 4) account_sig[account_sig.size() / 2] ^= 0x01;

  wa::proto::ADVSignedDeviceIdentity signed_identity;
  signed_identity.set_details(str(details));
  signed_identity.set_accountsignaturekey(str(account().pub_bytes()));
  signed_identity.set_accountsignature(str(account_sig));
  const std::string signed_bytes = signed_identity.SerializeAsString() + extra;

  const bool hosted = flags & 1;
  util::Bytes mac_input = hosted ? util::Bytes{6, 5} : util::Bytes{};
  mac_input.insert(mac_input.end(), signed_bytes.begin(), signed_bytes.end());
  wa::proto::ADVSignedDeviceIdentityHMAC container;
  container.set_details(signed_bytes);
  container.set_hmac(str(util::crypto::hmac_sha256(adv_secret(), mac_input)));
  if (hosted) container.set_accounttype(wa::proto::HOSTED);

  const auto result = wa::process_pair_success(bytes(container.SerializeAsString()), adv_secret(), identity());
  if (const auto* e = std::get_if<wa::PairError>(&result)) {
    // The HMAC is genuine, so it can never be the complaint.
    if (*e == wa::PairError::hmac_mismatch) __builtin_trap();
    if (wa::pair_error_text(*e) == nullptr) __builtin_trap();
    return 0;
  }
  const auto& paired = std::get<wa::PairedIdentity>(result);

  // What the service accepted must be what the phone signed, read back independently.
  wa::proto::ADVSignedDeviceIdentity parsed, stored, reply;
  if (!parsed.ParseFromString(signed_bytes)) __builtin_trap();
  wa::proto::ADVDeviceIdentity device_details;
  if (!device_details.ParseFromString(parsed.details())) __builtin_trap();
  const util::Bytes signed_details = bytes(parsed.details());
  const util::Bytes used_prefix =
      device_details.devicetype() == wa::proto::HOSTED ? util::Bytes{6, 5} : util::Bytes{6, 0};
  const util::Bytes account_key = bytes(parsed.accountsignaturekey());
  if (!util::curve::verify(account_key, util::concat({&used_prefix, &signed_details, &own_pub}),
                           bytes(parsed.accountsignature())))
    __builtin_trap();
  if (paired.account_signature_key != account_key) __builtin_trap();
  if (paired.key_index != device_details.keyindex()) __builtin_trap();

  // The stored account keeps all four fields and carries our device signature (§6 step 5);
  // the reply copy is the same without accountSignatureKey (step 7).
  if (!stored.ParseFromArray(paired.account.data(), static_cast<int>(paired.account.size())))
    __builtin_trap();
  if (!reply.ParseFromArray(paired.account_for_reply.data(), static_cast<int>(paired.account_for_reply.size())))
    __builtin_trap();
  if (stored.details() != parsed.details() || stored.accountsignature() != parsed.accountsignature() ||
      bytes(stored.accountsignaturekey()) != account_key)
    __builtin_trap();
  const util::Bytes device_prefix{6, 1};
  if (!util::curve::verify(identity().pub,
                           util::concat({&device_prefix, &signed_details, &own_pub, &account_key}),
                           bytes(stored.devicesignature())))
    __builtin_trap();
  if (reply.has_accountsignaturekey() || reply.details() != stored.details() ||
      reply.accountsignature() != stored.accountsignature() ||
      reply.devicesignature() != stored.devicesignature())
    __builtin_trap();
  return 0;
}
