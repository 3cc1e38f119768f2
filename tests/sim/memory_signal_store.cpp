#include "memory_signal_store.hpp"

#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>

#include "signal_ref.hpp"
#include "util/signal_crypto_provider.hpp"

namespace sim::signal {

namespace {

MemoryStore* self(void* user_data) { return static_cast<MemoryStore*>(user_data); }

std::pair<std::string, int32_t> key_of(const signal_protocol_address* a) {
  return {std::string(a->name, a->name_len), a->device_id};
}

util::Bytes copy_of(const uint8_t* data, size_t len) {
  return data ? util::Bytes(data, data + len) : util::Bytes{};
}

signal_buffer* buffer_of(const util::Bytes& b) { return signal_buffer_create(b.data(), b.size()); }

}  // namespace

// The store callbacks, with access to the maps. libsignal frees the buffers they hand out.
struct MemoryStore::Callbacks {
  // --- sessions ---
  static int load_session(signal_buffer** record, signal_buffer** user_record,
                          const signal_protocol_address* address, void* user_data) {
    (void)user_record;
    auto& m = self(user_data)->sessions_;
    auto it = m.find(key_of(address));
    if (it == m.end()) return 0;
    *record = buffer_of(it->second);
    return *record ? 1 : SG_ERR_NOMEM;
  }
  static int sub_device_sessions(signal_int_list** sessions, const char* name, size_t name_len,
                                 void* user_data) {
    const std::string n(name, name_len);
    signal_int_list* list = signal_int_list_alloc();
    if (!list) return SG_ERR_NOMEM;
    int count = 0;
    for (const auto& [k, v] : self(user_data)->sessions_) {
      if (k.first == n) {
        signal_int_list_push_back(list, k.second);
        ++count;
      }
    }
    *sessions = list;
    return count;
  }
  static int store_session(const signal_protocol_address* address, uint8_t* record,
                           size_t record_len, uint8_t*, size_t, void* user_data) {
    self(user_data)->sessions_[key_of(address)] = copy_of(record, record_len);
    return 0;
  }
  static int contains_session(const signal_protocol_address* address, void* user_data) {
    return self(user_data)->sessions_.count(key_of(address)) ? 1 : 0;
  }
  static int delete_session(const signal_protocol_address* address, void* user_data) {
    return self(user_data)->sessions_.erase(key_of(address)) ? 1 : 0;
  }
  static int delete_all_sessions(const char* name, size_t name_len, void* user_data) {
    const std::string n(name, name_len);
    auto& m = self(user_data)->sessions_;
    int deleted = 0;
    for (auto it = m.begin(); it != m.end();) {
      if (it->first.first == n) {
        it = m.erase(it);
        ++deleted;
      } else {
        ++it;
      }
    }
    return deleted;
  }

  // --- one-time prekeys ---
  static int load_pre_key(signal_buffer** record, uint32_t id, void* user_data) {
    auto& m = self(user_data)->pre_keys_;
    auto it = m.find(id);
    if (it == m.end()) return SG_ERR_INVALID_KEY_ID;
    *record = buffer_of(it->second);
    return *record ? SG_SUCCESS : SG_ERR_NOMEM;
  }
  static int store_pre_key(uint32_t id, uint8_t* record, size_t len, void* user_data) {
    self(user_data)->pre_keys_[id] = copy_of(record, len);
    return 0;
  }
  static int contains_pre_key(uint32_t id, void* user_data) {
    return self(user_data)->pre_keys_.count(id) ? 1 : 0;
  }
  static int remove_pre_key(uint32_t id, void* user_data) {
    self(user_data)->pre_keys_.erase(id);
    return 0;
  }

  // --- signed prekeys ---
  static int load_signed_pre_key(signal_buffer** record, uint32_t id, void* user_data) {
    auto& m = self(user_data)->signed_pre_keys_;
    auto it = m.find(id);
    if (it == m.end()) return SG_ERR_INVALID_KEY_ID;
    *record = buffer_of(it->second);
    return *record ? SG_SUCCESS : SG_ERR_NOMEM;
  }
  static int store_signed_pre_key(uint32_t id, uint8_t* record, size_t len, void* user_data) {
    self(user_data)->signed_pre_keys_[id] = copy_of(record, len);
    return 0;
  }
  static int contains_signed_pre_key(uint32_t id, void* user_data) {
    return self(user_data)->signed_pre_keys_.count(id) ? 1 : 0;
  }
  static int remove_signed_pre_key(uint32_t id, void* user_data) {
    self(user_data)->signed_pre_keys_.erase(id);
    return 0;
  }

