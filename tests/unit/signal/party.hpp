// One side of a Signal conversation for tests: its own temp-dir Store, a generated Device saved
// in it, and a SignalProtocol on top. Bundles are built the way the server hands them out
// (PROTOCOL.md §9 "Prekey bundles"): registration id, identity, signed prekey, one-time prekey.
#pragma once
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "../store/temp_dir.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/store/device_store.hpp"

namespace signal_test {

using util::Bytes;
using wa::signal::Address;
using wa::signal::PreKeyBundle;
using wa::signal::SignalError;
using wa::signal::SignalProtocol;
using wa::store::Device;
using wa::store::Store;

class Party {
 public:
  Party(const store_test::TempDir& root, const std::string& name, Address address)
      : dir_(root.sub(name)), address_(std::move(address)) {
    store_ = Store::open(dir_);
    device_ = Device::generate();
    store_->save_device(device_);
    signal_ = std::make_unique<SignalProtocol>(*store_, device_);
  }

  // Closes everything and opens it again from disk (a service restart).
  void reopen() {
    signal_.reset();
    store_.reset();
    store_ = Store::open(dir_);
    auto loaded = store_->load_device();
    if (!loaded) throw std::runtime_error("device row missing after reopen");
    device_ = *loaded;
    signal_ = std::make_unique<SignalProtocol>(*store_, device_);
  }

  // A bundle with a fresh one-time prekey from the store (marked uploaded, as after an upload),
  // or without one.
  PreKeyBundle bundle(bool with_one_time = true) {
    PreKeyBundle b;
    b.registration_id = device_.registration_id;
    b.device_id = address_.device;
    if (with_one_time) {
      auto keys = store_->get_or_generate_prekeys(1);
      store_->mark_prekeys_uploaded(keys.at(0).id);
      b.pre_key = std::make_pair(keys[0].id, keys[0].key.pub);
    }
    b.signed_pre_key_id = device_.signed_pre_key.id;
    b.signed_pre_key = device_.signed_pre_key.key.pub;
    b.signed_pre_key_signature = device_.signed_pre_key.signature;
    b.identity_key = device_.identity_key.pub;
    return b;
  }

  SignalProtocol& signal() { return *signal_; }
  Store& store() { return *store_; }
  const Device& device() const { return device_; }
  const Address& address() const { return address_; }
  Bytes identity_pub() const { return device_.identity_key.pub_bytes(); }

 private:
  std::string dir_;
  Address address_;
  std::unique_ptr<Store> store_;
  Device device_;
  std::unique_ptr<SignalProtocol> signal_;
};

inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Runs fn, which must throw SignalError, and returns its kind.
template <class F>
SignalError::Kind error_kind(F&& fn) {
  try {
    fn();
  } catch (const SignalError& e) {
    return e.kind;
  }
  throw std::runtime_error("expected a SignalError");
}

}  // namespace signal_test

namespace Catch {
template <>
struct StringMaker<wa::signal::SignalError::Kind> {
  static std::string convert(wa::signal::SignalError::Kind k) {
    using K = wa::signal::SignalError::Kind;
    switch (k) {
      case K::invalid_message: return "invalid_message";
      case K::invalid_key: return "invalid_key";
      case K::untrusted_identity: return "untrusted_identity";
      case K::duplicate_message: return "duplicate_message";
      case K::no_session: return "no_session";
      case K::internal: return "internal";
    }
    return "?";
  }
};
}  // namespace Catch
