// Retry receipts, both directions (PROTOCOL.md §10 step 7; whatsmeow retry.go, receipt.go).
//
// Incoming message we cannot decrypt -> we answer with
//   <receipt id to [participant] [recipient] type="retry"><retry count id t v="1"/>
//   <registration>regid 4B</registration>[<keys>…</keys>]</receipt>
// and the sender re-encrypts (usually after rebuilding its session from our <keys>).
// Incoming retry receipt for a message we sent -> we re-encrypt the message we still hold for
// the device that asked, and send it alone to that device with the original id.
//
// Pure builders, parsers and bounded bookkeeping; the Client glue is client_retry.cpp.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include "wa/binary/node.hpp"
#include "wa/message_build.hpp"
#include "wa/signal/signal_protocol.hpp"
#include "wa/store/device_store.hpp"

namespace wa {

// whatsmeow sends retry receipts for counts 1..4 and none once the count reaches 5;
// keys go along from the second one (the first try assumes a transient failure).
inline constexpr int kMaxRetryReceipts = 4;
inline constexpr int kRetryKeysFromCount = 2;
// whatsmeow drops retry requests for one (device, message) after 10 (internal counter).
inline constexpr int kMaxRetriesServed = 9;
// whatsmeow recreates a session on a retry without keys at most once an hour per device.
inline constexpr int64_t kSessionRecreateIntervalMs = 3600 * 1000;

// The retry receipt for `message` (the <message> stanza that failed). `count` >= 1;
// `one_time_key` is required when count >= kRetryKeysFromCount.
Node make_retry_receipt(const Node& message, int count, const store::Device& device,
                        const std::optional<store::Store::PreKey>& one_time_key);

// What a received retry receipt asks for.
struct RetryRequest {
  std::string message_id;  // <retry id>
  int count = 0;           // <retry count>
  std::string t;           // <retry t>: the original message's timestamp, echoed in the resend
  // The bundle the peer attached (<registration> + <keys>), to rebuild our session with it.
  std::optional<signal::PreKeyBundle> bundle;
};
// Parses <receipt type="retry">; `sender_device` is the device id of its `from`. An error
// sentence for a malformed one (no <retry>, bad count, keys without a usable bundle).
std::variant<RetryRequest, std::string> parse_retry_receipt(const Node& receipt, uint32_t sender_device);

// The resend: <message to=RECEIPT_FROM id type="text" t device_fanout="false" [participant]
// [recipient]><enc v="2" type count=N>…</enc>[<device-identity>]</message> (whatsmeow
// handleRetryReceipt: one device, no <participants>, count on the enc).
Node make_retry_resend(const Node& receipt, const RetryRequest& request, const DeviceCiphertext& copy,
                       const util::Bytes& account);

// Counts per key with a bound on the number of keys (the oldest key is forgotten first), for
// retry receipts sent per message id and retries served per (device, message id).
class BoundedCounter {
 public:
  explicit BoundedCounter(size_t max_keys = 1024) : max_keys_(max_keys) {}
  int get(const std::string& key) const;
  void set(const std::string& key, int value);
  int increment(const std::string& key) { set(key, get(key) + 1); return get(key); }

 private:
  size_t max_keys_;
  std::map<std::string, int> counts_;
  std::deque<std::string> order_;
};

}  // namespace wa
