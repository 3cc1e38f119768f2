// QR string and pair-success processing (PROTOCOL.md §6), following whatsmeow pair.go
// (makeQRData, getQRClientType, handlePair, verifyAccountSignature, generateDeviceSignature)
// and Baileys src/Utils/validate-connection.ts (configureSuccessfulPairing), which agree.
#include "wa/pair.hpp"

#include <stdexcept>

#include "adv.pb.h"
#include "util/crypto.hpp"

namespace wa {
namespace {

// ADV signature prefixes (WM pair.go, BL Defaults WA_ADV_*_SIG_PREFIX).
const util::Bytes kAccountSigPrefix = {6, 0};
const util::Bytes kDeviceSigPrefix = {6, 1};
const util::Bytes kHostedAccountSigPrefix = {6, 5};

// DeviceProps.PlatformType values outside our trimmed companion_reg.proto (WACompanionReg.proto).
constexpr int kPlatformAndroidPhone = 16;
constexpr int kPlatformUwp = 21;

util::Bytes bytes_of(const std::string& s) { return util::to_bytes(s); }

}  // namespace

std::string make_qr_string(const std::string& ref, const util::curve::Key32& noise_pub,
                           const util::curve::Key32& identity_pub, const util::Bytes& adv_secret,
                           char platform) {
  std::string out = "https://wa.me/settings/linked_devices#";
  out += ref;
  out += ',';
  out += util::base64_encode(noise_pub.data(), noise_pub.size());
  out += ',';
  out += util::base64_encode(identity_pub.data(), identity_pub.size());
  out += ',';
  out += util::base64_encode(adv_secret);
  out += ',';
  out += platform;
  return out;
}

// WM getQRClientType: known browser platform types map to their pair client type; anything
// else falls through to the user agent platform, which for us is always WEB -> "other web
// client" ('9'). Note the QR digits are not the PlatformType numbers (Edge is '2', Firefox '3').
char qr_platform_char(int platform_type) {
  switch (platform_type) {
    case 1: return '1';  // CHROME
    case 2: return '3';  // FIREFOX
    case 3: return '4';  // IE
    case 4: return '5';  // OPERA
    case 5: return '6';  // SAFARI
    case 6: return '2';  // EDGE
    case kPlatformUwp: return '8';
    case kPlatformAndroidPhone: return 'e';
    default: return '9';
  }
}

const char* pair_error_text(PairError e) {
  switch (e) {
    case PairError::hmac_mismatch: return "hmac-mismatch";
    case PairError::signature_mismatch: return "signature-mismatch";
    case PairError::malformed: break;
  }
  return "internal-error";
}

int pair_error_code(PairError e) {
  switch (e) {
    case PairError::hmac_mismatch:
    case PairError::signature_mismatch: return 401;
    case PairError::malformed: break;
  }
  return 500;
}

std::variant<PairedIdentity, PairError> process_pair_success(
    const util::Bytes& device_identity, const util::Bytes& adv_secret,
    const util::curve::KeyPair& identity) {
  // 1. The HMAC container.
  proto::ADVSignedDeviceIdentityHMAC container;
  if (!container.ParseFromArray(device_identity.data(), static_cast<int>(device_identity.size())))
    return PairError::malformed;

  // 2. HMAC-SHA256 under the adv secret (which only the QR carried) over [06 05 if the
  // container says HOSTED] || details. A missing or short HMAC simply fails the comparison,
  // as in WM (hmac.Equal).
  const util::Bytes details = bytes_of(container.details());
  util::Bytes mac_input;
  if (container.accounttype() == proto::HOSTED) mac_input = kHostedAccountSigPrefix;
  mac_input.insert(mac_input.end(), details.begin(), details.end());
  const util::Bytes expected_mac = util::crypto::hmac_sha256(adv_secret, mac_input);
  if (!util::crypto::constant_time_equal(expected_mac, bytes_of(container.hmac())))
    return PairError::hmac_mismatch;

  // 3. The signed identity and the identity details it signs.
  proto::ADVSignedDeviceIdentity signed_identity;
  if (!signed_identity.ParseFromString(container.details())) return PairError::malformed;
  proto::ADVDeviceIdentity device_details;
  if (!device_details.ParseFromString(signed_identity.details())) return PairError::malformed;

  // 4. The phone's account signature over prefix || details || our identity pub. Like WM
  // (verifyAccountSignature) a key that is not 32 bytes or a signature that is not 64 bytes
  // counts as a bad signature (401 signature-mismatch), not as a malformed message.
  const util::Bytes id_details = bytes_of(signed_identity.details());
  const util::Bytes account_key = bytes_of(signed_identity.accountsignaturekey());
  const util::Bytes account_sig = bytes_of(signed_identity.accountsignature());
  if (account_key.size() != 32 || account_sig.size() != 64) return PairError::signature_mismatch;
  const util::Bytes own_pub = identity.pub_bytes();
  const util::Bytes& prefix =
      device_details.devicetype() == proto::HOSTED ? kHostedAccountSigPrefix : kAccountSigPrefix;
  const util::Bytes account_msg = util::concat({&prefix, &id_details, &own_pub});
  if (!util::curve::verify(account_key, account_msg, account_sig))
    return PairError::signature_mismatch;

  // 5. Our device signature: 06 01 || details || our identity pub || the phone's key. (The
  // "hosted device" prefix 06 06 exists but neither reference uses it.)
  const util::Bytes device_msg = util::concat({&kDeviceSigPrefix, &id_details, &own_pub, &account_key});
  const util::Bytes device_sig = util::curve::sign(identity.priv, device_msg);
  signed_identity.set_devicesignature(std::string(device_sig.begin(), device_sig.end()));

  // 7. The account is stored with all four fields; the copy sent back in pair-device-sign omits
  // accountSignatureKey (WM clears it before marshalling, BL encodeSignedDeviceIdentity(false)).
  PairedIdentity out;
  std::string buf;
  if (!signed_identity.SerializeToString(&buf))
    throw std::runtime_error("process_pair_success: serialization failed");
  out.account = bytes_of(buf);
  signed_identity.clear_accountsignaturekey();
  buf.clear();
  if (!signed_identity.SerializeToString(&buf))
    throw std::runtime_error("process_pair_success: serialization failed");
  out.account_for_reply = bytes_of(buf);
  out.key_index = device_details.keyindex();
  out.account_signature_key = account_key;
  return out;
}

}  // namespace wa
