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
  std::string error;                 ///< non-empty when the case failed to run
  std::vector<std::string> missing;  ///< JSON fields that were missing or of the wrong type
  bool failed() const { return !error.empty(); }
};

/// Verdict counts as a record states them; a count the record lacks stays empty.
struct RecordedCounts {
  std::optional<std::int64_t> verified, holds, violated, inconclusive, failed, cases;
  bool any() const { return verified || holds || violated || inconclusive || failed || cases; }
};

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
  std::string summary_error;         ///< "summary.error": summarize() failed during the run
  std::vector<std::string> missing;  ///< JSON fields missing or of the wrong type
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

}  // namespace diffbound::results
