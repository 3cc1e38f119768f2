// Ownership helpers for libsignal-protocol-c objects, so that every object the simulator (and
// its self-tests) creates is released on every path (the suites run under LeakSanitizer).
// Reference-counted libsignal types are released with signal_type_unref; signal_buffer with
// signal_buffer_free. Keys are raw 32 bytes in util::curve; libsignal's serialized public key is
// 0x05 || key (PROTOCOL.md §9 "X3DH with libsignal-protocol-c").
#pragma once
#include <signal/curve.h>
#include <signal/signal_protocol.h>

#include <stdexcept>
#include <string>
#include "util/bytes.hpp"
#include "util/curve25519.hpp"

namespace sim::signal {

// Owns one reference to a reference-counted libsignal object.
template <typename T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* p) : p_(p) {}
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Ref& operator=(Ref&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      o.p_ = nullptr;
    }
    return *this;
  }
  ~Ref() { reset(); }
  void reset() {
    if (p_) signal_type_unref(reinterpret_cast<signal_type_base*>(p_));
    p_ = nullptr;
  }
  T* get() const { return p_; }
  T** out() {  // for libsignal's T** out-parameters
    reset();
    return &p_;
  }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(signal_buffer* b) : b_(b) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { signal_buffer_free(b_); }
  signal_buffer** out() {
    signal_buffer_free(b_);
    b_ = nullptr;
    return &b_;
  }
  signal_buffer* get() const { return b_; }
  util::Bytes bytes() const {
    if (!b_) return {};
    const uint8_t* d = signal_buffer_data(b_);
    return util::Bytes(d, d + signal_buffer_len(b_));
  }

 private:
  signal_buffer* b_ = nullptr;
};

struct Error : std::runtime_error {
  int code;
  Error(const std::string& what, int c) : std::runtime_error(what + " (libsignal " + std::to_string(c) + ")"), code(c) {}
};

inline void check(int rc, const char* what) {
  if (rc < 0) throw Error(what, rc);
}

Ref<ec_public_key> decode_public(const util::curve::Key32& pub);
Ref<ec_private_key> decode_private(const util::curve::Key32& priv);
Ref<ec_key_pair> key_pair(const util::curve::KeyPair& kp);

// A libsignal address whose name storage lives as long as the object.
class Address {
 public:
  Address(std::string name, int32_t device) : name_(std::move(name)) {
    addr_.name = name_.c_str();
    addr_.name_len = name_.size();
    addr_.device_id = device;
  }
  Address(const Address& o) : Address(o.name_, o.addr_.device_id) {}
  Address& operator=(const Address&) = delete;
  const signal_protocol_address* get() const { return &addr_; }
  const std::string& name() const { return name_; }
  int32_t device() const { return addr_.device_id; }

 private:
  std::string name_;
  signal_protocol_address addr_{};
};

}  // namespace sim::signal
