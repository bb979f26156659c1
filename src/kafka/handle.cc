#include "kafka/handle.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "common/log.h"
#include "kafka/client_config.h"
#include "kafka/error.h"

namespace eddy::kafka {

void HandleDeleter::operator()(rd_kafka_s* rk) const {
  rd_kafka_destroy(rk);
}

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

// librdkafka before 2.6.1 appends the client nonce twice in SCRAM's final message, which Kafka
// 4.x brokers reject as invalid credentials (confluentinc/librdkafka#4895).
bool scram_nonce_bug() {
  return rd_kafka_version() < 0x020601ff;
}

}  // namespace

ConnectionDiagnostics::ConnectionDiagnostics(const Properties& properties) {
  for (const auto& [key, value] : properties) {
    if (key == "sasl.mechanisms" || key == "sasl.mechanism") mechanism_ = value;
    if (key == "security.protocol") protocol_ = lower(value);
    if (is_secret_key(key)) secrets_[key] = value;
  }
  if (protocol_.empty()) protocol_ = "plaintext";
}

void ConnectionDiagnostics::install(rd_kafka_conf_s* conf) {
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<ConnectionDiagnostics*>(opaque)->record(err, reason != nullptr ? reason : "");
  });
}

void ConnectionDiagnostics::record(int code, const std::string& raw_reason) {
  const std::string reason = redact_secrets(raw_reason, secrets_);
  std::string cause;
  int cause_code = RD_KAFKA_RESP_ERR__AUTHENTICATION;
  if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION || contains(reason, "SASL authentication")) {
    cause = "SASL authentication failed: " + reason +
            "; check sasl.username and sasl.password, and that the listener enables "
            "sasl.mechanisms '" +
            mechanism_ + "'";
    if (lower(mechanism_).starts_with("scram") && scram_nonce_bug()) {
      cause += std::string(" (note: this librdkafka, ") + rd_kafka_version_str() +
               ", cannot authenticate with SCRAM to Kafka 4.x brokers, which reject its SCRAM "
               "nonce: use librdkafka 2.6.1 or newer, or PLAIN over SASL_SSL; docs/security.md)";
    }
  } else if (contains(reason, "certificate verify failed") ||
             contains(reason, "could not be verified")) {
    cause_code = RD_KAFKA_RESP_ERR__SSL;
    cause =
        "TLS handshake failed: the broker's certificate is not signed by a CA this client "
        "trusts: " +
        reason + "; set ssl.ca.location to the CA that signed the broker's certificate";
  } else if (contains(reason, "SSL handshake failed") || code == RD_KAFKA_RESP_ERR__SSL) {
    cause_code = RD_KAFKA_RESP_ERR__SSL;
    cause = "TLS handshake failed: " + reason +
            (protocol_ == "ssl" || protocol_ == "sasl_ssl"
                 ? "; is the port a TLS listener, and do ssl.certificate.location / "
                   "ssl.key.location hold the certificate the broker expects?"
                 : std::string());
  } else if (contains(reason, "incorrect security.protocol") ||
             contains(reason, "Disconnected while requesting ApiVersion")) {
    // A broker that is shutting down can drop one connection there too: believe it when it
    // happens again.
    std::lock_guard lock(mutex_);
    if (++protocol_mismatches_ < 2) return;
    cause_code = RD_KAFKA_RESP_ERR__TRANSPORT;
    cause_ = "the broker closed the connection at the first request, so security.protocol '" +
             protocol_ +
             "' probably does not match the listener (a TLS or SASL port needs security.protocol "
             "ssl, sasl_ssl or sasl_plaintext): " +
             reason;
    cause_code_ = cause_code;
    return;
  } else {
    return;  // transport errors (broker down, refused) may heal: no fixed cause
  }
  std::lock_guard lock(mutex_);
  cause_ = std::move(cause);
  cause_code_ = cause_code;
}

std::string ConnectionDiagnostics::cause() const {
  std::lock_guard lock(mutex_);
  return cause_;
}

int ConnectionDiagnostics::cause_code() const {
  std::lock_guard lock(mutex_);
  return cause_code_;
}

MetadataPtr fetch_metadata(rd_kafka_s* rk, const std::string& bootstrap,
                           std::chrono::milliseconds timeout,
                           const ConnectionDiagnostics* diagnostics) {
  const rd_kafka_metadata_t* metadata = nullptr;
  // Ask in slices, so a cause that retrying cannot fix (authentication, TLS) fails at once
  // instead of after the whole timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto slice = std::clamp<std::chrono::milliseconds>(left, std::chrono::milliseconds(1),
                                                             std::chrono::milliseconds(1000));
    // all_topics=1: naming a topic would auto-create it on brokers (and the embedded one).
    err = rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(slice.count()));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    // librdkafka calls the error callback from rd_kafka_poll() only.
    if (diagnostics != nullptr) rd_kafka_poll(rk, 0);
    const std::string cause = diagnostics != nullptr ? diagnostics->cause() : std::string();
    if (!cause.empty()) {
      throw KafkaError("cannot connect to Kafka at bootstrap.servers '" + bootstrap + "': " + cause,
                       diagnostics->cause_code(), /*retriable=*/false);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw KafkaError("no Kafka broker answered at bootstrap.servers '" + bootstrap + "' within " +
                           std::to_string(timeout.count()) + " ms (" + rd_kafka_err2str(err) +
                           "); is the broker running (scripts/kafka.sh status)?",
                       err, /*retriable=*/true);
    }
    // A failed request can return early (all brokers down): do not spin.
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(100) < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return MetadataPtr(metadata);
}

void MetadataDeleter::operator()(const struct rd_kafka_metadata* metadata) const {
  rd_kafka_metadata_destroy(metadata);
}

TopicPartitionCounts fetch_topic_partitions(rd_kafka_s* rk, const std::string& bootstrap,
                                            std::chrono::milliseconds timeout,
                                            const ConnectionDiagnostics* diagnostics) {
  const MetadataPtr metadata = fetch_metadata(rk, bootstrap, timeout, diagnostics);
  TopicPartitionCounts out;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& topic = metadata->topics[i];
    if (topic.err == RD_KAFKA_RESP_ERR_NO_ERROR) out[topic.topic] = topic.partition_cnt;
  }
  return out;
}

namespace {
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug.
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  spdlog::logger& log = common::librdkafka_logger();
  if (level <= 3) {
    log.error("{} {}: {}", name, facility, buf);
  } else if (level == 4) {
    log.warn("{} {}: {}", name, facility, buf);
  } else if (level <= 6) {
    log.info("{} {}: {}", name, facility, buf);
  } else {
    log.debug("{} {}: {}", name, facility, buf);
  }
}
}  // namespace

void route_logs(rd_kafka_conf_s* conf) {
  rd_kafka_conf_set_log_cb(conf, log_callback);
}

}  // namespace eddy::kafka
