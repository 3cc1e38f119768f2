// SignalProtocol on libsignal-protocol-c (PROTOCOL.md §9 "X3DH with libsignal-protocol-c",
// §10 step 3). Every operation that advances Signal state runs inside one Store::transaction, so
// the session record, the peer identity and a consumed one-time prekey commit together or not
// at all; a libsignal error or a store error rolls the whole step back.
#include "wa/signal/signal_protocol.hpp"

#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/session_record.h>
#include <signal/session_state.h>

#include "util/signal_crypto_provider.hpp"
#include "wa/signal/errors.hpp"
#include "wa/signal/identity_policy.hpp"
#include "wa/signal/keys.hpp"
#include "wa/signal/libsignal_ptr.hpp"
#include "wa/signal/store_adapter.hpp"

namespace wa::signal {
namespace {

using errors::Op;
using Kind = SignalError::Kind;

// A libsignal address that borrows nothing: libsignal keeps the pointer (in builders and
// ciphers), so the name lives as long as this object, which is neither copied nor moved.
class CAddress {
 public:
  explicit CAddress(const Address& a) : name_(a.name) {
    if (name_.empty()) throw SignalError(Kind::internal, "empty Signal address name");
    addr_.name = name_.c_str();
    addr_.name_len = name_.size();
    addr_.device_id = static_cast<int32_t>(a.device);
  }
  CAddress(const CAddress&) = delete;
  CAddress& operator=(const CAddress&) = delete;
  const signal_protocol_address* get() const { return &addr_; }

 private:
  std::string name_;
  signal_protocol_address addr_{};
};

// Deserialization failures mean the bytes we were given are not a Signal message.
void check_parse(int rc, const char* what) {
  if (rc >= 0) return;
  throw SignalError(rc == SG_ERR_NOMEM ? Kind::internal : Kind::invalid_message,
                    std::string(what) + " failed: " + errors::code_name(rc));
}

}  // namespace

struct SignalProtocol::Impl {
  StoreAdapter adapter;

  Impl(store::Store& store, const store::Device& device) : adapter(store, device) {}

  template <class F>
  void in_transaction(F&& fn) {
    adapter.store().transaction([&] {
      adapter.clear_pending();
      fn();
    });
  }

  // After each libsignal call: the exception a store callback caught comes first (it explains
  // the failure better than libsignal's generic code), then libsignal's own result.
  void after(int rc, Op op, const char* what) {
    adapter.rethrow_pending();
    errors::check(rc, op, what);
  }

  // A stored record whose current state can send. libsignal itself would answer a missing
  // session with a fresh record and fail with SG_ERR_UNKNOWN deep inside encrypt.
  bool usable_session(const CAddress& address) {
    // No stored record: the load callback answers 0 and libsignal makes a fresh record, whose
    // state has no sender chain, so that case needs no query of its own.
    session_record* raw = nullptr;
    int rc = signal_protocol_session_load_session(adapter.context(), &raw, address.get());
    lib::Ref<session_record> record(raw);
    after(rc, Op::encrypt, "load session");
    session_state* state = session_record_get_state(record.get());
    return state && session_state_has_sender_chain(state) == 1;
  }

