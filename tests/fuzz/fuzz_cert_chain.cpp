// libFuzzer target: verify_cert_chain (PROTOCOL.md §3; whatsmeow handshake.go verifyServerCert)
// on the CertChain bytes a server sends inside its ServerHello, before anything is trusted.
//
// Random bytes never carry a valid Curve25519 signature, so raw input alone stops at step 3.
// The first byte picks a mode:
//   odd  = the rest is the CertChain as is; it can never verify (that would be a forgery);
//   even = the rest is [n][n bytes intermediate Details][leaf Details], both signed for real
//          (root -> intermediate, fixed intermediate key -> leaf) over the exact fuzzed bytes,
//          so the Details parsers, issuer, key and validity checks see fuzzed data. Bit 1 /
//          bit 2 append a `key` field (3) naming the intermediate key / the server static key:
//          protobuf keeps the last occurrence of a scalar field, so the rest of the fuzzed
//          bytes still reach the parser untouched.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cert.pb.h"
#include "util/curve25519.hpp"
#include "wa/cert_chain.hpp"

namespace {

using Details = wa::proto::CertChain::NoiseCertificate::Details;
using util::curve::KeyPair;

constexpr int64_t kNow = 1700000000;

KeyPair fixed_key(uint8_t seed) {
  util::curve::Key32 priv{};
  for (size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<uint8_t>(seed + i * 13);
  return KeyPair::from_private(priv);
}

const KeyPair& root() {
  static const KeyPair k = fixed_key(1);
  return k;
}
const KeyPair& intermediate() {
  static const KeyPair k = fixed_key(2);
  return k;
}
const util::Bytes& server_static() {
  static const util::Bytes k = fixed_key(3).pub_bytes();
  return k;
}

// Protobuf field 3 (key), wire type 2, 32 bytes.
std::string key_field(const util::Bytes& key) {
  std::string f = {char(3 << 3 | 2), char(key.size())};
  return f + std::string(key.begin(), key.end());
}

std::string sign(const util::curve::Key32& priv, const std::string& msg) {
  const util::Bytes sig = util::curve::sign(priv, util::Bytes(msg.begin(), msg.end()));
  return std::string(sig.begin(), sig.end());
}

bool in_window(const Details& d) {
  return static_cast<int64_t>(d.notbefore()) <= kNow && kNow <= static_cast<int64_t>(d.notafter());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const util::Bytes rest(data + 1, data + size);

  if (mode & 1) {
    const wa::CertError e = wa::verify_cert_chain(rest, root().pub, server_static(), kNow);
    if (e == wa::CertError::ok) __builtin_trap();  // unsigned bytes verified: a forgery
    if (wa::describe(e) == nullptr) __builtin_trap();
    return 0;
  }

  if (rest.empty()) return 0;
  const size_t n = rest[0] < rest.size() - 1 ? rest[0] : rest.size() - 1;
  std::string inter_raw(rest.begin() + 1, rest.begin() + 1 + std::ptrdiff_t(n));
  std::string leaf_raw(rest.begin() + 1 + std::ptrdiff_t(n), rest.end());
  if (mode & 2) inter_raw += key_field(intermediate().pub_bytes());
  if (mode & 4) leaf_raw += key_field(server_static());

  wa::proto::CertChain chain;
  chain.mutable_intermediate()->set_details(inter_raw);
  chain.mutable_intermediate()->set_signature(sign(root().priv, inter_raw));
  chain.mutable_leaf()->set_details(leaf_raw);
  chain.mutable_leaf()->set_signature(sign(intermediate().priv, leaf_raw));
  const std::string bytes = chain.SerializeAsString();

  const wa::CertError e =
      wa::verify_cert_chain(util::Bytes(bytes.begin(), bytes.end()), root().pub, server_static(), kNow);
  if (wa::describe(e) == nullptr) __builtin_trap();
  // The root signed the exact intermediate bytes: a verifier that checked a re-serialization
  // instead (or mangled the bytes) would refuse it here.
  if (e == wa::CertError::bad_intermediate_signature) __builtin_trap();

  Details inter, leaf;
  const bool inter_ok = inter.ParseFromString(inter_raw);
  const bool leaf_ok = leaf.ParseFromString(leaf_raw);
  const util::Bytes inter_key(inter.key().begin(), inter.key().end());
  // Likewise the leaf, signed by the key the intermediate names.
  if (inter_ok && inter_key == intermediate().pub_bytes() && e == wa::CertError::bad_leaf_signature)
    __builtin_trap();
  if (e == wa::CertError::ok) {
    // Every condition of §3 must hold, read back independently of the verifier.
    if (!inter_ok || !leaf_ok) __builtin_trap();
    if (inter.issuerserial() != 0 || inter_key != intermediate().pub_bytes()) __builtin_trap();
    if (leaf.issuerserial() != inter.serial()) __builtin_trap();
    if (util::Bytes(leaf.key().begin(), leaf.key().end()) != server_static()) __builtin_trap();
    if (!in_window(inter) || !in_window(leaf)) __builtin_trap();
  }
  return 0;
}
