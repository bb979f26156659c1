// Loopback helpers for tests that start servers of their own (a metrics endpoint, a private
// redis-server) and read them back.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/real_kafka.h"  // run_command

namespace eddy::testing_support {

// A TCP port nothing listens on right now at `address` (the kernel picks it); 0 when none.
inline int free_port(const char* address = "127.0.0.1") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, address, &addr.sin_addr);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

// The Prometheus text at http://host:port/metrics (curl, 5 s at most); empty when it fails.
inline std::string scrape_metrics(int port, const std::string& host = "127.0.0.1") {
  auto [status, body] = run_command("curl -sS --max-time 5 http://" + host + ":" +
                                    std::to_string(port) + "/metrics 2>/dev/null");
  return status == 0 ? body : "";
}

}  // namespace eddy::testing_support
