#include "wa/retry.hpp"

#include <charconv>
#include "wa/prekeys.hpp"

namespace wa {
namespace {

Bytes be32(uint32_t v) {
  return Bytes{uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
}

void copy_attrs(const Node& from, Node& to, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto v = from.find_attr(key)) to.set_attr(key, *v);
  }
}

}  // namespace

Node make_retry_receipt(const Node& message, int count, const store::Device& device,
                        const std::optional<store::Store::PreKey>& one_time_key) {
  const std::string id = message.attr("id");
  // whatsmeow buildBaseReceipt: id, to = the message's from, recipient and participant copied.
  Node receipt("receipt", {{"id", id}});
  if (auto from = message.find_attr("from")) receipt.set_attr("to", *from);
  copy_attrs(message, receipt, {"recipient", "participant"});
  receipt.set_attr("type", "retry");
  if (message.attr("category") == "peer") receipt.set_attr("category", "peer");

  NodeList children;
  children.emplace_back("retry", std::vector<std::pair<std::string, AttrValue>>{
                                     {"count", std::to_string(count)},
                                     {"id", id},
                                     {"t", message.attr("t")},
                                     {"v", "1"}});
  children.emplace_back("registration", std::vector<std::pair<std::string, AttrValue>>{},
                        be32(device.registration_id));
  if (count >= kRetryKeysFromCount) {
    if (!one_time_key) throw std::invalid_argument("a retry receipt from count 2 carries a one-time prekey");
    const auto& ik = device.identity_key.pub;
    // The sender rebuilds its session from these (its nodeToPreKeyBundle reads them like a
    // fetched bundle) and checks our device identity, as with a pkmsg (§9).
    children.emplace_back(
        "keys", std::vector<std::pair<std::string, AttrValue>>{},
        NodeList{make_key_type_node(), Node("identity", {}, Bytes(ik.begin(), ik.end())),
                 make_prekey_node(*one_time_key), make_signed_prekey_node(device.signed_pre_key),
                 Node("device-identity", {}, device.account)});
  }
  receipt.content = std::move(children);
  return receipt;
}

std::variant<RetryRequest, std::string> parse_retry_receipt(const Node& receipt, uint32_t sender_device) {
  const Node* retry = receipt.child("retry");
  if (!retry) return std::string("retry receipt without <retry>");
  RetryRequest r;
  r.message_id = retry->attr("id");
  if (r.message_id.empty()) return std::string("<retry> without id");
  const std::string count = retry->attr("count");
  const char* end = count.data() + count.size();
  auto [ptr, ec] = std::from_chars(count.data(), end, r.count);
  if (count.empty() || ec != std::errc() || ptr != end || r.count < 1)
    return std::string("<retry> count is not a positive number");
  r.t = retry->attr("t");
  if (receipt.child("keys")) {
    auto bundle = parse_prekey_bundle(receipt, sender_device);
    if (auto* err = std::get_if<std::string>(&bundle)) return "retry receipt keys: " + *err;
    r.bundle = std::get<signal::PreKeyBundle>(bundle);
  }
  return r;
}

Node make_retry_resend(const Node& receipt, const RetryRequest& request, const DeviceCiphertext& copy,
                       const util::Bytes& account) {
  Node message("message");
  if (auto from = receipt.find_attr("from")) message.set_attr("to", *from);
  message.set_attr("type", "text");
  message.set_attr("id", request.message_id);
  if (!request.t.empty()) message.set_attr("t", request.t);
  // A 1:1 resend goes to the one device that asked, not to every device of the user.
  message.set_attr("device_fanout", "false");
  copy_attrs(receipt, message, {"participant", "recipient"});
  NodeList content;
  content.emplace_back("enc",
                       std::vector<std::pair<std::string, AttrValue>>{
                           {"v", "2"}, {"type", copy.type}, {"count", std::to_string(request.count)}},
                       copy.data);
  if (copy.type == "pkmsg") {
    if (account.empty()) throw std::invalid_argument("pkmsg needs the device identity (account)");
    content.emplace_back("device-identity", std::vector<std::pair<std::string, AttrValue>>{}, account);
  }
  message.content = std::move(content);
  return message;
}

int BoundedCounter::get(const std::string& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

void BoundedCounter::set(const std::string& key, int value) {
  auto [it, inserted] = counts_.insert_or_assign(key, value);
  (void)it;
  if (!inserted) return;
  order_.push_back(key);
  while (order_.size() > max_keys_) {
    counts_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace wa
