// Receipts the simulated server writes to a companion for the devices it plays, and the
// companion's acks of them (PROTOCOL-ADDITIONS.md §3; whatsmeow receipt.go parseReceipt and
// message.go parseMessageSource, Baileys messages-recv.ts handleReceipt):
//  - a contact's device that decrypted the companion's message:
//      <receipt from=DEVICE id t/>
//    no type = delivered; DEVICE addressed as the companion addressed the message (the <to jid>
//    it encrypted for: LID or PN). A 1:1 receipt from another user carries neither recipient
//    nor participant: Baileys takes fromMe = !recipient, and participant is for groups;
//  - the account's own phone, for its DeviceSentMessage copy:
//      <receipt from=OWN_PHONE id t type="sender" recipient=CHAT/>
//    (whatsmeow: from.User is the own user, so IsFromMe and Chat = recipient; its own
//    sendMessageReceipt sends type="sender" with the message's recipient copied);
//  - several ids in one receipt (read and played receipts a test asks a contact's device for):
//      <receipt from=DEVICE id=FIRST t type=T><list><item id=SECOND/>…</list></receipt>
//    (whatsmeow MarkRead writes that; parseReceipt reads the <item>s when <list> is the only
//    child, Baileys reads the items of the first child).
// Every receipt the server writes is recorded (MessageDesk::relayed); the companion must answer
// each with <ack class="receipt" id to=FROM [type] [recipient]> (whatsmeow sendAck, Baileys
// buildAckStanza: to = the receipt's from, type and recipient copied), which is matched to it.
// Runs on the simulator's io thread.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include "sim_context.hpp"
#include "wa/binary/node.hpp"

namespace sim {

using SendToCompanion = std::function<void(const wa::Node&)>;

// <receipt from id=ids[0] t [type] [recipient]>[<list><item id/>…</list>]</receipt>; type ""
// leaves the attribute out (delivered).
wa::Node device_receipt(const wa::Jid& from, const std::vector<std::string>& ids,
                        const std::string& type, int64_t now,
                        const std::optional<wa::Jid>& recipient = std::nullopt);

// Writes `receipt` to the companion and records it, to be matched with the companion's ack.
void send_receipt(SimContext& ctx, const std::string& companion_jid, const wa::Node& receipt,
                  const SendToCompanion& send);

// The delivery receipt of the simulated device that decrypted `copy` (an entry of the received
// log for a message `sender` sent), unless delivery receipts are switched off (FaultPlan) or the
// copy did not decrypt. The own phone's receipt names `chat`, by default the copy's `to` (a
// resend to one device carries the chat in its recipient attribute instead).
void relay_delivery_receipt(SimContext& ctx, const PairedDevice& sender, const ReceivedMessage& copy,
                            int64_t now, const SendToCompanion& send,
                            std::optional<wa::Jid> chat = std::nullopt);

// After receive_message: the receipts of every device that decrypted its copy of `message_id`
// (received-log entries from index `first_entry`).
void relay_delivery_receipts(SimContext& ctx, const PairedDevice& sender,
                             const std::string& message_id, size_t first_entry, int64_t now,
                             const SendToCompanion& send);

// The companion's <ack class="receipt">: matched to the receipt it answers; an ack that answers
// none the server is waiting for, or that does not copy type and recipient, is an anomaly.
void receive_receipt_ack(SimContext& ctx, const PairedDevice& companion, const wa::Node& ack);

}  // namespace sim
