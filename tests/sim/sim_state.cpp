#include "sim_state.hpp"
#include <utility>

namespace sim {

using Lock = std::lock_guard<std::mutex>;

void SimState::add_history(const std::string& event) { Lock l(mu_); history_.push_back(event); }
void SimState::add_anomaly(const std::string& what) { Lock l(mu_); anomalies_.push_back(what); }
void SimState::add_iq(const std::string& summary) { Lock l(mu_); iqs_.push_back(summary); }
void SimState::add_stanza(const std::string& tag) { Lock l(mu_); stanzas_.push_back(tag); }

void SimState::set_issued_refs(std::vector<std::string> refs) { Lock l(mu_); refs_ = std::move(refs); }
std::vector<std::string> SimState::issued_refs() const { Lock l(mu_); return refs_; }

void SimState::connection_opened() { Lock l(mu_); ++connections_; history_.push_back("connect"); }
void SimState::connection_closed() { Lock l(mu_); --connections_; history_.push_back("disconnect"); }
void SimState::registration_seen() { Lock l(mu_); ++registrations_; history_.push_back("registration"); }
void SimState::login_succeeded() { Lock l(mu_); ++logins_; history_.push_back("login"); }

uint16_t SimState::next_device_id() { Lock l(mu_); return next_device_++; }

DeviceSlot SimState::next_device_slot() {
  Lock l(mu_);
  return device_slot(static_cast<uint32_t>(next_device_++ - kFirstCompanionDevice));
}

void SimState::add_device(PairedDevice d) {
  Lock l(mu_);
  // Re-pairing the same device id replaces the record (the phone unlinked the old one).
  pools_.erase({d.phone, d.device});  // a re-paired device starts without server-side keys
  for (auto& existing : devices_) {
    if (existing.phone == d.phone && existing.device == d.device) {
      existing = std::move(d);
      return;
    }
  }
  devices_.push_back(std::move(d));
}

std::optional<PairedDevice> SimState::find_device(const std::string& phone, uint32_t device) const {
  Lock l(mu_);
  for (const auto& d : devices_)
    if (d.phone == phone && d.device == device) return d;
  return std::nullopt;
}

bool SimState::remove_device(const std::string& phone, uint32_t device) {
  Lock l(mu_);
  pools_.erase({phone, device});
  for (auto it = devices_.begin(); it != devices_.end(); ++it) {
    if (it->phone == phone && it->device == device) {
      devices_.erase(it);
      return true;
    }
  }
  return false;
}

void SimState::store_upload(const std::string& phone, uint32_t device, const PrekeyUpload& up) {
  Lock l(mu_);
  for (auto& d : devices_) {
    if (d.phone != phone || d.device != device) continue;
    auto& pool = pools_[{phone, device}];
    for (const auto& [id, pub] : up.keys) pool[id] = pub;
    d.prekeys_uploaded += static_cast<int>(up.keys.size());
    d.prekeys_available = static_cast<int>(pool.size());
    d.signed_pre_key_id = up.signed_pre_key_id;
    d.signed_pre_key_pub = util::Bytes(up.signed_pre_key_pub.begin(), up.signed_pre_key_pub.end());
    d.signed_pre_key_signature = up.signed_pre_key_signature;
  }
}

std::optional<PreKeyBundle> SimState::take_companion_bundle(const std::string& phone,
                                                            uint32_t device) {
  Lock l(mu_);
  for (auto& d : devices_) {
    if (d.phone != phone || d.device != device) continue;
    PreKeyBundle b;
    b.registration_id = d.registration_id;
    b.identity = util::curve::to_key32(d.identity_pub);
    b.signed_pre_key_id = d.signed_pre_key_id;
    b.signed_pre_key = util::curve::to_key32(d.signed_pre_key_pub);
    b.signed_pre_key_signature = d.signed_pre_key_signature;
    auto& pool = pools_[{phone, device}];
    if (!pool.empty()) {
      b.pre_key = *pool.begin();
      pool.erase(pool.begin());
    }
    d.prekeys_available = static_cast<int>(pool.size());
    return b;
  }
  return std::nullopt;
}

void SimState::add_received(const std::vector<ReceivedMessage>& batch) {
  {
    Lock l(mu_);
    received_.insert(received_.end(), batch.begin(), batch.end());
  }
  cv_.notify_all();
}

std::vector<ReceivedMessage> SimState::received() const { Lock l(mu_); return received_; }

size_t SimState::received_count() const { Lock l(mu_); return received_.size(); }

std::vector<ReceivedMessage> SimState::received_since(size_t first) const {
  Lock l(mu_);
  if (first >= received_.size()) return {};
  return std::vector<ReceivedMessage>(received_.begin() + static_cast<std::ptrdiff_t>(first), received_.end());
}

bool SimState::wait_received(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [&] { return received_.size() >= n; });
}