  // --- identity ---
  static int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data,
                                   void* user_data) {
    const auto& id = self(user_data)->identity_;
    util::Bytes pub{0x05};
    pub.insert(pub.end(), id.pub.begin(), id.pub.end());
    *public_data = buffer_of(pub);
    *private_data = signal_buffer_create(id.priv.data(), id.priv.size());
    return (*public_data && *private_data) ? 0 : SG_ERR_NOMEM;
  }
  static int get_local_registration_id(void* user_data, uint32_t* registration_id) {
    *registration_id = self(user_data)->registration_id_;
    return 0;
  }
  static int save_identity(const signal_protocol_address* address, uint8_t* key_data,
                           size_t key_len, void* user_data) {
    auto& m = self(user_data)->identities_;
    if (!key_data) m.erase(key_of(address));
    else m[key_of(address)] = copy_of(key_data, key_len);
    return 0;
  }
  // Trust on first use and replace on change (§9: both reference clients); the caller saves the
  // new identity after a successful decrypt.
  static int is_trusted_identity(const signal_protocol_address*, uint8_t*, size_t, void*) {
    return 1;
  }
};

MemoryStore::MemoryStore(const util::curve::KeyPair& identity, uint32_t registration_id)
    : identity_(identity), registration_id_(registration_id) {
  check(signal_protocol_store_context_create(&ctx_, util::libsignal::context()),
        "signal_protocol_store_context_create");

  signal_protocol_session_store sessions{};
  sessions.load_session_func = &Callbacks::load_session;
  sessions.get_sub_device_sessions_func = &Callbacks::sub_device_sessions;
  sessions.store_session_func = &Callbacks::store_session;
  sessions.contains_session_func = &Callbacks::contains_session;
  sessions.delete_session_func = &Callbacks::delete_session;
  sessions.delete_all_sessions_func = &Callbacks::delete_all_sessions;
  sessions.user_data = this;
  signal_protocol_store_context_set_session_store(ctx_, &sessions);

  signal_protocol_pre_key_store pre_keys{};
  pre_keys.load_pre_key = &Callbacks::load_pre_key;
  pre_keys.store_pre_key = &Callbacks::store_pre_key;
  pre_keys.contains_pre_key = &Callbacks::contains_pre_key;
  pre_keys.remove_pre_key = &Callbacks::remove_pre_key;
  pre_keys.user_data = this;
  signal_protocol_store_context_set_pre_key_store(ctx_, &pre_keys);

  signal_protocol_signed_pre_key_store signed_keys{};
  signed_keys.load_signed_pre_key = &Callbacks::load_signed_pre_key;
  signed_keys.store_signed_pre_key = &Callbacks::store_signed_pre_key;
  signed_keys.contains_signed_pre_key = &Callbacks::contains_signed_pre_key;
  signed_keys.remove_signed_pre_key = &Callbacks::remove_signed_pre_key;
  signed_keys.user_data = this;
  signal_protocol_store_context_set_signed_pre_key_store(ctx_, &signed_keys);

  signal_protocol_identity_key_store identities{};
  identities.get_identity_key_pair = &Callbacks::get_identity_key_pair;
  identities.get_local_registration_id = &Callbacks::get_local_registration_id;
  identities.save_identity = &Callbacks::save_identity;
  identities.is_trusted_identity = &Callbacks::is_trusted_identity;
  identities.user_data = this;
  signal_protocol_store_context_set_identity_key_store(ctx_, &identities);
}

MemoryStore::~MemoryStore() { signal_protocol_store_context_destroy(ctx_); }

void MemoryStore::put_pre_key(uint32_t id, const util::curve::KeyPair& kp) {
  Ref<ec_key_pair> pair = key_pair(kp);
  Ref<session_pre_key> record;
  check(session_pre_key_create(record.out(), id, pair.get()), "session_pre_key_create");
  check(signal_protocol_pre_key_store_key(ctx_, record.get()), "store pre key");
}

void MemoryStore::put_signed_pre_key(uint32_t id, const util::curve::KeyPair& kp,
                                     const util::Bytes& signature) {
  Ref<ec_key_pair> pair = key_pair(kp);
  Ref<session_signed_pre_key> record;
  check(session_signed_pre_key_create(record.out(), id, 0, pair.get(), signature.data(),
                                      signature.size()),
        "session_signed_pre_key_create");
  check(signal_protocol_signed_pre_key_store_key(ctx_, record.get()), "store signed pre key");
}

std::optional<util::Bytes> MemoryStore::remote_identity(const std::string& name,
                                                        int32_t device) const {
  auto it = identities_.find({name, device});
  if (it == identities_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sim::signal
