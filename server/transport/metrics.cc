#include "server/transport/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace signoff::transport {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double v) { return absl::StrCat(v); }

void RenderHistogram(std::string* out, const std::string& name, const std::string& labels,
                     const std::vector<double>& bounds, const std::vector<long>& buckets, long count,
                     double sum) {
  std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < bounds.size(); ++i) {
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", Number(bounds[i]), "\"} ",
                    buckets[i], "\n");
  }
  absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"+Inf\"} ", count, "\n");
  std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", Number(sum), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", count, "\n");
}

}  // namespace

Metrics::Metrics()
    : latency_bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
      batch_bounds_{1, 2, 4, 8, 16, 32, 64, 128, 256} {
  batches_.buckets.assign(batch_bounds_.size(), 0);
}

std::string Metrics::LabelValue(const std::string& value) { return Escape(value); }

void Metrics::Observe(Histogram& h, const std::vector<double>& bounds, double value) {
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += value;
}

void Metrics::RecordRpc(absl::string_view method, absl::string_view code, absl::Duration latency) {
  std::lock_guard lock(mu_);
  auto stats = rpcs_.find(method);
  if (stats == rpcs_.end()) stats = rpcs_.emplace(std::string(method), MethodStats{}).first;
  auto calls = stats->second.calls_by_code.find(code);
  if (calls == stats->second.calls_by_code.end()) {
    calls = stats->second.calls_by_code.emplace(std::string(code), 0).first;
  }
  ++calls->second;
  Observe(stats->second.latency, latency_bounds_, absl::ToDoubleSeconds(latency));
}

void Metrics::RecordDecision(const std::string& outcome) {
  std::lock_guard lock(mu_);
  ++decisions_[outcome];
}

void Metrics::RecordBatch(int size) {
  std::lock_guard lock(mu_);
  Observe(batches_, batch_bounds_, size);
}

void Metrics::RecordWatchers(int delta) {
  std::lock_guard lock(mu_);
  watchers_ += delta;
}

void Metrics::AddGauge(const std::string& name, const std::string& help, GaugeReader reader) {
  std::lock_guard lock(mu_);
  gauges_.push_back({name, help, std::move(reader)});
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP signoff_rpc_total RPCs handled, by method and status code.\n";
  out += "# TYPE signoff_rpc_total counter\n";
  for (const auto& [method, stats] : rpcs_) {
    for (const auto& [code, count] : stats.calls_by_code) {
      absl::StrAppend(&out, "signoff_rpc_total{method=\"", Escape(method), "\",code=\"",
                      Escape(code), "\"} ", count, "\n");
    }
  }
  out += "# HELP signoff_rpc_duration_seconds RPC latency, by method.\n";
  out += "# TYPE signoff_rpc_duration_seconds histogram\n";
  for (const auto& [method, stats] : rpcs_) {
    const Histogram& h = stats.latency;
    RenderHistogram(&out, "signoff_rpc_duration_seconds",
                    absl::StrCat("method=\"", Escape(method), "\""), latency_bounds_, h.buckets,
                    h.count, h.sum);
  }
  out += "# HELP signoff_decisions_total Policy decisions of submitted offers, by outcome.\n";
  out += "# TYPE signoff_decisions_total counter\n";
  for (const auto& [outcome, count] : decisions_) {
    absl::StrAppend(&out, "signoff_decisions_total{outcome=\"", Escape(outcome), "\"} ", count, "\n");
  }
  out += "# HELP signoff_group_commit_batch_size Submissions per shared commit.\n";
  out += "# TYPE signoff_group_commit_batch_size histogram\n";
  RenderHistogram(&out, "signoff_group_commit_batch_size", "", batch_bounds_, batches_.buckets,
                  batches_.count, batches_.sum);
  out += "# HELP signoff_watch_streams Open watch streams.\n";
  out += "# TYPE signoff_watch_streams gauge\n";
  absl::StrAppend(&out, "signoff_watch_streams ", watchers_, "\n");
  for (const Gauge& gauge : gauges_) {
    absl::StrAppend(&out, "# HELP ", gauge.name, " ", gauge.help, "\n# TYPE ", gauge.name, " gauge\n");
    for (const auto& [labels, value] : gauge.reader()) {
      absl::StrAppend(&out, gauge.name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ",
                      Number(value), "\n");
    }
  }
  return out;
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

int MetricsHttpServer::Start(const std::string& address, const Metrics* metrics,
                             std::string* error) {
  metrics_ = metrics;
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    *error = absl::StrCat("--metrics_listen=", address, " is not host:port");
    return 0;
  }
  std::string host = address.substr(0, colon);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    *error = absl::StrCat("--metrics_listen: \"", host, "\" is not an IPv4 address");
    return 0;
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 16) != 0) {
    *error = absl::StrCat("--metrics_listen=", address, ": ", std::strerror(errno));
    close(listen_fd_);
    listen_fd_ = -1;
    return 0;
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return ntohs(addr.sin_port);
}

void MetricsHttpServer::Stop() {
  if (!running_) return;
  running_ = false;
  thread_.join();
  close(listen_fd_);
  listen_fd_ = -1;
}

void MetricsHttpServer::Loop() {
  while (running_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char request[2048];
    ssize_t n = read(fd, request, sizeof request - 1);
    std::string head = n > 0 ? std::string(request, static_cast<size_t>(n)) : "";
    std::string body, status = "200 OK", type = "text/plain; version=0.0.4; charset=utf-8";
    if (head.rfind("GET /metrics", 0) == 0) {
      body = metrics_->Render();
    } else {
      status = "404 Not Found";
      body = "only GET /metrics is served here\n";
      type = "text/plain";
    }
    std::string response = absl::StrCat("HTTP/1.0 ", status, "\r\nContent-Type: ", type,
                                        "\r\nContent-Length: ", body.size(),
                                        "\r\nConnection: close\r\n\r\n", body);
    size_t sent = 0;
    while (sent < response.size()) {
      ssize_t w = write(fd, response.data() + sent, response.size() - sent);
      if (w <= 0) break;
      sent += static_cast<size_t>(w);
    }
    close(fd);
  }
}

}  // namespace signoff::transport
