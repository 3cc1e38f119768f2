#include "fake_companion.hpp"

#include "adv.pb.h"
#include "companion_reg.pb.h"
#include "util/crypto.hpp"
#include "wa6.pb.h"

namespace e2e {
namespace {

std::string be(uint32_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string str(const util::Bytes& b) { return std::string(b.begin(), b.end()); }
std::string str(const util::curve::Key32& k) { return std::string(k.begin(), k.end()); }

void fill_user_agent(wa::proto::ClientPayload* p) {
  auto* ua = p->mutable_useragent();
  ua->set_platform(wa::proto::ClientPayload::UserAgent::WEB);
  ua->mutable_appversion()->set_primary(2);
  ua->mutable_appversion()->set_secondary(3000);
  ua->mutable_appversion()->set_tertiary(1045649367);
  ua->set_mcc("000");
  ua->set_mnc("000");
  ua->set_osversion("0.1");
  ua->set_device("Desktop");
  ua->set_osbuildnumber("0.1");
  ua->set_releasechannel(wa::proto::ClientPayload::UserAgent::RELEASE);
  ua->set_localelanguageiso6391("en");
  ua->set_localecountryiso31661alpha2("US");
  p->mutable_webinfo()->set_websubplatform(wa::proto::ClientPayload::WebInfo::WEB_BROWSER);
  p->set_connecttype(wa::proto::ClientPayload::WIFI_UNKNOWN);
  p->set_connectreason(wa::proto::ClientPayload::USER_ACTIVATED);
}

std::string serialize(const google::protobuf::MessageLite& m) {
  std::string s;
  m.SerializeToString(&s);
  return s;
}

const wa::Jid kServer = wa::Jid::server_jid();

}  // namespace

CompanionKeys::CompanionKeys() : adv_secret(util::crypto::random_bytes(32)) {}

util::Bytes CompanionKeys::signed_pre_key_signature() const {
  util::Bytes msg{0x05};
  msg.insert(msg.end(), signed_pre_key.pub.begin(), signed_pre_key.pub.end());
  return util::curve::sign(identity.priv, msg);
}

util::Bytes registration_payload(const CompanionKeys& k, const PayloadFaults& f) {
  wa::proto::ClientPayload p;
  fill_user_agent(&p);
  p.set_passive(false);
  p.set_pull(false);
  auto* d = p.mutable_devicepairingdata();
  d->set_eregid(be(k.registration_id, 4));
  d->set_ekeytype(std::string(1, '\x05'));
  d->set_eident(str(k.identity.pub));
  d->set_eskeyid(be(k.signed_pre_key_id, f.short_skey_id ? 4 : 3));
  d->set_eskeyval(str(k.signed_pre_key.pub));
  util::Bytes sig = k.signed_pre_key_signature();
  if (f.bad_signed_pre_key_signature) sig[5] ^= 0x20;
  d->set_eskeysig(str(sig));
  d->set_buildhash(str(util::crypto::md5(util::to_bytes(kTestVersion))));
  wa::proto::DeviceProps props;
  props.set_os("Linux");
  props.set_platformtype(wa::proto::DeviceProps::CHROME);
  props.mutable_version()->set_primary(0);
  props.mutable_version()->set_secondary(1);
  d->set_deviceprops(serialize(props));
  return util::to_bytes(serialize(p));
}

util::Bytes login_payload(uint64_t username, uint32_t device, bool passive) {
  wa::proto::ClientPayload p;
  fill_user_agent(&p);
  p.set_username(username);
  p.set_device(device);
  p.set_passive(passive);
  p.set_pull(true);
  p.set_lc(1);
  p.set_liddbmigrated(true);
  return util::to_bytes(serialize(p));
}

std::string qr_string(const std::string& ref, const CompanionKeys& k) {
  return "https://wa.me/settings/linked_devices#" + ref + "," +
         util::base64_encode(k.noise.pub.data(), 32) + "," +
         util::base64_encode(k.identity.pub.data(), 32) + "," + util::base64_encode(k.adv_secret) +
         ",1";
}

PairReply answer_pair_success(const wa::Node& iq, const CompanionKeys& k, const ReplyFaults& f) {
  PairReply out;
  auto error_reply = [&](const char* text) {
    out.error_text = text;
    out.reply = wa::Node("iq", {{"to", kServer}, {"type", "error"}, {"id", iq.attr("id")}},
                         wa::NodeList{wa::Node("error", {{"code", "401"}, {"text", text}})});
    return out;
  };
  const wa::Node* ps = iq.child("pair-success");
  const wa::Node* di = ps ? ps->child("device-identity") : nullptr;
  if (!di) throw std::runtime_error("pair-success without device-identity");

  wa::proto::ADVSignedDeviceIdentityHMAC wrapper;
  util::Bytes raw = di->bytes();
  if (!wrapper.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    throw std::runtime_error("device-identity is not ADVSignedDeviceIdentityHMAC");
  util::Bytes mac_input = util::to_bytes(wrapper.details());
  if (wrapper.accounttype() == wa::proto::HOSTED) mac_input.insert(mac_input.begin(), {0x06, 0x05});
  if (!util::crypto::constant_time_equal(util::crypto::hmac_sha256(k.adv_secret, mac_input),
                                         util::to_bytes(wrapper.hmac())))
    return error_reply("hmac-mismatch");

  wa::proto::ADVSignedDeviceIdentity account;
  account.ParseFromString(wrapper.details());
  wa::proto::ADVDeviceIdentity details;
  details.ParseFromString(account.details());
  const util::Bytes details_bytes = util::to_bytes(account.details());
  const util::Bytes own(k.identity.pub.begin(), k.identity.pub.end());
  const util::Bytes prefix{0x06, 0x00};
  if (account.accountsignaturekey().size() != 32 || account.accountsignature().size() != 64 ||
      !util::curve::verify(util::to_bytes(account.accountsignaturekey()),
                           util::concat({&prefix, &details_bytes, &own}),
                           util::to_bytes(account.accountsignature())))
    return error_reply("signature-mismatch");

  const util::Bytes phone_key = util::to_bytes(account.accountsignaturekey());
  const util::Bytes dev_prefix{0x06, 0x01};
  util::Bytes dev_sig =
      util::curve::sign(k.identity.priv, util::concat({&dev_prefix, &details_bytes, &own, &phone_key}));
  if (f.bad_device_signature) dev_sig[7] ^= 0x04;
  account.set_devicesignature(str(dev_sig));
  if (!f.keep_account_signature_key) account.clear_accountsignaturekey();
  out.account_details = details_bytes;
  out.key_index = details.keyindex();
  out.reply = wa::Node(
      "iq", {{"to", kServer}, {"type", "result"}, {"id", iq.attr("id")}},
      wa::NodeList{wa::Node(
          "pair-device-sign", {},
          wa::NodeList{wa::Node("device-identity", {{"key-index", std::to_string(details.keyindex())}},
                                util::to_bytes(serialize(account)))})});
  return out;
}

wa::Node prekey_upload(const CompanionKeys& k, int count, bool bad_skey_signature) {
  std::vector<std::pair<uint32_t, util::curve::KeyPair>> keys;
  for (int i = 1; i <= count; ++i)
    keys.emplace_back(static_cast<uint32_t>(i), util::curve::KeyPair::generate());
  return prekey_upload(k, keys, bad_skey_signature);
}

wa::Node prekey_upload(const CompanionKeys& k,
                       const std::vector<std::pair<uint32_t, util::curve::KeyPair>>& one_time,
                       bool bad_skey_signature) {
  auto bytes_node = [](const char* tag, util::Bytes b) { return wa::Node(tag, {}, std::move(b)); };
  auto id3 = [](uint32_t v) {
    return util::Bytes{uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  };
  wa::NodeList keys;
  for (const auto& [id, kp] : one_time)
    keys.push_back(wa::Node("key", {}, wa::NodeList{bytes_node("id", id3(id)),
                                                    bytes_node("value", kp.pub_bytes())}));
  util::Bytes sig = k.signed_pre_key_signature();
  if (bad_skey_signature) sig[1] ^= 0x01;
  util::Bytes regid{uint8_t(k.registration_id >> 24), uint8_t(k.registration_id >> 16),
                    uint8_t(k.registration_id >> 8), uint8_t(k.registration_id)};
  return wa::Node(
      "iq", {{"id", "up-1"}, {"xmlns", "encrypt"}, {"type", "set"}, {"to", kServer}},
      wa::NodeList{bytes_node("registration", regid), bytes_node("type", util::Bytes{0x05}),
                   bytes_node("identity", k.identity.pub_bytes()),
                   wa::Node("list", {}, std::move(keys)),
                   wa::Node("skey", {},
                            wa::NodeList{bytes_node("id", id3(k.signed_pre_key_id)),
                                         bytes_node("value", k.signed_pre_key.pub_bytes()),
                                         bytes_node("signature", sig)})});
}

wa::Node client_iq(const std::string& id, const std::string& xmlns, const std::string& type,
                   const std::string& child) {
  wa::Node iq("iq", {{"id", id}, {"xmlns", xmlns}, {"type", type}, {"to", kServer}});
  if (!child.empty()) iq.content = wa::NodeList{wa::Node(child)};
  return iq;
}

}  // namespace e2e
