// The libsignal store callbacks read what the Store and the Device hold (checked through
// libsignal's own store-context accessors, the functions libsignal calls internally).
#include <catch2/catch.hpp>
#include <signal/curve.h>
#include <signal/ratchet.h>
#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>

#include "party.hpp"
#include "wa/signal/keys.hpp"
#include "wa/signal/libsignal_ptr.hpp"
#include "wa/signal/store_adapter.hpp"

using namespace signal_test;
namespace lib = wa::signal::lib;

namespace {

Bytes pub_of(const ec_public_key* key) {
  const auto raw = wa::signal::keys::raw_public(key);
  return Bytes(raw.begin(), raw.end());
}

Bytes priv_of(const ec_private_key* key) {
  signal_buffer* raw = nullptr;
  REQUIRE(ec_private_key_serialize(&raw, key) == 0);
  lib::SecretBuffer owned(raw);
  return lib::to_bytes(owned.get());
}

}  // namespace

TEST_CASE("identity key pair and registration id come from the device", "[signal][adapter]") {
  store_test::TempDir t;
  Party p(t, "p", Address{"1", 0});
  wa::signal::StoreAdapter adapter(p.store(), p.device());
  ratchet_identity_key_pair* raw = nullptr;
  REQUIRE(signal_protocol_identity_get_key_pair(adapter.context(), &raw) == 0);
  lib::Ref<ratchet_identity_key_pair> pair(raw);
  CHECK(pub_of(ratchet_identity_key_pair_get_public(pair.get())) == p.device().identity_key.pub_bytes());
  CHECK(priv_of(ratchet_identity_key_pair_get_private(pair.get())) ==
        p.device().identity_key.priv_bytes());
  uint32_t reg = 0;
  REQUIRE(signal_protocol_identity_get_local_registration_id(adapter.context(), &reg) == 0);
  CHECK(reg == p.device().registration_id);
}

TEST_CASE("the signed prekey record is built from the device", "[signal][adapter]") {
  store_test::TempDir t;
  Party p(t, "p", Address{"1", 0});
  wa::signal::StoreAdapter adapter(p.store(), p.device());
  const auto& spk = p.device().signed_pre_key;
  session_signed_pre_key* raw = nullptr;
  REQUIRE(signal_protocol_signed_pre_key_load_key(adapter.context(), &raw, spk.id) == 0);
  lib::Ref<session_signed_pre_key> record(raw);
  CHECK(session_signed_pre_key_get_id(record.get()) == spk.id);
  ec_key_pair* kp = session_signed_pre_key_get_key_pair(record.get());
  CHECK(pub_of(ec_key_pair_get_public(kp)) == spk.key.pub_bytes());
  CHECK(priv_of(ec_key_pair_get_private(kp)) == spk.key.priv_bytes());
  const uint8_t* sig = session_signed_pre_key_get_signature(record.get());
  CHECK(Bytes(sig, sig + session_signed_pre_key_get_signature_len(record.get())) == spk.signature);

  CHECK(signal_protocol_signed_pre_key_contains_key(adapter.context(), spk.id) == 1);
  CHECK(signal_protocol_signed_pre_key_contains_key(adapter.context(), spk.id + 1) == 0);
  session_signed_pre_key* missing = nullptr;
  CHECK(signal_protocol_signed_pre_key_load_key(adapter.context(), &missing, spk.id + 1) ==
        SG_ERR_INVALID_KEY_ID);
  CHECK(missing == nullptr);
}

TEST_CASE("one-time prekeys load from and are removed in the store", "[signal][adapter]") {
  store_test::TempDir t;
  Party p(t, "p", Address{"1", 0});
  wa::signal::StoreAdapter adapter(p.store(), p.device());
  auto keys = p.store().get_or_generate_prekeys(2);
  session_pre_key* raw = nullptr;
  REQUIRE(signal_protocol_pre_key_load_key(adapter.context(), &raw, keys[1].id) == 0);
  lib::Ref<session_pre_key> record(raw);
  CHECK(session_pre_key_get_id(record.get()) == keys[1].id);
  ec_key_pair* kp = session_pre_key_get_key_pair(record.get());
  CHECK(pub_of(ec_key_pair_get_public(kp)) == keys[1].key.pub_bytes());
  CHECK(priv_of(ec_key_pair_get_private(kp)) == keys[1].key.priv_bytes());

  CHECK(signal_protocol_pre_key_contains_key(adapter.context(), keys[0].id) == 1);
  REQUIRE(signal_protocol_pre_key_remove_key(adapter.context(), keys[0].id) == 0);
  CHECK_FALSE(p.store().load_prekey(keys[0].id).has_value());
  CHECK(signal_protocol_pre_key_contains_key(adapter.context(), keys[0].id) == 0);
  session_pre_key* missing = nullptr;
  CHECK(signal_protocol_pre_key_load_key(adapter.context(), &missing, keys[0].id) ==
        SG_ERR_INVALID_KEY_ID);
  CHECK(missing == nullptr);
}

TEST_CASE("sub-device sessions list every device with a session", "[signal][adapter]") {
  store_test::TempDir t;
  Party p(t, "p", Address{"1", 0});
  wa::signal::StoreAdapter adapter(p.store(), p.device());
  const Bytes rec{1, 2, 3};
  for (uint32_t d : {0u, 1u, 12u}) p.store().store_session("15550002222", d, rec);
  p.store().store_session("15550003333", 5, rec);
  signal_int_list* raw = nullptr;
  const std::string name = "15550002222";
  REQUIRE(signal_protocol_session_get_sub_device_sessions(adapter.context(), &raw, name.data(),
                                                          name.size()) == 3);
  std::vector<int> got;
  for (unsigned i = 0; i < signal_int_list_size(raw); ++i) got.push_back(signal_int_list_at(raw, i));
  signal_int_list_free(raw);
  // Device 0 is the phone and 1 an ordinary companion in WhatsApp: neither is skipped.
  CHECK(got == std::vector<int>{0, 1, 12});

  signal_protocol_address addr{name.c_str(), name.size(), 1};
  CHECK(signal_protocol_session_contains_session(adapter.context(), &addr) == 1);
  CHECK(signal_protocol_session_delete_session(adapter.context(), &addr) == 1);
  CHECK(signal_protocol_session_delete_session(adapter.context(), &addr) == 0);
  CHECK(signal_protocol_session_delete_all_sessions(adapter.context(), name.data(), name.size()) == 2);
  CHECK(p.store().session_devices(name).empty());
  CHECK(p.store().contains_session("15550003333", 5));
}

TEST_CASE("save_identity stores the raw key; a null key forgets it", "[signal][adapter]") {
  store_test::TempDir t;
  Party p(t, "p", Address{"1", 0});
  wa::signal::StoreAdapter adapter(p.store(), p.device());
  const std::string name = "123456789_1";
  signal_protocol_address addr{name.c_str(), name.size(), 3};
  const auto other = Device::generate().identity_key.pub;
  auto key = wa::signal::keys::public_key(other);
  REQUIRE(signal_protocol_identity_save_identity(adapter.context(), &addr, key.get()) == 0);
  CHECK(p.store().get_identity(name, 3) == Bytes(other.begin(), other.end()));  // no 0x05 prefix
  CHECK(signal_protocol_identity_is_trusted_identity(adapter.context(), &addr, key.get()) == 1);
  REQUIRE(signal_protocol_identity_save_identity(adapter.context(), &addr, nullptr) == 0);
  CHECK_FALSE(p.store().get_identity(name, 3).has_value());
}
