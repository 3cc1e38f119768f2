// The webhook signing secret of the Standard Webhooks specification (standardwebhooks.com,
// "Signature scheme"): "whsec_" followed by the base64 of 24 to 64 random bytes. The key HMAC
// uses is the decoded bytes, not the text.
//
// Contract: parse() is pure and thread-safe; a refused secret is std::nullopt with a reason
// sentence that never contains any part of the secret. A SigningKey is an immutable value; its
// bytes are wiped when it is destroyed.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace webhooks {

inline constexpr std::string_view kSecretPrefix = "whsec_";
// The specification's bounds for symmetric secrets: at least 192 bits, at most 512 (HMAC-SHA256
// hashes a longer key down to 32 bytes first, so more would only look stronger).
inline constexpr size_t kMinSecretBytes = 24;
inline constexpr size_t kMaxSecretBytes = 64;

class SigningKey {
 public:
  static std::optional<SigningKey> parse(std::string_view secret, std::string* reason);

  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;
  ~SigningKey();

  const util::Bytes& bytes() const { return bytes_; }

 private:
  explicit SigningKey(util::Bytes bytes) : bytes_(std::move(bytes)) {}
  util::Bytes bytes_;
};

}  // namespace webhooks
