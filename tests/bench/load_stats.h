#pragma once

// What the load tools measure: latency histograms that many threads record
// into without a lock, error counts by gRPC code, the server's RSS over a run,
// and a small JSON writer for the `--json FILE` reports.

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace signoff::bench {

using Clock = std::chrono::steady_clock;

// Log-linear buckets over nanoseconds: 64 sub-buckets per power of two, so a
// reported percentile is within 1.6 % of the true value, from 1 ns to ~1 h.
class LatencyHistogram {
 public:
  void Record(std::chrono::nanoseconds latency);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Milliseconds at quantile q in [0, 1]; 0 when empty.
  double QuantileMs(double q) const;
  double MaxMs() const { return max_ns_.load(std::memory_order_relaxed) / 1e6; }
  double MeanMs() const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 2 * kSub + 42 * kSub;
  static int BucketOf(uint64_t ns);
  static double BucketMidNs(int bucket);

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> max_ns_{0};
};

// Failed calls by gRPC status code name ("UNAVAILABLE": 3).
class ErrorCounts {
 public:
  void Add(const std::string& code, const std::string& message);
  uint64_t total() const;
  std::map<std::string, uint64_t> by_code() const;
  // The first message seen for each code, to say what went wrong.
  std::map<std::string, std::string> first_messages() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> counts_;
  std::map<std::string, std::string> first_;
};

// Resident set size of a process in MiB from /proc/<pid>/status (VmRSS);
// negative when the process cannot be read.
double ReadRssMib(pid_t pid);

// CPU time (user + system) a process has used, in seconds, from
// /proc/<pid>/stat; negative when it cannot be read. 0 = this process.
double ReadCpuSeconds(pid_t pid);

// Samples a process's RSS every `interval` on its own thread until Stop().
class RssSampler {
 public:
  struct Sample {
    double seconds;  // since Start
    double mib;
  };
  void Start(pid_t pid, std::chrono::milliseconds interval);
  void Stop();
  std::vector<Sample> samples() const;
  ~RssSampler() { Stop(); }

 private:
  pid_t pid_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
};

// Growth of RSS over a run: mean of the last quarter of samples minus the
// mean of the first quarter after the first `skip_fraction` (warm-up).
double RssGrowthMib(const std::vector<RssSampler::Sample>& samples, double skip_fraction = 0.1);

// A tiny JSON object writer: enough for flat figures and nested objects.
class JsonWriter {
 public:
  JsonWriter& Begin(const std::string& key = "");
  JsonWriter& End();
  JsonWriter& BeginArray(const std::string& key);
  JsonWriter& EndArray();
  JsonWriter& Field(const std::string& key, double value);
  JsonWriter& Field(const std::string& key, int64_t value);
  JsonWriter& Field(const std::string& key, uint64_t value);
  JsonWriter& Field(const std::string& key, int value) { return Field(key, static_cast<int64_t>(value)); }
  JsonWriter& Field(const std::string& key, const std::string& value);
  JsonWriter& Field(const std::string& key, const char* value) { return Field(key, std::string(value)); }
  JsonWriter& Field(const std::string& key, bool value);
  // An array element that is a pair of numbers, e.g. [seconds, mib].
  JsonWriter& Pair(double a, double b);
  const std::string& str() const { return out_; }

 private:
  void Key(const std::string& key);
  static std::string Quote(const std::string& s);
  std::string out_;
  std::vector<bool> first_{};
};

// Writes the histogram's percentiles as fields of the current object.
void WriteLatency(JsonWriter& json, const LatencyHistogram& histogram);
// "p50 0.65 ms  p90 ...": one line for people.
std::string LatencyLine(const LatencyHistogram& histogram);
bool WriteFile(const std::string& path, const std::string& contents);

}  // namespace signoff::bench
