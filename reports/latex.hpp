// LaTeX text from the results: escaping of arbitrary UTF-8 text, numbers, and running pdflatex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace diffbound::reports {

/// `text` as LaTeX text-mode source that typesets the same characters: the ten special characters
/// (\ { } $ & % # _ ^ ~), brackets (so that a cell or \item never starts an optional argument), '<',
/// '>', '|', '"' and "--" are escaped; Greek letters and mathematical symbols (σ, ‖, ≤, ∇, ², ₖ, ...)
/// become math-mode commands; Latin letters with accents pass through (UTF-8 input, T1 fonts); any
/// other non-ASCII character is written as [U+XXXX]; control characters become spaces; bytes that are
/// not UTF-8 become '?'.
std::string latex_escape(std::string_view text);

/// Like latex_escape, in a typewriter font and with break points after / , ; = : ) and inside long
/// unbroken runs, for case ids and parameters in narrow table columns.
std::string latex_breakable_tt(std::string_view text);

/// A number for a table: 4 significant digits; scientific (m × 10^e) outside [1e-3, 1e5); "--" for
/// NaN, "$\infty$" for infinities. Always safe in text mode.
std::string latex_number(double x, int digits = 4);

/// An integer count, or "--" when absent.
std::string latex_count(const std::optional<std::int64_t>& n);

/// Text for the gnuplot side (single-quoted string contents, noenhanced): quotes doubled, control
/// characters replaced.
std::string gnuplot_quote(std::string_view text);

/// What a pdflatex run produced.
struct LatexResult {
  bool ok = false;
  std::string errors;                     ///< the relevant lines of the LaTeX log (empty when ok)
  std::optional<std::size_t> error_line;  ///< source line of the first error, when LaTeX names one
};

/// Runs pdflatex on `tex_file` (in its own folder): two passes, then more (up to `passes`) while LaTeX
/// asks for a rerun; stops at the first failing pass. The PDF, when produced, is tex_file with the
/// extension .pdf. Throws std::runtime_error when pdflatex cannot be found.
LatexResult run_pdflatex(const std::filesystem::path& tex_file, int passes = 3);

/// The error lines of a LaTeX log (file-line-error style "file:line: message" or "! message", with
/// the context lines that follow), at most `max_lines` lines.
std::string latex_log_errors(const std::string& log, std::size_t max_lines = 20,
                             std::optional<std::size_t>* first_line = nullptr);

/// The absolute path of an executable found on PATH, or empty.
std::string find_program(const std::string& name);

/// `s` quoted for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace diffbound::reports
