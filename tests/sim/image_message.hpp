// The imageMessage a simulated contact sends (PROTOCOL-ADDITIONS.md §2.5, field numbers as in
// whatsmeow's WAWebProtobufsE2E.proto and Baileys' WAProto.proto):
//   Message{ imageMessage(3){ url(1), mimetype(2), caption(3), fileSha256(4), fileLength(5),
//            height(6), width(7), mediaKey(8), fileEncSha256(9), directPath(11),
//            mediaKeyTimestamp(12) } }
// — what a receiver needs to classify it (whatsmeow getMediaTypeFromMessage: ImageMessage set
// → "image") and what it would need to download it. No media is uploaded anywhere: the "file"
// is a few bytes standing for a JPEG, encrypted the real way (§2.2, §2.3: HKDF "WhatsApp Image
// Keys", AES-256-CBC, a 10-byte HMAC) so that the hashes, length and key agree with each other.
// Written here in protobuf wire format, not with the product's e2e.proto: an encoding of our own
// that the product's parser must read, so a wrong field number there shows.
#pragma once
#include <cstdint>
#include <string>
#include "util/bytes.hpp"

namespace sim {

struct ImageFields {
  std::string url, mimetype, caption, direct_path;
  util::Bytes file_sha256, file_enc_sha256, media_key;
  uint64_t file_length = 0;
  uint32_t height = 0, width = 0;
  int64_t media_key_timestamp = 0;
};

// Fresh fields for an image with this caption (new media key each call).
ImageFields make_image(const std::string& caption, int64_t now);

// The serialized ImageMessage, and the serialized Message holding it in field 3.
util::Bytes image_message_bytes(const ImageFields& image);
util::Bytes message_with_image(const ImageFields& image);

}  // namespace sim
