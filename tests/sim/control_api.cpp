#include "control_api.hpp"

#include <algorithm>
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

json faults_json(const Simulator& sim) {
  return {{"messageError", sim.message_error()},
          {"withholdAck", sim.withhold_ack()},
          {"logoutError", sim.logout_error()},
          {"answerPings", sim.answer_pings()},
          {"withholdPrekeyUploads", sim.withhold_prekey_uploads()},
          {"withholdUsync", sim.withhold_usync()},
          {"deliveryReceipts", sim.delivery_receipts()},
          {"pendingLoginFailures", sim.pending_login_failures()},
          {"pendingLoginStalls", sim.pending_login_stalls()}};
}

// A device message or receipt: 200 {id} when written to (or queued for) a companion, 400 when the
// request can never be sent, 409 not_delivered when no companion takes it.
void send_result(httplib::Response& res, const SimSendResult& r) {
  switch (r.status) {
    case SimSendResult::Status::sent: {
      json data = {{"delivered", r.delivered}, {"queued", r.queued}};
      if (!r.id.empty()) data["id"] = r.id;
      return send_json(res, 200, {{"success", true}, {"data", data}});
    }
    case SimSendResult::Status::bad_request:
      return send_error(res, 400, "bad_request", r.why);
    case SimSendResult::Status::not_delivered:
      return send_error(res, 409, "not_delivered", r.why);
  }
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
    json contacts = json::array();
    for (const SimContact& c : sim.contacts())
      contacts.push_back({{"phone", c.phone}, {"lid", c.lid_user}, {"devices", c.devices}});
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
                 {"lastPairingError", error_json(sim.last_pairing_error())},
                 {"lidUser", sim.lid_user()},
                 {"contacts", contacts},
                 {"faults", faults_json(sim)}}}});
  });

  server.Get("/messages", [&sim](const httplib::Request&, httplib::Response& res) {
    json messages = json::array();
    for (const ReceivedMessage& m : sim.received_messages())
      messages.push_back({{"id", m.id},
                          {"to", m.to},
                          {"peerRecipientPn", m.peer_recipient_pn},
                          {"device", m.device},
                          {"encType", m.enc_type},
                          {"text", m.text},
                          {"dsmDestination", m.dsm_destination},
                          {"hadDeviceIdentity", m.had_device_identity},
                          {"decryptError", m.decrypt_error},
                          {"sender", m.sender},
                          {"retryCount", m.retry_count}});
    send_json(res, 200, {{"success", true}, {"data", {{"messages", messages}}}});
  });

  server.Post("/contact-message", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("from") ||
        !body["from"].is_string() || !body.contains("text") || !body["text"].is_string())
      return send_error(res, 400, "bad_request", "body must be JSON with string fields from and text");
    ContactMessageRequest request;
    request.from = body["from"].get<std::string>();
    request.text = body["text"].get<std::string>();
    if (body.contains("kind")) {
      if (!body["kind"].is_string())
        return send_error(res, 400, "bad_request", "kind must be \"text\" or \"image\"");
      request.kind = body["kind"].get<std::string>();
    }
    if (body.contains("pushName")) {
      if (!body["pushName"].is_string())
        return send_error(res, 400, "bad_request", "pushName must be a string");
      request.push_name = body["pushName"].get<std::string>();
    }
    // Optional "corrupt": how many transmissions go out undecryptable (retry receipt tests).
    if (body.contains("corrupt")) {
      const json& v = body["corrupt"];
      if (!(v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() < 100))
        return send_error(res, 400, "bad_request", "corrupt must be an integer from 0 to 99");
      request.corrupt_times = v.get<int>();
    }
    send_result(res, sim.send_contact_message(request));
  });

  server.Post("/phone-message", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("to") || !body["to"].is_string() ||
        !body.contains("text") || !body["text"].is_string())
      return send_error(res, 400, "bad_request", "body must be JSON with string fields to and text");
    send_result(res, sim.send_phone_message(body["to"].get<std::string>(),
                                            body["text"].get<std::string>()));
  });

  server.Post("/contact-receipt", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    const bool ids_ok = body.is_object() && body.contains("ids") && body["ids"].is_array() &&
                        !body["ids"].empty() &&
                        std::all_of(body["ids"].begin(), body["ids"].end(),
                                    [](const json& id) { return id.is_string(); });
    if (body.is_discarded() || !body.is_object() || !body.contains("from") ||
        !body["from"].is_string() || !body.contains("type") || !body["type"].is_string() || !ids_ok)
      return send_error(res, 400, "bad_request",
                        "body must be JSON with string fields from and type and a non-empty "
                        "array of string ids");
    send_result(res, sim.send_contact_receipt(body["from"].get<std::string>(),
                                              body["type"].get<std::string>(),
                                              body["ids"].get<std::vector<std::string>>()));
  });

  server.Post("/forget-sessions", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("device") || !body["device"].is_string())
      return send_error(res, 400, "bad_request", "body must be JSON with a string field device");
    if (!sim.forget_sessions(body["device"].get<std::string>()))
      return send_error(res, 404, "not_found", "no simulated device with that JID");
    send_json(res, 200, {{"success", true}, {"data", json::object()}});
  });

  server.Get("/receipts", [&sim](const httplib::Request&, httplib::Response& res) {
    json receipts = json::array();
    for (const auto& r : sim.client_receipts())
      receipts.push_back({{"companion", r.companion}, {"id", r.id}, {"to", r.to}, {"type", r.type},
                          {"retryCount", r.retry_count}, {"hadKeys", r.had_keys},
                          {"keysError", r.keys_error}});
    json relayed = json::array();
    for (const RelayedReceipt& r : sim.relayed_receipts())
      relayed.push_back({{"companion", r.companion}, {"id", r.id}, {"ids", r.ids}, {"from", r.from},
                         {"type", r.type}, {"recipient", r.recipient}, {"t", r.t},
                         {"acked", r.acked}, {"ackProblem", r.ack_problem}});
    send_json(res, 200, {{"success", true}, {"data", {{"receipts", receipts}, {"relayed", relayed}}}});
  });

  server.Post("/unlink", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("jid") || !body["jid"].is_string())
      return send_error(res, 400, "bad_request", "body must be JSON with a string field jid");
    const std::string jid = body["jid"].get<std::string>();
    if (!sim.unlink_device(jid))
      return send_error(res, 404, "device_not_found", "the server knows no companion " + jid);
    send_json(res, 200, {{"success", true}, {"data", {{"jid", jid}, {"unlinked", true}}}});
  });

  // Issue 4: the server sends <stream:error [code]>[<conflict type/>] and closes (§8), to the
  // companion `jid` or, without it, to every logged-in one.
  server.Post("/stream-error", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    auto optional_string = [&body](const char* k) { return !body.contains(k) || body[k].is_string(); };
    if (body.is_discarded() || !body.is_object() || !optional_string("code") ||
        !optional_string("conflict") || !optional_string("jid") ||
        (!body.contains("code") && !body.contains("conflict")))
      return send_error(res, 400, "bad_request",
                        "body must be JSON with a string code and/or conflict, and an optional jid");
    const int sent = sim.send_stream_error(body.value("code", std::string()),
                                           body.value("conflict", std::string()),
                                           body.value("jid", std::string()));
    send_json(res, 200, {{"success", true}, {"data", {{"sent", sent}}}});
  });

  // Issue 4 observations: every message id the server received (how often, acks), logins and
  // prekey uploads.
  server.Get("/ledger", [&sim](const httplib::Request&, httplib::Response& res) {
    json messages = json::array();
    for (const LedgerEntry& e : sim.message_ledger())
      messages.push_back({{"id", e.id}, {"sender", e.sender}, {"arrivals", e.arrivals},
                          {"acks", e.acks}, {"ackError", e.ack_error}});
    json logins = json::array();
    for (const LoginSeen& l : sim.login_times()) logins.push_back({{"jid", l.jid}, {"atMs", l.at_ms}});
    json uploads = json::array();
    for (const PrekeyUploadSeen& u : sim.prekey_uploads())
      uploads.push_back({{"jid", u.jid}, {"count", u.count}, {"firstId", u.first_id},
                         {"lastId", u.last_id}, {"answered", u.answered}});
    send_json(res, 200, {{"success", true},
                         {"data", {{"messages", messages}, {"logins", logins},
                                   {"prekeyUploads", uploads}}}});
  });

  server.Post("/faults", [&sim](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return send_error(res, 400, "bad_request", "body must be a JSON object");
    if (body.contains("messageError")) {
      const json& v = body["messageError"];
      if (!(v.is_null() || (v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() < 100000)))
        return send_error(res, 400, "bad_request", "messageError must be a non-negative integer or null");
      sim.set_message_error(v.is_null() ? 0 : v.get<int>());
    }
    if (body.contains("logoutError")) {
      const json& v = body["logoutError"];
      if (!(v.is_null() || (v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() < 100000)))
        return send_error(res, 400, "bad_request", "logoutError must be a non-negative integer or null");
      sim.set_logout_error(v.is_null() ? 0 : v.get<int>());
    }
    if (body.contains("withholdAck")) {
      if (!body["withholdAck"].is_boolean())
        return send_error(res, 400, "bad_request", "withholdAck must be a boolean");
      sim.set_withhold_ack(body["withholdAck"].get<bool>());
    }
    // Issue 4 faults (PROTOCOL.md §8): unanswered pings, refused logins, held prekey uploads.
    for (const char* key : {"answerPings", "withholdPrekeyUploads", "withholdUsync", "deliveryReceipts"})
      if (body.contains(key) && !body[key].is_boolean())
        return send_error(res, 400, "bad_request", std::string(key) + " must be a boolean");
    if (body.contains("failLogins")) {
      const json& v = body["failLogins"];
      auto small_int = [&v](const char* k) {
        return v.contains(k) && v[k].is_number_integer() && v[k].get<long long>() >= 0 &&
               v[k].get<long long>() < 100000;
      };
      if (!(v.is_null() || (v.is_object() && small_int("count") && small_int("reason"))))
        return send_error(res, 400, "bad_request",
                          "failLogins must be null or {count, reason} with non-negative integers");
      if (v.is_null()) sim.fail_next_logins(0, 0);
      else sim.fail_next_logins(v["count"].get<int>(), v["reason"].get<int>());
    }
    if (body.contains("stallLogins")) {
      const json& v = body["stallLogins"];
      if (!(v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() < 100000))
        return send_error(res, 400, "bad_request", "stallLogins must be a non-negative integer");
    }
    if (body.contains("answerPings")) sim.set_answer_pings(body["answerPings"].get<bool>());
    if (body.contains("stallLogins")) sim.stall_next_logins(body["stallLogins"].get<int>());
    if (body.contains("withholdPrekeyUploads"))
      sim.set_withhold_prekey_uploads(body["withholdPrekeyUploads"].get<bool>());
    if (body.contains("withholdUsync")) sim.set_withhold_usync(body["withholdUsync"].get<bool>());
    if (body.contains("deliveryReceipts"))
      sim.set_delivery_receipts(body["deliveryReceipts"].get<bool>());
    send_json(res, 200, {{"success", true}, {"data", faults_json(sim)}});
  });
}

}  // namespace sim
