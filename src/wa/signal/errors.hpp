// libsignal-protocol-c result codes -> SignalError kinds. Private to the signal module.
#pragma once
#include "wa/signal/signal_protocol.hpp"

namespace wa::signal::errors {

// What the failing call was doing: the same code means different things for a bundle
// (SG_ERR_INVALID_KEY = bad signed-prekey signature) and for an incoming message (a malformed
// key inside the ciphertext).
enum class Op { process_bundle, encrypt, decrypt };

SignalError::Kind kind_for(int rc, Op op);
// Throws SignalError for rc < 0; returns otherwise.
void check(int rc, Op op, const char* what);
const char* code_name(int rc);

}  // namespace wa::signal::errors
