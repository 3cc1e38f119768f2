#include "message_inbox.hpp"

#include <set>

namespace sim {
namespace {

using wa::Jid;
using wa::Node;

// whatsmeow's GenerateMessageID / §9: "3EB0" + 18 upper-case hex characters (22 in all).
bool is_whatsmeow_message_id(const std::string& id) {
  if (id.size() != 22 || id.compare(0, 4, "3EB0") != 0) return false;
  for (size_t i = 4; i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// A device of the recipient or of the own account, independent of PN/LID addressing.
struct DeviceKey {
  bool own;
  uint16_t id;
  bool operator<(const DeviceKey& o) const { return own != o.own ? own < o.own : id < o.id; }
};

// One <to> of the stanza on its way to a device.
struct Delivery {
  ReceivedMessage record;
  std::optional<DeviceKey> device;  // nullopt when the <to> names no device of this message
  util::Bytes ciphertext;
};

// One run of the server over one <message>: addressing checks, the <participants> list against
// the device lists, delivery, and the ack. Problems become anomalies prefixed with the id.
class InboxRun {
 public:
  InboxRun(const Node& message, const PairedDevice& sender, const Phone& phone,
           Directory& directory, SimState& state, int64_t now)
      : message_(message), sender_(sender), phone_(phone), directory_(directory), state_(state),
        now_(now), id_(message.attr("id")), to_(message.jid_attr("to")), paired_(state.devices()) {}

  std::optional<Node> run() {
    if (!check_addressing()) return finish(make_ack(479));
    expect_devices();
    read_participants();
    check_participants();
    if (const int error = state_.message_error()) {
      state_.add_history("message-refused:" + std::to_string(error));
      return finish(make_ack(error));
    }
    deliver();
    if (state_.withhold_ack()) {
      state_.add_history("ack-withheld");
      return finish(std::nullopt);
    }
    return finish(make_ack(0));
  }

 private:
  std::optional<Node> finish(std::optional<Node> ack) {
    for (const auto& p : problems_) state_.add_anomaly("message " + id_ + ": " + p);
    return ack;
  }

  // §9 server ack: <ack class="message" id=ID from=TO t=NOW [error=N]/>.
  Node make_ack(int error) const {
    wa::AttrValue from = to_ ? wa::AttrValue(to_->to_non_ad()) : wa::AttrValue(Jid::server_jid());
    Node ack("ack", {{"class", "message"}, {"id", id_}, {"from", from}, {"t", std::to_string(now_)}});
    if (error) ack.set_attr("error", std::to_string(error));
    return ack;
  }

  // Message attributes; false when the message cannot be routed (refused with 479: §9 "stanza
  // rejected — stale devices or bad addressing").
  bool check_addressing() {
    if (id_.empty()) problems_.push_back("no id");
    else if (!is_whatsmeow_message_id(id_))
      problems_.push_back("id is not in whatsmeow's format (3EB0 + 18 upper-case hex)");
    if (message_.attr("type") != "text")
      problems_.push_back("type is '" + message_.attr("type") + "', not \"text\"");
    if (!to_) {
      problems_.push_back("no to attribute");
      return false;
    }
    if (to_->device != 0) problems_.push_back("to is a device JID (whatsmeow refuses AD recipients)");
    recipient_ = directory_.find(to_->to_non_ad());
    own_ = directory_.find(Jid::user_jid(sender_.phone, wa::kServerJid));
    if (!recipient_ || !own_) {
      problems_.push_back("to " + to_->str() + " is no WhatsApp user the server knows");
      state_.add_history("message-refused:479");
      return false;
    }
    peer_pn_ = message_.attr("peer_recipient_pn");
    if (!recipient_->own) {
      // whatsmeow HEAD (§9 LID handling): 1:1 goes to the LID with peer_recipient_pn = the PN.
      if (to_->server != wa::kLidServer)
        problems_.push_back("1:1 message sent to the PN " + to_->str() + "; whatsmeow sends to the LID " +
                            recipient_->lid().str() + " with peer_recipient_pn");
      else if (peer_pn_.empty())
        problems_.push_back("message to a LID without peer_recipient_pn");
      else if (peer_pn_ != recipient_->pn().str())
        problems_.push_back("peer_recipient_pn " + peer_pn_ + " is not " + recipient_->pn().str());
    }
    return true;
  }

  // All devices of the recipient and of the own account except the sending one (§9 device list:
  // "drop your own current device").
  void expect_devices() {
    for (const ListedDevice& d : directory_.devices(*recipient_, paired_))
      if (!(recipient_->own && d.id == sender_.device)) expected_.insert({recipient_->own, d.id});
    for (const ListedDevice& d : directory_.devices(*own_, paired_))
      if (d.id != sender_.device) expected_.insert({true, d.id});
  }

  void read_participants() {
    const Node* participants = message_.child("participants");
    if (!participants) {
      problems_.push_back("no <participants>");
      return;
    }
    identity_ = message_.child("device-identity");
    for (const Node* t : participants->children_by_tag("to")) deliveries_.push_back(read_to(*t));
  }

  Delivery read_to(const Node& t) {
    Delivery dv;
    ReceivedMessage& r = dv.record;
    r.id = id_;
    r.to = message_.attr("to");
    r.peer_recipient_pn = peer_pn_;
    r.device = t.attr("jid");
    r.had_device_identity = identity_ != nullptr;
    r.sender = sender_.jid;
    const auto encs = t.children_by_tag("enc");
    if (encs.size() != 1)
      problems_.push_back("<to jid=" + r.device + "> holds " + std::to_string(encs.size()) +
                          " <enc> (one expected)");
    if (!encs.empty()) {
      const Node& enc = *encs.front();
      r.enc_type = enc.attr("type");
      dv.ciphertext = enc.bytes();
      if (enc.attr("v") != "2")
        problems_.push_back("<enc> for " + r.device + " has v='" + enc.attr("v") + "'");
      if (r.enc_type == "pkmsg") any_pkmsg_ = true;
      else if (r.enc_type != "msg")
        problems_.push_back("<enc> type '" + r.enc_type + "' for " + r.device);
    }
    const auto jid = t.jid_attr("jid");
    const auto owner = jid ? directory_.find(*jid) : std::nullopt;
    const bool belongs =
        owner && (owner->own || (!recipient_->own && owner->contact == recipient_->contact));
    if (!belongs) {
      problems_.push_back("<to jid=" + r.device + "> is neither the recipient's nor an own device");
      r.decrypt_error = "not a device of this message";
    } else if (!directory_.has_device(*owner, jid->device, paired_)) {
      problems_.push_back("<to jid=" + r.device + "> names a device the account does not have");
      r.decrypt_error = "no such device";
    } else {
      const DeviceKey key{owner->own, jid->device};
      dv.device = key;
      // whatsmeow addresses every device on the server of `to` (own devices under the own LID
      // when sending to a LID).
      if (jid->server != to_->server)
        problems_.push_back("device " + r.device + " addressed on " + jid->server +
                            " while the message goes to " + to_->server);
      if (owner->own && jid->device == sender_.device)
        problems_.push_back("the sending device " + r.device + " is listed as a recipient");
      if (!listed_.insert(key).second) problems_.push_back("device " + r.device + " listed twice");
    }
    return dv;
  }

  void check_participants() {
    for (const DeviceKey& k : expected_) {
      if (listed_.count(k)) continue;
      const std::string& user = k.own ? own_->lid_user : recipient_->lid_user;
      problems_.push_back("recipient device " + Jid{user, 0, k.id, 0, wa::kLidServer}.str() +
                          " skipped");
    }
    // §9: <device-identity> iff at least one enc is a pkmsg.
    if (any_pkmsg_ && !identity_) problems_.push_back("pkmsg without <device-identity>");
    if (!any_pkmsg_ && identity_)
      problems_.push_back("<device-identity> without any pkmsg (§9: present iff a pkmsg is)");
    if (identity_)
      if (auto why = phone_.check_message_identity(identity_->bytes(), sender_.identity_pub,
                                                   sender_.key_index))
        problems_.push_back(*why);
  }

  void deliver() {
    // Receivers key the sender's sessions by its LID address (§10 step 2: decrypt under the LID
    // whenever known), whichever addressing the sender used.
    const std::optional<Jid> sender_lid = Jid::parse(sender_.lid);
    const signal::Address sender_address(
        sender_lid ? sender_lid->signal_address_name() : sender_.jid, sender_.device);
    std::vector<ReceivedMessage> batch;
    for (Delivery& dv : deliveries_) {
      if (dv.device && dv.record.decrypt_error.empty()) decrypt(dv, sender_address);
      batch.push_back(std::move(dv.record));
    }
    state_.add_received(batch);
  }

  void decrypt(Delivery& dv, const signal::Address& sender_address) {
    ReceivedMessage& r = dv.record;
    SimDevice* dev = directory_.simulated(dv.device->own ? *own_ : *recipient_, dv.device->id);
    if (!dev) {
      r.decrypt_error = "linked companion: the simulator holds no keys to decrypt it";
      return;
    }
    Decrypted d = dev->decrypt(sender_address, r.enc_type, dv.ciphertext);
    if (d.sender_identity &&
        util::Bytes(d.sender_identity->begin(), d.sender_identity->end()) != sender_.identity_pub)
      problems_.push_back("pkmsg for " + r.device + " announces an identity that is not the sender's");
    if (d.sender_identity && d.sender_registration_id != sender_.registration_id)
      problems_.push_back("pkmsg for " + r.device + " announces registration id " +
                          std::to_string(d.sender_registration_id) + ", the sender registered " +
                          std::to_string(sender_.registration_id));
    r.counter = d.counter;
    if (!d.error.empty()) {
      r.decrypt_error = d.error;
      return;
    }
    MessagePlaintext plain = read_plaintext(d.padded);
    r.text = plain.text;
    r.dsm_destination = plain.dsm_destination;
    r.decrypt_error = plain.error;
    if (!r.decrypt_error.empty()) return;
    // §9: own other devices get the DeviceSentMessage (destinationJID = the chat, WM: the LID it
    // sends to); contact devices the plain Message.
    const bool dsm = !r.dsm_destination.empty();
    if (dv.device->own && !dsm)
      problems_.push_back("own device " + r.device + " got a plain Message, not a DeviceSentMessage");
    if (!dv.device->own && dsm)
      problems_.push_back("contact device " + r.device + " got a DeviceSentMessage");
    if (dsm && r.dsm_destination != to_->to_non_ad().str())
      problems_.push_back("DeviceSentMessage destinationJID " + r.dsm_destination + " is not " +
                          to_->to_non_ad().str());
  }

  const Node& message_;
  const PairedDevice& sender_;
  const Phone& phone_;
  Directory& directory_;
  SimState& state_;
  const int64_t now_;
  const std::string id_;
  const std::optional<Jid> to_;
  const std::vector<PairedDevice> paired_;

  std::vector<std::string> problems_;
  std::optional<KnownUser> recipient_, own_;
  std::string peer_pn_;
  std::set<DeviceKey> expected_, listed_;
  std::vector<Delivery> deliveries_;
  const Node* identity_ = nullptr;
  bool any_pkmsg_ = false;
};

}  // namespace

std::optional<Node> receive_message(const Node& message, const PairedDevice& sender,
                                    const Phone& phone, Directory& directory, SimState& state,
                                    int64_t now) {
  return InboxRun(message, sender, phone, directory, state, now).run();
}

}  // namespace sim
