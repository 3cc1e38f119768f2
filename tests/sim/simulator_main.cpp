// wa-simulator: the WhatsApp-server simulator as a program, so the service can be tried without a
// phone.
//   wa-simulator [--host 127.0.0.1] [--port 9000] [--control-port 9001] [--phone 15551234567]
//                [--lid 123456789012345] [--contacts PHONE/LID/DEV,DEV;…]
//       serves until SIGINT/SIGTERM; prints one JSON line {wsUrl, controlUrl, noiseRootKey}.
//   wa-simulator scan --tenant T [--sidecar http://127.0.0.1:3000] [--secret S]
//                     [--control http://127.0.0.1:9001]
//       reads the tenant's QR from the service's GET /status and lets the simulated phone scan it.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include "simulator.hpp"
#include "util/curve25519.hpp"

namespace {

using nlohmann::json;

int usage() {
  std::cerr << "usage:\n"
               "  wa-simulator [--host 127.0.0.1] [--port 9000] [--control-port 9001]"
               " [--phone 15551234567] [--lid 123456789012345]\n"
               "               [--contacts PHONE/LID/DEV,DEV;...]  (default 15557654321/987654321098765/0,7)\n"
               "               [--root-private-key HEX]  (fixed Noise root; random otherwise)\n"
               "  wa-simulator scan --tenant T [--sidecar http://127.0.0.1:3000] [--secret S]"
               " [--control http://127.0.0.1:9001]\n"
               "                    (the secret defaults to $INTERNAL_SECRET)\n";
  return 2;
}

// --key value pairs; returns false on a stray argument or a key without a value.
bool parse_flags(int argc, char** argv, int first, std::map<std::string, std::string>* out) {
  for (int i = first; i < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) return false;
    (*out)[key.substr(2)] = argv[i + 1];
  }
  return true;
}

