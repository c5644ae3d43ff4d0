#include "tests/bench/load_stats.h"

#include <unistd.h>

#include <bit>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"

namespace signoff::bench {

int LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < 2 * kSub) return static_cast<int>(ns);
  int msb = 63 - std::countl_zero(ns);    // >= kSubBits + 1
  int shift = msb - kSubBits;             // keep kSubBits + 1 top bits
  int bucket = 2 * kSub + (shift - 1) * kSub + static_cast<int>((ns >> shift) - kSub);
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

double LatencyHistogram::BucketMidNs(int bucket) {
  if (bucket < 2 * kSub) return bucket;
  int shift = (bucket - 2 * kSub) / kSub + 1;
  uint64_t top = static_cast<uint64_t>((bucket - 2 * kSub) % kSub + kSub);
  return (static_cast<double>(top) + 0.5) * static_cast<double>(uint64_t{1} << shift);
}

void LatencyHistogram::Record(std::chrono::nanoseconds latency) {
  uint64_t ns = latency.count() > 0 ? static_cast<uint64_t>(latency.count()) : 0;
  buckets_[BucketOf(ns)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  uint64_t seen = max_ns_.load(std::memory_order_relaxed);
  while (ns > seen && !max_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

double LatencyHistogram::QuantileMs(double q) const {
  uint64_t total = count();
  if (total == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[b].load(std::memory_order_relaxed);
    if (seen >= rank) return std::min(BucketMidNs(b), static_cast<double>(max_ns_.load())) / 1e6;
  }
  return MaxMs();
}

double LatencyHistogram::MeanMs() const {
  uint64_t n = count();
  return n == 0 ? 0 : static_cast<double>(sum_ns_.load()) / static_cast<double>(n) / 1e6;
}

void ErrorCounts::Add(const std::string& code, const std::string& message) {
  std::lock_guard lock(mu_);
  ++counts_[code];
  first_.emplace(code, message);
}

uint64_t ErrorCounts::total() const {
  std::lock_guard lock(mu_);
  uint64_t sum = 0;
  for (const auto& [code, n] : counts_) sum += n;
  return sum;
}

std::map<std::string, uint64_t> ErrorCounts::by_code() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::map<std::string, std::string> ErrorCounts::first_messages() const {
  std::lock_guard lock(mu_);
  return first_;
}

double ReadRssMib(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in(absl::StrFormat("/proc/%d/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      double kib = 0;
      fields >> kib;
      return kib / 1024.0;
    }
  }
  return -1;
}

double ReadCpuSeconds(pid_t pid) {
  std::ifstream in(pid <= 0 ? std::string("/proc/self/stat") : absl::StrFormat("/proc/%d/stat", pid));
  std::string stat;
  std::getline(in, stat);
  // Fields after the command name (which may hold spaces) start at ") ".
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double utime = -1, stime = -1;
  // state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  if (utime < 0 || stime < 0) return -1;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void RssSampler::Start(pid_t pid, std::chrono::milliseconds interval) {
  pid_ = pid;
  if (pid_ <= 0) return;
  stop_ = false;
  thread_ = std::thread([this, interval] {
    const Clock::time_point start = Clock::now();
    while (!stop_.load()) {
      double mib = ReadRssMib(pid_);
      if (mib >= 0) {
        std::lock_guard lock(mu_);
        samples_.push_back({std::chrono::duration<double>(Clock::now() - start).count(), mib});
      }
      // Sleep in small steps so Stop() is prompt.
      for (auto slept = std::chrono::milliseconds(0); slept < interval && !stop_.load();
           slept += std::chrono::milliseconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
}

void RssSampler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<RssSampler::Sample> RssSampler::samples() const {
  std::lock_guard lock(mu_);
  return samples_;
}

double RssGrowthMib(const std::vector<RssSampler::Sample>& samples, double skip_fraction) {
  size_t skip = static_cast<size_t>(static_cast<double>(samples.size()) * skip_fraction);
  if (samples.size() < skip + 4) return 0;
  size_t n = samples.size() - skip;
  size_t quarter = n / 4;
  double first = 0, last = 0;
  for (size_t i = 0; i < quarter; ++i) {
    first += samples[skip + i].mib;
    last += samples[samples.size() - 1 - i].mib;
  }
  return (last - first) / static_cast<double>(quarter);
}

std::string JsonWriter::Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonWriter::Key(const std::string& key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
  }
  if (!key.empty()) out_ += Quote(key) + ":";
}

JsonWriter& JsonWriter::Begin(const std::string& key) {
  Key(key);
  out_ += "{";
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::End() {
  out_ += "}";
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray(const std::string& key) {
  Key(key);
  out_ += "[";
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_ += "]";
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Field(const std::string& key, double value) {
  Key(key);
  out_ += std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
  return *this;
}

JsonWriter& JsonWriter::Field(const std::string& key, int64_t value) {
  Key(key);
  out_ += absl::StrFormat("%d", value);
  return *this;
}

JsonWriter& JsonWriter::Field(const std::string& key, uint64_t value) {
  Key(key);
  out_ += absl::StrFormat("%d", value);
  return *this;
}

JsonWriter& JsonWriter::Field(const std::string& key, const std::string& value) {
  Key(key);
  out_ += Quote(value);
  return *this;
}

JsonWriter& JsonWriter::Field(const std::string& key, bool value) {
  Key(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Pair(double a, double b) {
  Key("");
  out_ += absl::StrFormat("[%.3f,%.2f]", a, b);
  return *this;
}

void WriteLatency(JsonWriter& json, const LatencyHistogram& h) {
  json.Field("p50_ms", h.QuantileMs(0.5))
      .Field("p90_ms", h.QuantileMs(0.9))
      .Field("p99_ms", h.QuantileMs(0.99))
      .Field("p999_ms", h.QuantileMs(0.999))
      .Field("max_ms", h.MaxMs())
      .Field("mean_ms", h.MeanMs());
}

std::string LatencyLine(const LatencyHistogram& h) {
  return absl::StrFormat("p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms",
                         h.QuantileMs(0.5), h.QuantileMs(0.9), h.QuantileMs(0.99),
                         h.QuantileMs(0.999), h.MaxMs());
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents << "\n";
  return static_cast<bool>(out);
}

}  // namespace signoff::bench
