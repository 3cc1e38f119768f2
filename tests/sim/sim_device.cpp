#include "sim_device.hpp"

#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>

#include "util/crypto.hpp"
#include "util/signal_crypto_provider.hpp"

namespace sim {
namespace {

// libsignal's registration ids are 14-bit, 1..16380 (key_helper); WhatsApp sends them in 4 bytes.
uint32_t random_registration_id() { return 1 + util::crypto::random_u32() % 16380; }

constexpr uint32_t kSignedPreKeyId = 1;  // WM keeps signed prekey id 1 forever (§8)

struct Cipher {
  session_cipher* c = nullptr;
  Cipher(signal_protocol_store_context* store, const signal::Address& remote) {
    signal::check(session_cipher_create(&c, store, remote.get(), util::libsignal::context()),
                  "session_cipher_create");
  }
  ~Cipher() { session_cipher_free(c); }
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;
};

}  // namespace

std::string signal_error_name(int code) {
  switch (code) {
    case SG_ERR_DUPLICATE_MESSAGE: return "duplicate message (old counter)";
    case SG_ERR_INVALID_KEY: return "invalid key";
    case SG_ERR_INVALID_KEY_ID: return "unknown prekey id";
    case SG_ERR_INVALID_MAC: return "bad MAC";
    case SG_ERR_INVALID_MESSAGE: return "invalid message";
    case SG_ERR_INVALID_VERSION: return "invalid version";
    case SG_ERR_LEGACY_MESSAGE: return "legacy message";
    case SG_ERR_NO_SESSION: return "no session";
    case SG_ERR_UNTRUSTED_IDENTITY: return "untrusted identity";
    case SG_ERR_INVALID_PROTO_BUF: return "invalid protobuf";
    default: return "libsignal error " + std::to_string(code);
  }
}

SimDevice::SimDevice(util::curve::KeyPair identity, int one_time_prekeys)
    : store_(std::make_unique<signal::MemoryStore>(identity, random_registration_id())),
      signed_pre_key_(util::curve::KeyPair::generate()) {
  // §8: the signed prekey signature covers the serialized public key 05 || pub.
  util::Bytes msg{0x05};
  msg.insert(msg.end(), signed_pre_key_.pub.begin(), signed_pre_key_.pub.end());
  signed_pre_key_signature_ = util::curve::sign(identity.priv, msg);
  store_->put_signed_pre_key(kSignedPreKeyId, signed_pre_key_, signed_pre_key_signature_);
  for (int i = 1; i <= one_time_prekeys; ++i) {
    auto kp = util::curve::KeyPair::generate();
    store_->put_pre_key(static_cast<uint32_t>(i), kp);
    published_.emplace_back(static_cast<uint32_t>(i), kp.pub);
  }
  next_pre_key_id_ = static_cast<uint32_t>(one_time_prekeys) + 1;
}

PreKeyBundle SimDevice::fresh_bundle() {
  PreKeyBundle b = base_bundle();
  auto kp = util::curve::KeyPair::generate();
  const uint32_t id = next_pre_key_id_++;
  store_->put_pre_key(id, kp);
  b.pre_key = std::make_pair(id, kp.pub);
  return b;
}

void SimDevice::build_session(const signal::Address& remote, uint32_t remote_device,
                              const PreKeyBundle& bundle) {
  signal::Ref<ec_public_key> identity_key = signal::decode_public(bundle.identity);
  signal::Ref<ec_public_key> signed_key = signal::decode_public(bundle.signed_pre_key);
  signal::Ref<ec_public_key> one_time;
  if (bundle.pre_key) one_time = signal::decode_public(bundle.pre_key->second);
  signal::Ref<session_pre_key_bundle> raw;
  signal::check(session_pre_key_bundle_create(
                    raw.out(), bundle.registration_id, static_cast<int>(remote_device),
                    bundle.pre_key ? bundle.pre_key->first : 0, one_time.get(),
                    bundle.signed_pre_key_id, signed_key.get(),
                    bundle.signed_pre_key_signature.data(), bundle.signed_pre_key_signature.size(),
                    identity_key.get()),
                "session_pre_key_bundle_create");
  session_builder* builder = nullptr;
  signal::check(session_builder_create(&builder, store_->context(), remote.get(),
                                       util::libsignal::context()),
                "session_builder_create");
  const int rc = session_builder_process_pre_key_bundle(builder, raw.get());
  session_builder_free(builder);
  signal::check(rc, "session_builder_process_pre_key_bundle");
}

PreKeyBundle SimDevice::base_bundle() const {
  PreKeyBundle b;
  b.registration_id = registration_id();
  b.identity = identity().pub;
  b.signed_pre_key_id = kSignedPreKeyId;
  b.signed_pre_key = signed_pre_key_.pub;
  b.signed_pre_key_signature = signed_pre_key_signature_;
  return b;
}

PreKeyBundle SimDevice::take_bundle() {
  PreKeyBundle b = base_bundle();
  if (!published_.empty()) {
    b.pre_key = published_.front();
    published_.pop_front();
  }
  return b;
}

Decrypted SimDevice::decrypt(const signal::Address& sender, const std::string& type,
                             const util::Bytes& data) {
  Decrypted out;
  signal::Buffer plain;
  int rc = 0;
  if (type == "pkmsg") {
    // §10 step 3: pre_key_signal_message_deserialize → session_cipher_decrypt_pre_key_signal_message
    // (builds the session and consumes the one-time prekey).
    signal::Ref<pre_key_signal_message> msg;
    rc = pre_key_signal_message_deserialize(msg.out(), data.data(), data.size(),
                                            util::libsignal::context());
    if (rc < 0) {
      out.error = "pkmsg does not deserialize: " + signal_error_name(rc);
      return out;
    }
    if (ec_public_key* id = pre_key_signal_message_get_identity_key(msg.get())) {
      signal::Buffer serialized;
      if (ec_public_key_serialize(serialized.out(), id) == 0) {
        util::Bytes b = serialized.bytes();
        if (b.size() == 33 && b[0] == 0x05)
          out.sender_identity = util::curve::to_key32(util::Bytes(b.begin() + 1, b.end()));
      }
    }
    out.sender_registration_id = pre_key_signal_message_get_registration_id(msg.get());
    if (signal_message* inner = pre_key_signal_message_get_signal_message(msg.get()))
      out.counter = signal_message_get_counter(inner);
    Cipher cipher(store_->context(), sender);
    rc = session_cipher_decrypt_pre_key_signal_message(cipher.c, msg.get(), nullptr, plain.out());
  } else if (type == "msg") {
    signal::Ref<signal_message> msg;
    rc = signal_message_deserialize(msg.out(), data.data(), data.size(), util::libsignal::context());
    if (rc < 0) {
      out.error = "msg does not deserialize: " + signal_error_name(rc);
      return out;
    }
    out.counter = signal_message_get_counter(msg.get());
    Cipher cipher(store_->context(), sender);
    rc = session_cipher_decrypt_signal_message(cipher.c, msg.get(), nullptr, plain.out());
  } else {
    out.error = "enc type '" + type + "' is neither pkmsg nor msg";
    return out;
  }
  if (rc < 0) {
    out.error = "decrypt failed: " + signal_error_name(rc);
    return out;
  }
  out.padded = plain.bytes();
  return out;
}

std::pair<std::string, util::Bytes> SimDevice::encrypt(const signal::Address& remote,
                                                      const util::Bytes& padded) {
  if (!has_session(remote)) throw signal::Error("no session with " + remote.name(), SG_ERR_NO_SESSION);
  Cipher cipher(store_->context(), remote);
  signal::Ref<ciphertext_message> msg;
  signal::check(session_cipher_encrypt(cipher.c, padded.data(), padded.size(), msg.out()),
                "session_cipher_encrypt");
  signal_buffer* data = ciphertext_message_get_serialized(msg.get());  // owned by msg
  const uint8_t* p = signal_buffer_data(data);
  const bool prekey = ciphertext_message_get_type(msg.get()) == CIPHERTEXT_PREKEY_TYPE;
  return {prekey ? "pkmsg" : "msg", util::Bytes(p, p + signal_buffer_len(data))};
}

}  // namespace sim
