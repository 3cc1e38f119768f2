// Prekeys on the server (PROTOCOL.md §8 "Prekey upload", §9 "Prekey bundles"; whatsmeow
// prekeys.go): count query, upload stanza, bundle fetch and its parser.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>
#include "wa/binary/node.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/store/device_store.hpp"

namespace wa {

// whatsmeow's policy: upload when the server has fewer than kMinPreKeyCount; the very first
// upload (server and local both 0) sends kInitialPreKeyCount, later ones kWantedPreKeyCount.
inline constexpr uint32_t kMinPreKeyCount = 5;
inline constexpr uint32_t kWantedPreKeyCount = 50;
inline constexpr uint32_t kInitialPreKeyCount = 812;

// <iq xmlns="encrypt" type="get" to=s.whatsapp.net><count/></iq> (id set by the sender)
Node make_prekey_count_iq();
// The <count value=N/> of the result; nullopt if absent or malformed.
std::optional<uint32_t> parse_prekey_count(const Node& result);

// <iq xmlns="encrypt" type="set" to=s.whatsapp.net><registration>4B</registration>
// <type>05</type><identity>32B</identity><list><key><id>3B</id><value>32B</value></key>...
// </list><skey><id>3B</id><value>32B</value><signature>64B</signature></skey></iq>
Node make_prekey_upload_iq(const store::Device& device, const std::vector<store::Store::PreKey>& keys);

// <iq xmlns="encrypt" type="get" to=s.whatsapp.net><key><user jid=DEVICE reason="identity"/>...
// </key></iq> — whatsmeow always sends reason="identity".
Node make_prekey_fetch_iq(const std::vector<Jid>& devices);
// Bundles by device JID text; an error string for a device the server has no bundle for
// (an <error code text/> child) or whose bundle is malformed.
std::map<std::string, std::variant<signal::PreKeyBundle, std::string>> parse_prekey_bundles(
    const Node& result);

// The same pieces for a bundle outside a fetch result.
// One bundle from `holder`: <registration> on it, the keys on it or in its <keys> child
// (whatsmeow nodeToPreKeyBundle, used for a <user> of a fetch and for a retry receipt).
std::variant<signal::PreKeyBundle, std::string> parse_prekey_bundle(const Node& holder,
                                                                    uint32_t device_id);
// <key><id>3B</id><value>32B</value></key> and <skey>…<signature>64B</signature></skey>.
Node make_prekey_node(const store::Store::PreKey& key);
Node make_signed_prekey_node(const store::SignedPreKey& key);
// <type>05</type>, the DJB key type byte both libraries send with keys.
Node make_key_type_node();

}  // namespace wa
