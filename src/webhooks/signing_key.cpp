#include "webhooks/signing_key.hpp"

#include <openssl/crypto.h>

namespace webhooks {

std::optional<SigningKey> SigningKey::parse(std::string_view secret, std::string* reason) {
  auto refuse = [&](std::string why) -> std::optional<SigningKey> {
    if (reason) *reason = std::move(why);
    return std::nullopt;
  };
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
    return refuse("must start with whsec_ followed by base64 (Standard Webhooks secret format)");
  }
  std::optional<util::Bytes> key = util::base64_decode(secret.substr(kSecretPrefix.size()));
  if (!key) {
    return refuse("must be whsec_ followed by padded standard base64 (A-Z a-z 0-9 + / =)");
  }
  if (key->size() < kMinSecretBytes || key->size() > kMaxSecretBytes) {
    const size_t n = key->size();
    OPENSSL_cleanse(key->data(), key->size());
    return refuse("must encode " + std::to_string(kMinSecretBytes) + " to " +
                  std::to_string(kMaxSecretBytes) + " bytes, not " + std::to_string(n) +
                  " (make one with: echo whsec_$(openssl rand -base64 32))");
  }
  return SigningKey(std::move(*key));
}

SigningKey::~SigningKey() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

}  // namespace webhooks
