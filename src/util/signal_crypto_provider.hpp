// libsignal-protocol-c contexts with an OpenSSL crypto provider.
// libsignal-protocol-c does no cryptography of its own beyond Curve25519: random numbers,
// HMAC-SHA256, SHA-512 and AES (CTR / CBC-PKCS5) come from the provider installed here. The
// context is created lazily on first use, lives until process exit, and is thread-safe through
// libsignal's (recursive) lock callbacks. There are several such contexts, each with its own
// lock, so that threads doing Signal work at once do not wait for each other.
#pragma once

extern "C" {
struct signal_context;
}

namespace util::libsignal {

// The calling thread's context (the same on every call from one thread). Never null; throws
// std::runtime_error if libsignal cannot create its contexts.
signal_context* context();

}  // namespace util::libsignal
