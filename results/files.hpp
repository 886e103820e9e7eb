// Results files (JSON Lines): the records, reading them back, the journal of an unfinished run, writes
// that never leave a half-written file, and the identity of a run (what must agree for --resume and
// for `diffbound merge`).
//
// A finished run is <out>/results.jsonl: a `run` record, then per check its `case` records in sweep
// order and one `check` record, then an `end` record. While a run is going, its finished cases are
// appended (one line each, written with a single write as soon as the case is done) to the journal
// <out>/results.jsonl.partial, whose first line is the run record. At the end the results file is
// composed from all the cases, written to results.jsonl.tmp, synced and renamed, and the journal is
// removed. A killed run leaves only the journal, whose last line may be cut short; --resume drops that
// line and reruns only the cases the journal does not hold.
#pragma once

#include <diffbound/results/schema.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::results {

/// Keys of a run record that must be equal for two files to be parts of one run: the program and its
/// build (version, commit, compiler, libraries), the size, scalar and precision, the seed, the bound
/// factor, the checks and the selection of cases (count and digest), a form mutant switched on. Not: date,
/// threads, machine.
const std::vector<std::string>& run_identity_keys();

/// Empty when the run records agree on the identity keys; otherwise "<key> is <a> in <name_a> but
/// <b> in <name_b>" for the first key that differs.
std::string identity_difference(const json& a, const std::string& name_a, const json& b, const std::string& name_b);

/// The records of a results file or journal.
struct ResultsContent {
  json run;                       ///< the first record (type "run")
  std::vector<json> cases;        ///< case records, in file order
  std::vector<json> checks;       ///< check records
  std::optional<json> end;        ///< present when the run finished
  bool dropped_tail = false;      ///< the last line was cut short (a killed run) and was dropped
  std::uintmax_t good_bytes = 0;  ///< length of the complete records
};

/// Reads a results file or a journal. A last line without its newline or that does not parse is
/// dropped (dropped_tail); any other bad line, or a first record that is not a run record, throws
/// std::invalid_argument naming the file and the line.
ResultsContent read_records(const std::filesystem::path& path);

/// Writes `content` to `path` as a whole: to <path>.tmp, synced, then renamed over `path`. On failure
/// the temporary is removed and std::runtime_error names the file and the reason (e.g. "No space left
/// on device"); `path` is then untouched.
/// The current time in UTC, formatted by strftime (the run record's ISO 8601 form by default).
std::string utc_time(const char* format = "%Y-%m-%dT%H:%M:%SZ");

void write_file_atomically(const std::filesystem::path& path, const std::string& content);

/// An exclusive advisory lock (flock) on a folder, held while a run or a merge writes there, so that
/// two of them never write into one folder at once. Nothing is written into the folder for it.
class FolderLock {
 public:
  FolderLock() = default;
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  /// False when another process holds the lock; std::runtime_error when the folder cannot be opened.
  bool acquire(const std::filesystem::path& dir);

 private:
  int fd_ = -1;
};

/// The journal of a running run: complete lines only, appended one write at a time.
class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  /// Creates (or truncates) the journal and writes the run record.
  void create(const std::filesystem::path& path, const json& run);
  /// Opens an existing journal to append to it, first cutting it to its `good_bytes` complete records.
  void reopen(const std::filesystem::path& path, std::uintmax_t good_bytes);
  /// Appends one record. On a failed write (disk full, ...) the journal is cut back to its last
  /// complete record and std::runtime_error names the file and the reason.
  void append(const json& record);
  void close();
  const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  long long good_ = 0;
};

}  // namespace diffbound::results
