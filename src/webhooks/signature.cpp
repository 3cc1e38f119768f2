#include "webhooks/signature.hpp"

#include <stdexcept>

#include "util/crypto.hpp"

namespace webhooks {

std::string sign(const SigningKey& key, std::string_view id, int64_t timestamp_s,
                 std::string_view body) {
  if (id.empty() || id.find('.') != std::string_view::npos) {
    throw std::invalid_argument("webhook signature: the id must be non-empty without '.'");
  }
  std::string content;
  const std::string ts = std::to_string(timestamp_s);
  content.reserve(id.size() + ts.size() + body.size() + 2);
  content.append(id).append(".").append(ts).append(".").append(body);
  const util::Bytes mac = util::crypto::hmac_sha256(key.bytes(), util::to_bytes(content));
  return "v1," + util::base64_encode(mac);
}

}  // namespace webhooks
