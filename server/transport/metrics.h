#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace signoff::transport {

// The server's metrics, rendered in the Prometheus text exposition format.
// Counters and histograms are recorded as things happen; gauges are read
// from callbacks at scrape time (pool use, policy version).
class Metrics {
 public:
  Metrics();

  void RecordRpc(absl::string_view method, absl::string_view code, absl::Duration latency);
  void RecordDecision(const std::string& outcome);
  void RecordBatch(int size);
  void RecordWatchers(int delta);

  // A gauge whose value is read at scrape time. `labels` is a rendered
  // label set such as `version="abc"`, or ""; values that are not constants
  // must go through LabelValue.
  using GaugeReader = std::function<std::vector<std::pair<std::string, double>>()>;
  void AddGauge(const std::string& name, const std::string& help, GaugeReader reader);

  std::string Render() const;

  // `value` escaped for use between the quotes of a label value (\\, \", \n).
  static std::string LabelValue(const std::string& value);

 private:
  struct Histogram {
    std::vector<long> buckets;  // cumulative counts per upper bound
    long count = 0;
    double sum = 0;
  };
  void Observe(Histogram& h, const std::vector<double>& bounds, double value);

  mutable std::mutex mu_;
  std::vector<double> latency_bounds_;
  std::vector<double> batch_bounds_;
  struct MethodStats {
    std::map<std::string, long, std::less<>> calls_by_code;
    Histogram latency;
  };
  // By method; looked up without building a key string on every call.
  std::map<std::string, MethodStats, std::less<>> rpcs_;
  std::map<std::string, long> decisions_;
  Histogram batches_;
  long watchers_ = 0;
  struct Gauge {
    std::string name, help;
    GaugeReader reader;
  };
  std::vector<Gauge> gauges_;
};

// Serves GET /metrics over plain HTTP/1.0 on `address` (host:port) from a
// thread of its own. Tiny on purpose: one request per connection, nothing else.
class MetricsHttpServer {
 public:
  ~MetricsHttpServer();
  // Binds and starts serving; returns the bound port (0 = failure, see error).
  int Start(const std::string& address, const Metrics* metrics, std::string* error);
  void Stop();

 private:
  void Loop();
  int listen_fd_ = -1;
  const Metrics* metrics_ = nullptr;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace signoff::transport
