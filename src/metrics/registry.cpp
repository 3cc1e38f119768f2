// The metrics registry and its text exposition (format 0.0.4), see registry.hpp.
#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace metrics {
namespace {

// Adds to an atomic double (std::atomic<double>::fetch_add is C++20).
void atomic_add(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

bool valid_name(const std::string& s, bool colon_ok) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (colon_ok && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::counter: return "counter";
    case Type::gauge: return "gauge";
    case Type::histogram: return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} from names and values, plus an optional trailing le; "" when there are none.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string* le = nullptr) {
  if (names.empty() && le == nullptr) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (le != nullptr) {
    if (!names.empty()) out += ',';
    out += "le=\"" + *le + "\"";
  }
  return out + "}";
}

}  // namespace

void Counter::inc(double v) {
  if (!(v >= 0.0)) throw std::invalid_argument("a counter cannot decrease");
  atomic_add(v_, v);
}

void Gauge::inc(double v) { atomic_add(v_, v); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1]))) {
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
    }
  }
}

void Histogram::observe(double v) {
  // The first bucket whose upper bound is >= v (buckets are "less than or equal").
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  std::lock_guard<std::mutex> lk(mu_);
  if (i < counts_.size()) ++counts_[i];
  ++count_;
  sum_ += v;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard<std::mutex> lk(mu_);
  uint64_t running = 0;
  for (uint64_t c : counts_) s.cumulative.push_back(running += c);
  s.count = count_;
  s.sum = sum_;
  return s;
}

template <class M>
M& Family<M>::with(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric label values do not match its label names");
  }
  std::lock_guard<std::mutex> lk(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second;
  std::unique_ptr<M> child;
  if constexpr (std::is_same_v<M, Histogram>) {
    child = std::make_unique<Histogram>(bounds_);
  } else {
    child = std::make_unique<M>();
  }
  return *children_.emplace(values, std::move(child)).first->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::add(const std::string& name, const std::string& help, Type type,
                               const std::vector<std::string>& label_names) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  for (const std::string& l : label_names) {
    if (!valid_name(l, false) || l.rfind("__", 0) == 0 ||
        (type == Type::histogram && l == "le")) {
      throw std::invalid_argument("invalid label name for " + name + ": " + l);
    }
  }
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& e : entries_) {
    if (e->name == name) throw std::invalid_argument("metric registered twice: " + name);
  }
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->type = type;
  entries_.push_back(std::move(e));
  return *entries_.back();
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  Entry& e = add(name, help, Type::counter, label_names);
  const bool plain = label_names.empty();
  e.counters = std::make_unique<Family<Counter>>(std::move(label_names));
  if (plain) e.counters->with({});
  return *e.counters;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
  Entry& e = add(name, help, Type::gauge, label_names);
  const bool plain = label_names.empty();
  e.gauges = std::make_unique<Family<Gauge>>(std::move(label_names));
  if (plain) e.gauges->with({});
  return *e.gauges;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<double> bounds,
                                       std::vector<std::string> label_names) {
  Histogram check(bounds);  // validates the bounds before anything is registered
  Entry& e = add(name, help, Type::histogram, label_names);
  const bool plain = label_names.empty();
  e.histograms = std::make_unique<Family<Histogram>>(std::move(label_names), std::move(bounds));
  if (plain) e.histograms->with({});
  return *e.histograms;
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& e : entries_) {
    out += "# HELP " + e->name + " " + escape_help(e->help) + "\n";
    out += "# TYPE " + e->name + " " + type_name(e->type) + "\n";
    auto plain = [&](const auto& family) {
      family.for_each([&](const std::vector<std::string>& values, const auto& m) {
        out += e->name + label_set(family.label_names(), values) + " " + format_value(m.value()) + "\n";
      });
    };
    switch (e->type) {
      case Type::counter: plain(*e->counters); break;
      case Type::gauge: plain(*e->gauges); break;
      case Type::histogram: {
        const auto& family = *e->histograms;
        family.for_each([&](const std::vector<std::string>& values, const Histogram& h) {
          const Histogram::Snapshot s = h.snapshot();
          for (size_t i = 0; i < s.bounds.size(); ++i) {
            const std::string le = format_value(s.bounds[i]);
            out += e->name + "_bucket" + label_set(family.label_names(), values, &le) + " " +
                   std::to_string(s.cumulative[i]) + "\n";
          }
          const std::string inf = "+Inf";
          out += e->name + "_bucket" + label_set(family.label_names(), values, &inf) + " " +
                 std::to_string(s.count) + "\n";
          out += e->name + "_sum" + label_set(family.label_names(), values) + " " +
                 format_value(s.sum) + "\n";
          out += e->name + "_count" + label_set(family.label_names(), values) + " " +
                 std::to_string(s.count) + "\n";
        });
        break;
      }
    }
  }
  return out;
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

}  // namespace metrics
