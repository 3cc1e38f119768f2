// A binary-XML node: the unit of every post-handshake frame (PROTOCOL.md §5).
// Value type. Attributes keep their insertion order (byte vectors depend on it).
// Content is empty, a list of child nodes, raw bytes, or a string (tokens / packed strings decode
// to strings, BINARY_* to bytes; the encoder writes strings with the token/packed/raw rules).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>
#include "util/bytes.hpp"
#include "wa/binary/jid.hpp"

namespace wa {

using util::Bytes;

struct AttrValue {
  std::variant<std::string, Jid> v;
  AttrValue() = default;
  AttrValue(std::string s) : v(std::move(s)) {}
  AttrValue(const char* s) : v(std::string(s)) {}
  AttrValue(Jid j) : v(std::move(j)) {}
  bool is_jid() const { return std::holds_alternative<Jid>(v); }
  std::string str() const;  // JIDs in text form
  bool operator==(const AttrValue& o) const { return v == o.v; }
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  std::string tag;
  std::vector<std::pair<std::string, AttrValue>> attrs;
  std::variant<std::monostate, NodeList, Bytes, std::string> content;

  Node() = default;
  explicit Node(std::string t) : tag(std::move(t)) {}
  Node(std::string t, std::vector<std::pair<std::string, AttrValue>> a)
      : tag(std::move(t)), attrs(std::move(a)) {}
  Node(std::string t, std::vector<std::pair<std::string, AttrValue>> a, NodeList children)
      : tag(std::move(t)), attrs(std::move(a)), content(std::move(children)) {}
  Node(std::string t, std::vector<std::pair<std::string, AttrValue>> a, Bytes data)
      : tag(std::move(t)), attrs(std::move(a)), content(std::move(data)) {}

  // Attribute access. attr() gives the text form ("" when absent); jid_attr() parses it.
  const AttrValue* find_attr(const std::string& key) const;
  std::string attr(const std::string& key) const;
  std::optional<Jid> jid_attr(const std::string& key) const;
  Node& set_attr(const std::string& key, AttrValue value);  // replaces or appends

  // Content access.
  const NodeList* children() const { return std::get_if<NodeList>(&content); }
  const Node* child(const std::string& tag) const;              // first child with the tag
  std::vector<const Node*> children_by_tag(const std::string& tag) const;
  // Bytes content; a string content is returned as its bytes; otherwise empty.
  Bytes bytes() const;

  bool operator==(const Node& o) const {
    return tag == o.tag && attrs == o.attrs && content == o.content;
  }
  // Debug text like <iq id="1" type="get"><ping/></iq>; binary content is shown as hex length
  // only (never content), so it is safe for logs.
  std::string to_debug_string() const;
};

}  // namespace wa
