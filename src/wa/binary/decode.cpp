// Binary node decoder (PROTOCOL.md §5; accepts what whatsmeow binary/decoder.go accepts, with
// every read bounds-checked, nesting depth limited and no allocation sized by an unchecked
// length field).
#include <algorithm>
#include <string>

#include "wa/binary/codec.hpp"
#include "wa/binary/jid_domain.hpp"
#include "wa/binary/tags.hpp"
#include "wa/binary/tokens.hpp"

namespace wa {
namespace {

// Deeper than any real stanza (about 6 levels); bounds recursion on hostile input.
constexpr int kMaxDepth = 64;

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t len) : data_(data), len_(len) {}

  Node read_node(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    const size_t size = read_list_size(read_u8());
    if (size == 0) fail("node with empty list");
    std::optional<std::string> tag = read_string(read_u8(), false);
    if (tag->empty()) fail("node with empty tag");
    Node node(std::move(*tag));

    const size_t attr_count = (size - 1) / 2;
    for (size_t i = 0; i < attr_count; ++i) {
      std::optional<std::string> key = read_string(read_u8(), false);
      std::optional<AttrValue> value = read_attr_value();
      // LIST_EMPTY as a value is whatsmeow's nil: the attribute is absent. A repeated key
      // replaces the earlier value, as in whatsmeow's map.
      if (value) node.set_attr(*key, std::move(*value));
    }
    if (size % 2 == 0) read_content(node, depth);
    return node;
  }

