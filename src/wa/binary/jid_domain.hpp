// Private: mapping between AD_JID domain bytes and JID servers (whatsmeow types/jid.go
// ActualAgent / NewADJID; PROTOCOL.md §5).
#pragma once
#include <cstdint>

#include "wa/binary/jid.hpp"
#include "wa/binary/tags.hpp"

namespace wa::detail {

// The AD_JID domain byte for a JID: fixed for the known AD servers, else the raw agent.
inline uint8_t ad_domain(const Jid& j) {
  if (j.server == kServerJid) return tags::kDomainWhatsApp;
  if (j.server == kLidServer) return tags::kDomainLid;
  if (j.server == kHostedServer) return tags::kDomainHosted;
  if (j.server == kHostedLidServer) return tags::kDomainHostedLid;
  return j.agent;
}

// The JID an AD_JID denotes. Unknown domain bytes are agents on s.whatsapp.net.
inline Jid jid_from_ad(std::string user, uint8_t domain, uint8_t device) {
  Jid j;
  j.user = std::move(user);
  j.device = device;
  switch (domain) {
    case tags::kDomainLid: j.server = kLidServer; break;
    case tags::kDomainHosted: j.server = kHostedServer; break;
    case tags::kDomainHostedLid: j.server = kHostedLidServer; break;
    default:
      j.server = kServerJid;
      j.agent = domain;  // 0 for plain s.whatsapp.net
      break;
  }
  return j;
}

}  // namespace wa::detail
