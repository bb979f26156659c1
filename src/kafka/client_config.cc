#include "kafka/client_config.h"

#include <librdkafka/rdkafka.h>

#include <charconv>
#include <string_view>

#include "eddy/errors.h"
#include "kafka/embedded_cluster.h"

namespace eddy::kafka {

void ConfDeleter::operator()(rd_kafka_conf_s* conf) const {
  rd_kafka_conf_destroy(conf);
}

ConfPtr make_conf(const Properties& properties) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      throw ConfigError(key, redact_secrets(errstr, properties) +
                                 " (keys Eddy does not know are passed to librdkafka; see "
                                 "docs/configuration.md)");
    }
  }
  return conf;
}

std::string redact_secrets(std::string text, const Properties& properties) {
  for (const auto& [key, value] : properties) {
    if (value.empty() || !is_secret_key(key)) continue;
    for (size_t at = text.find(value); at != std::string::npos;
         at = text.find(value, at + kHiddenValue.size())) {
      text.replace(at, value.size(), kHiddenValue);
    }
  }
  return text;
}

void check_client_property(const std::string& key, const std::string& value) {
  make_conf({{key, value}});
}

namespace {

constexpr std::string_view kConsumerPrefix = "consumer.";
constexpr std::string_view kProducerPrefix = "producer.";
constexpr std::string_view kAdminPrefix = "admin.";

std::string_view prefix_of(ClientKind kind) {
  switch (kind) {
    case ClientKind::kConsumer:
      return kConsumerPrefix;
    case ClientKind::kProducer:
      return kProducerPrefix;
    case ClientKind::kAdmin:
      return kAdminPrefix;
  }
  return {};
}

bool has_client_prefix(std::string_view key) {
  return key.starts_with(kConsumerPrefix) || key.starts_with(kProducerPrefix) ||
         key.starts_with(kAdminPrefix);
}

}  // namespace

Properties client_properties(const StreamsConfig& config, ClientKind kind) {
  Properties out;
  out["bootstrap.servers"] = resolve_bootstrap_servers(config.bootstrap_servers);
  for (const auto& [key, value] : config.client_properties) {
    if (!has_client_prefix(key)) out[key] = value;
  }
  const std::string_view prefix = prefix_of(kind);
  for (const auto& [key, value] : config.client_properties) {
    if (std::string_view(key).starts_with(prefix)) out[key.substr(prefix.size())] = value;
  }
  // Each client is named as in Kafka Streams, <client.id>-consumer / -producer / -admin, with
  // client.id defaulting to the application id (librdkafka would call them all "rdkafka"). A
  // client.id given for one kind (consumer.client.id) is taken as it is.
  if (!config.client_properties.contains(std::string(prefix) + "client.id")) {
    const auto common = config.client_properties.find("client.id");
    const std::string base =
        common != config.client_properties.end() ? common->second : config.application_id;
    if (!base.empty()) {
      out["client.id"] = base + "-" + std::string(prefix.substr(0, prefix.size() - 1));
    }
  }
  return out;
}

bool consumer_starts_at_latest(const StreamsConfig& config) {
  const auto& props = config.client_properties;
  auto it = props.find(std::string(prefix_of(ClientKind::kConsumer)) + "auto.offset.reset");
  if (it == props.end()) it = props.find("auto.offset.reset");
  return it != props.end() && (it->second == "latest" || it->second == "largest");
}

void check_bootstrap_servers(const std::string& servers) {
  if (servers.empty() || servers == "embedded") return;
  std::string_view rest = servers;
  for (bool more = true; more;) {
    const auto comma = rest.find(',');
    more = comma != std::string_view::npos;
    std::string_view entry = rest.substr(0, comma);
    rest = more ? rest.substr(comma + 1) : std::string_view{};
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (auto scheme = entry.find("://"); scheme != std::string_view::npos) {
      entry.remove_prefix(scheme + 3);  // librdkafka accepts PLAINTEXT://host:port
    }
    const auto colon = entry.rfind(':');
    if (entry.empty() || colon == std::string_view::npos || colon == 0) {
      throw ConfigError("bootstrap.servers",
                        "'" + std::string(entry) + "' in '" + servers +
                            "' is not host:port; write e.g. localhost:9092, or leave it empty "
                            "for the embedded broker");
    }
    const std::string_view port_text = entry.substr(colon + 1);
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      throw ConfigError("bootstrap.servers", "port '" + std::string(port_text) + "' in '" +
                                                 servers + "' is not a number in 1..65535");
    }
  }
}

std::string resolve_bootstrap_servers(const std::string& servers) {
  if (servers.empty() || servers == "embedded") return EmbeddedCluster::instance().bootstrap();
  return servers;
}

}  // namespace eddy::kafka
