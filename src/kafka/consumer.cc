#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string_view>

#include "common/log.h"
#include "kafka/client_config.h"
#include "kafka/error.h"

namespace eddy::kafka {
namespace {

using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                         decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionListPtr to_list(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())),
                        &rd_kafka_topic_partition_list_destroy);
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

PartitionListPtr to_list(const std::vector<TopicPartitionOffset>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())),
                        &rd_kafka_topic_partition_list_destroy);
  for (const auto& tpo : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tpo.topic.c_str(), tpo.partition)->offset =
        tpo.offset;
  }
  return list;
}

std::vector<TopicPartition> from_list(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

void rebalance_trampoline(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->on_rebalance_event(err, partitions);
}

}  // namespace

Consumer::Consumer(ConsumerOptions options)
    : listener_(options.listener), cooperative_(options.cooperative) {
  Properties properties = std::move(options.properties);
  properties["group.id"] = options.group_id;
  properties.try_emplace("enable.auto.commit", "false");
  properties.try_emplace("enable.auto.offset.store", "false");
  properties.try_emplace("auto.offset.reset", "earliest");
  properties.try_emplace("partition.assignment.strategy",
                         cooperative_ ? "cooperative-sticky" : "range");
  properties.try_emplace("isolation.level",
                         options.read_committed ? "read_committed" : "read_uncommitted");
  cooperative_ = properties["partition.assignment.strategy"] == "cooperative-sticky";
  bootstrap_ = properties["bootstrap.servers"];
  ConfPtr conf = make_conf(properties);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &rebalance_trampoline);
  rd_kafka_conf_set_opaque(conf.get(), this);
  route_logs(conf.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) throw KafkaError(std::string("cannot create consumer: ") + errstr);
  static_cast<void>(conf.release());
  handle_.reset(rk);
  rd_kafka_poll_set_consumer(rk);  // route all events to the consumer queue
  queue_ = rd_kafka_queue_get_consumer(rk);
}

Consumer::~Consumer() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("consumer close: {}", e.what());
  }
}

void Consumer::subscribe(const std::vector<std::string>& topics) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())),
                        &rd_kafka_topic_partition_list_destroy);
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  throw_if_error(rd_kafka_subscribe(handle_.get(), list.get()), "subscribe");
}

void Consumer::assign(const std::vector<TopicPartitionOffset>& partitions) {
  throw_if_error(rd_kafka_assign(handle_.get(), to_list(partitions).get()), "assign");
}

std::vector<Message> Consumer::poll_batch(size_t max, std::chrono::milliseconds timeout) {
  std::vector<Message> out;
  out.reserve(max);
  poll_batch(max, timeout, out);
  return out;
}

void Consumer::poll_batch(size_t max, std::chrono::milliseconds timeout,
                          std::vector<Message>& out) {
  if (closed_) throw KafkaError("poll on a closed consumer");
  if (raw_.size() < max) raw_.resize(max);
  std::vector<rd_kafka_message_t*>& raw = raw_;
  // Wait (up to `timeout`) for the first message only, then take what is already queued
  // without waiting. A batch call that waits holds records back until the batch fills: 2000
  // records at 20 000 records/s would add 100 ms to every record's latency. Both calls serve
  // rebalance callbacks on this thread.
  ssize_t n = 0;
  if (max > 0) {
    if (rd_kafka_message_t* first =
            rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count()))) {
      raw[0] = first;
      n = 1;
      if (max > 1) {
        const ssize_t more = rd_kafka_consume_batch_queue(queue_, 0, raw.data() + 1, max - 1);
        if (more > 0) n += more;
      }
    }
  }
  // Messages not yet handed out are destroyed when this throws: a message that outlives its
  // consumer would make the consumer's destructor wait for it forever.
  size_t next = 0;
  struct ReleaseRest {
    std::vector<rd_kafka_message_t*>& raw;
    size_t& next;
    size_t count;
    ~ReleaseRest() {
      for (size_t i = next; i < count; ++i) rd_kafka_message_destroy(raw[i]);
    }
  } release_rest{raw, next, static_cast<size_t>(n)};
  rethrow_callback_error();
  while (next < static_cast<size_t>(n)) {
    rd_kafka_message_t* m = raw[next++];
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.emplace_back(m);
      continue;
    }
    const rd_kafka_resp_err_t err = m->err;
    const std::string text = rd_kafka_message_errstr(m);
    rd_kafka_message_destroy(m);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_fatal_error(handle_.get(), reason, sizeof reason);
      throw KafkaError(std::string("fatal consumer error: ") + reason, err, false, true);
    }
    if (err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
        err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      throw KafkaError("consumer: " + text, err);
    }
    EDDY_LOG_WARN("consumer: {} ({})", text, rd_kafka_err2name(err));
  }
}

