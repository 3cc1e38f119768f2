// Binary node encoder (PROTOCOL.md §5; byte layout as whatsmeow binary/encoder.go writes it).
#include <stdexcept>

#include "wa/binary/codec.hpp"
#include "wa/binary/jid_domain.hpp"
#include "wa/binary/tags.hpp"
#include "wa/binary/tokens.hpp"

namespace wa {
namespace {

class Encoder {
 public:
  explicit Encoder(Bytes& out) : out_(out) {}

  void write_node(const Node& n) {
    if (n.tag.empty()) throw std::invalid_argument("binary node: empty tag");
    // whatsmeow omits attributes whose value is "" (or nil). A JID without a server has the
    // empty text form and is omitted the same way rather than written as a broken JID_PAIR.
    size_t attr_count = 0;
    for (const auto& a : n.attrs)
      if (!is_empty_value(a.second)) ++attr_count;
    const bool has_content = !std::holds_alternative<std::monostate>(n.content);
    write_list_start(2 * attr_count + 1 + (has_content ? 1 : 0));
    write_string(n.tag);
    for (const auto& [key, value] : n.attrs) {
      if (is_empty_value(value)) continue;
      write_string(key);
      if (const auto* j = std::get_if<Jid>(&value.v))
        write_jid(*j);
      else
        write_string(std::get<std::string>(value.v));
    }
    if (const auto* list = std::get_if<NodeList>(&n.content)) {
      write_list_start(list->size());  // an empty list is the single byte LIST_EMPTY
      for (const Node& child : *list) write_node(child);
    } else if (const auto* b = std::get_if<Bytes>(&n.content)) {
      write_byte_length(b->size());  // binary content is always BINARY_*, never packed
      out_.insert(out_.end(), b->begin(), b->end());
    } else if (const auto* s = std::get_if<std::string>(&n.content)) {
      write_string(*s);
    }
  }

 private:
  static bool is_empty_value(const AttrValue& v) {
    if (const auto* j = std::get_if<Jid>(&v.v)) return j->is_empty();
    return std::get<std::string>(v.v).empty();
  }

  void push(uint8_t b) { out_.push_back(b); }
  void push_u16(size_t v) {
    push(uint8_t(v >> 8));
    push(uint8_t(v));
  }

  void write_list_start(size_t size) {
    if (size == 0) {
      push(tags::kListEmpty);
    } else if (size < 256) {
      push(tags::kList8);
      push(uint8_t(size));
    } else if (size <= 0xFFFF) {
      push(tags::kList16);
      push_u16(size);
    } else {
      throw std::invalid_argument("binary node: list too long");
    }
  }

  void write_byte_length(size_t len) {
    if (len < 256) {
      push(tags::kBinary8);
      push(uint8_t(len));
    } else if (len < (size_t(1) << 20)) {
      push(tags::kBinary20);
      push(uint8_t((len >> 16) & 0x0F));
      push(uint8_t(len >> 8));
      push(uint8_t(len));
    } else if (len < 0x7FFFFFFF) {  // whatsmeow's bound (math.MaxInt32)
      push(tags::kBinary32);
      push(uint8_t(len >> 24));
      push(uint8_t(len >> 16));
      push(uint8_t(len >> 8));
      push(uint8_t(len));
    } else {
      throw std::invalid_argument("binary node: data too long");
    }
  }

  static bool is_nibble(const std::string& s) {
    if (s.size() > tags::kPackedMax) return false;
    for (char c : s)
      if (!((c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
    return true;
  }
  static bool is_hex(const std::string& s) {
    if (s.size() > tags::kPackedMax) return false;
    for (char c : s)  // upper case only: lower-case hex goes raw (whatsmeow validateHex)
      if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
    return true;
  }
  static uint8_t nibble_code(char c) {
    if (c == '-') return 10;
    if (c == '.') return 11;
    return uint8_t(c - '0');
  }
  static uint8_t hex_code(char c) {
    if (c >= 'A' && c <= 'F') return uint8_t(10 + c - 'A');
    return uint8_t(c - '0');
  }

  // Two characters per byte, first in the high nibble; an odd length sets bit 7 of the length
  // byte and pads the last low nibble with 15.
  void write_packed(const std::string& s, uint8_t tag) {
    push(tag);
    push(uint8_t(((s.size() + 1) / 2) | (s.size() % 2 ? 0x80 : 0)));
    auto code = tag == tags::kNibble8 ? nibble_code : hex_code;
    size_t i = 0;
    for (; i + 1 < s.size(); i += 2) push(uint8_t(code(s[i]) << 4 | code(s[i + 1])));
    if (i < s.size()) push(uint8_t(code(s[i]) << 4 | 0x0F));
  }

  // String order (whatsmeow writeString): single token, double token, nibble, hex, raw.
  // "" is no token and passes the nibble check, so it is written as NIBBLE_8 of length 0.
  void write_string(const std::string& s) {
    if (auto single = tokens::index_of_single(s)) {
      push(*single);
    } else if (auto dbl = tokens::index_of_double(s)) {
      push(uint8_t(tags::kDictionary0 + dbl->dict));
      push(dbl->index);
    } else if (is_nibble(s)) {
      write_packed(s, tags::kNibble8);
    } else if (is_hex(s)) {
      write_packed(s, tags::kHex8);
    } else {
      write_byte_length(s.size());
      out_.insert(out_.end(), s.begin(), s.end());
    }
  }

  // whatsmeow writeJID: AD_JID by Jid::needs_ad_encoding(), FB_JID for msgr, INTEROP_JID for
  // interop, else JID_PAIR with LIST_EMPTY standing for "no user".
  void write_jid(const Jid& j) {
    if (j.needs_ad_encoding()) {
      if (j.device > 0xFF) throw std::invalid_argument("binary node: AD_JID device > 255");
      push(tags::kAdJid);
      push(detail::ad_domain(j));
      push(uint8_t(j.device));
      write_string(j.user);
    } else if (j.server == kMessengerServer) {
      push(tags::kFbJid);
      write_string(j.user);
      push_u16(j.device);
      write_string(j.server);
    } else if (j.server == kInteropServer) {
      push(tags::kInteropJid);
      write_string(j.user);
      push_u16(j.device);
      push_u16(j.integrator);
      write_string(j.server);
    } else {
      push(tags::kJidPair);
      if (j.user.empty())
        push(tags::kListEmpty);
      else
        write_string(j.user);
      write_string(j.server);
    }
  }

  Bytes& out_;
};

}  // namespace

Bytes encode_node(const Node& node) {
  Bytes out;
  Encoder(out).write_node(node);
  return out;
}

Bytes marshal(const Node& node) {
  Bytes out{0x00};  // flags: uncompressed (clients never compress, PROTOCOL.md §5)
  Encoder(out).write_node(node);
  return out;
}

}  // namespace wa
