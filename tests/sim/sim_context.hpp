// Everything the simulator's connections share: options, the server's Noise identity and
// certificate authority, the simulated phone, the users and devices the server knows
// (directory) and the observed state.
#pragma once
#include "cert_authority.hpp"
#include "directory.hpp"
#include "phone.hpp"
#include "sim_state.hpp"
#include "simulator.hpp"
#include "util/curve25519.hpp"

namespace sim {

struct SimContext {
  explicit SimContext(SimOptions o)
      : options(std::move(o)),
        server_static(util::curve::KeyPair::generate()),
        ca(options.root_private_key
               ? CertAuthority(util::curve::KeyPair::from_private(*options.root_private_key))
               : CertAuthority()),
        directory(options, phone) {}
  SimOptions options;
  util::curve::KeyPair server_static;  // the server's Noise static key, certified by the leaf
  CertAuthority ca;                    // root -> intermediate -> leaf (§3)
  Phone phone;                         // touched on the io thread only
  Directory directory;                 // users, devices, simulated Signal devices; io thread only
  SimState state;                      // thread-safe
};

}  // namespace sim
