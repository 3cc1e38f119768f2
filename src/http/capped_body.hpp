// A Boost.Beast body type for requests: keeps at most `limit` bytes and discards the rest
// while still consuming it, so a body somewhat over the limit can be answered 413 on a
// connection that stays in sync (the parser's own body_limit bounds how much is drained).
#pragma once
#include <cstdint>
#include <string>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace sidecar::http {

struct CappedBody {
  struct value_type {
    std::string data;
    size_t limit = 0;
    bool too_large = false;
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (length && *length > body_.limit) {
        body_.too_large = true;
      } else if (length) {
        body_.data.reserve(static_cast<size_t>(*length));
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        n += b.size();
        if (body_.too_large) continue;
        if (body_.data.size() + b.size() > body_.limit) {
          body_.too_large = true;
          std::string().swap(body_.data);
          continue;
        }
        body_.data.append(static_cast<const char*>(b.data()), b.size());
      }
      return n;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace sidecar::http
