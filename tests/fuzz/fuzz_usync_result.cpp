// libFuzzer target: parse_usync_result (PROTOCOL.md §9 "Device list") on whatever node the codec
// decodes from the input. Malformed frames throw wa::DecodeError and a result without
// <usync><list> throws std::runtime_error (both documented); anything else must not crash, and
// every device it returns must be addressable on the wire.
#include <cstddef>
#include <cstdint>

#include "wa/binary/codec.hpp"
#include "wa/usync.hpp"

using wa::Jid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wa::Node node;
  try {
    node = wa::unmarshal(data, size);
  } catch (const wa::DecodeError&) {
    return 0;
  }
  std::vector<wa::UsyncUser> users;
  try {
    users = wa::parse_usync_result(node);
  } catch (const std::runtime_error&) {
    return 0;
  }
  for (const auto& u : users) {
    if (u.jid.user.empty() || u.jid.device != 0) __builtin_trap();
    if (!u.has_device_list && !u.devices.empty()) __builtin_trap();
    wa::NodeList to;
    for (const wa::Jid& d : u.devices) {
      if (d.user != u.jid.user) __builtin_trap();
      if (Jid::parse(d.str()) != d) __builtin_trap();  // usable as a cache / session key
      to.emplace_back("to", std::vector<std::pair<std::string, wa::AttrValue>>{{"jid", d}});
    }
    // Throws std::invalid_argument (uncaught: a crash) if a device JID cannot be encoded.
    (void)wa::marshal(wa::Node("participants", {}, std::move(to)));
  }
  return 0;
}
