// Reading a results.jsonl file for the report, tolerantly (the records' schema is results/schema.hpp): every record is
// read field by field, a missing or mistyped field is remembered (the report says so) instead of stopping the reader, a
// cut last line or a line that is not JSON is skipped with a note. Nothing here calls check code and nothing is
// recomputed: counts, margins and worst cases are the ones the records hold.
#pragma once

#include <diffbound/results/schema.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::results {

/// A VIOLATED case's mark from the accepted findings (case record "finding"; app/findings.hpp).
struct FindingMark {
  std::string status;            ///< "accepted" or "new" (keys::status_accepted, keys::status_new)
  std::string id, reason, docs;  ///< of the entry that accepts the case (accepted only)
  bool accepted() const { return status == keys::status_accepted; }
};

struct CaseRecord {
  std::size_t line = 0;  ///< 1-based line in the results file
  std::string check;     ///< empty when the record has none
  std::string id;        ///< the case id ("case" in JSON)
  json params = json::object();
  std::string kind = "evidence";  ///< the case kind as written (results/schema.hpp CaseKind); evidence when absent
  std::string verdict;            ///< as written ("VERIFIED", ...); empty when missing
  std::string reason;
  std::optional<Quantity> measured, bound, margin;
  double relative_margin = nan;  ///< NaN when null or missing
  double error_estimate = nan;
  std::string scalar;
  std::optional<std::int64_t> precision_bits;
  double seconds = nan;
  std::string error;                   ///< non-empty when the case failed to run
  std::optional<FindingMark> finding;  ///< present when the run marked the case (a VIOLATED case)
  std::vector<std::string> missing;    ///< JSON fields that were missing or of the wrong type
  bool failed() const { return !error.empty(); }
};

/// A check record's or the end record's "findings" counts: cases accepted and new.
struct FindingCounts {
  std::optional<std::int64_t> accepted, fresh;
};

/// One entry of the accepted-findings file as the end record states it, with what the run settled.
struct FindingEntry {
  std::string id, check, verdict, reason, docs;
  std::vector<std::string> cases;                 ///< case ids or globs
  std::string status;                             ///< keys::entry_occurs, entry_resolved, entry_not_run, entry_not_seen
  std::optional<std::int64_t> matched, accepted;  ///< cases the entry matched; of them, accepted
};

/// The end record's "findings": the file the run read, the counts, every entry with its status.
struct FindingsRecord {
  bool present = false;
  std::string file;
  FindingCounts counts;
  std::optional<std::int64_t> resolved;  ///< entries resolved
  std::vector<FindingEntry> entries;
};

/// Verdict counts as a record states them; a count the record lacks stays empty.
struct RecordedCounts {
  std::optional<std::int64_t> verified, holds, violated, inconclusive, failed, cases;
  bool any() const { return verified || holds || violated || inconclusive || failed || cases; }
};

/// Whether a case kind as written counts as evidence (evidence, falsify, fit); an unknown name does not.
bool is_evidence_kind(const std::string& kind);
/// The counts of the evidence (kinds evidence, falsify, fit) from a record's counts_by_kind, or `all` when the
/// record has none (files written before case kinds existed).
RecordedCounts evidence_counts(const RecordedCounts& all, const std::map<std::string, RecordedCounts>& by_kind);
/// The number of cases of one kind ("identity", "calibration"), 0 when the record lists none.
std::int64_t kind_cases(const std::map<std::string, RecordedCounts>& by_kind, const std::string& kind);

struct Constant {
  std::string name, symbol_tex, value, provenance, paper_tag, source;
};

struct Claim {
  bool present = false;
  std::string id, title, statement, statement_tex, source, paper_tag;
  std::vector<std::string> assumptions;
  std::vector<Constant> constants;
};

struct CheckRecord {
  std::size_t line = 0;
  std::string id;
  Claim claim;
  std::string scalar;
  std::optional<std::int64_t> precision_bits;
  RecordedCounts counts;
  std::map<std::string, RecordedCounts> counts_by_kind;  ///< per case kind, as the record states them
  double smallest_relative_margin = nan;
  std::string worst_case;
  double seconds = nan;
  bool has_summary = false;
  std::vector<Figure> figures;
  std::vector<std::vector<std::string>> figure_problems;  ///< per figure: what its declaration lacks
  std::vector<Table> tables;
  std::vector<Fit> fits;
  std::vector<std::string> notes;
  std::string summary_error;              ///< "summary.error": summarize() failed during the run
  std::optional<FindingCounts> findings;  ///< present when the run read accepted findings
  std::vector<std::string> missing;       ///< JSON fields missing or of the wrong type
};

