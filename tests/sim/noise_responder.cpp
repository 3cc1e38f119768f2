// Responder role of Noise XX with WhatsApp's conventions (PROTOCOL.md §2): the mirror image of
// the client's steps, using the shared symmetric state only.
#include "noise_responder.hpp"

#include <iterator>
#include <stdexcept>

#include "wa/socket/frame.hpp"
#include "wa6.pb.h"

namespace sim {

namespace {

util::Bytes bytes(const std::string& s) { return util::Bytes(s.begin(), s.end()); }

wa::proto::HandshakeMessage parse(const util::Bytes& b) {
  wa::proto::HandshakeMessage msg;
  if (!msg.ParseFromArray(b.data(), static_cast<int>(b.size())))
    throw std::runtime_error("noise responder: not a HandshakeMessage");
  return msg;
}

}  // namespace

NoiseResponder::NoiseResponder(util::curve::KeyPair server_static, util::Bytes cert_chain)
    : static_(server_static), ephemeral_(util::curve::KeyPair::generate()), cert_chain_(std::move(cert_chain)) {}

util::Bytes NoiseResponder::server_hello(const util::Bytes& client_hello_msg) {
  if (step_ != Step::expect_hello) throw std::runtime_error("noise responder: unexpected client hello");
  const auto msg = parse(client_hello_msg);
  if (!msg.has_clienthello() || msg.clienthello().ephemeral().size() != 32)
    throw std::runtime_error("noise responder: client hello without a 32-byte ephemeral");
  client_ephemeral_ = bytes(msg.clienthello().ephemeral());
  const util::curve::Key32 ce = util::curve::to_key32(client_ephemeral_);

  // Prologue = intro header; then both ephemerals in order (-> e, <- e).
  state_.mix_hash(util::Bytes(std::begin(wa::socket::kIntroHeader), std::end(wa::socket::kIntroHeader)));
  state_.mix_hash(client_ephemeral_);
  const util::Bytes se = ephemeral_.pub_bytes();
  state_.mix_hash(se);
  // ee, then our static encrypted (s), then es, then the certificate chain as payload.
  state_.mix_key(util::curve::agree(ephemeral_.priv, ce));
  const util::Bytes enc_static = state_.encrypt(static_.pub_bytes());
  state_.mix_key(util::curve::agree(static_.priv, ce));
  const util::Bytes enc_cert = state_.encrypt(cert_chain_);

  wa::proto::HandshakeMessage out;
  auto* sh = out.mutable_serverhello();
  sh->set_ephemeral(se.data(), se.size());
  sh->set_static_(enc_static.data(), enc_static.size());
  sh->set_payload(enc_cert.data(), enc_cert.size());
  step_ = Step::expect_finish;
  const std::string s = out.SerializeAsString();
  return bytes(s);
}

util::Bytes NoiseResponder::client_finish(const util::Bytes& client_finish_msg) {
  if (step_ != Step::expect_finish) throw std::runtime_error("noise responder: unexpected client finish");
  const auto msg = parse(client_finish_msg);
  if (!msg.has_clientfinish() || !msg.clientfinish().has_static_() || !msg.clientfinish().has_payload())
    throw std::runtime_error("noise responder: incomplete client finish");

  // -> s: the client's static key, then se: DH(our ephemeral, client static), then the payload.
  auto cs = state_.decrypt(bytes(msg.clientfinish().static_()));
  if (!cs || cs->size() != 32) throw std::runtime_error("noise responder: cannot decrypt client static");
  client_static_ = util::curve::to_key32(*cs);
  state_.mix_key(util::curve::agree(ephemeral_.priv, client_static_));
  auto payload = state_.decrypt(bytes(msg.clientfinish().payload()));
  if (!payload) throw std::runtime_error("noise responder: cannot decrypt client payload");
  step_ = Step::done;
  return *payload;
}

const util::curve::Key32& NoiseResponder::client_static() const {
  if (step_ != Step::done) throw std::runtime_error("noise responder: handshake not finished");
  return client_static_;
}

wa::socket::NoiseTransport NoiseResponder::transport() const {
  if (step_ != Step::done) throw std::runtime_error("noise responder: handshake not finished");
  auto [client_write, server_write] = state_.split();
  return wa::socket::NoiseTransport(std::move(server_write), std::move(client_write));
}

}  // namespace sim