bool parse_port(const std::string& text, uint16_t* out) {
  try {
    size_t used = 0;
    unsigned long v = std::stoul(text, &used);
    if (used != text.size() || v > 65535) return false;
    *out = static_cast<uint16_t>(v);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// "PHONE/LID/DEV,DEV;PHONE/LID/DEV" → contacts; false on any malformed part.
bool parse_contacts(const std::string& text, std::vector<sim::SimContact>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    const size_t a = part.find('/'), b = a == std::string::npos ? a : part.find('/', a + 1);
    if (b == std::string::npos) return false;
    sim::SimContact c;
    c.phone = part.substr(0, a);
    c.lid_user = part.substr(a + 1, b - a - 1);
    if (!all_digits(c.phone) || !all_digits(c.lid_user)) return false;
    std::string devs = part.substr(b + 1);
    size_t ds = 0;
    while (ds <= devs.size()) {
      size_t de = devs.find(',', ds);
      if (de == std::string::npos) de = devs.size();
      const std::string d = devs.substr(ds, de - ds);
      if (!all_digits(d) || d.size() > 3 || std::stoul(d) > 99) return false;
      c.devices.push_back(static_cast<uint16_t>(std::stoul(d)));
      ds = de + 1;
    }
    out->push_back(std::move(c));
    start = end + 1;
  }
  return !out->empty();
}

int serve(const std::map<std::string, std::string>& flags) {
  sim::SimOptions o;
  o.ws_port = 9000;
  o.control_port = 9001;
  for (const auto& [k, v] : flags) {
    if (k == "host") o.host = v;
    else if (k == "phone") o.phone_number = v;
    else if (k == "lid") o.lid_user = v;
    else if (k == "contacts") {
      if (!parse_contacts(v, &o.contacts)) {
        std::cerr << "wa-simulator: --contacts takes PHONE/LID/DEV,DEV;… (digits only)\n";
        return 2;
      }
    }
    else if (k == "port") { if (!parse_port(v, &o.ws_port)) return usage(); }
    else if (k == "control-port") { if (!parse_port(v, &o.control_port)) return usage(); }
    else if (k == "root-private-key") {
      auto key = util::hex_decode(v);
      if (!key || key->size() != 32) {
        std::cerr << "wa-simulator: --root-private-key takes 64 hex characters\n";
        return 2;
      }
      o.root_private_key = util::curve::to_key32(*key);
    }
    else return usage();
  }
  if (!all_digits(o.phone_number) || !all_digits(o.lid_user)) {
    std::cerr << "wa-simulator: --phone and --lid must be digits only\n";
    return 2;
  }

  // Block the stop signals before any thread starts so that only sigwait() receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  sim::Simulator simulator(o);
  try {
    simulator.start();
  } catch (const std::exception& e) {
    std::cerr << "wa-simulator: " << e.what() << "\n";
    return 1;
  }
  std::cout << json{{"wsUrl", simulator.ws_url()},
                    {"controlUrl", simulator.control_url()},
                    {"noiseRootKey", simulator.root_public_key_hex()}}
                   .dump()
            << std::endl;
  std::cerr << "\nRun the service against this simulator with:\n"
            << "  WA_URL=" << simulator.ws_url()
            << " WA_NOISE_ROOT_KEY=" << simulator.root_public_key_hex()
            << " INTERNAL_SECRET=<at least 16 characters> wa-sidecar\n"
            << "then create a session (POST /session) and scan its QR with:\n"
            << "  wa-simulator scan --tenant <tenant> --control " << simulator.control_url()
            << "\nStop with Ctrl-C.\n"
            << std::flush;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  simulator.stop();
  return 0;
}

int scan(const std::map<std::string, std::string>& flags) {
  std::string tenant, sidecar = "http://127.0.0.1:3000", control = "http://127.0.0.1:9001";
  const char* env_secret = std::getenv("INTERNAL_SECRET");
  std::string secret = env_secret ? env_secret : "";
  for (const auto& [k, v] : flags) {
    if (k == "tenant") tenant = v;
    else if (k == "sidecar") sidecar = v;
    else if (k == "control") control = v;
    else if (k == "secret") secret = v;
    else return usage();
  }
  if (tenant.empty()) return usage();
  if (secret.empty()) {
    std::cerr << "wa-simulator scan: give --secret or set INTERNAL_SECRET\n";
    return 2;
  }

  httplib::Client service(sidecar);
  service.set_connection_timeout(5);
  service.set_read_timeout(15);
  auto status = service.Get("/status", {{"X-Internal-Secret", secret}, {"X-Tenant-Id", tenant}});
  if (!status) {
    std::cerr << "wa-simulator scan: cannot reach the service at " << sidecar << "\n";
    return 1;
  }
  json body = json::parse(status->body, nullptr, false);
  if (status->status != 200 || body.is_discarded()) {
    std::cerr << "wa-simulator scan: GET /status answered " << status->status << ": "
              << status->body << "\n";
    return 1;
  }
  const json& data = body.value("data", json::object());
  if (!data.contains("qr") || !data["qr"].is_string()) {
    std::cerr << "wa-simulator scan: tenant " << tenant << " has no QR (status "
              << data.value("status", std::string("?")) << ")\n";
    return 1;
  }

  httplib::Client sim_control(control);
  sim_control.set_connection_timeout(5);
  sim_control.set_read_timeout(30);
  auto res = sim_control.Post("/scan", json{{"qr", data["qr"]}}.dump(), "application/json");
  if (!res) {
    std::cerr << "wa-simulator scan: cannot reach the simulator at " << control << "\n";
    return 1;
  }
  json outcome = json::parse(res->body, nullptr, false);
  if (outcome.is_discarded()) {
    std::cerr << "wa-simulator scan: simulator answered " << res->status << "\n";
    return 1;
  }
  if (res->status != 200) {
    std::cerr << "wa-simulator scan: " << outcome["error"].value("message", res->body) << "\n";
    return 1;
  }
  const json& out = outcome["data"];
  if (out.value("paired", false)) {
    std::cout << "paired: tenant " << tenant << " is now linked as "
              << out["jid"].get<std::string>() << "\n";
    return 0;
  }
  std::cout << "not paired: " << (out["error"].is_null() ? std::string("no answer from the service")
                                                         : out["error"].dump())
            << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (argc >= 2 && std::string(argv[1]) == "scan") {
    if (!parse_flags(argc, argv, 2, &flags)) return usage();
    return scan(flags);
  }
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    usage();
    return 0;
  }
  if (!parse_flags(argc, argv, 1, &flags)) return usage();
  return serve(flags);
}
