// A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
// the text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Why our own: Debian 12's prometheus-cpp-dev drags civetweb and libcurl development packages
// plus a new runtime library into the image for what is ~200 lines of text formatting here.
//
// Thread-safety: every method may be called from any thread. Counter and gauge updates are
// lock-free atomics; a histogram observation and a family's child lookup take a mutex.
// Children live as long as their registry, so a reference from with() may be cached.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace metrics {

class Counter {
 public:
  // Adds v (>= 0; a negative v throws std::invalid_argument: counters never go down).
  void inc(double v = 1.0);
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1.0);
  void dec(double v = 1.0) { inc(-v); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

class Histogram {
 public:
  // bounds: strictly increasing, finite upper bounds of the buckets (+Inf is implicit).
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound: observations <= bound
    uint64_t count = 0;                // every observation (the +Inf bucket)
    double sum = 0.0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bound, not cumulative
  uint64_t count_ = 0;
  double sum_ = 0.0;
};

enum class Type { counter, gauge, histogram };

// One metric name with its label names; one child per distinct tuple of label values.
template <class M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::vector<double> bounds = {})
      : label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}
  // The child for these label values (in label-name order), created on first use. Throws
  // std::invalid_argument when the number of values differs from the number of label names.
  M& with(const std::vector<std::string>& values);
  const std::vector<std::string>& label_names() const { return label_names_; }

  // For rendering: (values, child) sorted by values.
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard<std::mutex> lk(mu_);
    for (const auto& [values, child] : children_) f(values, *child);
  }

 private:
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a metric family. Names must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names
  // [a-zA-Z_][a-zA-Z0-9_]* (not "__..."; "le" is reserved for histograms); a name registered
  // twice throws std::invalid_argument. A family without labels has its one child from the
  // start, so it is rendered (as 0) before anything happened.
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds,
                               std::vector<std::string> label_names = {});

  // Every family in registration order: # HELP, # TYPE, then its samples.
  std::string render() const;

 private:
  struct Entry {
    std::string name, help;
    Type type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };
  Entry& add(const std::string& name, const std::string& help, Type type,
             const std::vector<std::string>& label_names);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The content type of render()'s output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Text format escaping: label values escape backslash, double quote and newline; HELP text
// escapes backslash and newline.
std::string escape_label_value(const std::string& v);
std::string escape_help(const std::string& v);
// A sample value as Prometheus writes it: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_value(double v);

}  // namespace metrics
