// ClientPayload: decode what we build with the generated WA6 classes and check every field of
// the PROTOCOL.md §4 table (whatsmeow store/clientpayload.go values).
#include <catch2/catch.hpp>

#include "companion_reg.pb.h"
#include "util/bytes.hpp"
#include "wa/client_payload.hpp"
#include "wa6.pb.h"

using wa::proto::ClientPayload;

namespace {

std::string hex(const std::string& s) { return util::hex_encode(util::to_bytes(s)); }

wa::RegistrationKeys test_keys() {
  wa::RegistrationKeys k{};
  k.registration_id = 0x01020304;
  for (int i = 0; i < 32; ++i) {
    k.identity_pub[i] = static_cast<uint8_t>(0xA0 + i);
    k.signed_pre_key_pub[i] = static_cast<uint8_t>(0x40 + i);
  }
  k.signed_pre_key_id = 1;
  k.signed_pre_key_signature.assign(64, 0x5A);
  return k;
}

// The fields registration and login share (§4 table, WM column).
void check_common(const ClientPayload& p, uint32_t rev) {
  REQUIRE(p.has_useragent());
  const auto& ua = p.useragent();
  CHECK(ua.platform() == ClientPayload::UserAgent::WEB);
  CHECK(static_cast<int>(ua.platform()) == 14);
  REQUIRE(ua.has_appversion());
  CHECK(ua.appversion().primary() == 2);
  CHECK(ua.appversion().secondary() == 3000);
  CHECK(ua.appversion().tertiary() == rev);
  CHECK_FALSE(ua.appversion().has_quaternary());
  CHECK(ua.mcc() == "000");
  CHECK(ua.mnc() == "000");
  CHECK(ua.osversion() == "0.1");
  CHECK(ua.has_manufacturer());
  CHECK(ua.manufacturer().empty());
  CHECK(ua.device() == "Desktop");
  CHECK(ua.osbuildnumber() == "0.1");
  CHECK(ua.has_releasechannel());
  CHECK(ua.releasechannel() == ClientPayload::UserAgent::RELEASE);
  CHECK(ua.localelanguageiso6391() == "en");
  CHECK(ua.localecountryiso31661alpha2() == "US");
  CHECK_FALSE(ua.has_phoneid());
  REQUIRE(p.has_webinfo());
  CHECK(p.webinfo().has_websubplatform());
  CHECK(p.webinfo().websubplatform() == ClientPayload::WebInfo::WEB_BROWSER);
  CHECK(p.connecttype() == ClientPayload::WIFI_UNKNOWN);
  CHECK(static_cast<int>(p.connecttype()) == 1);
  CHECK(p.connectreason() == ClientPayload::USER_ACTIVATED);
  CHECK(static_cast<int>(p.connectreason()) == 1);
  CHECK_FALSE(p.has_pushname());
  CHECK(p.GetReflection()->GetUnknownFields(p).empty());
}

}  // namespace

TEST_CASE("WaVersion parses, prints and hashes 2.3000.REV", "[wa][client_payload]") {
  auto v = wa::WaVersion::parse("2.3000.1045649367");
  REQUIRE(v);
  CHECK(v->primary == 2);
  CHECK(v->secondary == 3000);
  CHECK(v->tertiary == 1045649367u);
  CHECK(v->str() == "2.3000.1045649367");
  // PROTOCOL.md §4: md5("2.3000.1045649367").
  CHECK(util::hex_encode(v->build_hash()) == "9fa53af9421567b114e33c9bb1ef7db2");
  CHECK(wa::WaVersion{}.str() == "2.3000.1045649367");

  auto other = wa::WaVersion::parse("2.3000.1035194821");
  REQUIRE(other);
  CHECK(other->tertiary == 1035194821u);
  CHECK(wa::WaVersion::parse("0.0.0"));
  CHECK(wa::WaVersion::parse("4294967295.1.2"));
}

