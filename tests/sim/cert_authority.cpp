// Issues Noise certificate chains in the CertChain layout of PROTOCOL.md §3.
#include "cert_authority.hpp"

#include "cert.pb.h"

namespace sim {

namespace {

using NoiseCertificate = wa::proto::CertChain::NoiseCertificate;

constexpr int64_t kDay = 86400;

std::string str(const util::Bytes& b) { return std::string(b.begin(), b.end()); }

// Details serialized once; the signature covers exactly these bytes.
void fill(NoiseCertificate* cert, const NoiseCertificate::Details& details, const util::curve::Key32& signer,
          bool corrupt, bool truncate) {
  const std::string raw = details.SerializeAsString();
  util::Bytes sig = util::curve::sign(signer, util::Bytes(raw.begin(), raw.end()));
  if (corrupt) sig[10] ^= 0x40;
  if (truncate) sig.pop_back();
  cert->set_details(raw);
  cert->set_signature(str(sig));
}

NoiseCertificate::Details details(uint32_t serial, uint32_t issuer, const util::Bytes& key, int64_t now,
                                  bool expired) {
  NoiseCertificate::Details d;
  d.set_serial(serial);
  d.set_issuerserial(issuer);
  d.set_key(str(key));
  if (expired) {
    d.set_notbefore(static_cast<uint64_t>(now - 30 * kDay));
    d.set_notafter(static_cast<uint64_t>(now - kDay));
  } else {
    d.set_notbefore(static_cast<uint64_t>(now - kDay));
    d.set_notafter(static_cast<uint64_t>(now + 30 * kDay));
  }
  return d;
}

}  // namespace

CertAuthority::CertAuthority()
    : root_(util::curve::KeyPair::generate()), intermediate_(util::curve::KeyPair::generate()) {}

CertAuthority::CertAuthority(const util::curve::KeyPair& root)
    : root_(root), intermediate_(util::curve::KeyPair::generate()) {}

util::Bytes CertAuthority::chain_for(const util::curve::Key32& server_static, int64_t now_unix,
                                     const CertFaults& f) const {
  wa::proto::CertChain chain;

  const uint32_t inter_issuer = f.bad_intermediate_issuer ? 7 : 0;  // the root's serial is 0
  const auto inter = details(kIntermediateSerial, inter_issuer, intermediate_.pub_bytes(), now_unix,
                             f.expired_intermediate);
  const util::curve::Key32 inter_signer =
      f.wrong_root ? util::curve::KeyPair::generate().priv : root_.priv;
  fill(chain.mutable_intermediate(), inter, inter_signer, f.bad_intermediate_signature, false);

  const util::Bytes leaf_key = f.leaf_key_mismatch ? util::curve::KeyPair::generate().pub_bytes()
                                                   : util::Bytes(server_static.begin(), server_static.end());
  const uint32_t leaf_issuer = f.bad_leaf_issuer ? kIntermediateSerial + 40 : kIntermediateSerial;
  const auto leaf = details(kLeafSerial, leaf_issuer, leaf_key, now_unix, f.expired_leaf);
  fill(chain.mutable_leaf(), leaf, intermediate_.priv, f.bad_leaf_signature, f.short_signature);

  const std::string out = chain.SerializeAsString();
  return util::Bytes(out.begin(), out.end());
}

}  // namespace sim
