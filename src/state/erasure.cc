#include "state/erasure.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "eddy/errors.h"
#include "eddy/state/bytes_stores.h"
#include "eddy/state/versioned_key_value_store.h"
#include "state/layered_store.h"
#include "state/versioned_store.h"

namespace eddy::state {
namespace {

// Puts the stack into erasing mode for its lifetime (LayeredStore::set_erasing).
class ErasingScope {
 public:
  explicit ErasingScope(StateStore& store) : layered_(dynamic_cast<LayeredStore*>(&store)) {
    if (layered_ != nullptr) layered_->set_erasing(true);
  }
  ~ErasingScope() {
    if (layered_ != nullptr) layered_->set_erasing(false);
  }
  ErasingScope(const ErasingScope&) = delete;
  ErasingScope& operator=(const ErasingScope&) = delete;

 private:
  LayeredStore* layered_;
};

}  // namespace

int64_t erase_key(StateStore& store, std::string_view key) {
  // Before the key-value case: a versioned store is one too (its latest versions), where a
  // tombstone would only be a delete version, leaving the older versions readable.
  if (auto* versioned = dynamic_cast<VersionedStore*>(&store)) return versioned->erase(key);
  if (dynamic_cast<BytesVersionedKeyValueStore*>(&store) != nullptr) {
    throw StateStoreError("store '" + store.name() +
                          "' is a versioned key-value store that erasure does not know (not "
                          "Eddy's VersionedStore), so it cannot remove its versions");
  }
  ErasingScope erasing(store);
  int64_t erased = 0;
  if (auto* kv = dynamic_cast<BytesKeyValueStore*>(&store)) {
    // Only a key that is there: a tombstone for nothing would still be logged.
    if (kv->get(key)) {
      kv->put(key, std::nullopt);
      ++erased;
    }
    return erased;
  }
  if (auto* windows = dynamic_cast<BytesWindowStore*>(&store)) {
    std::vector<int64_t> starts;  // collected first: no writes under an open iterator
    for (auto it = windows->fetch(key, 0, std::numeric_limits<int64_t>::max()); it->valid();
         it->next()) {
      if (starts.empty() || starts.back() != it->window_start()) {
        starts.push_back(it->window_start());
      }
    }
    for (int64_t start : starts) windows->put(key, std::nullopt, start);
    return static_cast<int64_t>(starts.size());
  }
  if (auto* sessions = dynamic_cast<BytesSessionStore*>(&store)) {
    std::vector<SessionWindow> found;
    for (auto it = sessions->fetch(key); it->valid(); it->next()) found.push_back(it->window());
    for (const auto& window : found) sessions->remove(key, window);
    return static_cast<int64_t>(found.size());
  }
  throw StateStoreError("store '" + store.name() + "' is of a kind erasure does not know");
}

}  // namespace eddy::state