void SimState::set_message_error(int code) { Lock l(mu_); message_error_ = code; }
int SimState::message_error() const { Lock l(mu_); return message_error_; }
void SimState::set_withhold_ack(bool w) { Lock l(mu_); withhold_ack_ = w; }
bool SimState::withhold_ack() const { Lock l(mu_); return withhold_ack_; }
void SimState::set_hold_retries(bool hold) { Lock l(mu_); hold_retries_ = hold; }
bool SimState::hold_retries() const { Lock l(mu_); return hold_retries_; }
void SimState::hold_retry(const wa::Node& receipt) { Lock l(mu_); held_retries_.push_back(receipt); }
size_t SimState::held_retries() const { Lock l(mu_); return held_retries_.size(); }
std::vector<wa::Node> SimState::take_held_retries() {
  Lock l(mu_);
  hold_retries_ = false;
  return std::exchange(held_retries_, {});
}
void SimState::set_logout_error(int code) { Lock l(mu_); logout_error_ = code; }
int SimState::logout_error() const { Lock l(mu_); return logout_error_; }

void SimState::set_logout_observer(std::function<void(const std::string&, const std::string&)> fn) {
  Lock l(mu_);
  logout_observer_ = std::move(fn);
}

void SimState::observe_logout(const std::string& jid, const std::string& reason) {
  std::function<void(const std::string&, const std::string&)> fn;
  {
    Lock l(mu_);
    fn = logout_observer_;
  }
  if (fn) fn(jid, reason);  // outside the lock: it may call back into the state
}

void SimState::begin_scan() {
  Lock l(mu_);
  outcome_ = PairingOutcome{};
  outcome_.scanned = true;
}

void SimState::finish_scan(PairingOutcome outcome) {
  {
    Lock l(mu_);
    if (outcome.error) last_error_ = outcome.error;
    outcome.scanned = true;
    outcome.answered = true;
    outcome_ = std::move(outcome);
  }
  cv_.notify_all();
}

int SimState::registrations() const { Lock l(mu_); return registrations_; }
int SimState::logins() const { Lock l(mu_); return logins_; }
int SimState::connections() const { Lock l(mu_); return connections_; }
std::vector<PairedDevice> SimState::devices() const { Lock l(mu_); return devices_; }
std::optional<PairingError> SimState::last_pairing_error() const { Lock l(mu_); return last_error_; }
PairingOutcome SimState::outcome() const { Lock l(mu_); return outcome_; }

PairingOutcome SimState::wait_outcome(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, timeout, [this] { return !outcome_.scanned || outcome_.answered; });
  return outcome_;
}

std::vector<std::string> SimState::history() const { Lock l(mu_); return history_; }
std::vector<std::string> SimState::iqs() const { Lock l(mu_); return iqs_; }
std::vector<std::string> SimState::stanzas() const { Lock l(mu_); return stanzas_; }
std::vector<std::string> SimState::anomalies() const { Lock l(mu_); return anomalies_; }

}  // namespace sim
