// Accepted findings: the VIOLATED cases that are known, explained and accepted, listed in a committed
// file (expected/findings.toml). A run reads it by default: each VIOLATED case record gets a "finding"
// {status: accepted|new, ...}; the check and end records count them; an accepted finding does not make
// the exit status non-zero; an entry of the file that no longer occurs is reported as resolved, so the
// file never goes stale unseen.
//
// The file (TOML), one [[finding]] table per accepted finding:
//
//   [[finding]]
//   id      = "schedules-table2-es-c"             # unique name of the entry
//   check   = "sampling.schedules"                # a check id
//   cases   = ["table2/*/E_S(c)"]                 # case ids, or globs (fnmatch: * also matches '/')
//   verdict = "VIOLATED"                          # the verdict accepted (only VIOLATED makes a run fail)
//   reason  = "the deduced Table 2 E_S cell ..."  # why it is accepted, in a sentence
//   docs    = "docs/checks/sampling.md#samplingschedules"   # where the reason is explained
//
// An entry *occurs* when some case it matches is VIOLATED in the run, is *resolved* when cases it
// matches ran and none is VIOLATED, and is *not run* when no case it matches ran (another size or
// selection). In a shard, an entry without a VIOLATED case is "not seen in this shard", not resolved.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::app {

struct AcceptedFinding {
  std::string id, check;
  std::vector<std::string> cases;  ///< exact case ids or fnmatch globs
  std::string verdict = "VIOLATED";
  std::string reason, docs;
  /// The run sizes ("smoke", "default", "full") at which the finding is expected; empty: every size. At
  /// another size its cases are still accepted when VIOLATED, but an entry they do not meet is "not
  /// expected at this size" rather than resolved (e.g. a judged fit that has too few points at smoke size
  /// to decide).
  std::vector<std::string> sizes;
  bool matches(const std::string& check_id, const std::string& case_id) const;
};

struct AcceptedFindings {
  std::filesystem::path file;
  std::vector<AcceptedFinding> entries;
  /// The entry that accepts a case with this verdict, or nullptr.
  const AcceptedFinding* accepting(const std::string& check, const std::string& case_id,
                                   const std::string& verdict) const;
};

/// Parses a findings file's text. Throws std::invalid_argument naming `name`, the entry and the field
/// (bad TOML, a missing or unknown key, a duplicate id, a verdict other than VIOLATED, an empty reason
/// or docs reference, a check id not among `known_checks` when that list is not empty).
AcceptedFindings parse_findings(const std::string& text, const std::string& name,
                                const std::vector<std::string>& known_checks = {});
/// Reads a findings file (parse_findings); std::invalid_argument when it cannot be read.
AcceptedFindings load_findings(const std::filesystem::path& file, const std::vector<std::string>& known_checks = {});

/// The accepted findings a run used, from its end record's "findings" (the file's name and every entry),
/// so that `diffbound merge` judges the merged cases by the findings the shards were run with. Empty
/// when the record holds none (a run with --no-findings); std::invalid_argument naming `name` when an
/// entry lacks a field.
std::optional<AcceptedFindings> findings_from_record(const nlohmann::json& end_record, const std::string& name);

/// expected/<relative> in the source tree the program was built in (found from the program's own path:
/// <source>/<build>/diffbound), if there is such a file.
std::optional<std::filesystem::path> expected_file(const std::filesystem::path& relative);

/// The findings file of this build: expected/findings.toml, if there is one.
std::optional<std::filesystem::path> default_findings_file();

/// The committed power table of a run size (expected/power/<size>.json, written by `diffbound power --size
/// <size> --out expected/power` and renamed), if there is one.
std::optional<std::filesystem::path> default_power_file(const std::string& size);

/// What a run (or a merge) settled about the findings, for the summary and the exit status.
struct FindingsOutcome {
  std::string file;
  std::int64_t accepted = 0, fresh = 0, resolved = 0;  ///< cases accepted, cases new; entries resolved
  struct Entry {
    const AcceptedFinding* finding;
    std::int64_t matched = 0, accepted = 0;
    std::string status;
  };
  std::vector<Entry> entries;
  struct NewCase {
    std::string check, case_id;
    double relative_margin;
  };
  std::vector<NewCase> new_cases;  ///< in file order
};

/// Marks the case records of a run with the accepted findings and counts them.
class FindingsTally {
 public:
  /// `partial`: the run holds only a part of the selection (a shard): no entry is called resolved.
  /// `size`: the run's size ("smoke", "default", "full"; empty: unknown), for the entries' `sizes`.
  FindingsTally(const AcceptedFindings& findings, bool partial, std::string size = "");
  /// Adds "finding" to a VIOLATED case record (removes a stale one from any other); counts the case.
  void annotate(nlohmann::json& case_record);
  /// {"accepted": a, "new": n} for one check's cases.
  nlohmann::json check_json(const std::string& check) const;
  /// The end record's "findings": file, counts, and every entry with its status.
  nlohmann::json end_json() const;
  FindingsOutcome outcome() const;

 private:
  const AcceptedFindings& findings_;
  bool partial_;
  std::string size_;
  std::vector<std::int64_t> matched_, accepted_;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_check_;  ///< accepted, new
  std::vector<FindingsOutcome::NewCase> new_cases_;
  std::string entry_status(std::size_t i) const;
};

/// The terminal table of the findings (entries with their status and cases, then the new findings),
/// printed after a run's summary table.
void print_findings(const FindingsOutcome& f, std::ostream& out);

}  // namespace diffbound::app
