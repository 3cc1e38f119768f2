// Noise server certificate chain verification: whatsmeow's full ordered list
// (PROTOCOL.md §3; whatsmeow handshake.go verifyServerCert / checkCertValidity).
#include "wa/cert_chain.hpp"

#include "cert.pb.h"
#include "util/crypto.hpp"

namespace wa {

namespace {

using Details = proto::CertChain::NoiseCertificate::Details;

constexpr uint32_t kRootSerial = 0;  // "WhatsAppLongTerm1"; the intermediate's issuer
constexpr size_t kSignatureLen = 64;

bool parse(const std::string& raw, Details& out) { return out.ParseFromString(raw); }

// notBefore <= now <= notAfter. whatsmeow converts the u64 fields with int64(...), so values
// beyond INT64_MAX become negative; the same cast keeps the verdicts identical.
bool valid_at(const Details& d, int64_t now) {
  const int64_t not_before = static_cast<int64_t>(d.notbefore());
  const int64_t not_after = static_cast<int64_t>(d.notafter());
  return not_before <= now && now <= not_after;
}

bool verify_sig(const util::Bytes& pub32, const std::string& msg, const std::string& sig) {
  return util::curve::verify(pub32, util::Bytes(msg.begin(), msg.end()), util::Bytes(sig.begin(), sig.end()));
}

}  // namespace

const char* describe(CertError e) {
  switch (e) {
    case CertError::ok: return "certificate chain is valid";
    case CertError::malformed: return "certificate chain is malformed or incomplete";
    case CertError::bad_intermediate_signature: return "intermediate certificate is not signed by the trusted root";
    case CertError::bad_intermediate_issuer: return "intermediate certificate issuer serial is not the root's";
    case CertError::bad_leaf_signature: return "leaf certificate is not signed by the intermediate";
    case CertError::intermediate_expired: return "intermediate certificate is outside its validity window";
    case CertError::bad_leaf_issuer: return "leaf certificate issuer serial does not match the intermediate";
    case CertError::leaf_key_mismatch: return "leaf certificate key does not match the server static key";
    case CertError::leaf_expired: return "leaf certificate is outside its validity window";
  }
  return "unknown certificate error";
}

CertError verify_cert_chain(const util::Bytes& cert_chain, const util::curve::Key32& trusted_root,
                            const util::Bytes& server_static, int64_t now_unix) {
  proto::CertChain chain;
  if (!chain.ParseFromArray(cert_chain.data(), static_cast<int>(cert_chain.size())))
    return CertError::malformed;
  const auto& inter = chain.intermediate();
  const auto& leaf = chain.leaf();

  // 1. all four parts present; 2. both signatures 64 bytes.
  if (!inter.has_details() || !inter.has_signature() || !leaf.has_details() || !leaf.has_signature())
    return CertError::malformed;
  if (inter.signature().size() != kSignatureLen || leaf.signature().size() != kSignatureLen)
    return CertError::malformed;

  // 3. the root signs the raw intermediate details bytes (not a re-serialization).
  const util::Bytes root(trusted_root.begin(), trusted_root.end());
  if (!verify_sig(root, inter.details(), inter.signature())) return CertError::bad_intermediate_signature;

  // 4. intermediate issued by the root, carrying a 32-byte key.
  Details inter_details;
  if (!parse(inter.details(), inter_details)) return CertError::malformed;
  if (inter_details.issuerserial() != kRootSerial) return CertError::bad_intermediate_issuer;
  if (inter_details.key().size() != 32) return CertError::malformed;

  // 5. the intermediate key signs the raw leaf details bytes.
  const util::Bytes inter_key(inter_details.key().begin(), inter_details.key().end());
  if (!verify_sig(inter_key, leaf.details(), leaf.signature())) return CertError::bad_leaf_signature;

  // 6. intermediate validity window.
  if (!valid_at(inter_details, now_unix)) return CertError::intermediate_expired;

  // 7. the leaf names the intermediate as its issuer.
  Details leaf_details;
  if (!parse(leaf.details(), leaf_details)) return CertError::malformed;
  if (leaf_details.issuerserial() != inter_details.serial()) return CertError::bad_leaf_issuer;

  // 8. the leaf certifies exactly the Noise static key the server proved in the handshake.
  const util::Bytes leaf_key(leaf_details.key().begin(), leaf_details.key().end());
  if (!util::crypto::constant_time_equal(leaf_key, server_static)) return CertError::leaf_key_mismatch;

  // 9. leaf validity window.
  if (!valid_at(leaf_details, now_unix)) return CertError::leaf_expired;
  return CertError::ok;
}

}  // namespace wa
