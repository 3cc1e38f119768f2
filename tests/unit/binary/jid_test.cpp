// JID text form, parsing, encoder choice and Signal address names
// (whatsmeow types/jid.go; PROTOCOL.md §5, §9).
#include <catch2/catch.hpp>

#include "wa/binary/jid.hpp"

using wa::Jid;

TEST_CASE("Jid::parse and Jid::str table", "[binary][jid]") {
  struct Row {
    const char* text;
    Jid jid;
    const char* canonical;  // str() of the parsed JID
  };
  const Row rows[] = {
      {"15551234567@s.whatsapp.net", {"15551234567", 0, 0, 0, "s.whatsapp.net"}, nullptr},
      {"15551234567:12@s.whatsapp.net", {"15551234567", 0, 12, 0, "s.whatsapp.net"}, nullptr},
      {"15551234567:0@s.whatsapp.net", {"15551234567", 0, 0, 0, "s.whatsapp.net"},
       "15551234567@s.whatsapp.net"},
      {"123456789012345@lid", {"123456789012345", 0, 0, 0, "lid"}, nullptr},
      {"123456789012345:3@lid", {"123456789012345", 0, 3, 0, "lid"}, nullptr},
      {"120363012345678901@g.us", {"120363012345678901", 0, 0, 0, "g.us"}, nullptr},
      {"status@broadcast", {"status", 0, 0, 0, "broadcast"}, nullptr},
      {"15551234567.2:5@s.whatsapp.net", {"15551234567", 2, 5, 0, "s.whatsapp.net"}, nullptr},
      {"15551234567.2@s.whatsapp.net", {"15551234567", 2, 0, 0, "s.whatsapp.net"},
       "15551234567.2:0@s.whatsapp.net"},
      {"15551234567:99@hosted", {"15551234567", 0, 99, 0, "hosted"}, nullptr},
      {"123456789012345:99@hosted.lid", {"123456789012345", 0, 99, 0, "hosted.lid"}, nullptr},
      {"100000000000001:7@msgr", {"100000000000001", 0, 7, 0, "msgr"}, nullptr},
      {"s.whatsapp.net", {"", 0, 0, 0, "s.whatsapp.net"}, nullptr},
      {"g.us", {"", 0, 0, 0, "g.us"}, nullptr},
      {"@s.whatsapp.net", {"", 0, 0, 0, "s.whatsapp.net"}, "s.whatsapp.net"},  // Baileys' form
      {"867051314767696@bot", {"867051314767696", 0, 0, 0, "bot"}, nullptr},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto parsed = Jid::parse(r.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == r.jid);
    CHECK(parsed->str() == (r.canonical ? r.canonical : r.text));
    CHECK(Jid::parse(parsed->str()) == r.jid);
  }
}

TEST_CASE("Jid::parse rejects text that is no JID", "[binary][jid]") {
  for (const char* text : {"", "get", "available", "123@", "a@b@c", "1:x@s.whatsapp.net",
                           "1:2:3@s.whatsapp.net", "1.2.3@s.whatsapp.net", "1.256@s.whatsapp.net",
                           "1.x@s.whatsapp.net", "1:65536@s.whatsapp.net", "1:-1@s.whatsapp.net",
                           "1.2:3:4@s.whatsapp.net", "1:@s.whatsapp.net"}) {
    INFO(text);
    CHECK_FALSE(Jid::parse(text).has_value());
  }
}

TEST_CASE("Jid::str of special JIDs", "[binary][jid]") {
  CHECK(Jid{}.str().empty());
  CHECK(Jid{}.is_empty());
  CHECK(Jid::server_jid().str() == "s.whatsapp.net");
  CHECK(Jid::user_jid("1", "lid").str() == "1@lid");
  // whatsmeow's text form has no place for the interop integrator.
  CHECK((Jid{"42", 0, 1, 7, "interop"}.str()) == "42:1@interop");
  CHECK((Jid{"15551234567", 3, 4, 0, "s.whatsapp.net"}.to_non_ad()) ==
        Jid::user_jid("15551234567"));
}

TEST_CASE("needs_ad_encoding follows whatsmeow's writeJID rule", "[binary][jid]") {
  CHECK((Jid{"1", 0, 1, 0, "s.whatsapp.net"}.needs_ad_encoding()));
  CHECK((Jid{"1", 0, 1, 0, "lid"}.needs_ad_encoding()));
  CHECK((Jid{"1", 0, 0, 0, "hosted"}.needs_ad_encoding()));
  CHECK((Jid{"1", 0, 0, 0, "hosted.lid"}.needs_ad_encoding()));
  CHECK_FALSE((Jid{"1", 0, 0, 0, "s.whatsapp.net"}.needs_ad_encoding()));
  CHECK_FALSE((Jid{"1", 0, 0, 0, "lid"}.needs_ad_encoding()));
  CHECK_FALSE((Jid{"1", 0, 3, 0, "g.us"}.needs_ad_encoding()));
  CHECK_FALSE((Jid{"1", 0, 3, 0, "msgr"}.needs_ad_encoding()));
  CHECK_FALSE(Jid::server_jid().needs_ad_encoding());
}

TEST_CASE("signal_address_name: USER, USER_1, USER_128, USER_129 (§9)", "[binary][jid]") {
  CHECK((Jid{"15551234567", 0, 3, 0, "s.whatsapp.net"}.signal_address_name()) == "15551234567");
  CHECK((Jid{"123456789012345", 0, 3, 0, "lid"}.signal_address_name()) == "123456789012345_1");
  CHECK((Jid{"15551234567", 0, 99, 0, "hosted"}.signal_address_name()) == "15551234567_128");
  CHECK((Jid{"12345", 0, 99, 0, "hosted.lid"}.signal_address_name()) == "12345_129");
  // s.whatsapp.net always maps to domain 0, whatever raw agent the JID carries.
  CHECK((Jid{"15551234567", 5, 1, 0, "s.whatsapp.net"}.signal_address_name()) == "15551234567");
}
