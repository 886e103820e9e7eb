// The call point for the PDF report once a results file is complete. `diffbound merge` calls
// write_report_if_available() on the merged file (unless --no-report); the report module registers its
// writer with set_report_writer() (e.g. from a static initialiser in its own file), so merge and run
// draw the same report without depending on each other's code.
#pragma once

#include <filesystem>
#include <functional>
#include <utility>

namespace diffbound::checks {

/// Writes the report next to a results file (e.g. <dir>/report.pdf); throws on failure.
using ReportWriter = std::function<void(const std::filesystem::path& results_file)>;

inline ReportWriter& report_writer_slot() {
  static ReportWriter w;
  return w;
}

/// Registers the report writer (the report module does this once).
inline bool set_report_writer(ReportWriter w) {
  report_writer_slot() = std::move(w);
  return true;
}

/// Draws the report of `results_file` when a report writer is registered; false when none is.
inline bool write_report_if_available(const std::filesystem::path& results_file) {
  auto& w = report_writer_slot();
  if (!w) return false;
  w(results_file);
  return true;
}

}  // namespace diffbound::checks
