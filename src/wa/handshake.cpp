// Client (initiator) side of WhatsApp's Noise XX handshake, PROTOCOL.md §2 steps 1-14
// (whatsmeow handshake.go doHandshake), as a pure state machine.
#include "wa/handshake.hpp"

#include "util/crypto.hpp"
#include "wa/socket/frame.hpp"
#include "wa6.pb.h"

namespace wa {

namespace {

util::Bytes to_bytes(const std::string& s) { return util::Bytes(s.begin(), s.end()); }

util::Bytes serialize(const proto::HandshakeMessage& msg) {
  std::string out;
  if (!msg.SerializeToString(&out)) throw HandshakeError("failed to serialize handshake message");
  return to_bytes(out);
}

// X25519 that reports a small-order (all-zero) result as a handshake failure.
util::Bytes dh(const util::curve::Key32& priv, const util::Bytes& pub, const char* what) {
  try {
    return util::curve::agree(priv, util::curve::to_key32(pub));
  } catch (const std::exception&) {
    throw HandshakeError(std::string("X25519 failed for ") + what);
  }
}

}  // namespace

ClientHandshake::ClientHandshake(util::curve::KeyPair noise_static, util::curve::Key32 trusted_root,
                                 int64_t now_unix)
    : ClientHandshake(noise_static, util::curve::KeyPair::generate(), trusted_root, now_unix) {}

ClientHandshake::ClientHandshake(util::curve::KeyPair noise_static, util::curve::KeyPair ephemeral,
                                 util::curve::Key32 trusted_root, int64_t now_unix)
    : static_(noise_static), ephemeral_(ephemeral), root_(trusted_root), now_(now_unix) {}

util::Bytes ClientHandshake::client_hello() {
  if (hello_sent_) throw HandshakeError("client hello already produced");
  hello_sent_ = true;
  // 2. The prologue is the 4-byte intro header only (57 41 06 03).
  state_.mix_hash(util::Bytes(std::begin(socket::kIntroHeader), std::end(socket::kIntroHeader)));
  // 3. MixHash(e.pub); 4. HandshakeMessage{clientHello{ephemeral}}, no other field set.
  const util::Bytes e_pub = ephemeral_.pub_bytes();
  state_.mix_hash(e_pub);
  proto::HandshakeMessage msg;
  msg.mutable_clienthello()->set_ephemeral(e_pub.data(), e_pub.size());
  return serialize(msg);
}

util::Bytes ClientHandshake::client_finish(const util::Bytes& server_hello,
                                           const util::Bytes& client_payload) {
  if (!hello_sent_ || finished_) throw HandshakeError("client finish out of order");

  // 5. HandshakeMessage{serverHello{ephemeral (32), static, payload}} (whatsmeow rejects otherwise).
  proto::HandshakeMessage msg;
  if (!msg.ParseFromArray(server_hello.data(), static_cast<int>(server_hello.size())))
    throw HandshakeError("server hello is not a HandshakeMessage");
  if (!msg.has_serverhello()) throw HandshakeError("handshake message has no serverHello");
  const auto& sh = msg.serverhello();
  if (!sh.has_ephemeral() || sh.ephemeral().size() != 32 || !sh.has_static_() || !sh.has_payload())
    throw HandshakeError("missing parts of server hello");
  const util::Bytes re = to_bytes(sh.ephemeral());

  // 6. MixHash(re); MixKey(DH(e, re)).
  state_.mix_hash(re);
  state_.mix_key(dh(ephemeral_.priv, re, "server ephemeral"));

  // 7. rs = Decrypt(S), counter 0; a 32-byte key.
  auto rs = state_.decrypt(to_bytes(sh.static_()));
  if (!rs) throw HandshakeError("failed to decrypt server static key");
  if (rs->size() != 32) throw HandshakeError("server static key is not 32 bytes");

  // 8. MixKey(DH(e, rs)).
  state_.mix_key(dh(ephemeral_.priv, *rs, "server static"));

  // 9. cert = Decrypt(P), counter 0; verify the chain (§3) against rs.
  auto cert = state_.decrypt(to_bytes(sh.payload()));
  if (!cert) throw HandshakeError("failed to decrypt server certificate");
  const CertError ce = verify_cert_chain(*cert, root_, *rs, now_);
  if (ce != CertError::ok) throw HandshakeError(std::string("server certificate: ") + describe(ce), ce);

  // 10. C1 = Encrypt(noise.pub) with counter 1 (no MixKey since step 9).
  const util::Bytes c1 = state_.encrypt(static_.pub_bytes());
  // 11. MixKey(DH(noise, re)).
  state_.mix_key(dh(static_.priv, re, "noise key"));
  // 12. C2 = Encrypt(ClientPayload), counter 0.
  const util::Bytes c2 = state_.encrypt(client_payload);

  // 13. HandshakeMessage{clientFinish{static = C1, payload = C2}}.
  proto::HandshakeMessage finish;
  finish.mutable_clientfinish()->set_static_(c1.data(), c1.size());
  finish.mutable_clientfinish()->set_payload(c2.data(), c2.size());
  util::Bytes out = serialize(finish);
  finished_ = true;
  return out;
}

socket::NoiseTransport ClientHandshake::transport() const {
  if (!finished_) throw HandshakeError("transport requested before the handshake finished");
  // 14. Split: the initiator writes with the first half, reads with the second.
  auto [write, read] = state_.split();
  return socket::NoiseTransport(std::move(write), std::move(read));
}

}  // namespace wa
