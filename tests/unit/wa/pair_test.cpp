// QR pairing (PROTOCOL.md §6): the QR string and pair-success processing against a test "phone"
// that signs and HMACs the way whatsmeow pair.go / Baileys validate-connection.ts verify it.
#include <catch2/catch.hpp>

#include <sstream>
#include <vector>

#include "adv.pb.h"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "util/curve25519.hpp"
#include "wa/pair.hpp"

using util::Bytes;
namespace curve = util::curve;
namespace pb = wa::proto;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

curve::Key32 key_from(uint8_t first) {
  curve::Key32 k{};
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(first + i);
  return k;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// What the phone (via the server) sends in <pair-success><device-identity>, with knobs to break it.
struct Phone {
  curve::KeyPair key = curve::KeyPair::generate();
  uint32_t raw_id = 123456789;
  uint64_t timestamp = 1700000000;
  uint32_t key_index = 3;

  bool container_hosted = false;  // ADVSignedDeviceIdentityHMAC.accountType = HOSTED
  bool hmac_hosted_prefix = false;  // phone prepends 06 05 to the HMAC input
  bool device_hosted = false;     // ADVDeviceIdentity.deviceType = HOSTED
  Bytes account_prefix = {6, 0};  // what the phone signs the account signature over

  Bytes details() const {
    pb::ADVDeviceIdentity d;
    d.set_rawid(raw_id);
    d.set_timestamp(timestamp);
    d.set_keyindex(key_index);
    if (device_hosted) d.set_devicetype(pb::HOSTED);
    return util::to_bytes(d.SerializeAsString());
  }

  Bytes account_signature(const Bytes& det, const curve::Key32& companion_pub) const {
    return curve::sign(key.priv, cat({account_prefix, det, Bytes(companion_pub.begin(), companion_pub.end())}));
  }

  pb::ADVSignedDeviceIdentity signed_identity(const curve::Key32& companion_pub) const {
    Bytes det = details();
    pb::ADVSignedDeviceIdentity s;
    s.set_details(str(det));
    s.set_accountsignaturekey(str(key.pub_bytes()));
    s.set_accountsignature(str(account_signature(det, companion_pub)));
    return s;
  }

  Bytes wrap(const Bytes& signed_bytes, const Bytes& adv_secret) const {
    pb::ADVSignedDeviceIdentityHMAC c;
    c.set_details(str(signed_bytes));
    Bytes input = hmac_hosted_prefix ? cat({Bytes{6, 5}, signed_bytes}) : signed_bytes;
    c.set_hmac(str(util::crypto::hmac_sha256(adv_secret, input)));
    if (container_hosted) c.set_accounttype(pb::HOSTED);
    return util::to_bytes(c.SerializeAsString());
  }

  Bytes device_identity(const curve::Key32& companion_pub, const Bytes& adv_secret) const {
    return wrap(util::to_bytes(signed_identity(companion_pub).SerializeAsString()), adv_secret);
  }
};

const wa::PairedIdentity& ok(const std::variant<wa::PairedIdentity, wa::PairError>& r) {
  if (auto* e = std::get_if<wa::PairError>(&r)) FAIL("pair error " << wa::pair_error_text(*e));
  return std::get<wa::PairedIdentity>(r);
}

wa::PairError err(const std::variant<wa::PairedIdentity, wa::PairError>& r) {
  REQUIRE(std::holds_alternative<wa::PairError>(r));
  return std::get<wa::PairError>(r);
}

}  // namespace

