// The X-Internal-Secret check shared by every endpoint.
#pragma once
#include <string>
#include <string_view>
#include "util/bytes.hpp"

namespace sidecar::http {

class SecretCheck {
 public:
  explicit SecretCheck(std::string_view configured_secret);

  // Compares SHA-256 digests with CRYPTO_memcmp: both sides are always 32 bytes, so neither
  // the time taken nor an early exit reveals the secret's length or a matching prefix.
  // An empty configured secret matches nothing (fail closed).
  bool matches(std::string_view presented) const;

 private:
  util::Bytes digest_;
  bool configured_;
};

}  // namespace sidecar::http
