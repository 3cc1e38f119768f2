// ClientPayload construction (PROTOCOL.md §4). Every value below mirrors whatsmeow
// store/clientpayload.go (BaseClientPayload, DeviceProps, getRegistrationPayload,
// getLoginPayload); comments note where Baileys (src/Utils/validate-connection.ts) differs.
#include "wa/client_payload.hpp"

#include <stdexcept>

#include "companion_reg.pb.h"
#include "util/crypto.hpp"
#include "wa6.pb.h"

namespace wa {
namespace {

using proto::ClientPayload;

// Parses one run of decimal digits into a uint32: no sign, no leading zero (so that
// parse(v).str() == v and the build hash is computed over exactly the configured text).
std::optional<uint32_t> parse_u32(const std::string& s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(value);
}

util::Bytes be_bytes(uint32_t value, size_t width) {
  util::Bytes out(width);
  for (size_t i = 0; i < width; ++i) out[width - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
  return out;
}

std::string as_string(const uint8_t* data, size_t len) {
  return std::string(reinterpret_cast<const char*>(data), len);
}

util::Bytes serialize(const google::protobuf::MessageLite& msg) {
  std::string out;
  if (!msg.SerializeToString(&out)) throw std::runtime_error("ClientPayload: serialization failed");
  return util::to_bytes(out);
}

// The fields shared by registration and login (WM BaseClientPayload).
ClientPayload base_payload(const WaVersion& version) {
  ClientPayload p;
  auto* ua = p.mutable_useragent();
  ua->set_platform(ClientPayload::UserAgent::WEB);
  auto* av = ua->mutable_appversion();
  av->set_primary(version.primary);
  av->set_secondary(version.secondary);
  av->set_tertiary(version.tertiary);
  ua->set_mcc("000");
  ua->set_mnc("000");
  ua->set_osversion("0.1");
  ua->set_manufacturer("");  // WM sends the empty string explicitly; BL leaves it unset
  ua->set_device("Desktop");
  ua->set_osbuildnumber("0.1");
  ua->set_releasechannel(ClientPayload::UserAgent::RELEASE);
  ua->set_localelanguageiso6391("en");
  ua->set_localecountryiso31661alpha2("US");
  // WM always says WEB_BROWSER; BL switches to DARWIN/WIN32 only for desktop full-sync setups.
  p.mutable_webinfo()->set_websubplatform(ClientPayload::WebInfo::WEB_BROWSER);
  p.set_connecttype(ClientPayload::WIFI_UNKNOWN);
  p.set_connectreason(ClientPayload::USER_ACTIVATED);
  return p;
}

// Serialized DeviceProps as WM builds it (store.DeviceProps), with our os and platform type.
std::string device_props_bytes(const DeviceProps& props) {
  if (!proto::DeviceProps::PlatformType_IsValid(props.platform_type))
    throw std::invalid_argument("DeviceProps: unknown platform type");
  proto::DeviceProps dp;
  dp.set_os(props.os);
  // WM advertises OS version 0.1.0 (BL 10.15.7).
  auto* v = dp.mutable_version();
  v->set_primary(0);
  v->set_secondary(1);
  v->set_tertiary(0);
  dp.set_platformtype(static_cast<proto::DeviceProps::PlatformType>(props.platform_type));
  dp.set_requirefullsync(false);
  auto* h = dp.mutable_historysyncconfig();
  h->set_storagequotamb(10240);
  h->set_inlineinitialpayloadine2eemsg(true);
  h->set_supportcallloghistory(true);
  h->set_supportbotuseragentchathistory(true);
  h->set_supportcagreactionsandpolls(true);
  h->set_supportbizhostedmsg(true);
  h->set_supportrecentsyncchunkmessagecounttuning(true);
  h->set_supporthostedgroupmsg(true);
  h->set_supportfbidbotchathistory(true);
  h->set_supportmessageassociation(true);
  h->set_supportgrouphistory(true);
  h->set_thumbnailsyncdayslimit(60);
  // WM also sets supportManusHistory (#21) and supportHatchHistory (#22) = true
  // (WACompanionReg.proto). Our trimmed .proto does not declare them, so they are written as
  // unknown varint fields; protobuf serializes unknown fields after the known ones, which is
  // the same field-number order WM's encoder produces.
  h->mutable_unknown_fields()->AddVarint(21, 1);
  h->mutable_unknown_fields()->AddVarint(22, 1);
  std::string out;
  if (!dp.SerializeToString(&out)) throw std::runtime_error("DeviceProps: serialization failed");
  return out;
}

}  // namespace

std::optional<WaVersion> WaVersion::parse(const std::string& text) {
  size_t d1 = text.find('.');
  if (d1 == std::string::npos) return std::nullopt;
  size_t d2 = text.find('.', d1 + 1);
  if (d2 == std::string::npos || text.find('.', d2 + 1) != std::string::npos) return std::nullopt;
  auto a = parse_u32(text.substr(0, d1));
  auto b = parse_u32(text.substr(d1 + 1, d2 - d1 - 1));
  auto c = parse_u32(text.substr(d2 + 1));
  if (!a || !b || !c) return std::nullopt;
  WaVersion v;
  v.primary = *a;
  v.secondary = *b;
  v.tertiary = *c;
  return v;
}

std::string WaVersion::str() const {
  return std::to_string(primary) + "." + std::to_string(secondary) + "." + std::to_string(tertiary);
}

util::Bytes WaVersion::build_hash() const { return util::crypto::md5(util::to_bytes(str())); }

util::Bytes registration_payload(const RegistrationKeys& keys, const WaVersion& version,
                                 const DeviceProps& props) {
  // eSkeyID is the low 3 bytes of the id (WM: preKeyID[1:], BL: encodeBigEndian(id, 3)); an id
  // that does not fit would be silently truncated, so refuse it.
  if (keys.signed_pre_key_id > 0xFFFFFFu)
    throw std::invalid_argument("registration_payload: signed prekey id exceeds 24 bits");
  if (keys.signed_pre_key_signature.size() != 64)
    throw std::invalid_argument("registration_payload: signed prekey signature must be 64 bytes");

  ClientPayload p = base_payload(version);
  p.set_passive(false);
  p.set_pull(false);
  auto* d = p.mutable_devicepairingdata();
  util::Bytes regid = be_bytes(keys.registration_id, 4);
  util::Bytes skey_id = be_bytes(keys.signed_pre_key_id, 3);
  util::Bytes hash = version.build_hash();
  d->set_eregid(as_string(regid.data(), regid.size()));
  d->set_ekeytype(std::string(1, '\x05'));  // DJB key type, keys themselves go without it
  d->set_eident(as_string(keys.identity_pub.data(), keys.identity_pub.size()));
  d->set_eskeyid(as_string(skey_id.data(), skey_id.size()));
  d->set_eskeyval(as_string(keys.signed_pre_key_pub.data(), keys.signed_pre_key_pub.size()));
  d->set_eskeysig(as_string(keys.signed_pre_key_signature.data(),
                            keys.signed_pre_key_signature.size()));
  d->set_buildhash(as_string(hash.data(), hash.size()));
  d->set_deviceprops(device_props_bytes(props));
  return serialize(p);
}

util::Bytes login_payload(uint64_t username, uint32_t device, const WaVersion& version) {
  ClientPayload p = base_payload(version);
  p.set_username(username);
  p.set_device(device);
  p.set_passive(true);
  p.set_pull(true);
  // WM: lidDbMigrated=true and lc=1 (BL sends lidDbMigrated=false and no lc).
  p.set_liddbmigrated(true);
  p.set_lc(1);
  return serialize(p);
}

}  // namespace wa
