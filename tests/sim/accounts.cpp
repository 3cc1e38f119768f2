#include "accounts.hpp"

#include <stdexcept>

namespace sim {

DeviceSlot device_slot(uint32_t n) {
  return DeviceSlot{n / kCompanionsPerAccount,
                    static_cast<uint16_t>(kFirstCompanionDevice + n % kCompanionsPerAccount)};
}

std::string add_to_digits(const std::string& digits, uint32_t k) {
  if (digits.empty()) throw std::invalid_argument("add_to_digits: empty number");
  std::string out = digits;
  uint64_t carry = k;
  for (size_t i = out.size(); i-- > 0 && carry > 0;) {
    if (out[i] < '0' || out[i] > '9') throw std::invalid_argument("add_to_digits: not a number");
    const uint64_t d = static_cast<uint64_t>(out[i] - '0') + carry;
    out[i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  return carry > 0 ? std::to_string(carry) + out : out;
}

Accounts::Accounts(std::string phone_number, std::string lid_user, Phone& first)
    : phone_number_(std::move(phone_number)), lid_user_(std::move(lid_user)), first_(first) {}

std::string Accounts::phone_number(uint32_t account) const {
  return add_to_digits(phone_number_, account);
}

std::string Accounts::lid_user(uint32_t account) const { return add_to_digits(lid_user_, account); }

Phone& Accounts::phone(uint32_t account) {
  if (account == 0) return first_;
  return others_[account];  // Phone() draws a fresh identity key and raw id
}

uint32_t Accounts::account_of(const std::string& number) const {
  if (number == phone_number_) return 0;
  for (const auto& [k, p] : others_)
    if (phone_number(k) == number) return k;
  return 0;
}

}  // namespace sim
