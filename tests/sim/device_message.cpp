#include "device_message.hpp"

#include <algorithm>
#include "e2e.pb.h"
#include "image_message.hpp"
#include "util/crypto.hpp"

namespace sim {
namespace {

using wa::Jid;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

bool is_user_server(const std::string& server) {
  return server == wa::kServerJid || server == wa::kLidServer;
}

// The device, when it is one the simulator plays and may write: a contact's device, or the
// own account's phone (device 0) when the spec names a chat.
struct Writer {
  KnownUser user;
  SimDevice* device = nullptr;
};

std::variant<Writer, std::string> writer_of(Directory& directory, const DeviceMessageSpec& spec) {
  const Jid& from = spec.from_device;
  std::optional<KnownUser> user = directory.find(from);
  if (!user) return from.str() + " is no user the server knows";
  if (user->own) {
    if (!spec.chat) return from.str() + " is the own account, not a contact's device";
    if (from.device != 0) return "only the account's phone (device 0) is simulated, not " + from.str();
  } else if (spec.chat) {
    return from.str() + " is a contact's device; only the own phone copies what it wrote";
  }
  SimDevice* dev = directory.simulated(*user, from.device);
  if (!dev) return from.str() + " is not a device of that user";
  return Writer{*user, dev};
}

util::Bytes serialize(const wa::proto::Message& m) {
  std::string s;
  m.SerializeToString(&s);
  return util::to_bytes(s);
}

// The Message the device writes, before padding.
util::Bytes plaintext(const DeviceMessageSpec& spec, int64_t now) {
  util::Bytes content;
  if (spec.kind == MessageKind::image) {
    content = message_with_image(make_image(spec.text, now));
  } else {
    wa::proto::Message m;
    m.set_conversation(spec.text);
    content = serialize(m);
  }
  if (!spec.chat) return content;
  // The own phone's copy for its other devices (§9 "Own other devices get a DeviceSentMessage").
  wa::proto::Message inner;
  inner.ParseFromArray(content.data(), static_cast<int>(content.size()));  // keeps imageMessage as unknown
  wa::proto::Message outer;
  outer.mutable_devicesentmessage()->set_destinationjid(spec.chat->str());
  *outer.mutable_devicesentmessage()->mutable_message() = inner;
  return serialize(outer);
}

// §9 padding, whatsmeow's variant: n = rand & 0x0F, 0 → 15; n bytes of value n.
util::Bytes pad(util::Bytes plain) {
  uint8_t n = util::crypto::random_bytes(1)[0] & 0x0F;
  if (n == 0) n = 15;
  plain.insert(plain.end(), n, n);
  return plain;
}

}  // namespace

std::string new_message_id() {
  std::string hex = util::hex_encode(util::crypto::random_bytes(9));
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return "3EB0" + hex;
}

std::optional<std::string> device_message_problem(Directory& directory, const DeviceMessageSpec& spec) {
  if (!is_user_server(spec.from_device.server))
    return spec.from_device.str() + " is neither a PN (s.whatsapp.net) nor a LID (lid) JID";
  if (spec.chat && (!is_user_server(spec.chat->server) || spec.chat->user.empty() ||
                    spec.chat->device != 0 || spec.chat->agent != 0))
    return "the chat " + spec.chat->str() + " is not a user's PN or LID JID without a device";
  auto writer = writer_of(directory, spec);
  if (auto* why = std::get_if<std::string>(&writer)) return *why;
  return std::nullopt;
}

std::variant<wa::Node, std::string> device_message(Directory& directory, SimState& state,
                                                   const DeviceMessageSpec& spec,
                                                   const PairedDevice& to_companion,
                                                   const std::string& id, int64_t now) {
  auto writer = writer_of(directory, spec);
  if (auto* why = std::get_if<std::string>(&writer)) return *why;
  const KnownUser& user = std::get<Writer>(writer).user;
  SimDevice* dev = std::get<Writer>(writer).device;

  // The device keyed its session by the companion's LID address (§10 step 2).
  const auto lid = Jid::parse(to_companion.lid);
  if (!lid) return std::string("the companion has no LID");
  const signal::Address remote(lid->signal_address_name(), to_companion.device);
  bool built = false;
  if (!dev->has_session(remote)) {
    // What a real device does before writing first: fetch the companion's bundle from the
    // server (which hands out one uploaded one-time prekey) and run X3DH (§9).
    auto bundle = state.take_companion_bundle(to_companion.phone, to_companion.device);
    if (!bundle) return "the server holds no prekey bundle of " + to_companion.jid;
    try {
      dev->build_session(remote, to_companion.device, *bundle);
    } catch (const std::exception& e) {
      return "the bundle of " + to_companion.jid + " builds no session: " + e.what();
    }
    built = true;
  }
  auto [type, data] = dev->encrypt(remote, pad(plaintext(spec, now)));
  if (built) state.add_history("session-from-bundle:" + to_companion.jid);

  const bool pn = spec.from_device.server == wa::kServerJid;
  const std::string& wire_user = pn ? user.phone : user.lid_user;
  const Jid from{wire_user, 0, spec.from_device.device, 0, spec.from_device.server};
  const bool image = spec.kind == MessageKind::image;
  wa::Node message("message", Attrs{{"from", from},
                                    {"id", id},
                                    {"t", std::to_string(now)},
                                    {"type", image ? "media" : "text"}});
  Attrs enc_attrs{{"v", "2"}, {"type", type}};
  if (image) enc_attrs.emplace_back("mediatype", "image");
  wa::NodeList children{wa::Node("enc", std::move(enc_attrs), std::move(data))};

  if (spec.chat) {
    // The own phone: the chat in `recipient`, its other form alongside when the server knows it.
    message.set_attr("recipient", *spec.chat);
    if (auto peer = directory.find(*spec.chat)) {
      if (spec.chat->server == wa::kLidServer) message.set_attr("peer_recipient_pn", peer->pn());
      else message.set_attr("peer_recipient_lid", peer->lid());
    }
  } else {
    message.set_attr("notify", spec.push_name.value_or("Contact " + user.phone));
    if (pn) message.set_attr("sender_lid", user.lid());
    else message.set_attr("sender_pn", user.pn());
    if (type == "pkmsg")
      if (auto identity = directory.device_identity(user, spec.from_device.device, now))
        children.emplace_back("device-identity", Attrs{}, std::move(*identity));
  }
  message.content = std::move(children);
  return message;
}

}  // namespace sim
