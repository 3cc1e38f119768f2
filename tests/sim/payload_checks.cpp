#include "payload_checks.hpp"

#include "companion_reg.pb.h"
#include "util/crypto.hpp"
#include "wa6.pb.h"

namespace sim {
namespace {

uint32_t be_uint(const std::string& b) {
  uint32_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

util::curve::Key32 key32(const std::string& b) { return util::curve::to_key32(util::to_bytes(b)); }

PayloadRefusal refuse(std::string why, int reason = 400) { return PayloadRefusal{reason, std::move(why)}; }

PayloadReading read_registration(const wa::proto::ClientPayload& p, uint32_t revision,
                                 const std::string& version_text) {
  const auto& d = p.devicepairingdata();
  if (d.eregid().size() != 4) return refuse("eRegid is not 4 bytes");
  if (d.ekeytype() != std::string(1, '\x05')) return refuse("eKeytype is not 05");
  if (d.eident().size() != 32) return refuse("eIdent is not 32 bytes");
  if (d.eskeyid().size() != 3) return refuse("eSkeyID is not 3 bytes");
  if (d.eskeyval().size() != 32) return refuse("eSkeyVal is not 32 bytes");
  if (d.eskeysig().size() != 64) return refuse("eSkeySig is not 64 bytes");
  // §8: the signed prekey signature covers the serialized public key 05 || pub.
  util::Bytes signed_msg{0x05};
  signed_msg.insert(signed_msg.end(), d.eskeyval().begin(), d.eskeyval().end());
  if (!util::curve::verify(util::to_bytes(d.eident()), signed_msg, util::to_bytes(d.eskeysig())))
    return refuse("eSkeySig does not verify with eIdent over 05 || eSkeyVal");
  // §4: buildHash is MD5 of the same "2.3000.REV" the user agent announces.
  if (util::to_bytes(d.buildhash()) != util::crypto::md5(util::to_bytes(version_text)))
    return refuse("buildHash is not MD5 of the announced version " + version_text);
  wa::proto::DeviceProps props;
  if (!d.has_deviceprops() || !props.ParseFromString(d.deviceprops()))
    return refuse("deviceProps missing or not a DeviceProps");
  if (p.passive()) return refuse("registration payload must not be passive");

  Registration r;
  r.registration_id = be_uint(d.eregid());
  r.identity_pub = key32(d.eident());
  r.signed_pre_key_id = be_uint(d.eskeyid());
  r.signed_pre_key_pub = key32(d.eskeyval());
  r.signed_pre_key_signature = util::to_bytes(d.eskeysig());
  r.app_revision = revision;
  return r;
}

}  // namespace

PayloadReading read_client_payload(const util::Bytes& payload) {
  wa::proto::ClientPayload p;
  if (!p.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return refuse("ClientPayload does not parse");
  if (!p.has_useragent() || !p.useragent().has_appversion())
    return refuse("userAgent.appVersion missing", 409);
  const auto& v = p.useragent().appversion();
  const std::string version_text = std::to_string(v.primary()) + "." +
                                   std::to_string(v.secondary()) + "." +
                                   std::to_string(v.tertiary());

  const bool has_login_fields = p.has_username() || p.has_device();
  if (p.has_devicepairingdata()) {
    if (has_login_fields) return refuse("payload mixes devicePairingData with username/device");
    return read_registration(p, v.tertiary(), version_text);
  }
  if (!p.has_username() || !p.has_device())
    return refuse("payload is neither a registration nor a login (username and device)");
  Login l;
  l.username = p.username();
  l.device = p.device();
  l.passive = p.passive();
  l.app_revision = v.tertiary();
  return l;
}

}  // namespace sim
