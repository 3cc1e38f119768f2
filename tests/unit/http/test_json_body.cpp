#include <catch2/catch.hpp>

#include <string>

#include "http/json_body.hpp"

using sidecar::http::BodyError;
using sidecar::http::is_json_media_type;
using sidecar::http::kMaxJsonDepth;
using sidecar::http::parse_json_body;

namespace {
constexpr size_t kMax = 256;

BodyError error_of(std::string_view body) { return parse_json_body(std::nullopt, body, kMax).error; }

std::string nested_arrays(int depth) {
  return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
}
}  // namespace

TEST_CASE("is_json_media_type", "[http][body]") {
  CHECK(is_json_media_type("application/json"));
  CHECK(is_json_media_type("Application/JSON"));
  CHECK(is_json_media_type("application/json; charset=utf-8"));
  CHECK(is_json_media_type("application/json;charset=UTF-8"));
  CHECK(is_json_media_type(" application/json ; charset=utf-8"));
  CHECK_FALSE(is_json_media_type(""));
  CHECK_FALSE(is_json_media_type("text/plain"));
  CHECK_FALSE(is_json_media_type("text/json"));
  CHECK_FALSE(is_json_media_type("application/jsonx"));
  CHECK_FALSE(is_json_media_type("application/json-patch+json"));
  CHECK_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(is_json_media_type("multipart/form-data; boundary=x"));
  CHECK_FALSE(is_json_media_type("application/ json"));
}

TEST_CASE("parse_json_body accepts an empty body or a JSON object", "[http][body]") {
  for (const char* body : {"", " ", "\r\n\t ", "{}", " {} ", "{\"future\":[1,{\"x\":null}]}"}) {
    INFO(body);
    const auto r = parse_json_body(std::nullopt, body, kMax);
    CHECK(r.error == BodyError::none);
    CHECK(r.object.is_object());
  }
  const auto r = parse_json_body(std::string_view("application/json"), "{\"a\":1}", kMax);
  REQUIRE(r.error == BodyError::none);
  CHECK(r.object.at("a") == 1);
}

TEST_CASE("parse_json_body rejects what is not one JSON object", "[http][body]") {
  const std::string rejected[] = {
      "{",  "}",   "[]",      "[{}]", "\"x\"",     "null", "true",        "1",
      "{}x", "{}{}", "{'a':1}", "{a:1}", "{\"a\":}", "{\"a\":\"\xff\"}",
      "{\"a\":1,}", "/* c */{}",
      std::string("{}\0", 3),
  };
  for (const std::string& body : rejected) {
    INFO("body of size " << body.size() << ": " << body);
    CHECK(error_of(body) == BodyError::invalid_json);
  }
}

TEST_CASE("parse_json_body limits nesting depth", "[http][body]") {
  // The top-level object is depth 0; kMaxJsonDepth - 1 levels inside it are fine.
  const std::string ok = "{\"a\":" + nested_arrays(kMaxJsonDepth - 1) + "}";
  CHECK(parse_json_body(std::nullopt, ok, 4096).error == BodyError::none);
  const std::string deep = "{\"a\":" + nested_arrays(kMaxJsonDepth) + "}";
  CHECK(parse_json_body(std::nullopt, deep, 4096).error == BodyError::invalid_json);
  const std::string very_deep = "{\"a\":" + nested_arrays(100000) + "}";
  CHECK(parse_json_body(std::nullopt, very_deep, very_deep.size()).error ==
        BodyError::invalid_json);
}

TEST_CASE("parse_json_body checks content type, then size, then JSON", "[http][body]") {
  CHECK(parse_json_body(std::string_view("text/plain"), "{}", kMax).error ==
        BodyError::unsupported_media_type);
  CHECK(parse_json_body(std::string_view(""), "{}", kMax).error ==
        BodyError::unsupported_media_type);
  // Wrong type wins over size and syntax.
  CHECK(parse_json_body(std::string_view("text/plain"), std::string(kMax + 1, '{'), kMax).error ==
        BodyError::unsupported_media_type);

  const std::string exactly_max = "{\"p\":\"" + std::string(kMax - 8, 'x') + "\"}";
  REQUIRE(exactly_max.size() == kMax);
  CHECK(parse_json_body(std::nullopt, exactly_max, kMax).error == BodyError::none);
  const std::string one_over = "{\"p\":\"" + std::string(kMax - 7, 'x') + "\"}";
  CHECK(parse_json_body(std::nullopt, one_over, kMax).error == BodyError::payload_too_large);
  // The reader stopped early: too large even though what it kept is small.
  CHECK(parse_json_body(std::nullopt, "", kMax, /*truncated=*/true).error ==
        BodyError::payload_too_large);
  // Size wins over syntax.
  CHECK(parse_json_body(std::nullopt, std::string(kMax + 1, '['), kMax).error ==
        BodyError::payload_too_large);
}

TEST_CASE("body_error maps to the API contract", "[http][body]") {
  using sidecar::http::body_error;
  CHECK(body_error(BodyError::unsupported_media_type).status == 415);
  CHECK(body_error(BodyError::unsupported_media_type).code == "unsupported_media_type");
  CHECK(body_error(BodyError::payload_too_large).status == 413);
  CHECK(body_error(BodyError::payload_too_large).code == "payload_too_large");
  CHECK(body_error(BodyError::invalid_json).status == 400);
  CHECK(body_error(BodyError::invalid_json).code == "invalid_json");
}
