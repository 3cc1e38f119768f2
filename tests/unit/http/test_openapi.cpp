// api/openapi.json (built into the binary) against the router's live route table: every route
// is documented, every documented operation is served, and the document holds together.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "http/openapi.hpp"
#include "http/router.hpp"

using nlohmann::json;

namespace {

const json& document() {
  static const json doc = json::parse(sidecar::http::openapi_document());
  return doc;
}

// Follows a local "$ref" ("#/components/...") to what it names; other nodes as they are.
const json& resolve(const json& node) {
  if (!node.is_object() || !node.contains("$ref")) return node;
  const std::string ref = node["$ref"];
  REQUIRE(ref.rfind("#/", 0) == 0);
  return document().at(json::json_pointer(ref.substr(1)));
}

// Every {"$ref": ...} anywhere in the document, so a typo cannot hide in an unchecked branch.
void collect_refs(const json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) out.insert(it->get<std::string>());
      collect_refs(*it, out);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) collect_refs(v, out);
  }
}

// Every key named `key` anywhere in the document.
size_t count_key(const json& node, const std::string& key) {
  size_t n = 0;
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) n += (it.key() == key) + count_key(*it, key);
  } else if (node.is_array()) {
    for (const auto& v : node) n += count_key(v, key);
  }
  return n;
}

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("openapi: the built-in document is OpenAPI 3.1 JSON", "[http][openapi]") {
  REQUIRE_NOTHROW(json::parse(sidecar::http::openapi_document()));
  const json& doc = document();
  CHECK(doc["openapi"].get<std::string>().rfind("3.1.", 0) == 0);
  CHECK(doc["info"]["title"] == "wa-sidecar");
  CHECK(doc["info"]["version"] == WA_SIDECAR_VERSION_STRING);
  // The secret is required everywhere, by the document's global security requirement.
  CHECK(doc["security"] == json::array({{{"internalSecret", json::array()}}}));
  const json& scheme = doc["components"]["securitySchemes"]["internalSecret"];
  CHECK(scheme["in"] == "header");
  CHECK(scheme["name"] == "X-Internal-Secret");
}

TEST_CASE("openapi: documented operations are exactly the routes the router serves",
          "[http][openapi]") {
  std::set<std::pair<std::string, std::string>> served, documented;
  for (const auto& r : sidecar::Router::routes()) served.insert({lower(r.method), r.path});
  for (const auto& [path, item] : document()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.count(method)) documented.insert({method, path});
    }
  }
  REQUIRE(served.size() >= 7);
  CHECK(served == documented);
}

TEST_CASE("openapi: tenant header exactly where the router requires it", "[http][openapi]") {
  for (const auto& r : sidecar::Router::routes()) {
    INFO(r.method << " " << r.path);
    const json& op = document()["paths"][r.path][lower(r.method)];
    bool has_tenant = false;
    for (const json& p : op.value("parameters", json::array())) {
      const json& param = resolve(p);
      if (param["in"] == "header" && param["name"] == "X-Tenant-Id") {
        has_tenant = true;
        CHECK(param["required"] == true);
        CHECK(param["schema"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$");
      }
    }
    CHECK(has_tenant == r.needs_tenant);
  }
}

TEST_CASE("openapi: every operation documents 401, 405, 500 and errors use the envelope",
          "[http][openapi]") {
  const json& envelope = document()["components"]["schemas"]["ErrorEnvelope"];
  REQUIRE(envelope["required"] == json::array({"success", "error"}));
  for (const auto& r : sidecar::Router::routes()) {
    const json& op = document()["paths"][r.path][lower(r.method)];
    INFO(r.method << " " << r.path);
    CHECK(op.contains("operationId"));
    const json& responses = op["responses"];
    for (const char* status : {"200", "401", "405", "500"}) {
      if (std::string(status) == "200" && r.method == "POST" && r.path == "/session") continue;
      CHECK(responses.contains(status));
    }
    if (r.needs_tenant) CHECK(responses.contains("400"));
    for (const auto& [status, response] : responses.items()) {
      INFO("status " << status);
      const json& resp = resolve(response);
      CHECK(resp.contains("description"));
      if (status[0] == '4' || status[0] == '5') {
        const json& content = resp["content"]["application/json; charset=utf-8"];
        CHECK(content["schema"] == json{{"$ref", "#/components/schemas/ErrorEnvelope"}});
        CHECK(content["example"]["success"] == false);
        CHECK(content["example"]["error"]["code"].is_string());
      }
    }
  }
  CHECK(document()["paths"]["/session"]["post"]["responses"].contains("201"));
}

TEST_CASE("openapi: every $ref resolves", "[http][openapi]") {
  std::set<std::string> refs;
  collect_refs(document(), refs);
  REQUIRE(!refs.empty());
  for (const std::string& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    CHECK(document().contains(json::json_pointer(ref.substr(1))));
  }
}

TEST_CASE("openapi: 3.1 schemas, without the 3.0-only nullable", "[http][openapi]") {
  // 3.1 writes a nullable field as a type list or an anyOf with {"type": "null"}.
  CHECK(count_key(document(), "nullable") == 0);
  const json& schemas = document()["components"]["schemas"];
  CHECK(schemas["SessionStatus"]["properties"]["phoneNumber"]["type"] ==
        json::array({"string", "null"}));
}

TEST_CASE("openapi: one webhook per event type, the body GET /events returns", "[http][openapi]") {
  // README "Webhooks": the three event types, each posted with the Standard Webhooks headers.
  const std::set<std::string> types = {"session.status", "message.received", "message.status"};
  const json& doc = document();
  const json& event = doc["components"]["schemas"]["WebhookEvent"];
  REQUIRE(event["discriminator"]["propertyName"] == "type");
  const json& mapping = event["discriminator"]["mapping"];
  std::set<std::string> mapped, hooked;
  for (const auto& [type, target] : mapping.items()) mapped.insert(type);
  CHECK(mapped == types);
  REQUIRE(event["oneOf"].size() == types.size());

  for (const auto& [type, item] : doc["webhooks"].items()) {
    INFO("webhook " << type);
    hooked.insert(type);
    const json& op = item["post"];
    CHECK(op.contains("operationId"));
    CHECK(op["security"] == json::array());  // signed, not behind X-Internal-Secret
    const json& schema = op["requestBody"]["content"]["application/json"]["schema"];
    REQUIRE(mapping.contains(type));
    CHECK(schema == json{{"$ref", mapping[type]}});
    // The schema's own type enum names this webhook, so the discriminator and the body agree.
    CHECK(resolve(schema)["properties"]["type"]["enum"] == json::array({type}));
    std::set<std::string> headers;
    for (const json& p : op["parameters"]) {
      const json& param = resolve(p);
      CHECK(param["in"] == "header");
      CHECK(param["required"] == true);
      headers.insert(param["name"].get<std::string>());
    }
    CHECK(headers == std::set<std::string>{"webhook-id", "webhook-timestamp", "webhook-signature"});
    CHECK(op["responses"].contains("2XX"));
  }
  CHECK(hooked == types);

  const json& page = resolve(doc["paths"]["/events"]["get"]["responses"]["200"]["content"]
                                ["application/json; charset=utf-8"]["schema"]["properties"]["data"]);
  CHECK(page["properties"]["events"]["items"] ==
        json{{"$ref", "#/components/schemas/WebhookEvent"}});
}
