// The PDF report of a run, from its results file alone (DESIGN.md: reports/ never recomputes a number).
//
//   write_report({.in = "results"})  ->  results/report.pdf, results/summary.json and, beside them,
//                                        one CSV per declared figure (<check>--<figure id>.csv)
//
// The document: a title page with the run's metadata; a one-page verdict table (counts and smallest
// margins as the check records state them) with the fitted rates; what the results file lacks; one
// section per check (claim in mathematical notation, assumptions, constants with their provenance,
// the declared figures, tables, fits and notes, the worst cases); an appendix with every VIOLATED,
// INCONCLUSIVE and failed case. It is built in a temporary folder with gnuplot and pdflatex and
// moved into place only when pdflatex succeeded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace diffbound::reports {

struct ReportOptions {
  std::filesystem::path in = "results";  ///< results folder (results.jsonl inside) or the file itself
  std::filesystem::path out;             ///< the PDF; default <folder of the results>/report.pdf
  /// Ids of the checks this build knows (optional); a check outside this list is marked as unknown.
  std::vector<std::string> known_checks;
  std::string program_version;  ///< this build's version, to name it when a check is unknown
  /// A claim's statement_tex (or a constant's symbol_tex) that LaTeX rejects is normally shown as
  /// escaped plain text, with a note; strict makes it an error instead.
  bool strict_tex = false;
  bool keep_work = false;             ///< keep the temporary folder (LaTeX source, logs, plots)
  std::size_t worst_cases = 5;        ///< rows of each check's worst-case table
  std::size_t appendix_limit = 2000;  ///< at most this many listed cases per check (0: no limit)
};

struct ReportOutcome {
  bool ok = false;
  std::filesystem::path pdf;           ///< written PDF (when ok)
  std::filesystem::path summary_json;  ///< written even when the PDF failed
  std::vector<std::filesystem::path> csv_files;
  std::size_t figures = 0, figures_drawn = 0, checks = 0;
  std::vector<std::string> warnings;  ///< e.g. statements shown as plain text, figures not drawn
  std::string error;                  ///< why the PDF was not written (LaTeX error lines)
  std::filesystem::path work_dir;     ///< set when the work folder was kept
  double seconds = 0;
};

/// Builds the report. Throws std::invalid_argument when there are no results to read; every other
/// failure is returned in the outcome (and no PDF is left at `out`, not even a partial one).
ReportOutcome write_report(const ReportOptions& options);

/// For the end of `diffbound run`: writes <out_dir>/report.pdf from <out_dir>/results.jsonl and prints
/// one line to `out` ("report: ..."), or the failure and its LaTeX errors to `err`. On failure a stale
/// report.pdf of an earlier run is removed, so that the folder never shows a report of other results.
/// Returns true when the report was written. Never throws.
bool report_after_run(const std::filesystem::path& out_dir, std::ostream& out, std::ostream& err);

/// Prints an outcome for a user (used by the report command and report_after_run).
void print_outcome(const ReportOutcome& outcome, std::ostream& out, std::ostream& err);

}  // namespace diffbound::reports
