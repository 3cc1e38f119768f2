// Owning smart pointers for libsignal-protocol-c objects, private to the signal module.
// Every reference-counted libsignal type (keys, records, bundles, messages) is released with
// signal_type_unref (what SIGNAL_UNREF expands to); buffers, builders, ciphers and the store
// context have their own free functions. Wrapping each object the moment libsignal hands it out
// keeps every error path leak-free (LeakSanitizer checks this in the sanitizer build).
#pragma once
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/signal_protocol.h>

#include <memory>

#include "util/bytes.hpp"

namespace wa::signal::lib {

struct Unref {
  void operator()(void* p) const {
    if (p) signal_type_unref(static_cast<signal_type_base*>(p));
  }
};
// T must be a libsignal type whose first member is signal_type_base.
template <class T>
using Ref = std::unique_ptr<T, Unref>;

struct BufferFree {
  void operator()(signal_buffer* b) const { signal_buffer_free(b); }
};
using Buffer = std::unique_ptr<signal_buffer, BufferFree>;

// For buffers holding plaintext or private keys: zeroed before they are freed.
struct BufferBzeroFree {
  void operator()(signal_buffer* b) const { signal_buffer_bzero_free(b); }
};
using SecretBuffer = std::unique_ptr<signal_buffer, BufferBzeroFree>;

struct BuilderFree {
  void operator()(session_builder* b) const { session_builder_free(b); }
};
using Builder = std::unique_ptr<session_builder, BuilderFree>;

struct CipherFree {
  void operator()(session_cipher* c) const { session_cipher_free(c); }
};
using Cipher = std::unique_ptr<session_cipher, CipherFree>;

struct StoreContextFree {
  void operator()(signal_protocol_store_context* c) const {
    signal_protocol_store_context_destroy(c);
  }
};
using StoreContext = std::unique_ptr<signal_protocol_store_context, StoreContextFree>;

inline util::Bytes to_bytes(const signal_buffer* b) {
  if (!b) return {};
  const uint8_t* p = signal_buffer_const_data(b);
  return util::Bytes(p, p + signal_buffer_len(b));
}

}  // namespace wa::signal::lib