  lib::Cipher cipher_for(const CAddress& address) {
    session_cipher* raw = nullptr;
    int rc = session_cipher_create(&raw, adapter.context(), address.get(),
                                   util::libsignal::context());
    lib::Cipher cipher(raw);
    after(rc, Op::encrypt, "session_cipher_create");
    return cipher;
  }
};

SignalProtocol::SignalProtocol(store::Store& store, const store::Device& device)
    : impl_(std::make_unique<Impl>(store, device)) {}

SignalProtocol::~SignalProtocol() = default;

bool SignalProtocol::has_session(const Address& address) {
  CAddress a(address);
  impl_->adapter.clear_pending();
  return impl_->usable_session(a);
}

void SignalProtocol::process_bundle(const Address& address, const PreKeyBundle& bundle) {
  if (bundle.signed_pre_key_signature.size() != 64) {
    throw SignalError(Kind::invalid_key, "signed prekey signature must be 64 bytes");
  }
  CAddress a(address);
  // Raw 32-byte keys become 0x05 || key points (§9).
  auto identity = keys::public_key(bundle.identity_key);
  auto signed_pre_key = keys::public_key(bundle.signed_pre_key);
  lib::Ref<ec_public_key> one_time;
  if (bundle.pre_key) one_time = keys::public_key(bundle.pre_key->second);

  session_pre_key_bundle* raw_bundle = nullptr;
  int rc = session_pre_key_bundle_create(
      &raw_bundle, bundle.registration_id, static_cast<int>(bundle.device_id),
      bundle.pre_key ? bundle.pre_key->first : 0, one_time.get(), bundle.signed_pre_key_id,
      signed_pre_key.get(), bundle.signed_pre_key_signature.data(),
      bundle.signed_pre_key_signature.size(), identity.get());
  lib::Ref<session_pre_key_bundle> pre_key_bundle(raw_bundle);
  errors::check(rc, Op::process_bundle, "session_pre_key_bundle_create");

  impl_->in_transaction([&] {
    adopt_identity(impl_->adapter, address.name, address.device, bundle.identity_key);
    session_builder* raw_builder = nullptr;
    int brc = session_builder_create(&raw_builder, impl_->adapter.context(), a.get(),
                                     util::libsignal::context());
    lib::Builder builder(raw_builder);
    impl_->after(brc, Op::process_bundle, "session_builder_create");
    // Verifies the signed prekey signature (SG_ERR_INVALID_KEY when it does not verify).
    brc = session_builder_process_pre_key_bundle(builder.get(), pre_key_bundle.get());
    impl_->after(brc, Op::process_bundle, "session_builder_process_pre_key_bundle");
  });
}

Ciphertext SignalProtocol::encrypt(const Address& address, const Bytes& padded_plaintext) {
  CAddress a(address);
  Ciphertext out;
  impl_->in_transaction([&] {
    if (!impl_->usable_session(a)) {
      throw SignalError(Kind::no_session, "no Signal session with this address");
    }
    lib::Cipher cipher = impl_->cipher_for(a);
    static const uint8_t kEmpty = 0;
    ciphertext_message* raw = nullptr;
    int rc = session_cipher_encrypt(
        cipher.get(), padded_plaintext.empty() ? &kEmpty : padded_plaintext.data(),
        padded_plaintext.size(), &raw);
    lib::Ref<ciphertext_message> message(raw);
    impl_->after(rc, Op::encrypt, "session_cipher_encrypt");
    // A session whose first message the peer has not answered yet still produces prekey
    // messages (they carry what the peer needs to build its side): "pkmsg"; after that "msg".
    switch (ciphertext_message_get_type(message.get())) {
      case CIPHERTEXT_PREKEY_TYPE: out.type = "pkmsg"; break;
      case CIPHERTEXT_SIGNAL_TYPE: out.type = "msg"; break;
      default: throw SignalError(Kind::internal, "unexpected libsignal ciphertext type");
    }
    out.data = lib::to_bytes(ciphertext_message_get_serialized(message.get()));
  });
  return out;
}

Bytes SignalProtocol::decrypt(const Address& address, const std::string& type,
                              const Bytes& ciphertext) {
  CAddress a(address);
  signal_context* global = util::libsignal::context();
  if (ciphertext.empty()) throw SignalError(Kind::invalid_message, "empty ciphertext");
  Bytes plaintext;

  if (type == "pkmsg") {
    pre_key_signal_message* raw = nullptr;
    int rc = pre_key_signal_message_deserialize(&raw, ciphertext.data(), ciphertext.size(), global);
    lib::Ref<pre_key_signal_message> message(raw);
    check_parse(rc, "pre_key_signal_message_deserialize");
    const auto identity = keys::raw_public(pre_key_signal_message_get_identity_key(message.get()));
    impl_->in_transaction([&] {
      adopt_identity(impl_->adapter, address.name, address.device, identity);
      lib::Cipher cipher = impl_->cipher_for(a);
      signal_buffer* out = nullptr;
      // Builds the session from our signed + one-time prekey and removes the one-time prekey
      // from the store (remove_pre_key callback), §10 step 3.
      int drc = session_cipher_decrypt_pre_key_signal_message(cipher.get(), message.get(),
                                                              nullptr, &out);
      lib::SecretBuffer owned(out);  // set only on success; zeroed when freed
      impl_->after(drc, Op::decrypt, "session_cipher_decrypt_pre_key_signal_message");
      plaintext = lib::to_bytes(owned.get());
    });
  } else if (type == "msg") {
    signal_message* raw = nullptr;
    int rc = signal_message_deserialize(&raw, ciphertext.data(), ciphertext.size(), global);
    lib::Ref<signal_message> message(raw);
    check_parse(rc, "signal_message_deserialize");
    impl_->in_transaction([&] {
      lib::Cipher cipher = impl_->cipher_for(a);
      signal_buffer* out = nullptr;
      int drc = session_cipher_decrypt_signal_message(cipher.get(), message.get(), nullptr, &out);
      lib::SecretBuffer owned(out);  // set only on success; zeroed when freed
      impl_->after(drc, Op::decrypt, "session_cipher_decrypt_signal_message");
      plaintext = lib::to_bytes(owned.get());
    });
  } else {
    throw SignalError(Kind::invalid_message, "unsupported enc type for 1:1 decryption");
  }
  return plaintext;
}

}  // namespace wa::signal
