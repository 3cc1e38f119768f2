// Retry receipts and offline delivery as the server and the simulated devices play them
// (PROTOCOL.md §10 step 7, §8 step 6; whatsmeow retry.go is the peer we imitate):
//  - a simulated device that cannot decrypt a companion's message sends a retry receipt
//    (<keys> from the second one, none after the fourth), relayed to the companion;
//  - the companion's resend (<message to=DEVICE device_fanout="false"><enc count=N>) is
//    decrypted by that device alone; failing again, the device asks again;
//  - a companion's retry receipt for a device message (a contact's, or the own phone's copy)
//    makes that device re-encrypt it, after rebuilding its session from the receipt's <keys>
//    when present;
//  - device messages for an offline companion wait and are delivered at its next login.
// Retry receipts go out through send_receipt (receipt_relay.hpp), so the companion's acks of
// them are matched like any receipt's.
// All functions run on the simulator's io thread; `send` writes one stanza to the companion.
#pragma once
#include <string>
#include "message_desk.hpp"
#include "receipt_relay.hpp"
#include "sim_context.hpp"
#include "wa/binary/node.hpp"

namespace sim {

// After receive_message: every delivery of `message_id` (entries from index `first_entry` of
// the received log) that a simulated device failed to decrypt gets that device's retry receipt.
void request_retries(SimContext& ctx, const PairedDevice& sender, const std::string& message_id,
                     size_t first_entry, int64_t now, const SendToCompanion& send);

// A companion's single-device resend answering a retry receipt: the server ack, then the
// device's delivery receipt when it now decrypts (or its next retry receipt when it does not).
void receive_resend(SimContext& ctx, const PairedDevice& sender, const wa::Node& message,
                    int64_t now, const SendToCompanion& send);

// A companion's <receipt>: recorded; a retry receipt for a device message is answered with
// that device's re-encrypted message.
void receive_companion_receipt(SimContext& ctx, const PairedDevice& companion, const wa::Node& receipt,
                               int64_t now, const SendToCompanion& send);

// A device message (device_message.hpp) for `companion`, remembered for retries;
// `corrupt_times` transmissions (this one first) go out with a broken MAC. std::nullopt with
// *why set when it cannot be built.
std::optional<wa::Node> build_device_message(SimContext& ctx, const DeviceMessageSpec& spec,
                                             const PairedDevice& companion, const std::string& id,
                                             int corrupt_times, int64_t now, std::string* why);

// At login, after <active/>: the offline backlog, framed as the server frames it.
void deliver_offline(SimContext& ctx, const PairedDevice& companion, const SendToCompanion& send);

}  // namespace sim
