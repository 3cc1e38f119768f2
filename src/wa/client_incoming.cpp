// Who sent an incoming message and in which chat (whatsmeow parseMessageSource): a peer's
// message belongs to the chat with the sender; a message from another device of our own account
// carries the chat in `recipient` and, inside, a deviceSentMessage naming its destination
// (PROTOCOL.md §10). Senders are reported by phone number where the LID mapping knows it.
#include "util/log.hpp"
#include "wa/client.hpp"
#include "e2e.pb.h"

namespace wa {

std::optional<Jid> Client::pn_of(const Jid& user) {
  if (user.server == kServerJid) return user.to_non_ad();
  if (user.server != kLidServer) return std::nullopt;
  if (auto own = Jid::parse(device_.lid); own && own->user == user.user) {
    if (auto pn = Jid::parse(device_.jid)) return pn->to_non_ad();
  }
  try {
    if (auto pn = store_->pn_for_lid(user.user)) return Jid::user_jid(*pn);
  } catch (const std::exception& e) {
    util::log::warn("store_failed", tenant_, {{"error", e.what()}});
  }
  return std::nullopt;
}

IncomingMessage Client::describe_incoming(const Node& node, const Jid& from, const Jid& sender) {
  IncomingMessage m;
  m.id = node.attr("id");
  m.sender = from;
  m.from_me = is_own_user(from);
  m.sender_pn = pn_of(from);
  if (!m.sender_pn) {
    if (auto alt = node.jid_attr("sender_pn"); alt && alt->server == kServerJid) {
      m.sender_pn = alt->to_non_ad();
    }
  }
  if (sender.server == kLidServer) m.sender_lid = sender.to_non_ad();
  if (m.from_me) {
    if (!m.sender_lid) {
      if (auto own = Jid::parse(device_.lid)) m.sender_lid = own->to_non_ad();
    }
    const auto recipient = node.jid_attr("recipient");
    const Jid chat = recipient ? recipient->to_non_ad() : from.to_non_ad();
    m.chat = pn_of(chat).value_or(chat);
  } else {
    m.chat = m.sender_pn.value_or(from.to_non_ad());
  }
  m.push_name = node.attr("notify");
  m.timestamp_s = std::strtoll(node.attr("t").c_str(), nullptr, 10);
  m.offline = node.find_attr("offline") != nullptr;
  return m;
}

bool Client::fill_content(IncomingMessage& m, const proto::Message& decrypted) {
  const proto::Message* content = &decrypted;
  if (decrypted.has_devicesentmessage()) {
    // Our phone's copy of what it sent (§10): the destination is the chat. From anyone else
    // a deviceSentMessage is not a message to report.
    if (!m.from_me) return false;
    const auto& dsm = decrypted.devicesentmessage();
    if (auto dest = Jid::parse(dsm.destinationjid())) {
      const Jid chat = dest->to_non_ad();
      m.chat = pn_of(chat).value_or(chat);
    }
    content = &dsm.message();
  }
  auto kind = classify_message(*content);
  if (!kind) return false;
  m.content = std::move(*kind);
  return true;
}

}  // namespace wa
