#include "directory.hpp"

#include <algorithm>
#include "adv.pb.h"
#include "util/crypto.hpp"

namespace sim {

Directory::Directory(const SimOptions& options, const Phone& phone)
    : own_phone_(options.phone_number),
      own_lid_(options.lid_user),
      contacts_(options.contacts) {
  own_account_.key = phone.identity();
  own_account_.raw_id = phone.raw_id();
  // The account's phone: its Signal identity is the ADV account key the companion verified when
  // it paired (accountSignatureKey), as on a real phone.
  own_phone_device_ = std::make_unique<SimDevice>(phone.identity(), options.prekeys_per_device);

  for (const SimContact& c : contacts_) {
    std::map<uint16_t, std::unique_ptr<SimDevice>> devs;
    Account acc;
    acc.key = util::curve::KeyPair::generate();
    acc.raw_id = util::crypto::random_u32() | 1u;
    for (uint16_t d : c.devices) {
      // A contact's phone (device 0) signs with its own identity key, like the account's phone.
      auto identity = d == 0 ? acc.key : util::curve::KeyPair::generate();
      devs[d] = std::make_unique<SimDevice>(identity, options.prekeys_per_device);
    }
    contact_accounts_.push_back(acc);
    contact_devices_.push_back(std::move(devs));
  }
}

std::optional<KnownUser> Directory::find(const wa::Jid& jid) const {
  const bool pn = jid.server == wa::kServerJid;
  const bool lid = jid.server == wa::kLidServer;
  if ((!pn && !lid) || jid.user.empty()) return std::nullopt;
  auto matches = [&](const std::string& phone, const std::string& lid_user) {
    return pn ? jid.user == phone : jid.user == lid_user;
  };
  if (matches(own_phone_, own_lid_)) return KnownUser{true, 0, own_phone_, own_lid_};
  for (size_t i = 0; i < contacts_.size(); ++i)
    if (matches(contacts_[i].phone, contacts_[i].lid_user))
      return KnownUser{false, i, contacts_[i].phone, contacts_[i].lid_user};
  return std::nullopt;
}

std::optional<KnownUser> Directory::find_phone(const std::string& digits) const {
  return find(wa::Jid::user_jid(digits, wa::kServerJid));
}

std::vector<ListedDevice> Directory::devices(const KnownUser& user,
                                             const std::vector<PairedDevice>& paired) const {
  std::vector<ListedDevice> out;
  if (user.own) {
    out.push_back({0, 0});
    for (const PairedDevice& d : paired)
      if (d.phone == own_phone_) out.push_back({d.device, d.key_index});
  } else {
    std::vector<uint16_t> ids = contacts_[user.contact].devices;
    std::sort(ids.begin(), ids.end());
    uint32_t next_index = 1;
    for (uint16_t id : ids) out.push_back({id, id == 0 ? 0 : next_index++});
  }
  return out;
}

bool Directory::has_device(const KnownUser& user, uint16_t device,
                           const std::vector<PairedDevice>& paired) const {
  for (const ListedDevice& d : devices(user, paired))
    if (d.id == device) return true;
  return false;
}

SimDevice* Directory::simulated(const KnownUser& user, uint16_t device) {
  if (user.own) return device == 0 ? own_phone_device_.get() : nullptr;
  auto& devs = contact_devices_[user.contact];
  auto it = devs.find(device);
  return it == devs.end() ? nullptr : it->second.get();
}

const Directory::Account& Directory::account(const KnownUser& user) const {
  return user.own ? own_account_ : contact_accounts_[user.contact];
}

util::Bytes Directory::signed_key_index_list(const KnownUser& user,
                                             const std::vector<ListedDevice>& devices,
                                             int64_t now) const {
  // ADVSignedKeyIndexList{details = ADVKeyIndexList{rawID, timestamp, currentIndex, validIndexes,
  // accountType}, accountSignature}. Neither reference client reads these bytes (WM ignores the
  // node, BL keeps them opaque); the signature prefix 06 02 follows the ADV family of §6
  // (06 00 account, 06 01 device) and is not confirmed by PROTOCOL.md.
  const Account& acc = account(user);
  wa::proto::ADVKeyIndexList list;
  list.set_rawid(acc.raw_id);
  list.set_timestamp(static_cast<uint64_t>(now));
  uint32_t current = 0;
  for (const ListedDevice& d : devices) {
    if (d.key_index == 0) continue;
    list.add_validindexes(d.key_index);
    current = std::max(current, d.key_index);
  }
  list.set_currentindex(current);
  list.set_accounttype(wa::proto::E2EE);
  std::string details;
  list.SerializeToString(&details);
  util::Bytes msg{0x06, 0x02};
  msg.insert(msg.end(), details.begin(), details.end());
  wa::proto::ADVSignedKeyIndexList signed_list;
  signed_list.set_details(details);
  signed_list.set_accountsignature(util::to_string(util::curve::sign(acc.key.priv, msg)));
  std::string out;
  signed_list.SerializeToString(&out);
  return util::to_bytes(out);
}

}  // namespace sim

namespace sim {

std::optional<util::Bytes> Directory::device_identity(const KnownUser& user, uint16_t device,
                                                      int64_t now) {
  if (user.own || device == 0) return std::nullopt;
  SimDevice* dev = simulated(user, device);
  if (!dev) return std::nullopt;
  auto cached = device_identities_.find({user.contact, device});
  if (cached != device_identities_.end()) return cached->second;

  uint32_t key_index = 0;
  for (const ListedDevice& d : devices(user, {}))
    if (d.id == device) key_index = d.key_index;
  const Account& acc = account(user);
  wa::proto::ADVDeviceIdentity details;
  details.set_rawid(acc.raw_id);
  details.set_timestamp(static_cast<uint64_t>(now));
  details.set_keyindex(key_index);
  details.set_accounttype(wa::proto::E2EE);
  details.set_devicetype(wa::proto::E2EE);
  std::string details_text;
  details.SerializeToString(&details_text);
  const util::Bytes d = util::to_bytes(details_text);
  const util::Bytes device_key = dev->identity().pub_bytes();
  const util::Bytes account_key = acc.key.pub_bytes();
  const util::Bytes account_prefix{0x06, 0x00}, device_prefix{0x06, 0x01};

  wa::proto::ADVSignedDeviceIdentity identity;
  identity.set_details(details_text);
  identity.set_accountsignaturekey(util::to_string(account_key));
  identity.set_accountsignature(util::to_string(
      util::curve::sign(acc.key.priv, util::concat({&account_prefix, &d, &device_key}))));
  identity.set_devicesignature(util::to_string(util::curve::sign(
      dev->identity().priv, util::concat({&device_prefix, &d, &device_key, &account_key}))));
  std::string out;
  identity.SerializeToString(&out);
  return device_identities_[{user.contact, device}] = util::to_bytes(out);
}

}  // namespace sim
