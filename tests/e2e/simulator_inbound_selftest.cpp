// Self-tests of the messages simulated devices write to a companion (device_message.hpp),
// decrypted by the minimal companion of sim_companion.hpp:
//  - a contact writes first: without a session the device builds one from the companion's
//    bundle the server holds (consuming an uploaded one-time prekey) and sends a pkmsg; the
//    companion's answer then travels as msg;
//  - LID addressing with sender_pn, PN addressing with sender_lid, notify, <device-identity>
//    on a companion device's pkmsg, an imageMessage with a caption;
//  - the own phone's DeviceSentMessage copy (POST /phone-message), live and queued.
#include <catch2/catch.hpp>

#include <signal/protocol.h>

#include <ctime>
#include <google/protobuf/unknown_field_set.h>
#include <httplib.h>
#include "adv.pb.h"
#include "e2e_support.hpp"
#include "sim_companion.hpp"
#include "signal_ref.hpp"
#include "simulator.hpp"
#include "util/signal_crypto_provider.hpp"

using namespace e2e;
using wa::Jid;
using wa::Node;
using wa::NodeList;

namespace {

// The server's count of the companion's one-time prekeys (§8 <count value>).
int server_prekeys(Companion& c) {
  Node count = c.roundtrip(client_iq(c.iq_id(), "encrypt", "get", "count"));
  REQUIRE(count.child("count"));
  return std::stoi(count.child("count")->attr("value"));
}

// The identity key a pkmsg announces (PreKeySignalMessage.identityKey), 32 bytes.
util::Bytes pkmsg_identity(const Node& message) {
  const util::Bytes data = message.child("enc")->bytes();
  sim::signal::Ref<pre_key_signal_message> msg;
  sim::signal::check(pre_key_signal_message_deserialize(msg.out(), data.data(), data.size(),
                                                        util::libsignal::context()),
                     "pre_key_signal_message_deserialize");
  sim::signal::Buffer serialized;
  sim::signal::check(ec_public_key_serialize(serialized.out(),
                                             pre_key_signal_message_get_identity_key(msg.get())),
                     "ec_public_key_serialize");
  util::Bytes key = serialized.bytes();
  REQUIRE(key.size() == 33);
  return util::Bytes(key.begin() + 1, key.end());
}

struct Field {
  uint64_t number = 0;  // a varint field's value
  std::string bytes;    // a length-delimited field's content
};

// The imageMessage's fields by number, read from its wire bytes (the product's proto knows the
// message type; this reads every field the simulator wrote, known to it or not).
std::map<int, Field> image_fields(const wa::proto::Message& m) {
  std::map<int, Field> out;
  if (!m.has_imagemessage()) return out;
  google::protobuf::UnknownFieldSet image;
  REQUIRE(image.ParseFromString(m.imagemessage().SerializeAsString()));
  for (int j = 0; j < image.field_count(); ++j) {
    const google::protobuf::UnknownField& f = image.field(j);
    Field& mine = out[f.number()];
    if (f.type() == google::protobuf::UnknownField::TYPE_VARINT) mine.number = f.varint();
    if (f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) mine.bytes = f.length_delimited();
  }
  return out;
}

json post(httplib::Client& c, const std::string& path, const json& body, int* status) {
  auto res = c.Post(path.c_str(), body.dump(), "application/json");
  REQUIRE(res);
  *status = res->status;
  return json::parse(res->body, nullptr, false);
}

}  // namespace

