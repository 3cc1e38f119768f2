#include "image_message.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <memory>
#include <stdexcept>
#include "util/crypto.hpp"

namespace sim {
namespace {

// Protobuf wire format: a key is (field << 3) | wire type; 0 = varint, 2 = length-delimited.
class ProtoWriter {
 public:
  void varint_field(uint32_t field, uint64_t v) {
    varint(static_cast<uint64_t>(field) << 3);
    varint(v);
  }
  void bytes_field(uint32_t field, const util::Bytes& b) {
    varint((static_cast<uint64_t>(field) << 3) | 2);
    varint(b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }
  void string_field(uint32_t field, const std::string& s) { bytes_field(field, util::to_bytes(s)); }
  util::Bytes take() { return std::move(out_); }

 private:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  util::Bytes out_;
};

util::Bytes aes256_cbc(const util::Bytes& key, const util::Bytes& iv, const util::Bytes& plain) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                     EVP_CIPHER_CTX_free);
  util::Bytes out(plain.size() + 16);
  int n = 0, tail = 0;
  // PKCS#7 padding is EVP's default, as both clients pad (§2.3).
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, plain.data(), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    throw std::runtime_error("aes-256-cbc failed");
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

std::string upper_hex(const util::Bytes& b) {
  std::string h = util::hex_encode(b);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

}  // namespace

ImageFields make_image(const std::string& caption, int64_t now) {
  // A JPEG's start-of-image and end-of-image markers around random bytes: a stand-in file.
  util::Bytes file{0xFF, 0xD8, 0xFF, 0xE0};
  const util::Bytes body = util::crypto::random_bytes(60);
  file.insert(file.end(), body.begin(), body.end());
  file.insert(file.end(), {0xFF, 0xD9});

  ImageFields f;
  f.caption = caption;
  f.mimetype = "image/jpeg";
  f.width = 64;
  f.height = 48;
  f.media_key = util::crypto::random_bytes(32);
  f.media_key_timestamp = now;
  // §2.2: expanded = HKDF-SHA256(mediaKey, no salt, "WhatsApp Image Keys", 112):
  // iv [0,16), cipherKey [16,48), macKey [48,80).
  const util::Bytes expanded =
      util::crypto::hkdf_sha256(f.media_key, {}, util::to_bytes("WhatsApp Image Keys"), 112);
  const util::Bytes iv(expanded.begin(), expanded.begin() + 16);
  const util::Bytes cipher_key(expanded.begin() + 16, expanded.begin() + 48);
  const util::Bytes mac_key(expanded.begin() + 48, expanded.begin() + 80);
  // §2.3: blob = enc || HMAC-SHA256(macKey, iv || enc)[0:10].
  util::Bytes blob = aes256_cbc(cipher_key, iv, file);
  util::Bytes mac_input = iv;
  mac_input.insert(mac_input.end(), blob.begin(), blob.end());
  const util::Bytes mac = util::crypto::hmac_sha256(mac_key, mac_input);
  blob.insert(blob.end(), mac.begin(), mac.begin() + 10);

  f.file_sha256 = util::crypto::sha256(file);
  f.file_enc_sha256 = util::crypto::sha256(blob);
  f.file_length = file.size();
  // The shape of real direct paths (§2.4: 7118 = image); nothing serves it.
  const std::string n = std::to_string(util::crypto::random_u32());
  f.direct_path = "/v/t62.7118-24/" + n + "_" + n + "_n.enc?ccb=11-4&oh=" +
                  upper_hex(util::crypto::random_bytes(8)) + "&oe=" +
                  upper_hex(util::crypto::random_bytes(4)) + "&_nc_sid=5e03e0";
  f.url = "https://mmg.whatsapp.net" + f.direct_path + "&mms3=true";
  return f;
}

util::Bytes image_message_bytes(const ImageFields& f) {
  ProtoWriter w;
  w.string_field(1, f.url);
  w.string_field(2, f.mimetype);
  if (!f.caption.empty()) w.string_field(3, f.caption);
  w.bytes_field(4, f.file_sha256);
  w.varint_field(5, f.file_length);
  w.varint_field(6, f.height);
  w.varint_field(7, f.width);
  w.bytes_field(8, f.media_key);
  w.bytes_field(9, f.file_enc_sha256);
  w.string_field(11, f.direct_path);
  w.varint_field(12, static_cast<uint64_t>(f.media_key_timestamp));
  return w.take();
}

util::Bytes message_with_image(const ImageFields& f) {
  ProtoWriter w;
  w.bytes_field(3, image_message_bytes(f));  // Message.imageMessage
  return w.take();
}

}  // namespace sim
