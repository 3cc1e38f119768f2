// libsignal session-store callbacks -> Store sessions, keyed by Signal address (name, device id),
// PROTOCOL.md §9. The user_record side channel is not used (never set, never stored).
#include "wa/signal/store_callbacks.hpp"

namespace wa::signal::callbacks {
namespace {

int load_session(signal_buffer** record, signal_buffer** /*user_record*/,
                 const signal_protocol_address* address, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    auto stored = a.store().load_session(name_of(address), static_cast<uint32_t>(address->device_id));
    if (!stored) return 0;  // libsignal then starts from a fresh record
    int rc = give_buffer(record, *stored);
    return rc < 0 ? rc : 1;
  });
}

// The header's contract: "all known devices with active sessions for a recipient". libsignal's
// own test store returns every device; Java libsignal's stores skip device 1 because its
// default device id is 1, but in WhatsApp 0 is the phone and 1 an ordinary companion, so
// nothing is skipped here.
int get_sub_device_sessions(signal_int_list** sessions, const char* name, size_t name_len,
                            void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const auto devices = a.store().session_devices(name_of(name, name_len));
    signal_int_list* list = signal_int_list_alloc();
    if (!list) return SG_ERR_NOMEM;
    for (uint32_t d : devices) {
      if (signal_int_list_push_back(list, static_cast<int>(d)) < 0) {
        signal_int_list_free(list);
        return SG_ERR_NOMEM;
      }
    }
    *sessions = list;
    return static_cast<int>(devices.size());
  });
}

int store_session(const signal_protocol_address* address, uint8_t* record, size_t record_len,
                  uint8_t* /*user_record*/, size_t /*user_record_len*/, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    a.store().store_session(name_of(address), static_cast<uint32_t>(address->device_id),
                            util::Bytes(record, record + record_len));
    return SG_SUCCESS;
  });
}

int contains_session(const signal_protocol_address* address, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    return a.store().contains_session(name_of(address), static_cast<uint32_t>(address->device_id))
               ? 1
               : 0;
  });
}

int delete_session(const signal_protocol_address* address, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const std::string name = name_of(address);
    const auto device = static_cast<uint32_t>(address->device_id);
    if (!a.store().contains_session(name, device)) return 0;
    a.store().delete_session(name, device);
    return 1;
  });
}

int delete_all_sessions(const char* name, size_t name_len, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    const std::string n = name_of(name, name_len);
    const auto count = a.store().session_devices(n).size();
    a.store().delete_all_sessions(n);
    return static_cast<int>(count);
  });
}

}  // namespace

signal_protocol_session_store session_store(StoreAdapter* adapter) {
  signal_protocol_session_store s{};
  s.load_session_func = load_session;
  s.get_sub_device_sessions_func = get_sub_device_sessions;
  s.store_session_func = store_session;
  s.contains_session_func = contains_session;
  s.delete_session_func = delete_session;
  s.delete_all_sessions_func = delete_all_sessions;
  s.destroy_func = nullptr;
  s.user_data = adapter;
  return s;
}

}  // namespace wa::signal::callbacks
