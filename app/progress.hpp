// The progress line of a long run: cases done (of this run or shard, with the ones taken over by
// --resume), the rate, the time left and the check at work. It is drawn on stderr, on one line that
// rewrites itself, and only on a terminal: CI logs (stderr not a terminal, or TERM=dumb) stay quiet.
#pragma once

#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace diffbound::app {

/// True when a progress line would be useful: stderr is a terminal that can rewrite a line.
inline bool progress_by_default() {
  if (!isatty(STDERR_FILENO)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

/// "42s", "3m05s", "1h02m".
inline std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e8) return "?";
  const long t = static_cast<long>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

class Progress {
 public:
  /// `total`: cases of this run (or shard); `resumed`: how many of them an earlier run finished;
  /// `label`: a prefix such as "shard 2/4 ".
  Progress(bool on, std::size_t total, std::size_t resumed, std::string label)
      : on_(on), total_(total), resumed_(resumed), label_(std::move(label)), t0_(clock::now()) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { finish(); }

  /// `done`: cases finished by this process so far; `current`: the check at work. Throttled to 5 Hz
  /// unless `force`.
  void update(std::size_t done, const std::string& current, bool force = false) {
    if (!on_) return;
    const auto now = clock::now();
    if (!force && drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - t0_).count();
    const std::size_t to_run = total_ - resumed_;
    std::string line = fmt::format("{}{}/{} cases", label_, resumed_ + done, total_);
    if (resumed_ > 0) line += fmt::format(" ({} resumed)", resumed_);
    if (done > 0 && elapsed > 0) {
      const double rate = static_cast<double>(done) / elapsed;
      line += rate >= 1 ? fmt::format("  {:.1f} cases/s", rate) : fmt::format("  {:.1f} s/case", 1.0 / rate);
      line += "  ~" + format_duration(static_cast<double>(to_run - done) / rate) + " left";
    } else {
      line += "  " + format_duration(elapsed) + " elapsed";
    }
    if (!current.empty()) line += "  " + current;
    std::cerr << '\r' << line << "\x1b[K" << std::flush;
  }

  /// Clears the line (once).
  void finish() {
    if (on_ && drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  using clock = std::chrono::steady_clock;
  bool on_;
  std::size_t total_, resumed_;
  std::string label_;
  clock::time_point t0_, last_{};
  bool drawn_ = false;
};

}  // namespace diffbound::app
