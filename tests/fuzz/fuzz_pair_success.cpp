// libFuzzer target: process_pair_success (PROTOCOL.md §6) on arbitrary <device-identity> bytes
// with a fixed adv secret and identity. It must never crash, whatever the server sends.
//
// Random bytes almost never carry a valid HMAC, so the parsing after the HMAC check would stay
// unexplored. The first input byte therefore picks a mode: odd = feed the rest as is; even =
// wrap the rest as the details of an ADVSignedDeviceIdentityHMAC with a correct HMAC (E2EE or
// HOSTED by bit 1), so the signed-identity and device-identity parsers and the signature
// checks see fuzzed data.
#include <cstddef>
#include <cstdint>

#include "adv.pb.h"
#include "util/crypto.hpp"
#include "wa/pair.hpp"

namespace {

const util::Bytes& adv_secret() {
  static const util::Bytes secret(32, 0x42);
  return secret;
}

const util::curve::KeyPair& identity() {
  static const util::curve::KeyPair kp = [] {
    util::curve::Key32 priv{};
    for (size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<uint8_t>(i * 7 + 1);
    return util::curve::KeyPair::from_private(priv);
  }();
  return kp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  util::Bytes rest(data + 1, data + size);
  util::Bytes input;
  if (mode & 1) {
    input = std::move(rest);
  } else {
    const bool hosted = (mode & 2) != 0;
    util::Bytes mac_input;
    if (hosted) mac_input = {6, 5};
    mac_input.insert(mac_input.end(), rest.begin(), rest.end());
    const util::Bytes mac = util::crypto::hmac_sha256(adv_secret(), mac_input);
    wa::proto::ADVSignedDeviceIdentityHMAC container;
    container.set_details(std::string(rest.begin(), rest.end()));
    container.set_hmac(std::string(mac.begin(), mac.end()));
    if (hosted) container.set_accounttype(wa::proto::HOSTED);
    const std::string s = container.SerializeAsString();
    input.assign(s.begin(), s.end());
  }

  auto result = wa::process_pair_success(input, adv_secret(), identity());
  if (auto* paired = std::get_if<wa::PairedIdentity>(&result)) {
    // Only reachable with a genuine account signature; the outputs must then be consistent.
    if (paired->account_signature_key.size() != 32 || paired->account.empty()) __builtin_trap();
  } else {
    const wa::PairError e = std::get<wa::PairError>(result);
    if (wa::pair_error_text(e) == nullptr) __builtin_trap();
  }
  return 0;
}