TEST_CASE("WaVersion rejects other shapes", "[wa][client_payload]") {
  for (const char* bad : {"", "2", "2.3000", "2.3000.", ".3000.1", "2..1", "2.3000.1.4",
                          "2.3000.x", "2.3000.-1", "2.3000.+1", " 2.3000.1", "2.3000.1 ",
                          "2.3000.4294967296", "2.3000.99999999999", "02.3000.1", "2,3000,1",
                          "v2.3000.1"}) {
    INFO(bad);
    CHECK_FALSE(wa::WaVersion::parse(bad));
  }
}

TEST_CASE("registration payload carries every §4 field", "[wa][client_payload]") {
  auto keys = test_keys();
  wa::WaVersion version;
  auto bytes = wa::registration_payload(keys, version, wa::DeviceProps{});

  ClientPayload p;
  REQUIRE(p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  check_common(p, 1045649367u);

  CHECK_FALSE(p.has_username());
  CHECK_FALSE(p.has_device());
  CHECK_FALSE(p.has_lc());
  CHECK_FALSE(p.has_liddbmigrated());
  REQUIRE(p.has_passive());
  CHECK(p.passive() == false);
  REQUIRE(p.has_pull());
  CHECK(p.pull() == false);

  REQUIRE(p.has_devicepairingdata());
  const auto& d = p.devicepairingdata();
  CHECK(hex(d.eregid()) == "01020304");
  CHECK(hex(d.ekeytype()) == "05");
  CHECK(d.eident() == std::string(keys.identity_pub.begin(), keys.identity_pub.end()));
  CHECK(d.eident().size() == 32);
  CHECK(hex(d.eskeyid()) == "000001");
  CHECK(d.eskeyval() == std::string(keys.signed_pre_key_pub.begin(), keys.signed_pre_key_pub.end()));
  CHECK(d.eskeysig() == std::string(64, '\x5A'));
  CHECK(hex(d.buildhash()) == "9fa53af9421567b114e33c9bb1ef7db2");

  wa::proto::DeviceProps dp;
  REQUIRE(dp.ParseFromString(d.deviceprops()));
  CHECK(dp.os() == "Linux");
  CHECK(dp.version().primary() == 0);
  CHECK(dp.version().secondary() == 1);
  CHECK(dp.version().tertiary() == 0);
  CHECK(dp.platformtype() == wa::proto::DeviceProps::CHROME);
  REQUIRE(dp.has_requirefullsync());
  CHECK(dp.requirefullsync() == false);
  const auto& h = dp.historysyncconfig();
  CHECK_FALSE(h.has_fullsyncdayslimit());
  CHECK_FALSE(h.has_fullsyncsizemblimit());
  CHECK(h.storagequotamb() == 10240);
  CHECK(h.inlineinitialpayloadine2eemsg());
  CHECK_FALSE(h.has_recentsyncdayslimit());
  CHECK(h.supportcallloghistory());
  CHECK(h.supportbotuseragentchathistory());
  CHECK(h.supportcagreactionsandpolls());
  CHECK(h.supportbizhostedmsg());
  CHECK(h.supportrecentsyncchunkmessagecounttuning());
  CHECK(h.supporthostedgroupmsg());
  CHECK(h.supportfbidbotchathistory());
  CHECK_FALSE(h.has_supportaddonhistorysyncmigration());
  CHECK(h.supportmessageassociation());
  CHECK(h.supportgrouphistory());
  CHECK(h.thumbnailsyncdayslimit() == 60);
}

TEST_CASE("registration DeviceProps bytes match a hand-encoded WM DeviceProps",
          "[wa][client_payload]") {
  // Hand-encoded from whatsmeow store/clientpayload.go DeviceProps with os "Linux" and CHROME:
  // 0a 05 "Linux" | 12 06 {08 00 10 01 18 00} | 18 01 | 20 00 | 2a 20 {historySyncConfig:
  // 18 80 50 (10240), 20 01, 30 01, 38 01, 40 01, 48 01, 50 01, 58 01, 60 01, 70 01, 78 01,
  // 98 01 3c (#19 = 60), a8 01 01 (#21 supportManusHistory), b0 01 01 (#22 supportHatchHistory)}.
  const std::string expected =
      "0a054c696e7578"
      "1206080010011800"
      "1801"
      "2000"
      "2a20"
      "188050"
      "2001" "3001" "3801" "4001" "4801" "5001" "5801" "6001" "7001" "7801"
      "98013c"
      "a80101"
      "b00101";
  auto bytes = wa::registration_payload(test_keys(), wa::WaVersion{}, wa::DeviceProps{});
  ClientPayload p;
  REQUIRE(p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  CHECK(hex(p.devicepairingdata().deviceprops()) == expected);
}

TEST_CASE("registration payload encodes ids big-endian and follows the version",
          "[wa][client_payload]") {
  auto keys = test_keys();
  keys.registration_id = 0xDEADBEEF;
  keys.signed_pre_key_id = 0xABCDEF;
  auto version = wa::WaVersion::parse("2.3000.1035194821");
  REQUIRE(version);
  wa::DeviceProps props;
  props.os = "Ubuntu";
  props.platform_type = 2;  // FIREFOX
  auto bytes = wa::registration_payload(keys, *version, props);
  ClientPayload p;
  REQUIRE(p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  check_common(p, 1035194821u);
  CHECK(hex(p.devicepairingdata().eregid()) == "deadbeef");
  CHECK(hex(p.devicepairingdata().eskeyid()) == "abcdef");
  CHECK(util::to_bytes(p.devicepairingdata().buildhash()) == version->build_hash());
  wa::proto::DeviceProps dp;
  REQUIRE(dp.ParseFromString(p.devicepairingdata().deviceprops()));
  CHECK(dp.os() == "Ubuntu");
  CHECK(dp.platformtype() == wa::proto::DeviceProps::FIREFOX);
}

TEST_CASE("registration payload refuses values it cannot encode faithfully",
          "[wa][client_payload]") {
  auto keys = test_keys();
  keys.signed_pre_key_id = 0x1000000;  // does not fit the 3-byte eSkeyID
  CHECK_THROWS_AS(wa::registration_payload(keys, wa::WaVersion{}, wa::DeviceProps{}),
                  std::invalid_argument);
  keys = test_keys();
  keys.signed_pre_key_signature.resize(63);
  CHECK_THROWS_AS(wa::registration_payload(keys, wa::WaVersion{}, wa::DeviceProps{}),
                  std::invalid_argument);
  wa::DeviceProps props;
  props.platform_type = 999;
  CHECK_THROWS_AS(wa::registration_payload(test_keys(), wa::WaVersion{}, props),
                  std::invalid_argument);
}

TEST_CASE("login payload carries every §4 field and no pairing data", "[wa][client_payload]") {
  auto bytes = wa::login_payload(15551234567ULL, 7, wa::WaVersion{});
  ClientPayload p;
  REQUIRE(p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  check_common(p, 1045649367u);
  REQUIRE(p.has_username());
  CHECK(p.username() == 15551234567ULL);
  REQUIRE(p.has_device());
  CHECK(p.device() == 7);
  CHECK(p.passive() == true);
  CHECK(p.pull() == true);
  REQUIRE(p.has_lc());
  CHECK(p.lc() == 1);
  REQUIRE(p.has_liddbmigrated());
  CHECK(p.liddbmigrated() == true);
  CHECK_FALSE(p.has_devicepairingdata());
}

TEST_CASE("login payload for device 0 still sends the device field", "[wa][client_payload]") {
  auto bytes = wa::login_payload(491701234567ULL, 0, wa::WaVersion{});
  ClientPayload p;
  REQUIRE(p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  CHECK(p.has_device());
  CHECK(p.device() == 0);
  CHECK(p.username() == 491701234567ULL);
}
