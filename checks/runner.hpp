// Runs selected checks over their sweeps: cases in parallel, results written in case order (so the file
// does not depend on the thread count), one JSON line per case, flushed as soon as it is final.
#pragma once

#include "check.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

struct RunOptions {
  std::vector<std::string> patterns;       ///< check ids or globs; empty = all
  Size size = Size::standard;
  std::optional<ScalarKind> scalar;        ///< empty: each check's default kind
  unsigned precision_bits = 128;           ///< for mpfr and mpfi
  unsigned threads = 0;                    ///< 0: all cores
  std::filesystem::path out_dir = "results";
  std::uint64_t seed = 20240618;           ///< base seed; each case derives its own
  bool progress = false;                   ///< progress line on stderr
};

/// Verdict counts of a set of cases.
struct Counts {
  std::int64_t verified = 0, holds = 0, violated = 0, inconclusive = 0, failed = 0;
  std::int64_t total() const { return verified + holds + violated + inconclusive; }
  void add(const CaseResult& r);
};

struct CheckOutcome {
  std::string id;
  Counts counts;
  double smallest_relative_margin;  ///< NaN when no case has a margin
  std::string worst_case;
  double seconds = 0;
};

struct RunOutcome {
  std::vector<CheckOutcome> checks;
  double wall_seconds = 0;
  bool ok() const;  ///< nothing VIOLATED and nothing failed
  std::filesystem::path results_file;
};

/// Metadata of this build and machine (version, commit, compiler, CPU, cores).
nlohmann::json build_metadata();

/// Runs the checks and writes <out_dir>/results.jsonl; prints the summary table to `out`.
RunOutcome run_checks(const RunOptions& options, std::ostream& out);

/// The human summary table of a run.
void print_summary(const RunOutcome& outcome, std::ostream& out);

/// Threads to use for `requested` (0 = all cores).
unsigned resolve_threads(unsigned requested);

}  // namespace diffbound::checks
