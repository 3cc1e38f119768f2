#include "message_desk.hpp"

namespace sim {
namespace {
// whatsmeow sends retry receipts for counts 1..4 only (§10 step 7).
constexpr int kDeviceRetryLimit = 4;
}  // namespace

void MessageDesk::remember(const std::string& id, ContactSend send) {
  std::lock_guard<std::mutex> lk(mu_);
  sends_[id] = std::move(send);
}

std::optional<ContactSend> MessageDesk::find(const std::string& id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = sends_.find(id);
  if (it == sends_.end()) return std::nullopt;
  return it->second;
}

bool MessageDesk::next_transmission_corrupt(const std::string& id) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = sends_.find(id);
  if (it == sends_.end()) return false;
  ++it->second.transmissions;
  if (it->second.corrupt_remaining <= 0) return false;
  --it->second.corrupt_remaining;
  return true;
}

int MessageDesk::next_device_retry(const std::string& device, const std::string& id) {
  std::lock_guard<std::mutex> lk(mu_);
  int& n = device_retries_[{device, id}];
  if (n >= kDeviceRetryLimit) return 0;
  return ++n;
}

void MessageDesk::queue_offline(const std::string& companion_jid, wa::Node message) {
  std::lock_guard<std::mutex> lk(mu_);
  offline_[companion_jid].push_back(std::move(message));
}

std::vector<wa::Node> MessageDesk::take_offline(const std::string& companion_jid) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = offline_.find(companion_jid);
  if (it == offline_.end()) return {};
  std::vector<wa::Node> out = std::move(it->second);
  offline_.erase(it);
  return out;
}

size_t MessageDesk::offline_waiting(const std::string& companion_jid) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = offline_.find(companion_jid);
  return it == offline_.end() ? 0 : it->second.size();
}

void MessageDesk::record(ClientReceipt r) {
  std::lock_guard<std::mutex> lk(mu_);
  receipts_.push_back(std::move(r));
}

void MessageDesk::record(ClientMessageAck a) {
  std::lock_guard<std::mutex> lk(mu_);
  acks_.push_back(std::move(a));
}

std::vector<ClientReceipt> MessageDesk::receipts() const {
  std::lock_guard<std::mutex> lk(mu_);
  return receipts_;
}

std::vector<ClientMessageAck> MessageDesk::message_acks() const {
  std::lock_guard<std::mutex> lk(mu_);
  return acks_;
}

void MessageDesk::record(RelayedReceipt r) {
  std::lock_guard<std::mutex> lk(mu_);
  relayed_.push_back(std::move(r));
}

bool MessageDesk::ack_relayed(const std::string& companion, const std::string& id,
                              const std::string& to, const std::string& type,
                              const std::string& recipient, std::string* problem_out) {
  std::lock_guard<std::mutex> lk(mu_);
  // Several devices answer the same message id (a contact's phone and companion, the own
  // phone), so `to` tells their receipts apart; a type that matches too is preferred.
  RelayedReceipt* match = nullptr;
  for (RelayedReceipt& r : relayed_) {
    if (r.acked || r.companion != companion || r.id != id || r.from != to) continue;
    if (r.type == type) {
      match = &r;
      break;
    }
    if (!match) match = &r;
  }
  if (!match) return false;
  match->acked = true;
  std::string problem;
  if (match->type != type)
    problem = "ack type '" + type + "' is not the receipt's '" + match->type + "'";
  if (match->recipient != recipient)
    problem += (problem.empty() ? "" : "; ") + std::string("ack recipient '") + recipient +
               "' is not the receipt's '" + match->recipient + "'";
  match->ack_problem = problem;
  if (problem_out) *problem_out = problem;
  return true;
}

std::vector<RelayedReceipt> MessageDesk::relayed() const {
  std::lock_guard<std::mutex> lk(mu_);
  return relayed_;
}

}  // namespace sim
