// Added (issue 4): more than one simulated account, so one simulator can link thousands of
// companions. A device id travels as one byte in an AD-JID (PROTOCOL.md §5), and 0 is the phone
// and 1 is not handed out by this simulator, so one account links at most 254 companions (ids
// 2..255). The n-th pairing goes to account n / 254: account 0 is SimOptions' phone number and
// LID user with SimContext::phone; account k > 0 is (phone + k, lid + k) with a phone identity of
// its own, so the pair-success and ADV signatures of its companions verify against it (§6).
// Accounts beyond the first pair, log in, upload prekeys and keep alive; the directory (usync,
// the own user's device list) still knows the first account only.
// Not thread-safe: used on the simulator's io thread, like Phone.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include "phone.hpp"

namespace sim {

inline constexpr uint32_t kCompanionsPerAccount = 254;  // device ids 2..255
inline constexpr uint16_t kFirstCompanionDevice = 2;

struct DeviceSlot {
  uint32_t account = 0;  // 0: the configured account
  uint16_t device = 0;   // 2..255
};

// The n-th companion slot (n from 0): account n / 254, device 2 + n % 254.
DeviceSlot device_slot(uint32_t n);

// A decimal user part plus k ("15551234567", 2 -> "15551234569"), carrying as needed.
std::string add_to_digits(const std::string& digits, uint32_t k);

class Accounts {
 public:
  // first: the phone of account 0 (SimContext::phone); it must outlive this object.
  Accounts(std::string phone_number, std::string lid_user, Phone& first);

  std::string phone_number(uint32_t account) const;
  std::string lid_user(uint32_t account) const;
  Phone& phone(uint32_t account);  // created on first use
  // The account whose phone number this is; account 0 when none matches (contacts, unknown).
  uint32_t account_of(const std::string& phone_number) const;

 private:
  std::string phone_number_, lid_user_;
  Phone& first_;
  std::map<uint32_t, Phone> others_;  // account k > 0 -> its phone
};

}  // namespace sim