TEST_CASE("QR string follows the §6 format with standard padded base64", "[wa][pair]") {
  const curve::Key32 noise = key_from(0x00);
  const curve::Key32 ident = key_from(0x80);
  const Bytes adv(32, 0xFF);
  const std::string ref = "2@Xy1+/Zq9==";
  const std::string qr = wa::make_qr_string(ref, noise, ident, adv, '1');

  // Built by hand: base64 of 00..1f, of 80..9f, and of 32 x ff (standard alphabet, '=' padded).
  CHECK(qr ==
        "https://wa.me/settings/linked_devices#2@Xy1+/Zq9==,"
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,"
        "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8=,"
        "//////////////////////////////////////////8=,"
        "1");

  const std::string prefix = "https://wa.me/settings/linked_devices#";
  REQUIRE(qr.compare(0, prefix.size(), prefix) == 0);
  auto fields = split(qr.substr(prefix.size()), ',');
  REQUIRE(fields.size() == 5);
  CHECK(fields[0] == ref);
  auto n = util::base64_decode(fields[1]);
  auto i = util::base64_decode(fields[2]);
  auto a = util::base64_decode(fields[3]);
  REQUIRE(n);
  REQUIRE(i);
  REQUIRE(a);
  CHECK(*n == Bytes(noise.begin(), noise.end()));
  CHECK(*i == Bytes(ident.begin(), ident.end()));
  CHECK(*a == adv);
  CHECK(fields[4] == "1");

  // Default platform character is Chrome's.
  CHECK(wa::make_qr_string(ref, noise, ident, adv).back() == '1');
  CHECK(wa::make_qr_string(ref, noise, ident, adv, '9').back() == '9');
}

TEST_CASE("QR platform character follows whatsmeow getQRClientType", "[wa][pair]") {
  CHECK(wa::qr_platform_char(1) == '1');   // CHROME
  CHECK(wa::qr_platform_char(2) == '3');   // FIREFOX
  CHECK(wa::qr_platform_char(3) == '4');   // IE
  CHECK(wa::qr_platform_char(4) == '5');   // OPERA
  CHECK(wa::qr_platform_char(5) == '6');   // SAFARI
  CHECK(wa::qr_platform_char(6) == '2');   // EDGE
  CHECK(wa::qr_platform_char(21) == '8');  // UWP
  CHECK(wa::qr_platform_char(16) == 'e');  // ANDROID_PHONE
  // Anything else: user agent platform WEB -> "other web client".
  CHECK(wa::qr_platform_char(0) == '9');   // UNKNOWN (WM's default)
  CHECK(wa::qr_platform_char(7) == '9');   // DESKTOP
  CHECK(wa::qr_platform_char(9) == '9');
  CHECK(wa::qr_platform_char(-1) == '9');
}

TEST_CASE("pair error codes and texts", "[wa][pair]") {
  CHECK(wa::pair_error_code(wa::PairError::hmac_mismatch) == 401);
  CHECK(std::string(wa::pair_error_text(wa::PairError::hmac_mismatch)) == "hmac-mismatch");
  CHECK(wa::pair_error_code(wa::PairError::signature_mismatch) == 401);
  CHECK(std::string(wa::pair_error_text(wa::PairError::signature_mismatch)) == "signature-mismatch");
  CHECK(wa::pair_error_code(wa::PairError::malformed) == 500);
  CHECK(std::string(wa::pair_error_text(wa::PairError::malformed)) == "internal-error");
}

