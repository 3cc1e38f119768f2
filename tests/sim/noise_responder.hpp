// The server (responder) side of WhatsApp's Noise XX handshake (PROTOCOL.md §2), written from
// the protocol description independently of wa::ClientHandshake so each checks the other.
// One instance per connection; throws std::runtime_error on any failure.
#pragma once
#include <optional>

#include "util/curve25519.hpp"
#include "wa/socket/noise.hpp"

namespace sim {

class NoiseResponder {
 public:
  NoiseResponder(util::curve::KeyPair server_static, util::Bytes cert_chain);

  // HandshakeMessage{clientHello} in -> HandshakeMessage{serverHello} out.
  util::Bytes server_hello(const util::Bytes& client_hello_msg);
  // HandshakeMessage{clientFinish} in -> the decrypted ClientPayload bytes.
  util::Bytes client_finish(const util::Bytes& client_finish_msg);
  // The client's Noise static key; only after client_finish.
  const util::curve::Key32& client_static() const;
  // Transport ciphers after client_finish: the server writes with the second split key.
  wa::socket::NoiseTransport transport() const;

 private:
  enum class Step { expect_hello, expect_finish, done };
  util::curve::KeyPair static_;
  util::curve::KeyPair ephemeral_;
  util::Bytes cert_chain_;
  util::Bytes client_ephemeral_;
  util::curve::Key32 client_static_{};
  wa::socket::NoiseHandshake state_;
  Step step_ = Step::expect_hello;
};

}  // namespace sim
