#include "http/http_message.hpp"

#include <algorithm>

namespace sidecar::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::vector<std::string> Request::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const Header& h : headers) {
    if (iequals(h.name, name)) out.push_back(h.value);
  }
  return out;
}

bool Request::has(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return iequals(h.name, name); });
}

void Response::set(std::string_view name, std::string value) {
  erase(name);
  headers.push_back({std::string(name), std::move(value)});
}

const std::string* Response::get(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

void Response::erase(std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const Header& h) { return iequals(h.name, name); }),
                headers.end());
}

}  // namespace sidecar::http