TEST_CASE("pair-success from a genuine phone is accepted and countersigned", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;
  const Bytes details = phone.details();

  // Signatures are randomized (XEdDSA nonce), so keep the one sent to compare against.
  const auto sent = phone.signed_identity(companion.pub);
  auto result = wa::process_pair_success(
      phone.wrap(util::to_bytes(sent.SerializeAsString()), adv), adv, companion);
  const auto& paired = ok(result);
  CHECK(paired.key_index == 3);
  CHECK(paired.account_signature_key == phone.key.pub_bytes());

  pb::ADVSignedDeviceIdentity account;
  REQUIRE(account.ParseFromArray(paired.account.data(), static_cast<int>(paired.account.size())));
  CHECK(account.details() == str(details));
  REQUIRE(account.has_accountsignaturekey());
  CHECK(account.accountsignaturekey() == str(phone.key.pub_bytes()));
  CHECK(account.accountsignature() == sent.accountsignature());
  REQUIRE(account.devicesignature().size() == 64);

  // The device signature verifies under our identity over 06 01 || details || our pub || phone key.
  const Bytes dev_msg = cat({Bytes{6, 1}, details, companion.pub_bytes(), phone.key.pub_bytes()});
  CHECK(curve::verify(companion.pub, dev_msg, util::to_bytes(account.devicesignature())));
  // ...and not over a different prefix.
  const Bytes wrong_msg = cat({Bytes{6, 0}, details, companion.pub_bytes(), phone.key.pub_bytes()});
  CHECK_FALSE(curve::verify(companion.pub, wrong_msg, util::to_bytes(account.devicesignature())));

  pb::ADVSignedDeviceIdentity reply;
  REQUIRE(reply.ParseFromArray(paired.account_for_reply.data(),
                               static_cast<int>(paired.account_for_reply.size())));
  CHECK_FALSE(reply.has_accountsignaturekey());
  CHECK(reply.details() == account.details());
  CHECK(reply.accountsignature() == account.accountsignature());
  CHECK(reply.devicesignature() == account.devicesignature());
  CHECK(paired.account_for_reply.size() + 2 + 32 == paired.account.size());
}

TEST_CASE("pair-success with a flipped HMAC bit is an hmac-mismatch", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;
  pb::ADVSignedDeviceIdentityHMAC c;
  const Bytes good = phone.device_identity(companion.pub, adv);
  REQUIRE(c.ParseFromArray(good.data(), static_cast<int>(good.size())));
  std::string mac = c.hmac();
  mac[5] ^= 0x10;
  c.set_hmac(mac);
  auto e = err(wa::process_pair_success(util::to_bytes(c.SerializeAsString()), adv, companion));
  CHECK(e == wa::PairError::hmac_mismatch);
  CHECK(wa::pair_error_code(e) == 401);
  CHECK(std::string(wa::pair_error_text(e)) == "hmac-mismatch");

  // A truncated or missing HMAC, or the wrong adv secret, fails the same way.
  c.set_hmac(mac.substr(0, 31));
  CHECK(err(wa::process_pair_success(util::to_bytes(c.SerializeAsString()), adv, companion)) ==
        wa::PairError::hmac_mismatch);
  c.clear_hmac();
  CHECK(err(wa::process_pair_success(util::to_bytes(c.SerializeAsString()), adv, companion)) ==
        wa::PairError::hmac_mismatch);
  Bytes other_adv = adv;
  other_adv[0] ^= 1;
  CHECK(err(wa::process_pair_success(good, other_adv, companion)) == wa::PairError::hmac_mismatch);
}

TEST_CASE("pair-success with a bad account signature is a signature-mismatch", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;

  SECTION("one flipped signature bit") {
    auto s = phone.signed_identity(companion.pub);
    std::string sig = s.accountsignature();
    sig[10] ^= 0x01;
    s.set_accountsignature(sig);
    auto e = err(wa::process_pair_success(
        phone.wrap(util::to_bytes(s.SerializeAsString()), adv), adv, companion));
    CHECK(e == wa::PairError::signature_mismatch);
    CHECK(wa::pair_error_code(e) == 401);
    CHECK(std::string(wa::pair_error_text(e)) == "signature-mismatch");
  }
  SECTION("signed for another companion's identity") {
    const auto other = curve::KeyPair::generate();
    CHECK(err(wa::process_pair_success(phone.device_identity(other.pub, adv), adv, companion)) ==
          wa::PairError::signature_mismatch);
  }
  SECTION("signed by a key other than accountSignatureKey") {
    auto s = phone.signed_identity(companion.pub);
    s.set_accountsignaturekey(str(curve::KeyPair::generate().pub_bytes()));
    CHECK(err(wa::process_pair_success(phone.wrap(util::to_bytes(s.SerializeAsString()), adv),
                                       adv, companion)) == wa::PairError::signature_mismatch);
  }
  SECTION("wrong key or signature length (whatsmeow verifyAccountSignature)") {
    auto s = phone.signed_identity(companion.pub);
    s.set_accountsignaturekey(str(cat({Bytes{5}, phone.key.pub_bytes()})));  // 33-byte form
    CHECK(err(wa::process_pair_success(phone.wrap(util::to_bytes(s.SerializeAsString()), adv),
                                       adv, companion)) == wa::PairError::signature_mismatch);
    s = phone.signed_identity(companion.pub);
    s.set_accountsignature(s.accountsignature().substr(0, 63));
    CHECK(err(wa::process_pair_success(phone.wrap(util::to_bytes(s.SerializeAsString()), adv),
                                       adv, companion)) == wa::PairError::signature_mismatch);
    s = phone.signed_identity(companion.pub);
    s.clear_accountsignature();
    CHECK(err(wa::process_pair_success(phone.wrap(util::to_bytes(s.SerializeAsString()), adv),
                                       adv, companion)) == wa::PairError::signature_mismatch);
  }
}

