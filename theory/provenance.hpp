// Where each statement and constant comes from (DESIGN.md, "Bounds with unknown constants";
// PAPER.md §0.1 for the tags).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
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

/// How certain a provenance is: the larger, the more certain (a term that combines several takes the least).
inline int certainty(Provenance p) {
  switch (p) {
    case Provenance::paper:
    case Provenance::official_code:
    case Provenance::derived:
      return 3;
    case Provenance::secondary:
      return 2;
    case Provenance::recalled:
      return 1;
    case Provenance::unknown_fitted:
      return 0;
  }
  return 0;
}

/// The provenance a PAPER.md tag stands for (PAPER.md §0.1). A compound tag such as "[S]/[D✓]" (the
/// statement from a secondary source, its form derived) stands for its least certain part. Throws
/// std::invalid_argument for a tag that names none.
inline Provenance provenance_of_tag(std::string_view tag) {
  bool any = false;
  Provenance least = Provenance::derived;
  auto take = [&](Provenance p) {
    if (!any || certainty(p) < certainty(least)) least = p;
    any = true;
  };
  for (std::size_t open = tag.find('['); open != std::string_view::npos; open = tag.find('[', open + 1)) {
    const std::string_view part = tag.substr(open + 1, tag.find(']', open) - open - 1);
    if (part.rfind("UNKNOWN", 0) == 0)
      take(Provenance::unknown_fitted);
    else if (part.rfind("V-code", 0) == 0)
      take(Provenance::official_code);
    else if (part.rfind("V-src", 0) == 0 || part.rfind("V", 0) == 0)
      take(Provenance::paper);
    else if (part.rfind("D", 0) == 0)
      take(Provenance::derived);
    else if (part.rfind("S", 0) == 0)
      take(Provenance::secondary);
    else if (part.rfind("R", 0) == 0)
      take(Provenance::recalled);
  }
  if (!any) throw std::invalid_argument("provenance_of_tag: '" + std::string(tag) + "' names no PAPER.md tag");
  return least;
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
