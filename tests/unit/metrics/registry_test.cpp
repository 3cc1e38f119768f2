// The text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats),
// checked byte for byte: HELP/TYPE lines, label escaping, cumulative histogram buckets.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "metrics/registry.hpp"

using metrics::Registry;

TEST_CASE("metrics: a counter without labels is rendered from the start", "[metrics]") {
  Registry r;
  auto& c = r.counter("jobs_total", "Jobs done.").with({});
  CHECK(r.render() == "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 0\n");
  c.inc();
  c.inc(2.5);
  CHECK(r.render() == "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3.5\n");
  CHECK_THROWS_AS(c.inc(-1), std::invalid_argument);
  CHECK(c.value() == 3.5);
}

TEST_CASE("metrics: labeled children render sorted, label values and HELP escaped", "[metrics]") {
  Registry r;
  auto& f = r.counter("errors_total", "Errors by kind; a \\ backslash\nand a newline.",
                      {"kind", "zone"});
  f.with({"b", "eu"}).inc();
  f.with({"a", "path C:\\tmp \"quoted\"\nnext"}).inc(2);
  f.with({"b", "eu"}).inc();
  // Label values: \ -> \\, " -> \", newline -> \n. HELP: \ -> \\, newline -> \n (quotes stay).
  CHECK(r.render() ==
        "# HELP errors_total Errors by kind; a \\\\ backslash\\nand a newline.\n"
        "# TYPE errors_total counter\n"
        "errors_total{kind=\"a\",zone=\"path C:\\\\tmp \\\"quoted\\\"\\nnext\"} 2\n"
        "errors_total{kind=\"b\",zone=\"eu\"} 2\n");
  CHECK_THROWS_AS(f.with({"only-one"}), std::invalid_argument);
}

TEST_CASE("metrics: a labeled family without children renders only its HELP and TYPE",
          "[metrics]") {
  Registry r;
  r.gauge("queue_depth", "Depth.", {"queue"});
  CHECK(r.render() == "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\n");
}

TEST_CASE("metrics: gauges go up and down; families render in registration order",
          "[metrics]") {
  Registry r;
  auto& g = r.gauge("temperature", "Degrees.").with({});
  r.counter("a_total", "A.");
  g.set(20);
  g.dec(0.5);
  g.inc(-20);
  CHECK(r.render() ==
        "# HELP temperature Degrees.\n# TYPE temperature gauge\ntemperature -0.5\n"
        "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n");
}

TEST_CASE("metrics: histogram buckets are cumulative, le is inclusive, +Inf equals _count",
          "[metrics]") {
  Registry r;
  // Binary fractions, so _sum is exact: 0.125 + 0.25 + 0.5 + 2 + 8 = 10.875.
  auto& h = r.histogram("wait_seconds", "Wait.", {0.25, 1, 4}).with({});
  for (double v : {0.125, 0.25, 0.5, 2.0, 8.0}) h.observe(v);
  CHECK(r.render() ==
        "# HELP wait_seconds Wait.\n"
        "# TYPE wait_seconds histogram\n"
        "wait_seconds_bucket{le=\"0.25\"} 2\n"
        "wait_seconds_bucket{le=\"1\"} 3\n"
        "wait_seconds_bucket{le=\"4\"} 4\n"
        "wait_seconds_bucket{le=\"+Inf\"} 5\n"
        "wait_seconds_sum 10.875\n"
        "wait_seconds_count 5\n");
}

TEST_CASE("metrics: a labeled histogram puts le after its own labels", "[metrics]") {
  Registry r;
  auto& f = r.histogram("rpc_seconds", "RPC.", {0.001, 0.5}, {"method"});
  f.with({"get"}).observe(0.001);
  f.with({"get"}).observe(3);
  CHECK(r.render() ==
        "# HELP rpc_seconds RPC.\n"
        "# TYPE rpc_seconds histogram\n"
        "rpc_seconds_bucket{method=\"get\",le=\"0.001\"} 1\n"
        "rpc_seconds_bucket{method=\"get\",le=\"0.5\"} 1\n"
        "rpc_seconds_bucket{method=\"get\",le=\"+Inf\"} 2\n"
        "rpc_seconds_sum{method=\"get\"} 3.001\n"
        "rpc_seconds_count{method=\"get\"} 2\n");
}

TEST_CASE("metrics: sample values in Prometheus' own spelling", "[metrics]") {
  CHECK(metrics::format_value(0) == "0");
  CHECK(metrics::format_value(42) == "42");
  CHECK(metrics::format_value(0.0025) == "0.0025");
  CHECK(metrics::format_value(0.1) == "0.1");  // shortest round trip, not 0.1000000000000000055
  CHECK(metrics::format_value(1e-5) == "1e-05");
  CHECK(metrics::format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(metrics::format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(metrics::format_value(std::nan("")) == "NaN");
}

TEST_CASE("metrics: invalid names, reserved labels, bad bounds and duplicates are refused",
          "[metrics]") {
  Registry r;
  CHECK_THROWS_AS(r.counter("1st_total", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("has-dash", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "x", {"with:colon"}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h", "x", {1}, {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h", "x", {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h", "x", {2, 1}), std::invalid_argument);
  CHECK_NOTHROW(r.counter("ns:ok_total", "x", {"le"}));  // le is only reserved for histograms
  CHECK_THROWS_AS(r.gauge("ns:ok_total", "again"), std::invalid_argument);
  CHECK(r.render() == "# HELP ns:ok_total x\n# TYPE ns:ok_total counter\n");
}

TEST_CASE("metrics: concurrent increments and observations are all counted", "[metrics]") {
  Registry r;
  auto& c = r.counter("n_total", "N.", {"t"});
  auto& h = r.histogram("d_seconds", "D.", {0.5}).with({});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        c.with({t % 2 ? "odd" : "even"}).inc();
        h.observe(i % 2 ? 1.0 : 0.25);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(c.with({"odd"}).value() == 2 * kEach);
  CHECK(c.with({"even"}).value() == 2 * kEach);
  auto s = h.snapshot();
  CHECK(s.count == kThreads * kEach);
  CHECK(s.cumulative == std::vector<uint64_t>{kThreads * kEach / 2});
  CHECK(s.sum == kThreads * kEach / 2 * 1.25);
}