TEST_CASE("HOSTED account type puts 06 05 in front of the HMAC input", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;

  phone.container_hosted = true;
  phone.hmac_hosted_prefix = true;
  CHECK(ok(wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion))
            .key_index == 3);

  // HOSTED container but the HMAC computed without the prefix.
  phone.hmac_hosted_prefix = false;
  CHECK(err(wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion)) ==
        wa::PairError::hmac_mismatch);

  // E2EE container but the HMAC computed with the prefix.
  phone.container_hosted = false;
  phone.hmac_hosted_prefix = true;
  CHECK(err(wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion)) ==
        wa::PairError::hmac_mismatch);
}

TEST_CASE("HOSTED device type signs the account over 06 05", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;

  phone.device_hosted = true;
  phone.account_prefix = {6, 5};
  const auto result =
      wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion);
  const auto& paired = ok(result);
  // The device signature keeps the 06 01 prefix even for hosted devices (both references).
  pb::ADVSignedDeviceIdentity account;
  REQUIRE(account.ParseFromArray(paired.account.data(), static_cast<int>(paired.account.size())));
  const Bytes dev_msg =
      cat({Bytes{6, 1}, phone.details(), companion.pub_bytes(), phone.key.pub_bytes()});
  CHECK(curve::verify(companion.pub, dev_msg, util::to_bytes(account.devicesignature())));

  // HOSTED device signed with the E2EE prefix, and an E2EE device signed with the hosted one.
  phone.account_prefix = {6, 0};
  CHECK(err(wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion)) ==
        wa::PairError::signature_mismatch);
  phone.device_hosted = false;
  phone.account_prefix = {6, 5};
  CHECK(err(wa::process_pair_success(phone.device_identity(companion.pub, adv), adv, companion)) ==
        wa::PairError::signature_mismatch);
}

TEST_CASE("garbage pair-success input is malformed", "[wa][pair]") {
  const auto companion = curve::KeyPair::generate();
  const Bytes adv = util::crypto::random_bytes(32);
  Phone phone;

  // Not a protobuf: a length-delimited field whose length runs past the end.
  const Bytes truncated = {0x0a, 0x20, 0x01, 0x02};
  auto e = err(wa::process_pair_success(truncated, adv, companion));
  CHECK(e == wa::PairError::malformed);
  CHECK(wa::pair_error_code(e) == 500);
  CHECK(std::string(wa::pair_error_text(e)) == "internal-error");
  CHECK(err(wa::process_pair_success(Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                           0xff, 0xff},
                                     adv, companion)) == wa::PairError::malformed);

  // Authentic HMAC over bytes that are not an ADVSignedDeviceIdentity.
  CHECK(err(wa::process_pair_success(phone.wrap(truncated, adv), adv, companion)) ==
        wa::PairError::malformed);

  // Authentic HMAC and signed identity whose details are not an ADVDeviceIdentity.
  auto s = phone.signed_identity(companion.pub);
  s.set_details(str(truncated));
  CHECK(err(wa::process_pair_success(phone.wrap(util::to_bytes(s.SerializeAsString()), adv), adv,
                                     companion)) == wa::PairError::malformed);
}
