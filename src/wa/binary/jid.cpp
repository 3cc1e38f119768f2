// JID text form, parsing and the encoder/Signal rules that depend on the server
// (whatsmeow types/jid.go; PROTOCOL.md §5 and §9).
#include "wa/binary/jid.hpp"

#include <array>

#include "wa/binary/jid_domain.hpp"

namespace wa {
namespace {

// Servers a bare "server" text (no '@') may name. whatsmeow's ParseJID treats any text without
// '@' as a server JID; we only accept known servers so that ordinary attribute values such as
// type="get" do not parse as JIDs.
constexpr std::array<std::string_view, 12> kKnownServers = {
    kServerJid, kLidServer,   kGroupServer,     kLegacyUserServer, kHostedServer, kHostedLidServer,
    kMessengerServer, kInteropServer, "broadcast", "newsletter", "bot", "call"};

// Decimal digits only (no sign, no spaces), value <= max.
std::optional<uint32_t> parse_decimal(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) return std::nullopt;
  return uint32_t(v);
}

}  // namespace

std::optional<Jid> Jid::parse(std::string_view text) {
  const size_t at = text.find('@');
  if (at == std::string_view::npos) {
    for (auto s : kKnownServers)
      if (text == s) return Jid{"", 0, 0, 0, std::string(text)};
    return std::nullopt;
  }
  const std::string_view server = text.substr(at + 1);
  if (server.empty() || server.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view user = text.substr(0, at);  // "" is allowed: Baileys writes "@s.whatsapp.net"

  Jid jid;
  jid.server = std::string(server);
  // Same shapes as whatsmeow ParseJID: "user.agent[:device]" or "user:device", with the
  // numbers range-checked instead of truncated.
  std::string_view device_text;
  const size_t dot = user.find('.');
  if (dot != std::string_view::npos) {
    std::string_view ad = user.substr(dot + 1);
    user = user.substr(0, dot);
    if (ad.find('.') != std::string_view::npos) return std::nullopt;
    const size_t colon = ad.find(':');
    std::string_view agent_text = ad.substr(0, colon);
    if (colon != std::string_view::npos) {
      device_text = ad.substr(colon + 1);
      if (device_text.find(':') != std::string_view::npos) return std::nullopt;
    }
    auto agent = parse_decimal(agent_text, 255);
    if (!agent) return std::nullopt;
    jid.agent = uint8_t(*agent);
    if (colon != std::string_view::npos) {
      auto device = parse_decimal(device_text, 65535);
      if (!device) return std::nullopt;
      jid.device = uint16_t(*device);
    }
  } else if (const size_t colon = user.find(':'); colon != std::string_view::npos) {
    device_text = user.substr(colon + 1);
    user = user.substr(0, colon);
    auto device = parse_decimal(device_text, 65535);
    if (!device) return std::nullopt;
    jid.device = uint16_t(*device);
  }
  jid.user = std::string(user);
  return jid;
}

std::string Jid::str() const {
  // whatsmeow JID.String(). The interop integrator has no text form there either.
  if (server.empty()) return "";
  if (agent > 0)
    return user + "." + std::to_string(agent) + ":" + std::to_string(device) + "@" + server;
  if (device > 0) return user + ":" + std::to_string(device) + "@" + server;
  if (!user.empty()) return user + "@" + server;
  return server;
}

bool Jid::needs_ad_encoding() const {
  // whatsmeow binary/encoder.go writeJID.
  return ((server == kServerJid || server == kLidServer) && device > 0) ||
         server == kHostedServer || server == kHostedLidServer;
}

std::string Jid::signal_address_name() const {
  // whatsmeow JID.SignalAddressUser(): "<user>_<domain>" unless the domain/agent is 0.
  const uint8_t a = detail::ad_domain(*this);
  if (a == 0) return user;
  return user + "_" + std::to_string(a);
}

}  // namespace wa
