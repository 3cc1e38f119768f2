// The process-wide libsignal-protocol-c context with an OpenSSL crypto provider.
// libsignal-protocol-c does no cryptography of its own beyond Curve25519: random numbers,
// HMAC-SHA256, SHA-512 and AES (CTR / CBC-PKCS5) come from the provider installed here. The
// context is created lazily on first use, lives until process exit, and is thread-safe through
// libsignal's (recursive) lock callbacks.
#pragma once

extern "C" {
struct signal_context;
}

namespace util::libsignal {

// Never null; throws std::runtime_error if libsignal cannot create its context.
signal_context* context();

}  // namespace util::libsignal
