// Everything the simulator's connections share: options, the server's Noise identity and
// certificate authority, the simulated phone, the users and devices the server knows
// (directory) and the observed state.
#pragma once
#include "accounts.hpp"
#include "cert_authority.hpp"
#include "directory.hpp"
#include "fault_plan.hpp"
#include "message_desk.hpp"
#include "phone.hpp"
#include "sim_observations.hpp"
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
        accounts(options.phone_number, options.lid_user, phone),
        directory(options, phone) {}
  SimOptions options;
  util::curve::KeyPair server_static;  // the server's Noise static key, certified by the leaf
  CertAuthority ca;                    // root -> intermediate -> leaf (§3)
  Phone phone;                         // touched on the io thread only
  Accounts accounts;                   // phone is account 0; io thread only (issue 4)
  Directory directory;                 // users, devices, simulated Signal devices; io thread only
  SimState state;                      // thread-safe
  FaultPlan faults;                    // thread-safe (issue 4)
  Observations observed;               // thread-safe (issue 4)
  MessageDesk desk;                    // thread-safe (issue 4: retries, offline queue, receipts)
};

}  // namespace sim
