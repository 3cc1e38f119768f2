#include "wa/store/sync_pool.hpp"

#include "wa/store/device_store.hpp"

namespace wa::store {

void SyncPool::schedule(std::shared_ptr<Store> store) {
  workers_.post([this, store = std::move(store)]() mutable {
    if (store->sync_step()) schedule(std::move(store));
  });
}

}  // namespace wa::store
