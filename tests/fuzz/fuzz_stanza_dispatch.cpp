// libFuzzer target: incoming stanza dispatch (Client::on_frame -> handle_node, client.cpp) on a
// decrypted frame, as far as it can run without a socket.
//
// Client::handle_node and its handlers are private and need a live connection (a WsConnector
// has no test seam), so this target decodes the frame as on_frame does and then, per tag,
// calls the pure functions those handlers call on the node, in their order: the attribute and
// JID reads, the replies they build (acks and NACKs, iq results and errors, delivery and retry
// receipts, the pair-device-sign answer), the pair-success, prekey-count and retry-receipt
// parsers. The invariant is the one that matters for a multi-tenant process: nothing a server
// sends may throw out of a handler (on_message only catches FrameError, so a throw would end
// the io thread) and every reply must encode and decode back to what was built (send_node
// marshals it; wire_equivalence.hpp lists what the encoder drops on purpose).
//
// Input: a frame plaintext (flags byte, then the node), exactly what on_frame gets from Noise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wa/binary/codec.hpp"
#include "wa/binary/wire_equivalence.hpp"
#include "wa/pair.hpp"
#include "wa/prekeys.hpp"
#include "wa/retry.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/stanza.hpp"

namespace {

using wa::Jid;
using wa::Node;
using Attrs = std::vector<std::pair<std::string, wa::AttrValue>>;

// What send_node does with a reply: marshal it; the server must read back what we built.
void must_send(const Node& reply) {
  const wa::Bytes wire = wa::marshal(reply);  // a throw here is a crash of the service
  const Node back = wa::unmarshal(wire);
  if (!wa::detail::wire_equivalent(reply, back)) {
    std::fprintf(stderr, "reply does not survive the wire:\n%s\n%s\n", reply.to_debug_string().c_str(),
                 back.to_debug_string().c_str());
    std::abort();
  }
}

util::curve::KeyPair fixed_key(uint8_t seed) {
  util::curve::Key32 priv{};
  for (size_t i = 0; i < priv.size(); ++i) priv[i] = static_cast<uint8_t>(seed * 17 + i);
  return util::curve::KeyPair::from_private(priv);
}

// A paired device as the handlers see it (no store: only the fields they read).
const wa::store::Device& device() {
  static const wa::store::Device d = [] {
    wa::store::Device d;
    d.noise_key = fixed_key(1);
    d.identity_key = fixed_key(2);
    d.registration_id = 0x1234;
    d.signed_pre_key.key = fixed_key(3);
    d.signed_pre_key.signature = util::Bytes(64, 0x5a);
    d.adv_secret = util::Bytes(32, 0x42);
    d.jid = "15551234567:7@s.whatsapp.net";
    d.lid = "123456789:7@lid";
    d.account = util::Bytes{0x0a, 0x01, 0x00};
    return d;
  }();
  return d;
}

void iq(const Node& node) {
  const std::string type = node.attr("type");
  if (type == "result" || type == "error") {
    // Answers go to the pending request's callback; the ones that read more than `type`:
    (void)wa::parse_prekey_count(node);
    if (const Node* e = node.child("error")) (void)e->attr("code");  // logout
    return;
  }
  const auto from = node.jid_attr("from");
  if (!from || *from != Jid::server_jid()) return;
  const std::string id = node.attr("id");
  if (const Node* pd = node.child("pair-device")) {  // client_pairing.cpp handle_pair_device
    must_send(wa::make_iq_result(id));
    for (const Node* ref : pd->children_by_tag("ref")) {
      const util::Bytes b = ref->bytes();
      (void)wa::make_qr_string(std::string(b.begin(), b.end()), device().noise_key.pub,
                               device().identity_key.pub, device().adv_secret, '1');
    }
  } else if (const Node* ps = node.child("pair-success")) {  // handle_pair_success
    const Node* identity = ps->child("device-identity");
    const Node* dev = ps->child("device");
    const auto jid = dev ? dev->jid_attr("jid") : std::nullopt;
    if (!identity || !jid) {
      must_send(wa::make_iq_error(id, 500, "internal-error"));
      return;
    }
    const auto result = wa::process_pair_success(identity->bytes(), device().adv_secret, device().identity_key);
    if (const auto* err = std::get_if<wa::PairError>(&result)) {
      must_send(wa::make_iq_error(id, wa::pair_error_code(*err), wa::pair_error_text(*err)));
      return;
    }
    const auto& paired = std::get<wa::PairedIdentity>(result);
    (void)jid->str();
    if (const auto lid = dev->jid_attr("lid")) {
      (void)lid->str();
      (void)Jid::user_jid(lid->user, wa::kLidServer).signal_address_name();
    }
    if (const Node* p = ps->child("platform")) (void)p->attr("name");
    if (const Node* b = ps->child("biz")) (void)b->attr("name");
    Node sign("pair-device-sign", {},
              wa::NodeList{Node("device-identity", {{"key-index", std::to_string(paired.key_index)}},
                                paired.account_for_reply)});
    must_send(wa::make_iq_result(id, std::move(sign)));
  } else if (node.attr("xmlns") == "urn:xmpp:ping") {
    must_send(wa::make_iq_result(id));
  }
}

void message(const Node& node) {  // receive.cpp handle_message
  const auto from = node.jid_attr("from");
  const std::string id = node.attr("id");
  if (!from || id.empty()) {
    must_send(wa::make_ack(node, 487));
    return;
  }
  if (from->server != wa::kServerJid && from->server != wa::kLidServer) {
    must_send(wa::make_ack(node));
    return;
  }
  Jid sender = *from;
  if (from->server == wa::kServerJid) {
    if (auto alt = node.jid_attr("sender_lid"); alt && alt->server == wa::kLidServer)
      sender = Jid{alt->user, 0, from->device, 0, wa::kLidServer};
  }
  (void)wa::signal::Address::of(sender);
  for (const Node* enc : node.children_by_tag("enc")) {
    (void)enc->attr("type");
    (void)enc->attr("v");
    (void)enc->bytes();
  }
  // Every answer the handler may give: retry receipt (+ ack), NACKs, delivery receipt.
  must_send(wa::make_retry_receipt(node, 1, device(), std::nullopt));
  must_send(wa::make_retry_receipt(node, 2, device(), wa::store::Store::PreKey{7, fixed_key(4)}));
  must_send(wa::make_ack(node));
  must_send(wa::make_ack(node, 488));
  must_send(wa::make_ack(node, 491));
  Node receipt("receipt", {{"id", id}, {"to", *from}});
  for (const char* key : {"recipient", "participant"}) {
    if (auto v = node.find_attr(key)) receipt.set_attr(key, *v);
  }
  receipt.set_attr("type", "inactive");
  must_send(receipt);
}

void notification(const Node& node) {  // notifications.cpp handle_notification
  must_send(wa::make_ack(node));
  const std::string type = node.attr("type");
  const auto from = node.jid_attr("from");
  if (!from) return;
  if (type == "encrypt" && *from == Jid::server_jid()) {
    if (const Node* count = node.child("count"))
      (void)std::strtol(count->attr("value").c_str(), nullptr, 10);
  } else if (type == "devices") {
    (void)from->to_non_ad().str();
    if (auto lid = node.jid_attr("lid")) (void)lid->to_non_ad().str();
  }
}

void retry_receipt(const Node& node) {  // client_retry.cpp: parse, then resend to one device
  const auto from = node.jid_attr("from");
  const auto parsed = wa::parse_retry_receipt(node, from ? from->device : 0);
  if (const auto* r = std::get_if<wa::RetryRequest>(&parsed)) {
    if (r->message_id.empty() || r->count < 1) __builtin_trap();
    if (r->bundle && r->bundle->signed_pre_key_signature.size() != 64) __builtin_trap();
    const wa::DeviceCiphertext copy{from ? *from : Jid::server_jid(), "pkmsg", util::Bytes{1, 2, 3}};
    must_send(wa::make_retry_resend(node, *r, copy, device().account));
  } else if (std::get<std::string>(parsed).empty()) {
    __builtin_trap();
  }
  must_send(wa::make_ack(node));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Node node;
  try {
    node = wa::unmarshal(data, size);
  } catch (const wa::DecodeError&) {
    return 0;  // on_frame logs and drops it
  }
  (void)node.to_debug_string();  // the debug log line
  const std::string& tag = node.tag;
  if (tag == "iq") {
    iq(node);
  } else if (tag == "success") {  // client_events.cpp
    if (auto lid = node.jid_attr("lid")) (void)lid->str();
  } else if (tag == "failure") {
    (void)(node.attr("reason") + node.attr("code") + node.attr("expire"));
  } else if (tag == "stream:error") {
    (void)node.attr("code");
    if (const Node* c = node.child("conflict")) (void)c->attr("type");
  } else if (tag == "message") {
    message(node);
  } else if (tag == "ack") {  // send.cpp handle_message_ack
    (void)node.attr("id");
    (void)node.attr("error");
    (void)node.attr("phash");
    (void)std::strtoll(node.attr("t").c_str(), nullptr, 10);
  } else if (tag == "notification") {
    notification(node);
  } else if (tag == "receipt" && node.attr("type") == "retry") {
    retry_receipt(node);
  } else if (tag == "receipt" || tag == "call") {
    must_send(wa::make_ack(node));
  } else if (tag == "ib") {
    (void)node.child("downgrade_webclient");
    if (const Node* p = node.child("offline_preview")) (void)p->attr("count");
    if (const Node* o = node.child("offline")) (void)o->attr("count");
  }
  return 0;
}
