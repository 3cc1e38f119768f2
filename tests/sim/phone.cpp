#include "phone.hpp"

#include "adv.pb.h"
#include "util/crypto.hpp"

namespace sim {
namespace {

// Signature prefixes of §6: account signature 06 00, device signature 06 01 (E2EE accounts).
const util::Bytes kAccountSigPrefix = {0x06, 0x00};
const util::Bytes kDeviceSigPrefix = {0x06, 0x01};

util::Bytes serialize(const google::protobuf::MessageLite& m) {
  std::string s;
  if (!m.SerializeToString(&s)) throw std::runtime_error("protobuf serialization failed");
  return util::to_bytes(s);
}

}  // namespace

Phone::Phone()
    : identity_(util::curve::KeyPair::generate()),
      // rawID identifies the account's key index list; any non-zero value works for one account.
      raw_id_(util::crypto::random_u32() | 1u) {}

SignedCompanion Phone::sign_companion(const util::curve::Key32& companion_identity,
                                      const util::Bytes& adv_secret, int64_t now_unix,
                                      const PhoneFaults& faults) {
  SignedCompanion out;
  out.key_index = next_key_index_++;
  out.companion_identity = companion_identity;

  wa::proto::ADVDeviceIdentity details;
  details.set_rawid(raw_id_);
  details.set_timestamp(static_cast<uint64_t>(now_unix));
  details.set_keyindex(out.key_index);
  details.set_accounttype(wa::proto::E2EE);
  details.set_devicetype(wa::proto::E2EE);
  out.details = serialize(details);

  const util::Bytes companion(companion_identity.begin(), companion_identity.end());
  util::Bytes account_msg = util::concat({&kAccountSigPrefix, &out.details, &companion});
  out.account_signature = util::curve::sign(identity_.priv, account_msg);
  if (faults.tamper_account_signature) out.account_signature[10] ^= 0x01;

  wa::proto::ADVSignedDeviceIdentity signed_identity;
  signed_identity.set_details(util::to_string(out.details));
  signed_identity.set_accountsignaturekey(util::to_string(identity_.pub_bytes()));
  signed_identity.set_accountsignature(util::to_string(out.account_signature));
  const util::Bytes inner = serialize(signed_identity);

  // E2EE account: the HMAC covers the inner bytes with no prefix (06 05 is for HOSTED only).
  util::Bytes mac = util::crypto::hmac_sha256(adv_secret, inner);
  if (faults.tamper_hmac) mac[0] ^= 0x80;

  wa::proto::ADVSignedDeviceIdentityHMAC wrapper;
  wrapper.set_details(util::to_string(inner));
  wrapper.set_hmac(util::to_string(mac));
  wrapper.set_accounttype(wa::proto::E2EE);
  out.device_identity = serialize(wrapper);
  return out;
}

std::optional<std::string> Phone::check_device_sign(const SignedCompanion& sent,
                                                    const util::Bytes& reply_identity,
                                                    const std::string& key_index_attr) const {
  wa::proto::ADVSignedDeviceIdentity reply;
  if (!reply.ParseFromArray(reply_identity.data(), static_cast<int>(reply_identity.size())))
    return "device-identity is not an ADVSignedDeviceIdentity";
  if (reply.has_accountsignaturekey())
    return "device-identity still carries accountSignatureKey (field 2 must be absent)";
  if (!reply.has_details() || util::to_bytes(reply.details()) != sent.details)
    return "device-identity details differ from the ones the phone signed";
  if (!reply.has_accountsignature() ||
      util::to_bytes(reply.accountsignature()) != sent.account_signature)
    return "device-identity account signature differs from the one the phone sent";
  if (key_index_attr != std::to_string(sent.key_index))
    return "key-index attribute '" + key_index_attr + "' does not match the ADV key index " +
           std::to_string(sent.key_index);
  if (!reply.has_devicesignature() || reply.devicesignature().size() != 64)
    return "deviceSignature missing or not 64 bytes";
  const util::Bytes companion(sent.companion_identity.begin(), sent.companion_identity.end());
  const util::Bytes phone = identity_.pub_bytes();
  util::Bytes msg = util::concat({&kDeviceSigPrefix, &sent.details, &companion, &phone});
  if (!util::curve::verify(sent.companion_identity, msg, util::to_bytes(reply.devicesignature())))
    return "deviceSignature does not verify with the companion identity key";
  return std::nullopt;
}

std::optional<std::string> Phone::check_message_identity(const util::Bytes& raw,
                                                        const util::Bytes& companion,
                                                        uint32_t key_index) const {
  wa::proto::ADVSignedDeviceIdentity account;
  if (!account.ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    return "device-identity is not an ADVSignedDeviceIdentity";
  if (!account.has_accountsignaturekey())
    return "device-identity lacks accountSignatureKey (field 2 is required in messages)";
  const util::Bytes key = util::to_bytes(account.accountsignaturekey());
  if (key != identity_.pub_bytes()) return "device-identity accountSignatureKey is not the account's key";
  wa::proto::ADVDeviceIdentity details;
  if (!account.has_details() || !details.ParseFromString(account.details()))
    return "device-identity details are not an ADVDeviceIdentity";
  if (details.keyindex() != key_index)
    return "device-identity key index " + std::to_string(details.keyindex()) +
           " is not the sender's " + std::to_string(key_index);
  const util::Bytes d = util::to_bytes(account.details());
  if (!util::curve::verify(key, util::concat({&kAccountSigPrefix, &d, &companion}),
                           util::to_bytes(account.accountsignature())))
    return "device-identity accountSignature does not verify";
  if (!util::curve::verify(companion, util::concat({&kDeviceSigPrefix, &d, &companion, &key}),
                           util::to_bytes(account.devicesignature())))
    return "device-identity deviceSignature does not verify with the sender's identity";
  return std::nullopt;
}

}  // namespace sim
