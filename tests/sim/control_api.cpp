#include "control_api.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include "qr_code.hpp"
#include "simulator.hpp"

namespace sim {
namespace {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  send_json(res, status,
            {{"success", false}, {"error", {{"code", code}, {"message", message}}}});
}

json error_json(const std::optional<PairingError>& e) {
  if (!e) return nullptr;
  return {{"code", e->code}, {"text", e->text}, {"source", e->from_client ? "client" : "simulator"}};
}

// How long POST /scan waits for the client's answer to pair-success.
constexpr std::chrono::seconds kScanWait{15};

}  // namespace

void register_control_routes(httplib::Server& server, Simulator& sim) {
  server.Post("/scan", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("qr") ||
        !body["qr"].is_string())
      return send_error(res, 400, "bad_request", "body must be JSON with a string field qr");
    ScanOptions opts;
    auto flag = [&body](const char* key) {
      return body.contains(key) && body[key].is_boolean() && body[key].get<bool>();
    };
    opts.tamper_hmac = flag("tamperHmac");
    opts.tamper_account_signature = flag("tamperAccountSignature");
    const bool wait = !body.contains("wait") || !body["wait"].is_boolean() || body["wait"].get<bool>();

    const std::string qr = body["qr"].get<std::string>();
    std::string why;
    if (!parse_qr(qr, &why)) return send_error(res, 400, "invalid_qr", why);
    if (auto err = sim.scan(qr, opts)) return send_error(res, 404, "qr_not_found", *err);
    PairingOutcome out = wait ? sim.wait_pairing_outcome(kScanWait) : sim.last_pairing_outcome();
    send_json(res, 200,
              {{"success", true},
               {"data",
                {{"delivered", true},
                 {"answered", out.answered},
                 {"paired", out.paired},
                 {"jid", out.paired ? json(out.jid) : json(nullptr)},
                 {"error", error_json(out.error)}}}});
  });

  server.Get("/state", [&sim](const httplib::Request&, httplib::Response& res) {
    json devices = json::array();
    for (const auto& d : sim.paired_devices())
      devices.push_back({{"phone", d.phone}, {"device", d.device}, {"jid", d.jid}, {"lid", d.lid}});
    send_json(res, 200,
              {{"success", true},
               {"data",
                {{"registrations", sim.registrations()},
                 {"logins", sim.logins()},
                 {"connections", sim.connections()},
                 {"phoneNumber", sim.phone_number()},
                 {"pairedDevices", devices},
                 {"lastPairingError", error_json(sim.last_pairing_error())}}}});
  });
}

}  // namespace sim
