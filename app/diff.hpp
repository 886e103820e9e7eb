// The diff of two runs (`diffbound diff OLD NEW`, `diffbound run --baseline DIR`): per case and per
// check, what changed from OLD to NEW, and which of the changes are regressions.
//
// Cases are matched by (check, case id). The changes, each with one name used in the table, in
// diff.json and in --fail-on:
//   verdict-worse     a case's verdict worsened, ranked VERIFIED < HOLDS < INCONCLUSIVE < VIOLATED < failed
//   verdict-better    a case's verdict improved
//   new-finding       a case only in NEW that is VIOLATED (and not an accepted finding) or failed to run
//   new-case          any other case only in NEW
//   removed-case      a case only in OLD, of a check that NEW ran whole (not a shard)
//   margin-shrank     the relative margin (bound - measured)/|bound| fell by more than the margin
//                     tolerance, the verdict staying the same or better
//   value-moved       the measured value or the bound moved beyond their enclosures widened by the
//                     case's error estimate (and a relative value tolerance)
//   fit-worse         a fit's outcome (a check record's summary.fits, by name) worsened
//   fit-changed       a fit's slope interval no longer overlaps the old one, its outcome improved, or it
//                     appeared or disappeared
//   constant-changed  a constant of a check's claim changed its value
// A case marked as an accepted finding in NEW (results.jsonl "finding".status "accepted") is reported
// when it worsens, but is never a regression. Each case contributes at most one change: the gravest
// that counts as a regression, else the gravest.
//
// A regression is a change of a kind in DiffOptions::fail_on; by default verdict-worse, new-finding and
// fit-worse.
#pragma once

#include <diffbound/results/files.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace diffbound::app {

enum class ChangeKind {
  verdict_worse,
  new_finding,
  fit_worse,
  evidence_lost,  ///< an evidence case (evidence, falsify, fit) became an identity or calibration case
  removed_case,
  margin_shrank,
  value_moved,
  fit_changed,
  constant_changed,
  kind_changed,  ///< any other change of a case's kind
  verdict_better,
  new_case
};
inline constexpr int kChangeKinds = 12;
/// "verdict-worse", ...
const char* to_string(ChangeKind k);

struct DiffOptions {
  std::set<ChangeKind> fail_on{ChangeKind::verdict_worse, ChangeKind::new_finding, ChangeKind::fit_worse,
                               ChangeKind::evidence_lost};
  double margin_tolerance = 0.01;  ///< in relative-margin units (fractions of |bound|)
  double value_tolerance = 1e-9;   ///< relative, on top of the enclosures and error estimates
};

/// Parses a --fail-on list: comma-separated change names, or "default", "all", "none";
/// std::invalid_argument naming the unknown word.
std::set<ChangeKind> parse_fail_on(const std::string& text);

/// The command-line options of a diff, shared by `diff` and `run --baseline`.
struct DiffFlags {
  std::string fail_on = "default";
  double margin_tolerance = DiffOptions{}.margin_tolerance;
  double value_tolerance = DiffOptions{}.value_tolerance;
  DiffOptions options() const;  ///< std::invalid_argument on a bad --fail-on
};
/// Declares --fail-on, --margin-tolerance and --value-tolerance on a sub-command.
void add_diff_flags(CLI::App& sub, DiffFlags& flags);

struct Change {
  ChangeKind kind;
  std::string check;
  std::string case_id;  ///< empty for a check-level change (fits, constants)
  std::string name;     ///< the fit's or constant's name
  std::string old_verdict, new_verdict;
  double old_relative_margin = std::numeric_limits<double>::quiet_NaN();
  double new_relative_margin = std::numeric_limits<double>::quiet_NaN();
  std::string detail;
  bool regression = false;
  bool accepted = false;  ///< the case is an accepted finding in NEW
  int severity = 0;       ///< larger is graver; the order of the list
};

struct CheckDiff {
  std::string id;
  bool in_old = false, in_new = false;
  std::int64_t cases_old = 0, cases_new = 0;
  std::int64_t counts[kChangeKinds] = {};
  std::int64_t regressions = 0;
  double min_old = std::numeric_limits<double>::quiet_NaN(), min_new = std::numeric_limits<double>::quiet_NaN();
};

/// A finished results file (a run or merged shards), read strictly.
struct RunFile {
  std::filesystem::path path;
  results::ResultsContent content;
};

/// Reads a results folder (its results.jsonl) or file. std::invalid_argument when there is none, it
/// does not parse, or the run did not finish (no end record).
RunFile read_run(const std::filesystem::path& folder_or_file);

struct RunDiff {
  nlohmann::json old_meta, new_meta;  ///< file, commit, date, size, scalar, seed, digest, cases
  DiffOptions options;
  std::vector<CheckDiff> checks;
  std::vector<Change> changes;            ///< regressions first, then by severity
  std::vector<std::string> not_compared;  ///< checks of OLD that NEW did not run
  std::vector<std::string> differences;   ///< run settings that differ, one sentence each
  std::int64_t compared_cases = 0;        ///< cases in both runs
  std::int64_t exactly_equal = 0;         ///< of them: same verdict and the same values to the last digit
  std::int64_t regressions() const;
  std::int64_t count(ChangeKind k) const;
  /// No change of any kind, every compared case equal to the last digit, no case added or removed.
  bool identical() const;
};

RunDiff diff_runs(const RunFile& old_run, const RunFile& new_run, const DiffOptions& options = {});

/// diff.json: the whole diff (results/schema.hpp keys).
nlohmann::json diff_json(const RunDiff& d);

/// The table: the runs, per-check counts, the regressions, then at most `limit` other changes (0: all),
/// and a last line "result: ...".
void print_diff(const RunDiff& d, std::ostream& out, std::size_t limit = 20);

}  // namespace diffbound::app
