// eddy/detail/dsl/test_topics_impl.h — out-of-line members of TestInputTopic / TestOutputTopic,
// which need the complete TopologyTestDriver (internal; included by topology_test_driver.h).
#pragma once

namespace eddy {

template <typename K, typename V>
void TestInputTopic<K, V>::pipe(std::optional<Bytes> key, std::optional<Bytes> value,
                                std::optional<int64_t> ts, Headers headers,
                                std::optional<int32_t> partition) {
  const int64_t timestamp = ts.value_or(time_);
  if (!ts) time_ += advance_;
  driver_->pipe_raw(topic_, std::move(key), std::move(value), timestamp, std::move(headers),
                    partition);
}

template <typename K, typename V>
TestRecord<K, V> TestOutputTopic<K, V>::read_record() {
  if (peeked_) {
    auto r = std::move(*peeked_);
    peeked_.reset();
    return r;
  }
  auto raw = driver_->read_raw(topic_);
  if (!raw) throw Error("topic '" + topic_ + "' has no unread record");
  TestRecord<K, V> r;
  r.null_key = !raw->key.has_value();
  if (raw->key) r.key = key_serde_.deserialize(*raw->key);
  if (raw->value) r.value = value_serde_.deserialize(*raw->value);
  r.timestamp = raw->timestamp;
  r.headers = std::move(raw->headers);
  r.partition = raw->partition;
  return r;
}

template <typename K, typename V>
K TestOutputTopic<K, V>::peek_key() {
  if (!peeked_) peeked_ = read_record();
  return peeked_->key;
}

template <typename K, typename V>
bool TestOutputTopic<K, V>::is_empty() const {
  return !peeked_ && driver_->unread(topic_) == 0;
}

template <typename K, typename V>
size_t TestOutputTopic<K, V>::queue_size() const {
  return driver_->unread(topic_) + (peeked_ ? 1 : 0);
}

}  // namespace eddy
