// wa-sidecar: configuration, signals and wiring of the router and the client manager.
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sys/resource.h>
#include <system_error>
#include <thread>

#include <filesystem>

#include "config/config.hpp"
#include "config/sessions_dir.hpp"
#include "http/router.hpp"
#include "manager/outbox_events.hpp"
#include "manager/session_manager.hpp"
#include "metrics/service_metrics.hpp"
#include "util/bytes.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"
#include "webhooks/deliverer.hpp"
#include "webhooks/http_poster.hpp"
#include "webhooks/sqlite_outbox.hpp"

namespace {

void usage(std::ostream& out) {
  out << "usage: wa-sidecar [--config PATH] [--version]\n"
         "Configuration comes from the YAML file and the environment (INTERNAL_SECRET is\n"
         "required); see README.md, section Configuration.\n";
}

// SIGTERM and SIGINT stop the service. SIGHUP, SIGUSR1 and SIGUSR2, whose default action is to
// terminate, are logged and otherwise ignored: the configuration is read only at start, and a
// stray signal (a "reload" sent by habit, a mistyped kill) must not drop every tenant's session.
constexpr int kStopSignals[] = {SIGTERM, SIGINT};
constexpr int kIgnoredSignals[] = {SIGHUP, SIGUSR1, SIGUSR2};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    default: return "unknown";
  }
}

// Returns the first stop signal, logging each ignored one on the way. Throws if sigwait fails.
int wait_for_stop_signal(const sigset_t& waited) {
  for (;;) {
    int sig = 0;
    if (int err = sigwait(&waited, &sig); err != 0) {
      throw std::system_error(err, std::generic_category(), "sigwait");
    }
    for (int stop : kStopSignals) {
      if (sig == stop) return sig;
    }
    util::log::info("signal_ignored", "", {{"signal", signal_name(sig)}});
  }
}

// Every HTTP connection, WhatsApp connection and open tenant store holds file descriptors,
// and the usual soft limit (1024) is far below what a thousand tenants need: raise it to the
// hard limit, as servers commonly do, and say what it is.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    util::log::warn("file_limit_unknown", "", {{"error", strerror(errno)}});
    return;
  }
  // An unlimited hard limit still stops at the kernel's nr_open (1,048,576 by default).
  const rlim_t target = lim.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : lim.rlim_max;
  if (lim.rlim_cur < target) {
    rlimit raised = lim;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
    } else {
      util::log::warn("file_limit_not_raised", "", {{"error", strerror(errno)}});
    }
  }
  util::log::info("file_limit", "", {{"open_files", static_cast<uint64_t>(lim.rlim_cur)}});
}

// The event log lives beside the tenant directories and outlives them: a deleted session's
// events are still delivered and replayed.
constexpr const char* kEventsFile = "events.db";

webhooks::DeliveryOptions delivery_options(const sidecar::Config& c) {
  std::optional<webhooks::SigningKey> key;
  std::string reason;
  if (!c.webhook_secret.empty()) {
    key = webhooks::SigningKey::parse(c.webhook_secret, &reason);  // checked by Config::load
  } else {
    // Nothing is posted without a secret (no webhook_url, and POST /session refuses a tenant
    // URL), but delivery still runs to keep the log: a throwaway key stands in.
    key = webhooks::SigningKey::parse(
        std::string(webhooks::kSecretPrefix) + util::base64_encode(util::crypto::random_bytes(32)),
        &reason);
  }
  if (!key) throw std::runtime_error("webhook_secret: " + reason);
  std::optional<std::string> url;
  if (!c.webhook_url.empty()) url = c.webhook_url;
  constexpr int64_t kHourMs = 3600LL * 1000;
  return webhooks::DeliveryOptions{url, *key, c.webhook_retry_hours * kHourMs,
                                   c.event_retention_hours * kHourMs, {}};
}

}  // namespace

