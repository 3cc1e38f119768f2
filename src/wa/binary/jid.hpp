// WhatsApp JIDs: user[.agent][:device]@server (PROTOCOL.md §5).
// Value type; parse() returns std::nullopt for text that is not a JID.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wa {

inline constexpr const char* kServerJid = "s.whatsapp.net";  // default user server
inline constexpr const char* kLidServer = "lid";
inline constexpr const char* kGroupServer = "g.us";
inline constexpr const char* kLegacyUserServer = "c.us";
inline constexpr const char* kHostedServer = "hosted";
inline constexpr const char* kHostedLidServer = "hosted.lid";
inline constexpr const char* kMessengerServer = "msgr";
inline constexpr const char* kInteropServer = "interop";

struct Jid {
  std::string user;         // empty for server JIDs
  uint8_t agent = 0;        // "raw agent" (AD_JID domain byte other than the known servers)
  uint16_t device = 0;
  uint16_t integrator = 0;  // interop JIDs only
  std::string server;

  static Jid server_jid() { return Jid{"", 0, 0, 0, kServerJid}; }
  static Jid user_jid(std::string user, std::string server = kServerJid) {
    return Jid{std::move(user), 0, 0, 0, std::move(server)};
  }
  static std::optional<Jid> parse(std::string_view text);

  std::string str() const;  // canonical text form
  Jid to_non_ad() const { return Jid{user, 0, 0, 0, server}; }  // bare user JID
  bool is_empty() const { return server.empty(); }
  // True when the encoder must write this JID as AD_JID (whatsmeow's rule, PROTOCOL.md §5):
  // (s.whatsapp.net or lid with device > 0) or any hosted / hosted.lid JID.
  bool needs_ad_encoding() const;
  // Signal protocol address name for this JID: USER, USER_1 (lid), USER_128, USER_129 (§9).
  std::string signal_address_name() const;

  bool operator==(const Jid& o) const {
    return user == o.user && agent == o.agent && device == o.device &&
           integrator == o.integrator && server == o.server;
  }
  bool operator!=(const Jid& o) const { return !(*this == o); }
};

}  // namespace wa
