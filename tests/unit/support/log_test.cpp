#include <catch2/catch.hpp>

#include <ctime>
#include <regex>
#include <set>
#include <thread>

#include "stderr_capture.hpp"
#include "util/log.hpp"

using nlohmann::json;
using support_test::StderrCapture;
namespace ulog = util::log;

namespace {

// Puts the global level back to the default when a test ends.
struct LevelGuard {
  ~LevelGuard() { ulog::set_level(ulog::Level::info); }
};

}  // namespace

TEST_CASE("log line is one JSON object with the envelope first", "[log]") {
  LevelGuard g;
  ulog::set_level(ulog::Level::debug);
  StderrCapture cap;
  std::time_t before = std::time(nullptr);
  ulog::info("connected", "acme", {{"attempt", 3}, {"server", "s.whatsapp.net"}, {"ok", true}});
  std::time_t after = std::time(nullptr);
  auto lines = cap.lines();
  REQUIRE(lines.size() == 1);
  const std::string& line = lines[0];
  // Key order as documented in util/log.hpp.
  CHECK(line.rfind("{\"time\":\"", 0) == 0);
  CHECK(line.find("\"level\":") < line.find("\"event\":"));
  CHECK(line.find("\"event\":") < line.find("\"tenant\":"));
  CHECK(line.find("\"tenant\":") < line.find("\"attempt\":"));

  json j = json::parse(line);
  CHECK(j["level"] == "info");
  CHECK(j["event"] == "connected");
  CHECK(j["tenant"] == "acme");
  CHECK(j["attempt"] == 3);
  CHECK(j["server"] == "s.whatsapp.net");
  CHECK(j["ok"] == true);
  CHECK(j.size() == 7);

  std::string t = j["time"];
  REQUIRE(std::regex_match(t, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  std::tm tm{};
  REQUIRE(strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr);
  std::time_t logged = timegm(&tm);  // UTC: must match the wall clock, not local time
  CHECK(logged >= before - 1);
  CHECK(logged <= after);
}

TEST_CASE("empty tenant is omitted and every level has its name", "[log]") {
  LevelGuard g;
  ulog::set_level(ulog::Level::debug);
  StderrCapture cap;
  ulog::debug("a", "");
  ulog::info("b", "");
  ulog::warn("c", "t1");
  ulog::error("d", "", {{"code", 515}});
  auto lines = cap.lines();
  REQUIRE(lines.size() == 4);
  std::vector<std::string> levels;
  for (const auto& l : lines) levels.push_back(json::parse(l)["level"]);
  CHECK(levels == std::vector<std::string>{"debug", "info", "warn", "error"});
  CHECK_FALSE(json::parse(lines[0]).contains("tenant"));
  CHECK(json::parse(lines[2])["tenant"] == "t1");
  CHECK(json::parse(lines[3])["code"] == 515);
  CHECK(json::parse(lines[0]).size() == 3);
}

TEST_CASE("level filter drops lower levels", "[log]") {
  LevelGuard g;
  ulog::set_level(ulog::Level::warn);
  CHECK_FALSE(ulog::enabled(ulog::Level::debug));
  CHECK_FALSE(ulog::enabled(ulog::Level::info));
  CHECK(ulog::enabled(ulog::Level::warn));
  CHECK(ulog::enabled(ulog::Level::error));
  StderrCapture cap;
  ulog::debug("x", "");
  ulog::info("x", "");
  ulog::warn("kept1", "");
  ulog::error("kept2", "");
  auto lines = cap.lines();
  REQUIRE(lines.size() == 2);
  CHECK(json::parse(lines[0])["event"] == "kept1");
  CHECK(json::parse(lines[1])["event"] == "kept2");
}

TEST_CASE("parse_level accepts exactly the four names", "[log]") {
  ulog::Level l = ulog::Level::error;
  CHECK(ulog::parse_level("debug", &l));
  CHECK(l == ulog::Level::debug);
  CHECK(ulog::parse_level("warn", &l));
  CHECK(l == ulog::Level::warn);
  CHECK(ulog::parse_level("error", &l));
  CHECK(l == ulog::Level::error);
  CHECK(ulog::parse_level("info", &l));
  CHECK(l == ulog::Level::info);
  for (const char* bad : {"", "INFO", "warning", "trace", "info "}) {
    INFO(bad);
    CHECK_FALSE(ulog::parse_level(bad, &l));
  }
  CHECK(l == ulog::Level::info);  // unchanged by failures
}

TEST_CASE("fields cannot overwrite the envelope; odd input stays valid JSON", "[log]") {
  LevelGuard g;
  StderrCapture cap;
  ulog::info("evt", "acme", {{"event", "forged"}, {"tenant", "other"}, {"level", "debug"}});
  ulog::info("bad\xff utf8", "", {{"name", "caf\xc3"}});  // invalid UTF-8
  ulog::info("quote\"\n", "", json::array({1, 2}));
  auto lines = cap.lines();
  REQUIRE(lines.size() == 3);
  json a = json::parse(lines[0]);
  CHECK(a["event"] == "evt");
  CHECK(a["tenant"] == "acme");
  CHECK(a["level"] == "info");
  CHECK(a["field_event"] == "forged");
  CHECK(a["field_tenant"] == "other");
  json b = json::parse(lines[1]);
  CHECK(b["event"].get<std::string>().rfind("bad", 0) == 0);
  json c = json::parse(lines[2]);
  CHECK(c["event"] == "quote\"\n");
  CHECK(c["data"] == json::array({1, 2}));
}

TEST_CASE("concurrent writers never interleave lines", "[log]") {
  LevelGuard g;
  StderrCapture cap;
  const int kThreads = 4, kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) {
        ulog::info("tick", "tenant" + std::to_string(t),
                  {{"i", i}, {"pad", std::string(200, static_cast<char>('a' + t))}});
      }
    });
  }
  for (auto& th : threads) th.join();
  auto lines = cap.lines();
  REQUIRE(lines.size() == kThreads * kPerThread);
  std::set<std::pair<std::string, int>> seen;
  for (const auto& l : lines) {
    json j = json::parse(l);  // throws (fails the test) on a torn line
    seen.insert({j["tenant"].get<std::string>(), j["i"].get<int>()});
  }
  CHECK(seen.size() == static_cast<size_t>(kThreads * kPerThread));
}