/// Everything the file holds about one check id: its check record (if any) and its case records.
struct CheckView {
  std::string id;
  std::optional<CheckRecord> record;
  std::size_t extra_records = 0;   ///< further check records with the same id (the last is kept)
  std::vector<std::size_t> cases;  ///< indices into ResultsFile::cases, in file order
  bool listed_in_run = false;      ///< named in the run record's "checks"
};

struct EndRecord {
  bool present = false;
  double wall_seconds = nan;
  RecordedCounts counts;
  std::map<std::string, RecordedCounts> counts_by_kind;  ///< per case kind, as the record states them
  FindingsRecord findings;  ///< present when the run read accepted findings
  std::vector<std::string> missing;
};

struct ResultsFile {
  std::filesystem::path path;
  std::size_t lines = 0;
  bool run_present = false;
  json run = json::object();  ///< the run record as written
  std::vector<CaseRecord> cases;
  std::vector<CheckView> checks;  ///< in the run record's order, then in order of first appearance
  EndRecord end;
  std::vector<std::string> problems;  ///< file-level problems, one sentence each

  const CheckView* find(const std::string& id) const;
};

/// The results file named by `in`: the file itself, or <in>/results.jsonl, or (a run that did not
/// finish) <in>/results.jsonl.partial. Throws std::invalid_argument when there is none.
std::filesystem::path locate_results(const std::filesystem::path& in);

/// Reads a results file. Throws std::runtime_error only when the file cannot be opened.
ResultsFile read_results(const std::filesystem::path& file);

/// Reads results from text (for tests); `name` stands in for the path.
ResultsFile parse_results(const std::string& text, const std::filesystem::path& name = "results.jsonl");

/// The counts as "VERIFIED", "HOLDS", ... keys (null where the record lacks one), for summary.json.
json recorded_counts_json(const RecordedCounts& c);

// ---------------------------------------------------------------------------------------------
// diff.json: the comparison of a run with a baseline (`diffbound diff --out`, `diffbound run --baseline`,
// app/diff.hpp), read as tolerantly as results files, for the report.

/// One run of a diff ("old" or "new").
struct DiffRun {
  std::string file, commit, date, size, mutant;
  std::optional<std::int64_t> cases;
};

/// A check's row of a diff: case counts, regressions, changes by kind, smallest relative margins.
struct DiffCheckRow {
  std::string check;
  std::optional<std::int64_t> cases_old, cases_new, regressions;
  std::map<std::string, std::int64_t> changes;  ///< change name (verdict-worse, ...) -> count
  double min_old = nan, min_new = nan;
};

/// One change of a diff, as diff.json lists it (regressions first, then by severity).
struct DiffChange {
  std::string change;          ///< verdict-worse, new-finding, ... (app/diff.hpp)
  std::string check, case_id;  ///< case_id empty for a fit or constant
  std::string name;            ///< the fit's or constant's name
  std::string detail;
  std::string old_verdict, new_verdict;
  double old_relative_margin = nan, new_relative_margin = nan;
  bool regression = false;
  bool accepted = false;  ///< an accepted finding in NEW (never a regression)
  std::optional<std::int64_t> severity;
};

struct DiffFile {
  std::filesystem::path path;
  bool parsed = false;  ///< false: the file is not a JSON object of type "diff" (see problems)
  DiffRun old_run, new_run;
  std::vector<std::string> fail_on;  ///< the change kinds counted as regressions
  double margin_tolerance = nan, value_tolerance = nan;
  std::optional<bool> identical;
  std::optional<std::int64_t> regressions, compared, exactly_equal;
  std::map<std::string, std::int64_t> counts;  ///< change name -> count, over all checks
  std::vector<std::string> differences;        ///< run settings that differ
  std::vector<std::string> not_compared;       ///< checks of OLD that NEW did not run
  std::vector<DiffCheckRow> checks;
  std::vector<DiffChange> changes;
  std::vector<std::string> missing;   ///< JSON fields missing or of the wrong type
  std::vector<std::string> problems;  ///< file-level problems, one sentence each
};

/// Reads diff.json from text; never throws (what is wrong is in `problems` and `missing`).
DiffFile parse_diff(const std::string& text, const std::filesystem::path& name = "diff.json");
/// Reads a diff.json file. Throws std::runtime_error only when it cannot be opened.
DiffFile read_diff(const std::filesystem::path& file);

}  // namespace diffbound::results