int main(int argc, char** argv) {
  // Block the handled signals before any thread exists, so every thread inherits the mask and
  // none of them can be killed or interrupted by one; the main thread takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : kStopSignals) sigaddset(&signals, sig);
  for (int sig : kIgnoredSignals) sigaddset(&signals, sig);
  if (int err = pthread_sigmask(SIG_BLOCK, &signals, nullptr); err != 0) {
    util::log::error("fatal", "", {{"error", std::string("pthread_sigmask: ") + strerror(err)}});
    return 1;
  }
  // A peer closing its connection must fail that write, not kill the process.
  if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    util::log::error("fatal", "", {{"error", std::string("signal(SIGPIPE): ") + strerror(errno)}});
    return 1;
  }

  std::optional<std::string> config_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--version") {
      std::cout << "wa-sidecar " << WA_SIDECAR_VERSION_STRING << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else {
      usage(std::cerr);
      return 2;
    }
  }

  sidecar::Config config;
  try {
    config = sidecar::Config::load(config_path, sidecar::Config::process_env());
    sidecar::prepare_sessions_dir(config.sessions_dir);
  } catch (const std::exception& e) {
    util::log::error("config_invalid", "", {{"error", e.what()}});
    return 2;
  }
  util::log::Level level;
  if (util::log::parse_level(config.log_level, &level)) util::log::set_level(level);
  raise_file_limit();

  try {
    auto outbox = webhooks::SqliteOutbox::open(
        (std::filesystem::path(config.sessions_dir) / kEventsFile).string());
    webhooks::Metrics webhook_metrics(metrics::service_registry());
    webhooks::HttpPoster poster(std::chrono::milliseconds(config.webhook_timeout_ms),
                                std::string("wa-sidecar/") + WA_SIDECAR_VERSION_STRING);
    webhooks::SystemClock clock;
    webhooks::Deliverer deliverer(delivery_options(config), *outbox, poster, clock,
                                  webhook_metrics);
    sidecar::OutboxEvents events(*outbox, deliverer, !config.webhook_secret.empty());
    sidecar::SessionManager manager(config, deliverer);
    manager.start();
    sidecar::Router router(config, manager, events);
    int port = router.start();
    util::log::info("listening", "", {{"host", config.host}, {"port", port},
                                      {"version", WA_SIDECAR_VERSION_STRING}});
    const int sig = wait_for_stop_signal(signals);
    util::log::info("shutting_down", "", {{"signal", signal_name(sig)}});
    // Stop accepting; requests in flight finish. A send waiting for its ack is bounded by
    // send_ack_timeout_ms, but one still being prepared (lookups, bundles) could wait for
    // several server timeouts: past the grace period the connections are closed, which fails
    // such requests at once.
    const auto grace = std::chrono::milliseconds(config.send_ack_timeout_ms + 5000);
    std::mutex drain_mu;
    std::condition_variable drain_cv;
    bool drained = false;
    std::thread watchdog([&] {
      std::unique_lock<std::mutex> lk(drain_mu);
      if (!drain_cv.wait_for(lk, grace, [&] { return drained; })) {
        util::log::warn("shutdown_grace_expired", "", {{"grace_ms", static_cast<int64_t>(grace.count())}});
        manager.disconnect_all();
      }
    });
    auto release_watchdog = [&] {
      {
        std::lock_guard<std::mutex> lk(drain_mu);
        drained = true;
      }
      drain_cv.notify_all();
      watchdog.join();
    };
    try {
      router.stop();
    } catch (...) {
      release_watchdog();  // a joinable thread must not be destroyed while unwinding
      throw;
    }
    release_watchdog();
    manager.shutdown(); // close sockets cleanly; the stores are flushed per transaction
    // Posts in flight finish (bounded by webhook_timeout_ms); undelivered events stay in the
    // outbox for the next start.
    deliverer.stop();
  } catch (const std::exception& e) {
    util::log::error("fatal", "", {{"error", e.what()}});
    return 1;
  }
  util::log::info("stopped", "");
  return 0;
}
