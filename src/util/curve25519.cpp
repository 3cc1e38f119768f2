// Curve25519 as WhatsApp uses it (util/curve25519.hpp): X25519 through OpenSSL, and Signal's
// Curve25519 (XEdDSA-family) signatures through libsignal-protocol-c, which PROTOCOL.md §3 names
// as the exact scheme for the Noise certificate chain, ADV identities and signed prekeys.
#include "util/curve25519.hpp"

#include <openssl/evp.h>
#include <signal/curve.h>
#include <signal/signal_protocol.h>

#include <memory>
#include <stdexcept>

#include "util/crypto.hpp"
#include "util/signal_crypto_provider.hpp"

namespace util::curve {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// Owns one reference to a libsignal object.
template <typename T>
struct SignalRef {
  T* p = nullptr;
  SignalRef() = default;
  SignalRef(const SignalRef&) = delete;
  SignalRef& operator=(const SignalRef&) = delete;
  ~SignalRef() {
    if (p) signal_type_unref(reinterpret_cast<signal_type_base*>(p));
  }
};

struct BufferRef {
  signal_buffer* p = nullptr;
  BufferRef() = default;
  BufferRef(const BufferRef&) = delete;
  BufferRef& operator=(const BufferRef&) = delete;
  ~BufferRef() { signal_buffer_free(p); }
};

// X25519 clamping (PROTOCOL.md §2): priv[0] &= 248; priv[31] &= 127; priv[31] |= 64.
Key32 clamp(Key32 k) {
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  return k;
}

Pkey x25519_private(const Key32& priv) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  if (!key) throw std::runtime_error("openssl: X25519 private key");
  return key;
}

// libsignal's serialized public key: 0x05 (DJB type) || 32 bytes.
bool decode_public(const uint8_t* pub32, SignalRef<ec_public_key>& out) {
  uint8_t serialized[33];
  serialized[0] = 0x05;
  std::copy(pub32, pub32 + 32, serialized + 1);
  return curve_decode_point(&out.p, serialized, sizeof serialized, libsignal::context()) == 0 &&
         out.p != nullptr;
}

}  // namespace

KeyPair KeyPair::generate() {
  Key32 priv{};
  Bytes r = crypto::random_bytes(32);
  std::copy(r.begin(), r.end(), priv.begin());
  return from_private(priv);
}

KeyPair KeyPair::from_private(const Key32& priv_in) {
  KeyPair kp;
  kp.priv = clamp(priv_in);
  Pkey key = x25519_private(kp.priv);
  size_t len = kp.pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), kp.pub.data(), &len) != 1 || len != 32)
    throw std::runtime_error("openssl: X25519 public key");
  return kp;
}

Key32 to_key32(const Bytes& b) {
  if (b.size() != 32) throw std::invalid_argument("curve25519 key must be 32 bytes");
  Key32 k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

Bytes agree(const Key32& priv, const Key32& pub) {
  Pkey own = x25519_private(priv);
  Pkey peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, pub.data(), pub.size()));
  if (!peer) throw std::runtime_error("openssl: X25519 public key");
  PkeyCtx ctx(EVP_PKEY_CTX_new(own.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1)
    throw std::runtime_error("openssl: X25519 derive setup");
  Bytes shared(32);
  size_t len = shared.size();
  // OpenSSL refuses an all-zero shared secret (small-order peer point) by failing the derive.
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != 32)
    throw std::runtime_error("X25519: derive failed (small-order public key?)");
  if (crypto::constant_time_equal(shared, Bytes(32, 0)))
    throw std::runtime_error("X25519: all-zero shared secret");
  return shared;
}

Bytes sign(const Key32& priv, const Bytes& msg) {
  // Sign with the clamped scalar so the signature matches the public key from_private() derives.
  const Key32 k = clamp(priv);
  SignalRef<ec_private_key> key;
  if (curve_decode_private_point(&key.p, k.data(), k.size(), libsignal::context()) != 0 || !key.p)
    throw std::runtime_error("libsignal: decode private key");
  BufferRef sig;
  static const uint8_t kEmpty = 0;
  if (curve_calculate_signature(libsignal::context(), &sig.p, key.p, msg.empty() ? &kEmpty : msg.data(),
                                msg.size()) != 0 ||
      !sig.p)
    throw std::runtime_error("libsignal: curve_calculate_signature failed");
  const uint8_t* data = signal_buffer_data(sig.p);
  return Bytes(data, data + signal_buffer_len(sig.p));
}

bool verify(const Key32& pub, const Bytes& msg, const Bytes& sig) {
  if (sig.size() != CURVE_SIGNATURE_LEN) return false;
  try {
    SignalRef<ec_public_key> key;
    if (!decode_public(pub.data(), key)) return false;
    static const uint8_t kEmpty = 0;
    return curve_verify_signature(key.p, msg.empty() ? &kEmpty : msg.data(), msg.size(), sig.data(),
                                  sig.size()) == 1;
  } catch (...) {
    // Contract: verify() never throws (e.g. if the libsignal context could not be created).
    return false;
  }
}

bool verify(const Bytes& pub32, const Bytes& msg, const Bytes& sig) {
  if (pub32.size() != 32) return false;
  Key32 k{};
  std::copy(pub32.begin(), pub32.end(), k.begin());
  return verify(k, msg, sig);
}

}  // namespace util::curve