void Consumer::commit(const std::vector<TopicPartitionOffset>& offsets) {
  if (offsets.empty()) return;
  throw_if_error(rd_kafka_commit(handle_.get(), to_list(offsets).get(), /*async=*/0),
                 "commit offsets");
}

std::vector<TopicPartitionOffset> Consumer::committed(const std::vector<TopicPartition>& partitions,
                                                      std::chrono::milliseconds timeout) {
  PartitionListPtr list = to_list(partitions);
  throw_if_error(rd_kafka_committed(handle_.get(), list.get(), static_cast<int>(timeout.count())),
                 "fetch committed offsets");
  std::vector<TopicPartitionOffset> out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  }
  return out;
}

std::pair<int64_t, int64_t> Consumer::watermarks(const TopicPartition& partition,
                                                 std::chrono::milliseconds timeout) {
  int64_t low = -1;
  int64_t high = -1;
  throw_if_error(
      rd_kafka_query_watermark_offsets(handle_.get(), partition.topic.c_str(), partition.partition,
                                       &low, &high, static_cast<int>(timeout.count())),
      "query watermarks of " + partition.topic + "-" + std::to_string(partition.partition));
  return {low, high};
}

int64_t Consumer::position(const TopicPartition& partition) {
  PartitionListPtr list = to_list(std::vector<TopicPartition>{partition});
  throw_if_error(rd_kafka_position(handle_.get(), list.get()), "position");
  return list->elems[0].offset;
}

int64_t Consumer::lag(const TopicPartition& partition) {
  int64_t low = -1;
  int64_t high = -1;
  if (rd_kafka_get_watermark_offsets(handle_.get(), partition.topic.c_str(), partition.partition,
                                     &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return -1;
  }
  const int64_t next = position(partition);
  return next < 0 ? -1 : std::max<int64_t>(0, high - next);
}

void Consumer::pause(const std::vector<TopicPartition>& partitions) {
  throw_if_error(rd_kafka_pause_partitions(handle_.get(), to_list(partitions).get()), "pause");
}

void Consumer::resume(const std::vector<TopicPartition>& partitions) {
  throw_if_error(rd_kafka_resume_partitions(handle_.get(), to_list(partitions).get()), "resume");
}

void Consumer::seek(const TopicPartition& partition, int64_t offset,
                    std::chrono::milliseconds timeout) {
  PartitionListPtr list =
      to_list(std::vector<TopicPartitionOffset>{{partition.topic, partition.partition, offset}});
  const std::string what = "seek " + partition.topic + "-" + std::to_string(partition.partition) +
                           " to offset " + std::to_string(offset);
  throw_if_error(
      rd_kafka_seek_partitions(handle_.get(), list.get(), static_cast<int>(timeout.count())), what);
  // The call succeeds when the partition's seek did not (not assigned or not fetching yet,
  // timed out): the position would stay where it was, and a rewind would silently skip what
  // it re-reads. Retriable: the rewind tries again a second later.
  if (const rd_kafka_resp_err_t err = list->elems[0].err; err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")", err,
                     /*retriable=*/true);
  }
}

std::vector<TopicPartition> Consumer::assignment() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  throw_if_error(rd_kafka_assignment(handle_.get(), &list), "assignment");
  PartitionListPtr owned(list, &rd_kafka_topic_partition_list_destroy);
  return from_list(list);
}

std::shared_ptr<void> Consumer::group_metadata() {
  rd_kafka_consumer_group_metadata_t* metadata = rd_kafka_consumer_group_metadata(handle_.get());
  return std::shared_ptr<void>(metadata, [](void* p) {
    rd_kafka_consumer_group_metadata_destroy(static_cast<rd_kafka_consumer_group_metadata_t*>(p));
  });
}

