// libsignal sender-key-store callbacks (groups; 1:1 sending never reaches them) -> Store
// sender_keys keyed by group id and the sender's Signal address. user_record is not kept.
#include "wa/signal/store_callbacks.hpp"

namespace wa::signal::callbacks {
namespace {

int store_sender_key(const signal_protocol_sender_key_name* name, uint8_t* record,
                     size_t record_len, uint8_t* /*user_record*/, size_t /*user_record_len*/,
                     void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    a.store().store_sender_key(name_of(name->group_id, name->group_id_len),
                               name_of(&name->sender),
                               static_cast<uint32_t>(name->sender.device_id),
                               util::Bytes(record, record + record_len));
    return SG_SUCCESS;
  });
}

int load_sender_key(signal_buffer** record, signal_buffer** /*user_record*/,
                    const signal_protocol_sender_key_name* name, void* user_data) {
  return guarded(user_data, [&](StoreAdapter& a) {
    auto stored = a.store().load_sender_key(name_of(name->group_id, name->group_id_len),
                                            name_of(&name->sender),
                                            static_cast<uint32_t>(name->sender.device_id));
    if (!stored) return 0;
    int rc = give_buffer(record, *stored);
    return rc < 0 ? rc : 1;
  });
}

}  // namespace

signal_protocol_sender_key_store sender_key_store(StoreAdapter* adapter) {
  signal_protocol_sender_key_store s{};
  s.store_sender_key = store_sender_key;
  s.load_sender_key = load_sender_key;
  s.destroy_func = nullptr;
  s.user_data = adapter;
  return s;
}

}  // namespace wa::signal::callbacks
