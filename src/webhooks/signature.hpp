// The webhook-signature header of the Standard Webhooks specification (standardwebhooks.com,
// "Signature scheme"): "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where the
// timestamp is the attempt's unix time in seconds, as sent in webhook-timestamp.
//
// Contract: pure, thread-safe. The body must be the exact bytes sent.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "webhooks/signing_key.hpp"

namespace webhooks {

// Throws std::invalid_argument when the id is empty or contains '.': the signed content is
// split on dots, so such an id would let one (id, timestamp) pair pass for another.
std::string sign(const SigningKey& key, std::string_view id, int64_t timestamp_s,
                 std::string_view body);

}  // namespace webhooks
