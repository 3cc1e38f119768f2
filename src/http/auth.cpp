#include "http/auth.hpp"

#include "util/crypto.hpp"

namespace sidecar::http {

SecretCheck::SecretCheck(std::string_view configured_secret)
    : digest_(util::crypto::sha256(util::to_bytes(configured_secret))),
      configured_(!configured_secret.empty()) {}

bool SecretCheck::matches(std::string_view presented) const {
  const util::Bytes presented_digest = util::crypto::sha256(util::to_bytes(presented));
  const bool equal = util::crypto::constant_time_equal(presented_digest, digest_);
  return configured_ && equal;
}

}  // namespace sidecar::http
