// The client (initiator) side of WhatsApp's Noise XX handshake (PROTOCOL.md §2), as a pure state
// machine with no I/O: the connection feeds it frames and sends what it returns.
#pragma once
#include <stdexcept>
#include <string>
#include "util/curve25519.hpp"
#include "wa/cert_chain.hpp"
#include "wa/socket/noise.hpp"

namespace wa {

struct HandshakeError : std::runtime_error {
  CertError cert = CertError::ok;  // set when the failure is the certificate chain
  explicit HandshakeError(const std::string& what, CertError c = CertError::ok)
      : std::runtime_error(what), cert(c) {}
};

class ClientHandshake {
 public:
  // noise_static: the companion's long-term Noise key; a fresh ephemeral key is made per instance.
  ClientHandshake(util::curve::KeyPair noise_static, util::curve::Key32 trusted_root,
                  int64_t now_unix);
  // For tests: a fixed ephemeral key.
  ClientHandshake(util::curve::KeyPair noise_static, util::curve::KeyPair ephemeral,
                  util::curve::Key32 trusted_root, int64_t now_unix);

  // Serialized HandshakeMessage{clientHello{ephemeral}}; the frame payload to send first.
  util::Bytes client_hello();
  // Consumes the serialized HandshakeMessage{serverHello}, verifies the certificate chain and
  // returns the serialized HandshakeMessage{clientFinish} carrying the encrypted client payload.
  // Throws HandshakeError on any failure.
  util::Bytes client_finish(const util::Bytes& server_hello, const util::Bytes& client_payload);
  // The transport ciphers (client writes with the first split key). Only after client_finish.
  socket::NoiseTransport transport() const;

 private:
  util::curve::KeyPair static_, ephemeral_;
  util::curve::Key32 root_;
  int64_t now_;
  socket::NoiseHandshake state_;
  bool hello_sent_ = false;  // added: client_hello() may run once, before client_finish()
  bool finished_ = false;
};

}  // namespace wa
