// The session store facade: BytesSessionStore over a SegmentedBytesStore stack. Sessions are
// segmented by their end; the key layout (key_schema.h) sorts a key's sessions by end so
// find_sessions() seeks to the earliest end it can match.
#pragma once

#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/layered_store.h"
#include "state/segmented_store.h"

namespace eddy::state {

class SegmentedSessionStore final : public BytesSessionStore, public LayeredStore {
 public:
  explicit SegmentedSessionStore(std::unique_ptr<SegmentedBytesStore> segments)
      : inner_(std::move(segments)) {}

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override { inner_->flush(); }
  void close() override { inner_->close(); }
  StateStore* wrapped() const override { return inner_.get(); }
  // Erasing: reads are not clamped to the retention period, so an erasure also removes the
  // sessions past it that a live segment still holds (and the changelog still has).
  void set_erasing(bool on) override {
    erasing_ = on;
    LayeredStore::set_erasing(on);
  }

  std::unique_ptr<SessionIterator> find_sessions(std::string_view key, int64_t earliest_session_end,
                                                 int64_t latest_session_start) override;
  std::optional<Bytes> fetch_session(std::string_view key, SessionWindow window) override;
  void put(std::string_view key, SessionWindow window,
           std::optional<std::string_view> value) override;
  std::unique_ptr<SessionIterator> fetch(std::string_view key) override;
  std::unique_ptr<SessionIterator> fetch_all(int64_t earliest_session_end,
                                             int64_t latest_session_end) override;
  int64_t retention_period() const override { return inner_->segments().retention_ms; }

 private:
  int64_t stream_time() const;

  std::unique_ptr<SegmentedBytesStore> inner_;
  int64_t put_stream_time_ = kNoStreamTime;
  bool erasing_ = false;
};

}  // namespace eddy::state
