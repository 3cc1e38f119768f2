// Private, for tests and the fuzz target: do two nodes carry the same information on the wire?
// Decoding, re-encoding and decoding again is lossless except for what the encoder drops on
// purpose (PROTOCOL.md §5, whatsmeow binary/encoder.go):
//  - attributes whose text is empty are omitted;
//  - JID fields a form cannot carry are dropped: the raw agent always, the device unless the
//    JID is written as AD_JID / FB_JID / INTEROP_JID, the integrator unless interop;
//  - string content that is not a token or packed string comes back as bytes (BINARY_*);
//  - an empty child list is written as LIST_EMPTY and comes back as "no content".
#pragma once
#include "wa/binary/node.hpp"

namespace wa::detail {

inline Jid jid_as_encoded(const Jid& j) {
  Jid out{j.user, 0, 0, 0, j.server};
  if (j.needs_ad_encoding() || j.server == kMessengerServer || j.server == kInteropServer)
    out.device = j.device;
  if (j.server == kInteropServer) out.integrator = j.integrator;
  return out;
}

inline bool wire_equivalent(const Node& a, const Node& b);

inline std::vector<std::pair<std::string, AttrValue>> attrs_as_encoded(const Node& n) {
  std::vector<std::pair<std::string, AttrValue>> out;
  for (const auto& [k, v] : n.attrs) {
    if (v.str().empty()) continue;
    if (const auto* j = std::get_if<Jid>(&v.v))
      out.emplace_back(k, AttrValue(jid_as_encoded(*j)));
    else
      out.emplace_back(k, v);
  }
  return out;
}

inline bool content_wire_equivalent(const Node& a, const Node& b) {
  auto no_children = [](const Node& n) {
    const NodeList* l = n.children();
    return std::holds_alternative<std::monostate>(n.content) || (l && l->empty());
  };
  auto is_data = [](const Node& n) {
    return std::holds_alternative<Bytes>(n.content) ||
           std::holds_alternative<std::string>(n.content);
  };
  if (no_children(a) || no_children(b)) return no_children(a) && no_children(b);
  if (is_data(a) || is_data(b)) return is_data(a) && is_data(b) && a.bytes() == b.bytes();
  const NodeList& la = *a.children();
  const NodeList& lb = *b.children();
  if (la.size() != lb.size()) return false;
  for (size_t i = 0; i < la.size(); ++i)
    if (!wire_equivalent(la[i], lb[i])) return false;
  return true;
}

inline bool wire_equivalent(const Node& a, const Node& b) {
  return a.tag == b.tag && attrs_as_encoded(a) == attrs_as_encoded(b) &&
         content_wire_equivalent(a, b);
}

}  // namespace wa::detail
