#include "wa/stanza.hpp"

#include "util/crypto.hpp"

namespace wa {

Node make_ack(const Node& received, int error) {
  Node ack("ack");
  ack.set_attr("id", received.attr("id"));
  if (auto from = received.find_attr("from")) ack.set_attr("to", *from);
  ack.set_attr("class", received.tag);
  for (const char* key : {"participant", "recipient"}) {
    if (auto v = received.find_attr(key)) ack.set_attr(key, *v);
  }
  if (received.tag != "message") {
    if (auto t = received.find_attr("type")) ack.set_attr("type", *t);
  }
  if (error != 0) ack.set_attr("error", std::to_string(error));
  return ack;
}

Node make_iq_result(const std::string& id, std::optional<Node> child) {
  Node iq("iq", {{"to", Jid::server_jid()}, {"type", "result"}, {"id", id}});
  if (child) iq.content = NodeList{std::move(*child)};
  return iq;
}

Node make_iq_error(const std::string& id, int code, const std::string& text) {
  Node err("error", {{"code", std::to_string(code)}, {"text", text}});
  return Node("iq", {{"to", Jid::server_jid()}, {"type", "error"}, {"id", id}}, NodeList{err});
}

RequestIds::RequestIds() {
  auto r = util::crypto::random_bytes(2);
  prefix_ = std::to_string(r[0]) + "." + std::to_string(r[1]) + "-";
}

std::string RequestIds::next() { return prefix_ + std::to_string(++counter_); }

}  // namespace wa
