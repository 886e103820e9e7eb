// Runs selected checks over their sweeps: cases in parallel, results written in case order (so the file
// does not depend on the thread count), one JSON line per case, flushed as soon as it is final.
#pragma once

#include <diffbound/app/findings.hpp>
#include <diffbound/checks/check.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::app {

using checks::Check;
using checks::Size;
using results::CheckOutcome;
using results::Counts;

struct RunOptions {
  std::vector<std::string> patterns;  ///< check ids or globs; empty = all
  Size size = Size::standard;
  std::optional<ScalarKind> scalar;  ///< empty: each check's default kind
  unsigned precision_bits = 128;     ///< for mpfr and mpfi
  unsigned threads = 0;              ///< 0: all cores
  std::filesystem::path out_dir = "out";
  std::uint64_t seed = 20240618;  ///< base seed; each case derives its own
  bool progress = false;          ///< progress line on stderr
  // Running at scale (README "Running at scale"):
  std::optional<std::filesystem::path> config;  ///< cases from this file (config.hpp) instead of the sweeps
  unsigned shard_index = 1, shard_count = 1;    ///< run only shard i of n (1 ≤ i ≤ n) of the selected cases
  bool resume = false;                          ///< take over the finished cases of <out_dir>'s journal
  double bound_factor = 1.0;                    ///< testing aid: every bound multiplied by this (RunContext)
  bool falsify = true;  ///< add each check's falsifier worst case (checks/falsify.hpp) to a sweep run
  /// The accepted findings (app/findings.hpp): each VIOLATED case is marked accepted or new, and only
  /// new ones make the exit status 1. Empty: no file, every VIOLATED case counts.
  std::optional<AcceptedFindings> findings;
};

/// Parses "i/n" (1 ≤ i ≤ n) into options.shard_index/shard_count; std::invalid_argument otherwise.
void parse_shard(const std::string& text, RunOptions& options);

/// Shard i (1-based) of n holds the cases whose position in the selection (all checks' cases in
/// order, counted from 0) is i−1 modulo n: the shards differ by at most one case, mix cheap and costly
/// parts of every sweep, and do not change when a run is started again.
inline bool in_shard(std::size_t position, unsigned index, unsigned count) { return position % count == index - 1; }

struct RunOutcome {
  std::vector<CheckOutcome> checks;
  double wall_seconds = 0;
  std::size_t resumed_cases = 0;            ///< cases taken over from an earlier, unfinished run (--resume)
  double bound_factor = 1.0;                ///< not 1: a testing-aid run (printed in the summary)
  std::string shard;                        ///< "i/n" for a shard, else empty
  std::optional<FindingsOutcome> findings;  ///< when the run read accepted findings
  std::string mutant;                       ///< a form mutant switched on (DIFFBOUND_MUTANT), else empty
  bool ok() const;                          ///< nothing VIOLATED and nothing failed
  /// The program's exit status for this outcome: 0 nothing VIOLATED (or every VIOLATED case an accepted
  /// finding) and nothing failed; 1 some case VIOLATED that is not accepted (a new finding) and none
  /// failed; 3 some case (or a check's summary) failed to run.
  int exit_status() const;
  std::filesystem::path results_file;
};

/// Metadata of this build and machine (version, commit, compiler, CPU, cores).
nlohmann::json build_metadata();

/// Runs the checks and writes <out_dir>/results.jsonl; prints the summary table to `out`. Everything
/// about the input (checks, config, shard, bound factor, output folder, a journal to resume) is checked
/// before any file is written: a bad input throws std::invalid_argument (one line, naming the field),
/// a failure to write throws std::runtime_error, and neither leaves a results file behind.
RunOutcome run_checks(const RunOptions& options, std::ostream& out);

/// The human summary table of a run.
void print_summary(const RunOutcome& outcome, std::ostream& out);

/// Threads to use for `requested` (0 = all cores).
unsigned resolve_threads(unsigned requested);

}  // namespace diffbound::app
