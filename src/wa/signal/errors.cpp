#include "wa/signal/errors.hpp"

#include <signal/signal_protocol.h>

#include <string>

namespace wa::signal::errors {

const char* code_name(int rc) {
  switch (rc) {
    case SG_ERR_NOMEM: return "SG_ERR_NOMEM";
    case SG_ERR_INVAL: return "SG_ERR_INVAL";
    case SG_ERR_UNKNOWN: return "SG_ERR_UNKNOWN";
    case SG_ERR_DUPLICATE_MESSAGE: return "SG_ERR_DUPLICATE_MESSAGE";
    case SG_ERR_INVALID_KEY: return "SG_ERR_INVALID_KEY";
    case SG_ERR_INVALID_KEY_ID: return "SG_ERR_INVALID_KEY_ID";
    case SG_ERR_INVALID_MAC: return "SG_ERR_INVALID_MAC";
    case SG_ERR_INVALID_MESSAGE: return "SG_ERR_INVALID_MESSAGE";
    case SG_ERR_INVALID_VERSION: return "SG_ERR_INVALID_VERSION";
    case SG_ERR_LEGACY_MESSAGE: return "SG_ERR_LEGACY_MESSAGE";
    case SG_ERR_NO_SESSION: return "SG_ERR_NO_SESSION";
    case SG_ERR_STALE_KEY_EXCHANGE: return "SG_ERR_STALE_KEY_EXCHANGE";
    case SG_ERR_UNTRUSTED_IDENTITY: return "SG_ERR_UNTRUSTED_IDENTITY";
    case SG_ERR_VRF_SIG_VERIF_FAILED: return "SG_ERR_VRF_SIG_VERIF_FAILED";
    case SG_ERR_INVALID_PROTO_BUF: return "SG_ERR_INVALID_PROTO_BUF";
    default: return "libsignal error";
  }
}

SignalError::Kind kind_for(int rc, Op op) {
  using K = SignalError::Kind;
  switch (rc) {
    case SG_ERR_DUPLICATE_MESSAGE:
      return K::duplicate_message;  // old counter: WM drops the payload, still sends a receipt
    case SG_ERR_UNTRUSTED_IDENTITY:
      return K::untrusted_identity;
    case SG_ERR_NO_SESSION:
      return K::no_session;
    case SG_ERR_INVALID_MESSAGE:
    case SG_ERR_INVALID_MAC:
    case SG_ERR_INVALID_PROTO_BUF:
    case SG_ERR_INVALID_VERSION:
    case SG_ERR_LEGACY_MESSAGE:
    case SG_ERR_STALE_KEY_EXCHANGE:
      return K::invalid_message;
    case SG_ERR_INVALID_KEY:
      // For a bundle: bad signed-prekey signature or missing signed prekey (session_builder.c).
      // In a received message it is the message that is malformed.
      return op == Op::decrypt ? K::invalid_message : K::invalid_key;
    case SG_ERR_INVALID_KEY_ID:
      // A pkmsg names a one-time or signed prekey we do not have (consumed or never uploaded).
      return K::invalid_key;
    default:
      return K::internal;
  }
}

void check(int rc, Op op, const char* what) {
  if (rc >= 0) return;
  throw SignalError(kind_for(rc, op),
                    std::string(what) + " failed: " + code_name(rc) + " (" + std::to_string(rc) + ")");
}

}  // namespace wa::signal::errors
