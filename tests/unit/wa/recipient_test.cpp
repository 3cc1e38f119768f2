// Recipient normalisation table (issue 3 "to"; PROTOCOL.md §9 "Recipient normalisation").
#include <catch2/catch.hpp>

#include "wa/recipient.hpp"

namespace {

struct Row {
  const char* input;
  const char* expected;  // JID text, or nullptr for invalid_recipient
};

const Row kTable[] = {
    // Phone numbers in the common written forms.
    {"+55 11 99999-9999", "5511999999999@s.whatsapp.net"},
    {"5511999999999", "5511999999999@s.whatsapp.net"},
    {"+1 (555) 123-4567", "15551234567@s.whatsapp.net"},
    {"1 (555) 123-4567", "15551234567@s.whatsapp.net"},
    {"+1.555.123.4567", "15551234567@s.whatsapp.net"},
    {"+49 30/1234567", "49301234567@s.whatsapp.net"},
    {"0044 20 7946 0958", "442079460958@s.whatsapp.net"},    // "00" international prefix
    {"+44 (0)20 7946 0958", "442079460958@s.whatsapp.net"},  // "(0)" trunk prefix dropped
    {"  +55 11 99999-9999\t", "5511999999999@s.whatsapp.net"},
    {"1234567", "1234567@s.whatsapp.net"},                   // 7 digits: shortest allowed
    {"123456789012345", "123456789012345@s.whatsapp.net"},   // 15 digits: E.164 maximum
    // No country code can be told apart: the digits are read as an international number.
    {"(555) 123-4567", "5551234567@s.whatsapp.net"},
    // User JIDs.
    {"15551234567@s.whatsapp.net", "15551234567@s.whatsapp.net"},
    {"15551234567@c.us", "15551234567@s.whatsapp.net"},
    // Invalid.
    {"", nullptr},
    {"   ", nullptr},
    {"+", nullptr},
    {"abc", nullptr},
    {"+55 11 9999A-9999", nullptr},
    {"call 5511999999999", nullptr},
    {"123456", nullptr},            // 6 digits
    {"1234567890123456", nullptr},  // 16 digits
    {"0123456789", nullptr},        // leading 0: a national number
    {"+0123456789", nullptr},
    {"00 0123456789", nullptr},
    {"++5511999999999", nullptr},
    {"55+11999999999", nullptr},
    {"+55 (11 99999-9999", nullptr},  // unbalanced parenthesis
    {"+55 11) 99999-9999", nullptr},
    {"\xF0\x9F\x93\x9E 5511999999999", nullptr},  // emoji
    {"5511999999999\xC2\xA0", nullptr},           // non-ASCII space
    {"120363000000000000@g.us", nullptr},  // group
    {"15551234567:3@s.whatsapp.net", nullptr},  // AD JID (a device, not a user)
    {"15551234567.0:3@s.whatsapp.net", nullptr},
    {"123456789012345@lid", nullptr},      // LIDs are not accepted (see recipient.cpp)
    {"15551234567@hosted", nullptr},
    {"+15551234567@s.whatsapp.net", nullptr},
    {"1555@s.whatsapp.net", nullptr},      // too short for a phone number
    {"@s.whatsapp.net", nullptr},
    {"15551234567@", nullptr},
    {"15551234567@s.whatsapp.net@c.us", nullptr},
    {"s.whatsapp.net", nullptr},
};

}  // namespace

TEST_CASE("recipient normalisation table", "[recipient]") {
  STATIC_REQUIRE(sizeof(kTable) / sizeof(kTable[0]) >= 25);
  for (const Row& row : kTable) {
    INFO("input: \"" << row.input << "\"");
    const auto jid = wa::normalize_recipient(row.input);
    if (row.expected) {
      REQUIRE(jid);
      CHECK(jid->str() == row.expected);
      CHECK(jid->device == 0);
      CHECK(jid->agent == 0);
    } else {
      CHECK_FALSE(jid);
    }
  }
}

TEST_CASE("normalised recipients are stable", "[recipient]") {
  // Normalising a normalised JID gives the same JID.
  for (const Row& row : kTable) {
    if (!row.expected) continue;
    INFO(row.input);
    const auto again = wa::normalize_recipient(row.expected);
    REQUIRE(again);
    CHECK(again->str() == row.expected);
  }
}
