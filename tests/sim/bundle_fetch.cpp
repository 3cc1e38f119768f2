#include "bundle_fetch.hpp"

namespace sim {

wa::Node answer_key_fetch(const wa::Node& key, Directory& directory, SimState& state,
                          const PairedDevice& requester, std::vector<std::string>& anomalies) {
  wa::NodeList users;
  const std::vector<PairedDevice> paired = state.devices();
  for (const wa::Node* u : key.children_by_tag("user")) {
    auto jid = u->jid_attr("jid");
    if (!jid) {
      anomalies.push_back("key fetch <user> without jid");
      continue;
    }
    std::optional<KnownUser> user = directory.find(*jid);
    if (!user || !directory.has_device(*user, jid->device, paired)) {
      users.push_back(bundle_error_node(*jid, 404, "item-not-found"));
      continue;
    }
    if (user->own && jid->device == requester.device) {
      anomalies.push_back("key fetch for the requesting device itself: " + jid->str());
    }
    if (SimDevice* dev = directory.simulated(*user, jid->device)) {
      users.push_back(bundle_node(*jid, dev->take_bundle()));
    } else if (auto b = state.take_companion_bundle(user->phone, jid->device)) {
      users.push_back(bundle_node(*jid, *b));
    } else {
      users.push_back(bundle_error_node(*jid, 404, "item-not-found"));
    }
  }
  if (users.empty()) anomalies.push_back("key fetch names no device");
  return wa::Node("list", {}, std::move(users));
}

}  // namespace sim
