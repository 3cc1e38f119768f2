#include "qr_code.hpp"

#include <cstring>
#include <vector>
#include "util/bytes.hpp"

namespace sim {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool fail(std::string* error, const std::string& why) {
  if (error) *error = why;
  return false;
}

// §6: the keys travel as standard base64 with '=' padding; 32 bytes each.
bool decode32(const std::string& b64, util::Bytes* out, const char* what, std::string* error) {
  auto decoded = util::base64_decode(b64);
  if (!decoded) return fail(error, std::string("QR ") + what + " is not padded standard base64");
  if (decoded->size() != 32) return fail(error, std::string("QR ") + what + " is not 32 bytes");
  *out = std::move(*decoded);
  return true;
}

// The QR platform characters listed in §6 step 3.
bool known_platform(char c) { return std::strchr("0123456789ce", c) != nullptr && c != 0; }

}  // namespace

std::optional<QrFields> parse_qr(const std::string& qr, std::string* error) {
  const size_t prefix_len = sizeof(kQrPrefix) - 1;
  if (qr.compare(0, prefix_len, kQrPrefix) != 0) {
    fail(error, "QR does not start with https://wa.me/settings/linked_devices#");
    return std::nullopt;
  }
  auto parts = split_commas(qr.substr(prefix_len));
  if (parts.size() != 5) {
    fail(error, "QR does not have 5 comma-separated fields");
    return std::nullopt;
  }
  QrFields f;
  f.ref = parts[0];
  if (f.ref.empty()) {
    fail(error, "QR ref is empty");
    return std::nullopt;
  }
  util::Bytes noise, ident;
  if (!decode32(parts[1], &noise, "noise key", error) ||
      !decode32(parts[2], &ident, "identity key", error) ||
      !decode32(parts[3], &f.adv_secret, "adv secret", error)) {
    return std::nullopt;
  }
  f.noise_pub = util::curve::to_key32(noise);
  f.identity_pub = util::curve::to_key32(ident);
  if (parts[4].size() != 1 || !known_platform(parts[4][0])) {
    fail(error, "QR platform is not one of the characters of PROTOCOL.md section 6");
    return std::nullopt;
  }
  f.platform = parts[4][0];
  return f;
}

}  // namespace sim
