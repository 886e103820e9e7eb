#include "runner.hpp"

#include "version.hpp"

#include <diffbound/numerics/random.hpp>

#include <boost/version.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace diffbound::checks {

namespace fs = std::filesystem;

void Counts::add(const CaseResult& r) {
  if (!r.error.empty()) ++failed;
  switch (r.verdict) {
    case Verdict::verified: ++verified; break;
    case Verdict::holds: ++holds; break;
    case Verdict::violated: ++violated; break;
    case Verdict::inconclusive: ++inconclusive; break;
  }
}

bool RunOutcome::ok() const {
  for (const auto& c : checks)
    if (c.counts.violated > 0 || c.counts.failed > 0) return false;
  return true;
}

unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? hc : 1;
}

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  return "unknown";
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

json counts_json(const Counts& c) {
  return json{{"VERIFIED", c.verified}, {"HOLDS", c.holds},     {"VIOLATED", c.violated},
              {"INCONCLUSIVE", c.inconclusive}, {"failed", c.failed}, {"cases", c.total()}};
}

json claim_json(const ClaimInfo& c) {
  json constants = json::array();
  for (const auto& k : c.constants)
    constants.push_back(json{{"name", k.name},
                             {"symbol_tex", k.symbol_tex},
                             {"value", k.value},
                             {"provenance", to_string(k.provenance)},
                             {"paper_tag", k.paper_tag},
                             {"source", k.source}});
  return json{{"id", c.id},
              {"title", c.title},
              {"statement", c.statement},
              {"statement_tex", c.statement_tex},
              {"source", c.source},
              {"paper_tag", c.paper_tag},
              {"assumptions", c.assumptions},
              {"constants", constants}};
}

/// Runs one case, turning any exception into a failed result (the run goes on).
CaseResult run_one(const Check& check, const CaseSpec& spec, const RunContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  CaseResult r;
  try {
    r = check.run_case(spec, ctx);
  } catch (const std::exception& e) {
    r = CaseResult{};
    r.check = check.id();
    r.case_id = spec.id;
    r.params = spec.params;
    r.scalar = ctx.scalar;
    r.precision_bits = ctx.precision_bits;
    r.seed = ctx.seed;
    r.verdict = Verdict::inconclusive;
    r.error = e.what();
    r.reason = std::string("the case failed to run: ") + e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

class Progress {
 public:
  Progress(bool on, std::string id, std::size_t total)
      : on_(on), id_(std::move(id)), total_(total), t0_(std::chrono::steady_clock::now()) {}
  void update(std::size_t done) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double el = std::chrono::duration<double>(now - t0_).count();
    const double rate = el > 0 ? static_cast<double>(done) / el : 0.0;
    const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    std::cerr << fmt::format("\r  {:<28} {:>6}/{:<6} cases  {:8.1f} cases/s  ~{:.0f} s left   ", id_, done, total_,
                             rate, left)
              << std::flush;
    if (done == total_) std::cerr << "\r" << std::string(90, ' ') << "\r" << std::flush;
  }

 private:
  bool on_;
  std::string id_;
  std::size_t total_;
  std::chrono::steady_clock::time_point t0_, last_{};
};

}  // namespace