  bool at_end() const { return pos_ == len_; }
  size_t remaining() const { return len_ - pos_; }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw DecodeError(std::string("binary node: ") + what + " at offset " + std::to_string(pos_));
  }

  void need(size_t n) const {
    if (n > len_ - pos_) fail("unexpected end of data");
  }
  uint8_t read_u8() {
    need(1);
    return data_[pos_++];
  }
  uint16_t read_u16() {
    need(2);
    uint16_t v = uint16_t(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  // BINARY_20: the top nibble of the first byte is not part of the length.
  size_t read_u20() {
    need(3);
    size_t v = size_t(data_[pos_] & 0x0F) << 16 | size_t(data_[pos_ + 1]) << 8 | data_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  size_t read_u32() {
    need(4);
    size_t v = size_t(data_[pos_]) << 24 | size_t(data_[pos_ + 1]) << 16 |
               size_t(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  // need() runs before anything is allocated, so a length field can never claim more memory
  // than the input holds.
  std::string read_raw_string(size_t n) {
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  Bytes read_raw_bytes(size_t n) {
    need(n);
    Bytes b(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return b;
  }

  size_t read_list_size(uint8_t tag) {
    switch (tag) {
      case tags::kListEmpty: return 0;
      case tags::kList8: return read_u8();
      case tags::kList16: return read_u16();
      default: fail("expected a list");
    }
  }

  static bool is_binary_tag(uint8_t t) {
    return t == tags::kBinary8 || t == tags::kBinary20 || t == tags::kBinary32;
  }
  size_t read_binary_length(uint8_t tag) {
    if (tag == tags::kBinary8) return read_u8();
    if (tag == tags::kBinary20) return read_u20();
    return read_u32();
  }

  // NIBBLE_8 / HEX_8. Like both reference decoders, nibble 15 reads as NUL and an odd length
  // drops the last character.
  std::string read_packed(uint8_t tag) {
    const uint8_t start = read_u8();
    const size_t count = start & 0x7F;
    need(count);
    std::string out;
    out.reserve(count * 2);
    for (size_t i = 0; i < count; ++i) {
      const uint8_t b = data_[pos_++];
      out.push_back(unpack(tag, b >> 4));
      out.push_back(unpack(tag, b & 0x0F));
    }
    if (start & 0x80) {
      if (out.empty()) fail("odd packed string of length 0");
      out.pop_back();
    }
    return out;
  }
  char unpack(uint8_t tag, uint8_t v) const {
    if (tag == tags::kHex8) return v < 10 ? char('0' + v) : char('A' + v - 10);
    if (v < 10) return char('0' + v);
    if (v == 10) return '-';
    if (v == 11) return '.';
    if (v == 15) return '\0';
    fail("invalid nibble");
  }

  // A string-valued item: single/double token, packed, or BINARY_* read as text.
  // LIST_EMPTY gives std::nullopt when allow_nil, otherwise it is an error like any other tag.
  std::optional<std::string> read_string(uint8_t tag, bool allow_nil) {
    if (tag >= 1 && tag < tokens::kSingleByteCount) return std::string(tokens::single_byte(tag));
    if (tag >= tags::kDictionary0 && tag <= tags::kDictionary3) {
      const uint8_t index = read_u8();
      return std::string(tokens::double_byte(uint8_t(tag - tags::kDictionary0), index));
    }
    if (is_binary_tag(tag)) return read_raw_string(read_binary_length(tag));
    if (tag == tags::kNibble8 || tag == tags::kHex8) return read_packed(tag);
    if (tag == tags::kListEmpty && allow_nil) return std::nullopt;
    fail("expected a string");
  }

  std::string read_jid_part() {
    return *read_string(read_u8(), false);
  }

  // The JID forms. Each part is a plain string, so JIDs never nest.
  Jid read_jid(uint8_t tag) {
    switch (tag) {
      case tags::kJidPair: {
        std::optional<std::string> user = read_string(read_u8(), true);  // nil: server JID
        std::string server = *read_string(read_u8(), false);
        // Baileys rejects a pair without server; a JID with an empty server would be the
        // empty JID, which no encoder writes.
        if (server.empty()) fail("JID pair without server");
        return Jid{user.value_or(""), 0, 0, 0, std::move(server)};
      }
      case tags::kAdJid: {
        const uint8_t domain = read_u8();
        const uint8_t device = read_u8();
        return detail::jid_from_ad(read_jid_part(), domain, device);
      }
      case tags::kFbJid: {
        std::string user = read_jid_part();
        const uint16_t device = read_u16();
        if (read_jid_part() != kMessengerServer) fail("FB_JID server is not msgr");
        return Jid{std::move(user), 0, device, 0, kMessengerServer};
      }
      case tags::kInteropJid: {
        std::string user = read_jid_part();
        const uint16_t device = read_u16();
        const uint16_t integrator = read_u16();
        if (read_jid_part() != kInteropServer) fail("INTEROP_JID server is not interop");
        return Jid{std::move(user), 0, device, integrator, kInteropServer};
      }
      default: fail("expected a JID");
    }
  }
  static bool is_jid_tag(uint8_t t) {
    return t == tags::kJidPair || t == tags::kAdJid || t == tags::kFbJid ||
           t == tags::kInteropJid;
  }

  // Attribute value: a string or a typed JID; LIST_EMPTY (nil) gives std::nullopt.
  std::optional<AttrValue> read_attr_value() {
    const uint8_t tag = read_u8();
    if (is_jid_tag(tag)) return AttrValue(read_jid(tag));
    std::optional<std::string> s = read_string(tag, true);
    if (!s) return std::nullopt;
    return AttrValue(std::move(*s));
  }

  void read_content(Node& node, int depth) {
    const uint8_t tag = read_u8();
    if (tag == tags::kListEmpty) return;  // nil content
    if (tag == tags::kList8 || tag == tags::kList16) {
      const size_t count = read_list_size(tag);
      // Each child takes at least 3 bytes; never reserve more than the input could hold.
      NodeList children;
      children.reserve(std::min(count, remaining() / 3));
      for (size_t i = 0; i < count; ++i) children.push_back(read_node(depth + 1));
      node.content = std::move(children);
    } else if (is_binary_tag(tag)) {
      node.content = read_raw_bytes(read_binary_length(tag));
    } else if (is_jid_tag(tag)) {
      // Content has no JID alternative; like Baileys, keep its text form.
      node.content = read_jid(tag).str();
    } else {
      node.content = *read_string(tag, false);
    }
  }

  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
};

}  // namespace

Node decode_node(const uint8_t* data, size_t len) {
  Decoder d(data, len);
  Node node = d.read_node(1);
  // whatsmeow Unmarshal rejects leftover bytes after the node.
  if (!d.at_end()) throw DecodeError("binary node: " + std::to_string(d.remaining()) +
                                     " leftover bytes after the node");
  return node;
}

}  // namespace wa
