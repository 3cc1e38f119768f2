// The users the simulated server knows: the simulated account (its phone, device 0, plus the
// companions it linked) and the contacts of SimOptions. Maps phone numbers to LIDs, lists
// devices with their ADV key indexes, and owns the simulated devices (SimDevice) that hold
// Signal keys and decrypt: every contact device, and the account's phone, whose Signal identity
// IS the phone's ADV account key (what a companion trusts after pairing, §6).
// Companions are not simulated: the server only knows what they registered and uploaded.
// io thread only.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "phone.hpp"
#include "sim_device.hpp"
#include "simulator.hpp"
#include "wa/binary/jid.hpp"

namespace sim {

struct KnownUser {
  bool own = false;       // the simulated account
  size_t contact = 0;     // index into SimOptions::contacts when !own
  std::string phone;      // PN user
  std::string lid_user;   // LID user
  wa::Jid pn() const { return wa::Jid::user_jid(phone, wa::kServerJid); }
  wa::Jid lid() const { return wa::Jid::user_jid(lid_user, wa::kLidServer); }
};

struct ListedDevice {
  uint16_t id = 0;
  uint32_t key_index = 0;  // 0 for the phone (device 0 carries no key-index, §9)
};

class Directory {
 public:
  Directory(const SimOptions& options, const Phone& phone);

  // The user of a PN (s.whatsapp.net) or LID (lid) JID, ignoring the device part.
  std::optional<KnownUser> find(const wa::Jid& jid) const;
  std::optional<KnownUser> find_phone(const std::string& digits) const;

  // The user's devices: a contact's from the options (non-zero ids get key indexes 1, 2, … in
  // order); the account's phone plus every companion paired to it.
  std::vector<ListedDevice> devices(const KnownUser& user,
                                    const std::vector<PairedDevice>& paired) const;
  bool has_device(const KnownUser& user, uint16_t device,
                  const std::vector<PairedDevice>& paired) const;
  // The simulated device, or nullptr (a companion, or no such device).
  SimDevice* simulated(const KnownUser& user, uint16_t device);

  // <key-index-list ts=NOW> content: a serialized ADVSignedKeyIndexList of the user's account.
  util::Bytes signed_key_index_list(const KnownUser& user, const std::vector<ListedDevice>& devices,
                                    int64_t now) const;

  // The <device-identity> a contact's companion device attaches to a message with a pkmsg (§9:
  // present iff a pkmsg is): its ADVSignedDeviceIdentity including accountSignatureKey, with
  // details {rawID, timestamp, keyIndex as listed, E2EE, E2EE}, the account's signature over
  // 06 00 || details || device identity and the device's over 06 01 || details || device
  // identity || account key (§6). Made once per device. std::nullopt for a phone (device 0 is
  // the account itself and has no ADV identity) and for the own account.
  std::optional<util::Bytes> device_identity(const KnownUser& user, uint16_t device, int64_t now);

 private:
  struct Account {
    util::curve::KeyPair key;  // the account (phone) identity that signs ADV data
    uint32_t raw_id = 0;
  };
  const Account& account(const KnownUser& user) const;

  std::string own_phone_, own_lid_;
  std::vector<SimContact> contacts_;
  Account own_account_;
  std::vector<Account> contact_accounts_;
  std::unique_ptr<SimDevice> own_phone_device_;
  std::vector<std::map<uint16_t, std::unique_ptr<SimDevice>>> contact_devices_;
  std::map<std::pair<size_t, uint16_t>, util::Bytes> device_identities_;
};

}  // namespace sim
