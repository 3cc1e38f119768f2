// What the simulated server keeps about messages beyond a single stanza (issue 4):
//  - the contact messages it delivered, so the sending device can re-encrypt one when the
//    companion answers with a retry receipt (PROTOCOL.md §10 step 7);
//  - how many retry receipts each simulated device sent per message (a device stops after 4,
//    whatsmeow's limit);
//  - messages waiting for a companion that is offline, delivered at its next login with the
//    `offline` attribute and framed by <ib><offline_preview/> … <ib><offline count/> (§8 step 6);
//  - what the companion answered: every <receipt> it sent (delivery and retry, with the
//    retry's fields) and <ack>s of messages, for tests;
//  - every <receipt> the server sent a companion on behalf of a simulated device (delivery,
//    sender, read, played, retry; receipt_relay.hpp) and whether the companion acked it with
//    <ack class="receipt"> copying what it must (PROTOCOL.md §8 "What must be acked").
// The queues are touched on the simulator's io thread; the observations are read from tests,
// so everything is behind one mutex.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "wa/binary/node.hpp"

namespace sim {

enum class MessageKind { text, image };

// A message a simulated device writes to the account's companions (device_message.hpp): a
// contact's device, or the account's own phone copying what it wrote to `chat`.
struct DeviceMessageSpec {
  wa::Jid from_device;                   // the writing device, addressed as on the wire (PN or LID)
  std::string text;                      // the text, or the image's caption
  MessageKind kind = MessageKind::text;
  std::optional<std::string> push_name;  // the notify attribute (contacts); a default when unset
  std::optional<wa::Jid> chat;           // the own phone's message: the peer it was written to
};

// A device message the server delivered (or queued), for answering retries.
struct ContactSend {
  DeviceMessageSpec spec;
  std::string companion_jid;    // PHONE:DEV@s.whatsapp.net of the receiving companion
  int corrupt_remaining = 0;    // this many more transmissions go out with a broken MAC
  int transmissions = 0;
};

// A <receipt> the companion sent.
struct ClientReceipt {
  std::string companion;  // the companion that sent it (PHONE:DEV@s.whatsapp.net)
  std::string id, to, type;  // type "" for a plain delivery receipt
  // type="retry":
  int retry_count = 0;
  std::string retry_id, retry_t, retry_v;
  bool registration_ok = false;  // <registration> is 4 bytes and the companion's registration id
  bool had_keys = false;
  std::string keys_error;        // "" when the <keys> form a usable bundle (or are absent)
};

// An <ack> the companion sent for a message (class="message").
struct ClientMessageAck {
  std::string companion, id, to, error;
};

// A <receipt> the server sent a companion for one of the devices it simulates.
struct RelayedReceipt {
  std::string companion;         // PHONE:DEV@s.whatsapp.net it was written to
  std::string id;                // the id attribute: the first message id
  std::vector<std::string> ids;  // every id it covers: id, then the <list><item>s
  std::string from;              // the device it speaks for, as sent (PN or LID form)
  std::string type;              // "" (delivered), sender, read, played, retry
  std::string recipient;         // "" when absent
  int64_t t = 0;
  bool acked = false;            // the companion answered <ack class="receipt" id to=from>
  std::string ack_problem;       // "" when that ack also copied type and recipient
};

class MessageDesk {
 public:
  void remember(const std::string& id, ContactSend send);
  std::optional<ContactSend> find(const std::string& id) const;
  // Counts one more transmission of `id`; true when this one must be corrupted.
  bool next_transmission_corrupt(const std::string& id);

  // The count of the next retry receipt `device` sends for `id` (1, 2, …); 0 once it gave up.
  int next_device_retry(const std::string& device, const std::string& id);

  void queue_offline(const std::string& companion_jid, wa::Node message);
  std::vector<wa::Node> take_offline(const std::string& companion_jid);
  size_t offline_waiting(const std::string& companion_jid) const;

  void record(ClientReceipt r);
  void record(ClientMessageAck a);
  std::vector<ClientReceipt> receipts() const;
  std::vector<ClientMessageAck> message_acks() const;

  void record(RelayedReceipt r);
  // The companion's <ack class="receipt" id to [type] [recipient]>: marks the oldest unacked
  // receipt sent to `companion` with that id and from == to, noting in its ack_problem a type
  // or recipient the ack did not copy (also put in *problem). False when no such receipt is
  // waiting for an ack.
  bool ack_relayed(const std::string& companion, const std::string& id, const std::string& to,
                   const std::string& type, const std::string& recipient, std::string* problem);
  std::vector<RelayedReceipt> relayed() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ContactSend> sends_;
  std::map<std::pair<std::string, std::string>, int> device_retries_;
  std::map<std::string, std::vector<wa::Node>> offline_;
  std::vector<ClientReceipt> receipts_;
  std::vector<ClientMessageAck> acks_;
  std::vector<RelayedReceipt> relayed_;
};

}  // namespace sim
