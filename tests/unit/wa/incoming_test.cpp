// Classifying decrypted messages: kind and text, wrappers, and what is not content.
#include <catch2/catch.hpp>

#include "e2e.pb.h"
#include "wa/incoming.hpp"

using wa::classify_message;
using wa::proto::Message;

TEST_CASE("text, media and other kinds with their text or caption", "[incoming]") {
  Message m;
  m.set_conversation("hi");
  auto c = classify_message(m);
  REQUIRE(c);
  CHECK(c->kind == "text");
  CHECK(c->text == std::optional<std::string>("hi"));

  Message ext;
  ext.mutable_extendedtextmessage()->set_text("with a link");
  CHECK(classify_message(ext)->text == std::optional<std::string>("with a link"));

  Message image;
  image.mutable_imagemessage()->set_caption("a cat");
  CHECK(classify_message(image)->kind == "image");
  CHECK(classify_message(image)->text == std::optional<std::string>("a cat"));
  image.mutable_imagemessage()->clear_caption();
  CHECK_FALSE(classify_message(image)->text.has_value());

  Message doc;
  doc.mutable_documentmessage()->set_filename("a.pdf");
  CHECK(classify_message(doc)->kind == "document");
  Message audio;
  audio.mutable_audiomessage()->set_ptt(true);
  CHECK(classify_message(audio)->kind == "audio");
  Message video;
  video.mutable_videomessage()->set_caption("v");
  CHECK(classify_message(video)->kind == "video");
  Message sticker;
  sticker.mutable_stickermessage()->set_mimetype("image/webp");
  CHECK(classify_message(sticker)->kind == "sticker");
  Message location;
  location.mutable_locationmessage()->set_degreeslatitude(1.5);
  CHECK(classify_message(location)->kind == "location");
  Message contact;
  contact.mutable_contactmessage()->set_displayname("Ann");
  CHECK(classify_message(contact)->text == std::optional<std::string>("Ann"));
  Message reaction;
  reaction.mutable_reactionmessage()->set_text("👍");
  CHECK(classify_message(reaction)->kind == "reaction");
}

TEST_CASE("wrappers are unwrapped; protocol messages are not content", "[incoming]") {
  Message inner;
  inner.mutable_imagemessage()->set_caption("once");
  Message wrapped;
  *wrapped.mutable_ephemeralmessage()->mutable_message()->mutable_viewoncemessagev2()->mutable_message() =
      inner;
  auto c = classify_message(wrapped);
  REQUIRE(c);
  CHECK(c->kind == "image");
  CHECK(c->text == std::optional<std::string>("once"));

  Message history;
  history.mutable_protocolmessage()->set_type(5);  // HISTORY_SYNC_NOTIFICATION
  CHECK_FALSE(classify_message(history));
  Message skdm;
  skdm.mutable_senderkeydistributionmessage()->set_groupid("123@g.us");
  CHECK_FALSE(classify_message(skdm));
  CHECK_FALSE(classify_message(Message()));

  // A field this build does not model (a poll, field 49) is still a message someone sent.
  const std::string poll_bytes = std::string("\x8a\x03\x02\x0a\x00", 5);  // field 49, length 2
  Message poll;
  REQUIRE(poll.ParseFromString(poll_bytes));
  auto u = classify_message(poll);
  REQUIRE(u);
  CHECK(u->kind == "unsupported");
  CHECK_FALSE(u->text.has_value());
}
