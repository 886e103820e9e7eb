// Where each statement and constant comes from (DESIGN.md, "Bounds with unknown constants";
// PAPER.md §0.1 for the tags).
#pragma once

#include <string>
#include <vector>

namespace diffbound {

/// Provenance category of a constant or a statement, as DESIGN.md names them.
enum class Provenance {
  paper,          ///< stated in the paper (read in a primary text)            PAPER tag [V-src]
  official_code,  ///< read in an official code repository                      PAPER tag [V-code]
  derived,        ///< derived by standard mathematics here                     PAPER tag [D] or [D✓]
  secondary,      ///< restated by a secondary source                           PAPER tag [S]
  recalled,       ///< recalled from the literature, not verified               PAPER tag [R]
  unknown_fitted  ///< unknown; fitted by the check on a calibration sweep      PAPER tag [UNKNOWN]
};

inline const char* to_string(Provenance p) {
  switch (p) {
    case Provenance::paper:
      return "paper";
    case Provenance::official_code:
      return "official code";
    case Provenance::derived:
      return "derived";
    case Provenance::secondary:
      return "secondary";
    case Provenance::recalled:
      return "recalled";
    case Provenance::unknown_fitted:
      return "unknown: fitted";
  }
  return "?";
}

/// A named constant of a bound: its symbol, value (if known), where it comes from.
struct ConstantInfo {
  std::string name;        ///< identifier used in code, JSON and report, e.g. "C_D"
  std::string symbol_tex;  ///< LaTeX symbol, e.g. "C_D"
  std::string value;       ///< exact value as text ("1/2"), or "fitted"
  Provenance provenance;
  std::string paper_tag;  ///< the PAPER.md tag, e.g. "[D✓]"
  std::string source;     ///< PAPER.md section and what it says
};

/// The statement a check holds the numbers to.
struct ClaimInfo {
  std::string id;             ///< catalogue id of DESIGN.md, e.g. "sampling.init"
  std::string title;          ///< one line
  std::string statement;      ///< plain-text statement
  std::string statement_tex;  ///< the same in LaTeX (display math, no delimiters)
  std::string source;         ///< PAPER.md section(s)
  std::string paper_tag;      ///< PAPER.md tag of the statement
  std::vector<std::string> assumptions;
  std::vector<ConstantInfo> constants;
};

}  // namespace diffbound
