// A companion's credentials and messages built straight from PROTOCOL.md §4 and §6 for the
// simulator self-tests, independently of the product's client_payload / pair code, so the
// simulator is checked against the spec rather than against the code it will test.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include "util/curve25519.hpp"
#include "wa/binary/node.hpp"

namespace e2e {

inline constexpr const char kTestVersion[] = "2.3000.1045649367";

struct CompanionKeys {
  util::curve::KeyPair noise = util::curve::KeyPair::generate();
  util::curve::KeyPair identity = util::curve::KeyPair::generate();
  uint32_t registration_id = 0x1234;
  uint32_t signed_pre_key_id = 1;
  util::curve::KeyPair signed_pre_key = util::curve::KeyPair::generate();
  util::Bytes adv_secret;
  CompanionKeys();
  util::Bytes signed_pre_key_signature() const;  // sign(identity, 05 || spk.pub) (§8)
};

struct PayloadFaults {
  bool bad_signed_pre_key_signature = false;
  bool short_skey_id = false;  // 4-byte eSkeyID instead of 3
};

util::Bytes registration_payload(const CompanionKeys& k, const PayloadFaults& f = {});
util::Bytes login_payload(uint64_t username, uint32_t device, bool passive = true);

// §6 step 3 with PLATFORM '1' (Chrome).
std::string qr_string(const std::string& ref, const CompanionKeys& k);

// The companion's handling of <pair-success> (§6 steps 1-7), written from the spec: returns
// either the pair-device-sign reply or the iq error the companion sends.
struct PairReply {
  wa::Node reply;           // iq result or iq error addressed to s.whatsapp.net
  std::string error_text;   // "" when paired, else hmac-mismatch / signature-mismatch
  util::Bytes account_details;  // ADVDeviceIdentity bytes (when paired)
  uint32_t key_index = 0;
};
struct ReplyFaults {
  bool keep_account_signature_key = false;  // leave field 2 in the reply (forbidden)
  bool bad_device_signature = false;
};
PairReply answer_pair_success(const wa::Node& iq, const CompanionKeys& k,
                              const ReplyFaults& f = {});

// A prekey upload iq (§8) with `count` keys starting at id 1.
wa::Node prekey_upload(const CompanionKeys& k, int count, bool bad_skey_signature = false);
// A prekey upload iq (§8) of these one-time keys (a companion that keeps them, to decrypt the
// pkmsgs built from them).
wa::Node prekey_upload(const CompanionKeys& k,
                       const std::vector<std::pair<uint32_t, util::curve::KeyPair>>& keys,
                       bool bad_skey_signature = false);

// <iq id=ID to=s.whatsapp.net type=TYPE xmlns=XMLNS>[<child/>]</iq>
wa::Node client_iq(const std::string& id, const std::string& xmlns, const std::string& type,
                   const std::string& child = "");

}  // namespace e2e
