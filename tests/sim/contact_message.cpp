#include "contact_message.hpp"

#include <algorithm>
#include "e2e.pb.h"
#include "util/crypto.hpp"

namespace sim {

std::string new_message_id() {
  std::string hex = util::hex_encode(util::crypto::random_bytes(9));
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return "3EB0" + hex;
}

std::variant<wa::Node, std::string> contact_message(Directory& directory, const wa::Jid& from_device,
                                                    const PairedDevice& to_companion,
                                                    const std::string& text, const std::string& id,
                                                    int64_t now) {
  std::optional<KnownUser> user = directory.find(from_device);
  if (!user || user->own) return std::string(from_device.str() + " is not a contact's device");
  SimDevice* dev = directory.simulated(*user, from_device.device);
  if (!dev) return std::string(from_device.str() + " is not a device of that contact");
  // The device keyed its session by the companion's LID address when it decrypted (§10 step 2).
  const auto lid = wa::Jid::parse(to_companion.lid);
  if (!lid) return std::string("the companion has no LID");
  const signal::Address remote(lid->signal_address_name(), to_companion.device);
  if (!dev->has_session(remote))
    return std::string(from_device.str() + " has no session with " + to_companion.lid +
                       " (it must first receive a pkmsg from it)");

  wa::proto::Message m;
  m.set_conversation(text);
  std::string plain;
  m.SerializeToString(&plain);
  util::Bytes padded = util::to_bytes(plain);
  // §9 padding, whatsmeow's variant: n = rand & 0x0F, 0 → 15.
  uint8_t n = util::crypto::random_bytes(1)[0] & 0x0F;
  if (n == 0) n = 15;
  padded.insert(padded.end(), n, n);
  auto [type, data] = dev->encrypt(remote, padded);

  const wa::Jid from{user->lid_user, 0, from_device.device, 0, wa::kLidServer};
  return wa::Node("message",
                  {{"from", from},
                   {"id", id},
                   {"t", std::to_string(now)},
                   {"type", "text"},
                   {"notify", "Contact " + user->phone},
                   {"sender_pn", user->pn()}},
                  wa::NodeList{wa::Node("enc", {{"v", "2"}, {"type", type}}, std::move(data))});
}

}  // namespace sim