int32_t Consumer::group_generation() {
  // librdkafka 2.0 has no getter; its serialized group metadata (rd_kafka_consumer_group_
  // metadata_write, "for client binding use") starts with "CGMDv2:" and the generation id
  // (host byte order). Any other format: unknown.
  std::shared_ptr<void> metadata = group_metadata();
  void* buffer = nullptr;
  size_t size = 0;
  rd_kafka_error_t* error = rd_kafka_consumer_group_metadata_write(
      static_cast<const rd_kafka_consumer_group_metadata_t*>(metadata.get()), &buffer, &size);
  if (error != nullptr) {
    rd_kafka_error_destroy(error);
    return -1;
  }
  static constexpr std::string_view kMagic = "CGMDv2:";
  int32_t generation = -1;
  if (size >= kMagic.size() + sizeof generation &&
      std::string_view(static_cast<const char*>(buffer), kMagic.size()) == kMagic) {
    std::memcpy(&generation, static_cast<const char*>(buffer) + kMagic.size(), sizeof generation);
  }
  rd_kafka_mem_free(nullptr, buffer);
  return generation;
}

TopicPartitionCounts Consumer::topic_partitions(std::chrono::milliseconds timeout) {
  return fetch_topic_partitions(handle_.get(), bootstrap_, timeout);
}

void Consumer::close() {
  if (closed_) return;
  closed_ = true;
  // librdkafka requires the consumer queue reference to be released before
  // rd_kafka_consumer_close(); holding it makes close wait forever, now and then.
  if (queue_ != nullptr) {
    rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
  }
  throw_if_error(rd_kafka_consumer_close(handle_.get()), "consumer close");
  rethrow_callback_error();
}

void Consumer::on_rebalance_event(int err, rd_kafka_topic_partition_list_s* partitions) noexcept {
  try {
    handle_rebalance(err, partitions);
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
  }
}

void Consumer::rethrow_callback_error() {
  if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
}

void Consumer::handle_rebalance(int err, rd_kafka_topic_partition_list_s* partitions) {
  rd_kafka_t* rk = handle_.get();
  // NULL while the consumer is in no group generation (e.g. a rejoin after lost partitions
  // that completes during rd_kafka_consumer_close()).
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  const bool incremental = protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
  const std::vector<TopicPartition> changed = from_list(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (incremental) {
      throw_if_error(rd_kafka_incremental_assign(rk, partitions), "incremental assign");
    } else {
      throw_if_error(rd_kafka_assign(rk, partitions), "assign");
    }
    // librdkafka keeps a partition's pause across unassign and assign (librdkafka#1849); the
    // Java consumer does not, and the owner (a stream thread) forgets a revoked partition's
    // pause with its task. A partition paused when it was revoked and handed back would
    // never be fetched again: every newly assigned partition starts resumed.
    throw_if_error(rd_kafka_resume_partitions(rk, partitions), "resume assigned partitions");
    EDDY_LOG_DEBUG("consumer: {} partition(s) assigned", changed.size());
    if (listener_ != nullptr) listener_->on_partitions_assigned(changed);
    return;
  }
  // Revoke (or lose): tell the listener first so it can commit while it still owns them.
  // The unassign happens whatever the listener does: a rebalance left half done (partitions
  // still assigned) makes the group wait for this member and rd_kafka_consumer_close() block
  // for ever. The listener's error is raised after it, from the next poll.
  const bool lost = rd_kafka_assignment_lost(rk) != 0;
  std::exception_ptr listener_error;
  if (listener_ != nullptr) {
    try {
      if (lost) {
        listener_->on_partitions_lost(changed);
      } else {
        listener_->on_partitions_revoked(changed);
      }
    } catch (...) {
      listener_error = std::current_exception();
    }
  }
  EDDY_LOG_DEBUG("consumer: {} partition(s) {}", changed.size(), lost ? "lost" : "revoked");
  if (incremental) {
    throw_if_error(rd_kafka_incremental_unassign(rk, partitions), "incremental unassign");
  } else {
    throw_if_error(rd_kafka_assign(rk, nullptr), "unassign");
  }
  if (listener_error) std::rethrow_exception(listener_error);
}

}  // namespace eddy::kafka