json build_metadata() {
  return json{{"program", "diffbound"},
              {"version", version::string},
              {"commit", version::commit},
              {"compiler", std::string("g++ ") + __VERSION__},
              {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
              {"mpfr", mpfr_get_version()},
              {"mpfi", mpfi_get_version()},
              {"machine", json{{"host", host_name()},
                               {"cpu", cpu_model()},
                               {"cores", std::thread::hardware_concurrency()}}}};
}

RunOutcome run_checks(const RunOptions& options, std::ostream& out) {
  const auto checks = Registry::instance().select(options.patterns);
  const unsigned threads = resolve_threads(options.threads);
  const auto wall0 = std::chrono::steady_clock::now();

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) throw std::runtime_error("cannot create the output folder " + options.out_dir.string() + ": " + ec.message());
  const fs::path final_path = options.out_dir / "results.jsonl";
  const fs::path partial = options.out_dir / "results.jsonl.partial";
  std::ofstream file(partial, std::ios::trunc);
  if (!file) throw std::runtime_error("cannot write " + partial.string());
  auto write_line = [&](const json& j) {
    file << j.dump() << '\n';
    file.flush();
    if (!file) throw std::runtime_error("writing " + partial.string() + " failed (disk full or read-only?)");
  };

  // Every check runs in its own scalar kind unless one is forced; validate the forced one.
  std::vector<ScalarKind> kinds;
  for (const Check* c : checks) {
    const auto supported = c->scalar_kinds();
    ScalarKind k = supported.front();
    if (options.scalar) {
      if (std::find(supported.begin(), supported.end(), *options.scalar) == supported.end())
        throw std::invalid_argument("check " + c->id() + " does not support the scalar kind " +
                                    to_string(*options.scalar));
      k = *options.scalar;
    }
    kinds.push_back(k);
  }

  json run = build_metadata();
  run["type"] = "run";
  run["date"] = utc_now();
  run["size"] = to_string(options.size);
  run["scalar"] = options.scalar ? to_string(*options.scalar) : "auto";
  run["precision_bits"] = working_precision_bits();
  run["threads"] = threads;
  run["seed"] = options.seed;
  run["checks"] = json::array();
  for (const Check* c : checks) run["checks"].push_back(c->id());
  write_line(run);

  RunOutcome outcome;
  for (std::size_t ci = 0; ci < checks.size(); ++ci) {
    const Check& check = *checks[ci];
    const auto t0 = std::chrono::steady_clock::now();
    const auto specs = check.cases(options.size);
    std::vector<std::optional<CaseResult>> slots(specs.size());
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= specs.size()) return;
        RunContext ctx;
        ctx.scalar = kinds[ci];
        ctx.precision_bits = precision_bits(kinds[ci]);
        ctx.seed = case_seed(options.seed, check.id(), specs[i].id);
        ctx.size = options.size;
        CaseResult r = run_one(check, specs[i], ctx);
        {
          std::lock_guard<std::mutex> lock(mu);
          slots[i] = std::move(r);
        }
        cv.notify_one();
      }
    };
    std::vector<std::jthread> pool;
    const unsigned n_workers = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(specs.size())));
    for (unsigned t = 0; t < n_workers; ++t) pool.emplace_back(worker);

    // Write results in case order as soon as the prefix is complete.
    Progress progress(options.progress, check.id(), specs.size());
    std::vector<CaseResult> finished;
    finished.reserve(specs.size());
    CheckOutcome co;
    co.id = check.id();
    co.smallest_relative_margin = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      CaseResult r;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return slots[i].has_value(); });
        r = std::move(*slots[i]);
        slots[i].reset();
      }
      write_line(json(r));
      co.counts.add(r);
      const double rm = r.relative_margin();
      if (std::isfinite(rm) && !(rm >= co.smallest_relative_margin)) {
        co.smallest_relative_margin = rm;
        co.worst_case = r.case_id;
      }
      finished.push_back(std::move(r));
      progress.update(i + 1);
    }
    pool.clear();
    co.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    json summary_json;
    try {
      summary_json = check.summarize(finished);
    } catch (const std::exception& e) {
      summary_json = Summary{};
      summary_json["error"] = std::string("summarize failed: ") + e.what();
      ++co.counts.failed;
    }
    json rec{{"type", "check"},
             {"check", check.id()},
             {"claim", claim_json(check.claim())},
             {"scalar", to_string(kinds[ci])},
             {"precision_bits", precision_bits(kinds[ci])},
             {"counts", counts_json(co.counts)},
             {"smallest_relative_margin",
              std::isfinite(co.smallest_relative_margin) ? json(co.smallest_relative_margin) : json(nullptr)},
             {"worst_case", co.worst_case},
             {"seconds", co.seconds},
             {"summary", summary_json}};
    write_line(rec);
    outcome.checks.push_back(std::move(co));
  }

  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  Counts total;
  for (const auto& c : outcome.checks) {
    total.verified += c.counts.verified, total.holds += c.counts.holds, total.violated += c.counts.violated;
    total.inconclusive += c.counts.inconclusive, total.failed += c.counts.failed;
  }
  write_line(json{{"type", "end"}, {"wall_seconds", outcome.wall_seconds}, {"counts", counts_json(total)}});
  file.close();
  fs::rename(partial, final_path, ec);
  if (ec) throw std::runtime_error("cannot move " + partial.string() + " to " + final_path.string() + ": " + ec.message());
  outcome.results_file = final_path;
  print_summary(outcome, out);
  return outcome;
}

void print_summary(const RunOutcome& outcome, std::ostream& out) {
  out << fmt::format("{:<28} {:>6} {:>9} {:>6} {:>9} {:>13} {:>7} {:>14} {:>9}\n", "check", "cases", "VERIFIED",
                     "HOLDS", "VIOLATED", "INCONCLUSIVE", "failed", "min rel.margin", "seconds");
  for (const auto& c : outcome.checks) {
    out << fmt::format("{:<28} {:>6} {:>9} {:>6} {:>9} {:>13} {:>7} {:>14} {:>9.2f}\n", c.id, c.counts.total(),
                       c.counts.verified, c.counts.holds, c.counts.violated, c.counts.inconclusive, c.counts.failed,
                       std::isfinite(c.smallest_relative_margin) ? fmt::format("{:.3e}", c.smallest_relative_margin)
                                                                 : std::string("-"),
                       c.seconds);
  }
  out << fmt::format("wall time {:.2f} s; {}\n", outcome.wall_seconds,
                     outcome.ok() ? "nothing VIOLATED, nothing failed" : "SOME CASES VIOLATED OR FAILED");
}

}  // namespace diffbound::checks
