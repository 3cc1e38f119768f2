// Node and AttrValue helpers (PROTOCOL.md §5).
#include "wa/binary/node.hpp"

#include <cstdio>

namespace wa {

std::string AttrValue::str() const {
  if (const auto* j = std::get_if<Jid>(&v)) return j->str();
  return std::get<std::string>(v);
}

const AttrValue* Node::find_attr(const std::string& key) const {
  for (const auto& [k, value] : attrs)
    if (k == key) return &value;
  return nullptr;
}

std::string Node::attr(const std::string& key) const {
  const AttrValue* value = find_attr(key);
  return value ? value->str() : std::string();
}

std::optional<Jid> Node::jid_attr(const std::string& key) const {
  const AttrValue* value = find_attr(key);
  if (!value) return std::nullopt;
  if (const auto* j = std::get_if<Jid>(&value->v)) return *j;
  return Jid::parse(std::get<std::string>(value->v));
}

Node& Node::set_attr(const std::string& key, AttrValue value) {
  for (auto& [k, existing] : attrs) {
    if (k == key) {
      existing = std::move(value);
      return *this;
    }
  }
  attrs.emplace_back(key, std::move(value));
  return *this;
}

const Node* Node::child(const std::string& child_tag) const {
  if (const NodeList* list = children())
    for (const Node& n : *list)
      if (n.tag == child_tag) return &n;
  return nullptr;
}

std::vector<const Node*> Node::children_by_tag(const std::string& child_tag) const {
  std::vector<const Node*> out;
  if (const NodeList* list = children())
    for (const Node& n : *list)
      if (n.tag == child_tag) out.push_back(&n);
  return out;
}

Bytes Node::bytes() const {
  if (const auto* b = std::get_if<Bytes>(&content)) return *b;
  if (const auto* s = std::get_if<std::string>(&content)) return Bytes(s->begin(), s->end());
  return {};
}

namespace {

// Printable ASCII as is; quotes, angle brackets, backslashes and everything else escaped so
// one log line stays one line and unambiguous.
void append_escaped(std::string& out, const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>') {
      out.push_back(char(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
}

void append_node(std::string& out, const Node& n) {
  out += '<';
  append_escaped(out, n.tag);
  for (const auto& [k, value] : n.attrs) {
    out += ' ';
    append_escaped(out, k);
    out += "=\"";
    append_escaped(out, value.str());
    out += '"';
  }
  if (std::holds_alternative<std::monostate>(n.content)) {
    out += "/>";
    return;
  }
  out += '>';
  if (const auto* list = std::get_if<NodeList>(&n.content)) {
    for (const Node& c : *list) append_node(out, c);
  } else if (const auto* b = std::get_if<Bytes>(&n.content)) {
    // Binary content is ciphertext, keys or tokens: only its length is ever printed.
    out += '<' + std::to_string(b->size()) + " bytes>";
  } else {
    append_escaped(out, std::get<std::string>(n.content));
  }
  out += "</";
  append_escaped(out, n.tag);
  out += '>';
}

}  // namespace

std::string Node::to_debug_string() const {
  std::string out;
  append_node(out, *this);
  return out;
}

}  // namespace wa