TEST_CASE("simulator inbound: a contact writes first with a pkmsg from the companion's bundle", "[sim][inbound]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 3);
  Sender companion(*a);
  CHECK(server_prekeys(*a) == 3);
  const int64_t before = static_cast<int64_t>(std::time(nullptr));

  // The contact's companion device 7, LID-addressed: sender_pn names its number.
  sim::SimSendResult sent = s.send_contact_message({contact_lid(7), "hi, I write first"});
  REQUIRE(sent.ok());
  CHECK(sent.delivered == 1);
  auto m = a->next("message");
  REQUIRE(m);
  CHECK(m->attr("from") == contact_lid(7));
  CHECK(m->attr("id") == sent.id);
  CHECK(m->attr("type") == "text");
  CHECK(m->attr("sender_pn") == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(m->find_attr("sender_lid") == nullptr);
  CHECK(m->attr("notify") == "Contact " + std::string(kContactPhone));
  CHECK(std::stoll(m->attr("t")) >= before);
  REQUIRE(m->child("enc"));
  CHECK(m->child("enc")->attr("type") == "pkmsg");
  CHECK(m->child("enc")->attr("v") == "2");
  CHECK(contains(s.history(), "session-from-bundle:" + a->pn.str()));

  // §9: a pkmsg from a companion device carries its ADV identity, signed by the contact's
  // account over 06 00 || details || device identity and by the device over 06 01 || … .
  const Node* identity = m->child("device-identity");
  REQUIRE(identity);
  wa::proto::ADVSignedDeviceIdentity adv;
  REQUIRE(adv.ParseFromString(util::to_string(identity->bytes())));
  wa::proto::ADVDeviceIdentity details;
  REQUIRE(details.ParseFromString(adv.details()));
  CHECK(details.keyindex() == 1);  // device 7 is the contact's first companion
  const util::Bytes device_key = pkmsg_identity(*m);
  const util::Bytes account_key = util::to_bytes(adv.accountsignaturekey());
  const util::Bytes d = util::to_bytes(adv.details());
  const util::Bytes p0{0x06, 0x00}, p1{0x06, 0x01};
  CHECK(util::curve::verify(account_key, util::concat({&p0, &d, &device_key}),
                            util::to_bytes(adv.accountsignature())));
  CHECK(util::curve::verify(device_key, util::concat({&p1, &d, &device_key, &account_key}),
                            util::to_bytes(adv.devicesignature())));

  // The companion decrypts it; the one-time prekey the server handed out (the lowest, id 1) is
  // used up on both sides.
  Inbound in = companion.decrypt(*m);
  CHECK(in.enc_type == "pkmsg");
  CHECK(in.message.conversation() == "hi, I write first");
  CHECK_FALSE(companion.holds_pre_key(1));
  CHECK(companion.holds_pre_key(2));
  CHECK(server_prekeys(*a) == 2);

  // Until it hears back, the device keeps sending pkmsg over the same session: no new bundle.
  sent = s.send_contact_message({contact_lid(7), "still me"});
  REQUIRE(sent.ok());
  m = a->next("message");
  REQUIRE(m);
  CHECK(m->child("enc")->attr("type") == "pkmsg");
  CHECK(companion.decrypt(*m).message.conversation() == "still me");
  CHECK(server_prekeys(*a) == 2);

  // The contact's phone, PN-addressed with a push name: sender_lid names its LID, and a phone
  // has no ADV identity to attach.
  const std::string pn0 = std::string(kContactPhone) + "@s.whatsapp.net";
  sim::ContactMessageRequest from_phone{pn0, "from my phone"};
  from_phone.push_name = "Alice";
  sent = s.send_contact_message(from_phone);
  REQUIRE(sent.ok());
  m = a->next("message");
  REQUIRE(m);
  CHECK(m->attr("from") == pn0);
  CHECK(m->attr("sender_lid") == contact_lid(0));
  CHECK(m->find_attr("sender_pn") == nullptr);
  CHECK(m->attr("notify") == "Alice");
  CHECK(m->child("enc")->attr("type") == "pkmsg");
  CHECK(m->child("device-identity") == nullptr);
  CHECK(companion.decrypt(*m).message.conversation() == "from my phone");
  CHECK(server_prekeys(*a) == 1);

  // The companion answers: the contact's devices it heard from get msg, decrypting as such.
  Sent reply = send_text(*a, companion, "hello both");
  CHECK(reply.types[contact_lid(7)] == "msg");
  CHECK(reply.types[contact_lid(0)] == "msg");
  REQUIRE(next_ack(*a));
  REQUIRE(s.wait_for_messages(3, 5s));
  for (const auto& e : entries_for(s, reply.id)) {
    INFO(e.device);
    CHECK(e.decrypt_error.empty());
    CHECK(e.text == "hello both");
  }
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator inbound: an image message carries what a receiver classifies it by", "[sim][inbound]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender companion(*a);
  httplib::Client c(s.control_url());
  int status = 0;
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  json body = post(c, "/contact-message",
                   {{"from", contact_lid(7)}, {"text", "look at this 🌅"}, {"kind", "image"},
                    {"pushName", "Bob"}},
                   &status);
  REQUIRE(status == 200);
  auto m = a->next("message");
  REQUIRE(m);
  CHECK(m->attr("id") == body["data"]["id"]);
  // whatsmeow getTypeFromMessage / getMediaTypeFromMessage: "media" / "image".
  CHECK(m->attr("type") == "media");
  CHECK(m->child("enc")->attr("mediatype") == "image");
  CHECK(m->attr("notify") == "Bob");

  Inbound in = companion.decrypt(*m);
  CHECK_FALSE(in.message.has_conversation());
  auto f = image_fields(in.message);
  REQUIRE(f.count(3));
  CHECK(f[3].bytes == "look at this 🌅");  // caption
  CHECK(f[2].bytes == "image/jpeg");  // mimetype
  CHECK(f[1].bytes.rfind("https://mmg.whatsapp.net/v/t62.7118-24/", 0) == 0);  // url
  CHECK(f[11].bytes.rfind("/v/t62.7118-24/", 0) == 0);  // directPath
  CHECK(f[11].bytes.find('?') != std::string::npos);  // whatsmeow appends &hash=
  CHECK(f[8].bytes.size() == 32);  // mediaKey
  CHECK(f[4].bytes.size() == 32);  // fileSha256
  CHECK(f[9].bytes.size() == 32);  // fileEncSha256
  CHECK(f[9].bytes != f[4].bytes);
  CHECK(f[5].number > 0);  // fileLength
  CHECK(f[6].number == 48);  // height
  CHECK(f[7].number == 64);  // width
  CHECK(static_cast<int64_t>(f[12].number) >= before);  // mediaKeyTimestamp
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator inbound: the own phone's message reaches the companion as a DeviceSentMessage", "[sim][inbound]") {
  sim::Simulator s;
  s.start();
  httplib::Client c(s.control_url());
  int status = 0;
  const json to_pn = {{"to", std::string(kContactPhone) + "@s.whatsapp.net"}, {"text", "sent from my phone"}};
  // Nobody paired: nobody to copy it to.
  CHECK(post(c, "/phone-message", to_pn, &status)["error"]["code"] == "not_delivered");
  CHECK(status == 409);

  auto a = pair_and_login(s, 2);
  Sender companion(*a);
  // The companion knows its phone by the LID it paired with (§6 step 6), whatever the addressing.
  const Jid phone_lid = Jid::user_jid(s.lid_user(), wa::kLidServer);

  json ok = post(c, "/phone-message", to_pn, &status);
  REQUIRE(status == 200);
  CHECK(ok["data"]["delivered"] == 1);
  auto m = a->next("message");
  REQUIRE(m);
  CHECK(m->attr("id") == ok["data"]["id"]);
  // whatsmeow parseMessageSource: from is the own user (the phone, device 0) → IsFromMe,
  // Chat = recipient, RecipientAlt = peer_recipient_lid for a PN chat.
  CHECK(m->attr("from") == s.phone_number() + "@s.whatsapp.net");
  CHECK(m->attr("recipient") == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(m->attr("peer_recipient_lid") == contact_lid(0));
  CHECK(m->attr("type") == "text");
  CHECK(m->find_attr("notify") == nullptr);
  CHECK(m->child("enc")->attr("type") == "pkmsg");
  CHECK(m->child("device-identity") == nullptr);
  Inbound in = companion.decrypt(*m, phone_lid);
  REQUIRE(in.message.has_devicesentmessage());
  CHECK(in.message.devicesentmessage().destinationjid() == std::string(kContactPhone) + "@s.whatsapp.net");
  CHECK(in.message.devicesentmessage().message().conversation() == "sent from my phone");
  CHECK(server_prekeys(*a) == 1);

  // To the LID: the copy comes from the own LID, with the peer's number alongside.
  ok = post(c, "/phone-message", {{"to", contact_lid(0)}, {"text", "and to the LID"}}, &status);
  REQUIRE(status == 200);
  m = a->next("message");
  REQUIRE(m);
  CHECK(m->attr("from") == s.lid_user() + "@lid");
  CHECK(m->attr("recipient") == contact_lid(0));
  CHECK(m->attr("peer_recipient_pn") == std::string(kContactPhone) + "@s.whatsapp.net");
  in = companion.decrypt(*m, phone_lid);
  CHECK(in.message.devicesentmessage().destinationjid() == contact_lid(0));
  CHECK(in.message.devicesentmessage().message().conversation() == "and to the LID");
  CHECK(server_prekeys(*a) == 1);  // the same session: no second bundle

  // A number the server does not know is still a chat; there is just no other form to name.
  ok = post(c, "/phone-message", {{"to", "19995550000@s.whatsapp.net"}, {"text", "hi stranger"}}, &status);
  REQUIRE(status == 200);
  m = a->next("message");
  REQUIRE(m);
  CHECK(m->find_attr("peer_recipient_lid") == nullptr);
  CHECK(companion.decrypt(*m, phone_lid).message.devicesentmessage().message().conversation() == "hi stranger");

  for (const json& bad : {json{{"to", "nonsense"}, {"text", "x"}},
                          json{{"to", std::string(kContactPhone) + ":3@s.whatsapp.net"}, {"text", "x"}},
                          json{{"to", "120363000000000000@g.us"}, {"text", "x"}},
                          json{{"to", std::string(kContactPhone) + "@s.whatsapp.net"}},
                          json{{"to", 15557654321LL}, {"text", "x"}}}) {
    INFO(bad.dump());
    CHECK(post(c, "/phone-message", bad, &status)["error"]["code"] == "bad_request");
    CHECK(status == 400);
  }
  CHECK(s.anomalies().empty());
}

TEST_CASE("simulator inbound: messages for an offline companion wait for its next login", "[sim][inbound]") {
  sim::Simulator s;
  s.start();
  auto a = pair_and_login(s, 0);
  Sender companion(*a);
  a->conn.reset();
  REQUIRE(wait_until([&] { return s.connections() == 0; }, 5s));

  sim::SimSendResult phone = s.send_phone_message(contact_lid(0), "while you were away");
  REQUIRE(phone.ok());
  CHECK(phone.delivered == 0);
  CHECK(phone.queued == 1);
  sim::SimSendResult contact = s.send_contact_message({contact_lid(7), "me too"});
  REQUIRE(contact.ok());
  CHECK(contact.queued == 1);
  CHECK(contains(s.history(), "phone-message-queued"));

  reconnect(s, *a);
  auto preview = a->next("ib");
  REQUIRE(preview);
  REQUIRE(preview->child("offline_preview"));
  CHECK(preview->child("offline_preview")->attr("message") == "2");
  auto first = a->next("message");
  auto second = a->next("message");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->attr("id") == phone.id);
  CHECK(first->attr("offline") == "1");
  CHECK(companion.decrypt(*first, Jid::user_jid(s.lid_user(), wa::kLidServer))
            .message.devicesentmessage().message().conversation() == "while you were away");
  CHECK(second->attr("id") == contact.id);
  CHECK(companion.decrypt(*second).message.conversation() == "me too");
  CHECK(s.anomalies().empty());
}
