#include <diffbound/reports/report.hpp>

#include <diffbound/reports/latex.hpp>
#include <diffbound/reports/plots.hpp>
#include <diffbound/results/files.hpp>
#include <diffbound/results/reader.hpp>

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace diffbound::reports {

namespace fs = std::filesystem;
using namespace diffbound::results;

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers

/// Text for PDF bookmarks: printable ASCII without LaTeX specials.
std::string bookmark_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) continue;
    if (std::string_view("\\{}$&%#_^~").find(c) != std::string_view::npos)
      out += ' ';
    else if (u >= 0x20)
      out += c;
  }
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// A JSON value as short text: numbers in their shortest form, strings bare, arrays abbreviated.
std::string value_text(const json& v, std::size_t max_items = 6) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "null";
  if (v.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + value_text(v[i], 3);
    if (v.size() > max_items) s += fmt::format(", ... ({} values)", v.size());
    return s + "]";
  }
  if (v.is_object()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      s += (first ? "" : ", ") + k + "=" + value_text(x, 3);
      first = false;
    }
    return s + "}";
  }
  return v.dump();
}

/// Parameters as "a.b=1, a.c=edm, ..." (nested objects flattened), at most max_chars characters.
std::string params_text(const json& params, std::size_t max_chars = 480) {
  std::vector<std::string> parts;
  std::function<void(const json&, const std::string&)> walk = [&](const json& j, const std::string& prefix) {
    if (j.is_object() && !j.empty()) {
      for (const auto& [k, v] : j.items()) walk(v, prefix.empty() ? k : prefix + "." + k);
    } else {
      parts.push_back(prefix.empty() ? value_text(j) : prefix + "=" + value_text(j));
    }
  };
  if (params.is_object() && params.empty()) return "(none)";
  walk(params, "");
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string next = (i ? ", " : "") + parts[i];
    if (s.size() + next.size() > max_chars) {
      s += fmt::format(", ... ({} more)", parts.size() - i);
      break;
    }
    s += next;
  }
  return s;
}

/// A colour for a verdict word.
std::string verdict_colour(const std::string& v) {
  if (v == "VERIFIED") return "vVERIFIED";
  if (v == "HOLDS") return "vHOLDS";
  if (v == "VIOLATED") return "vVIOLATED";
  if (v == "INCONCLUSIVE") return "vINCONCLUSIVE";
  if (v == "failed") return "vFAILED";
  return "vNONE";
}

std::string verdict_tex(const std::string& v) {
  if (v.empty()) return "\\textcolor{vNONE}{(missing)}";
  return "\\textcolor{" + verdict_colour(v) + "}{\\textbf{" + latex_escape(v) + "}}";
}

/// A count in the verdict table: zero in grey, a count in its verdict's colour.
std::string count_cell(const std::optional<std::int64_t>& n, const std::string& verdict) {
  if (!n) return "\\textcolor{vNONE}{--}";
  if (*n == 0) return "\\textcolor{vZERO}{0}";
  const bool alarm = verdict == "VIOLATED" || verdict == "failed" || verdict == "INCONCLUSIVE";
  return "\\textcolor{" + verdict_colour(verdict) + "}{" + (alarm ? "\\textbf{" : "{") + std::to_string(*n) + "}}";
}

/// A count kept apart from the verdicts (identity, calibration cases): plain, zero in grey.
std::string apart_cell(std::int64_t n) {
  return n == 0 ? std::string("\\textcolor{vZERO}{0}") : std::to_string(n);
}

std::string run_field(const json& run, const char* key) {
  if (!run.contains(key) || run[key].is_null()) return {};
  const json& v = run[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// ---------------------------------------------------------------------------------------------
// The document

/// LaTeX source with line bookkeeping, so that a LaTeX error can be traced to a raw block.
class Tex {
 public:
  Tex& operator<<(std::string_view t) {
    text_ += t;
    line_ += static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
    return *this;
  }
  Tex& operator<<(std::size_t n) { return *this << std::string_view(std::to_string(n)); }
  std::size_t line() const { return line_; }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
  std::size_t line_ = 1;
};

struct FigureRef {
  const Figure* figure;
  const std::vector<std::string>* problems;  ///< what the figure's declaration lacks
  std::string check;
  std::string csv;  ///< file name beside the PDF
  DrawnFigure drawn;
};

struct Model {
  const ResultsFile* results;
  std::vector<std::string> known_checks;
  std::string program_version;
  std::vector<FigureRef> figures;                              ///< every declared figure, in check order
  std::map<std::string, std::vector<std::size_t>> figures_of;  ///< check id -> indices into figures
  std::string results_name;
  std::size_t worst_cases = 5, appendix_limit = 2000;
  json power;  ///< power.json beside the results (written by `diffbound power --out`), null when absent
  /// diff.json beside the results (`diffbound run --baseline`, `diffbound diff --out`), when present.
  std::optional<DiffFile> diff;
  std::size_t changes_limit = 60;  ///< at most this many changes that are not regressions in the report
};

/// Raw LaTeX from the results (statement_tex, symbol_tex): where it sits in the source, and which
/// blocks are to be shown as plain text because LaTeX rejected them.
struct RawBlocks {
  std::map<std::string, std::pair<std::size_t, std::size_t>> lines;  ///< key -> [first, last] line
  std::map<std::string, std::string> what;                           ///< key -> description for messages
  std::set<std::string> disabled;
  bool all_disabled = false;
  bool off(const std::string& key) const { return all_disabled || disabled.count(key) > 0; }
};

class Builder {
 public:
  Builder(const Model& m, RawBlocks& raw) : m_(m), r_(*m.results), raw_(raw) {}

  std::string build() {
    preamble();
    title_page();
    verdict_table();
    findings_section();
    baseline_section();
    falsifier_table();
    power_section();
    problems_section();
    t_ << "\\bigskip\n\\tableofcontents\n";
    std::size_t k = 0;
    for (const auto& c : r_.checks) check_section(c, k++);
    appendix();
    t_ << "\\end{document}\n";
    return t_.str();
  }

 private:
  const Model& m_;
  const ResultsFile& r_;
  RawBlocks& raw_;
  Tex t_;

  std::string label_of(std::size_t k) const { return fmt::format("chk:{}", k); }

  bool known(const std::string& id) const {
    return m_.known_checks.empty() ||
           std::find(m_.known_checks.begin(), m_.known_checks.end(), id) != m_.known_checks.end();
  }
  /// A user conjecture (diffbound.Conjecture in Python, docs/python.md): its claim's paper tag is "user". It is
  /// no check of any build, by design: marked as such, not as a problem.
  static bool user_conjecture(const CheckView& c) { return c.record && c.record->claim.paper_tag == "user"; }

  void preamble() {
    const std::string commit = run_field(r_.run, "commit");
    t_ << "\\documentclass[10pt,a4paper]{article}\n"
          "\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
          "\\IfFileExists{lmodern.sty}{\\usepackage{lmodern}}{}\n"
          "\\usepackage{textcomp}\n\\usepackage{amsmath,amssymb}\n"
          "\\usepackage[a4paper,margin=2cm,headheight=14pt,includehead]{geometry}\n"
          "\\usepackage{graphicx}\n\\usepackage[table]{xcolor}\n"
          "\\usepackage{array,booktabs,longtable}\n\\usepackage[export]{adjustbox}\n"
          "\\usepackage{caption}\n\\usepackage{enumitem}\n\\usepackage{microtype}\n"
          "\\usepackage{fancyhdr}\n\\usepackage{lastpage}\n"
          "\\usepackage[hidelinks,bookmarksnumbered,pdftitle={diffbound report}]{hyperref}\n"
          "\\definecolor{vVERIFIED}{HTML}{1A7F37}\n\\definecolor{vHOLDS}{HTML}{0B5FA5}\n"
          "\\definecolor{vVIOLATED}{HTML}{C62828}\n\\definecolor{vINCONCLUSIVE}{HTML}{C25E00}\n"
          "\\definecolor{vFAILED}{HTML}{8E24AA}\n\\definecolor{vNONE}{HTML}{777777}\n"
          "\\definecolor{vZERO}{HTML}{A8A8A8}\n\\definecolor{boxgrey}{HTML}{F3F3F3}\n"
          "\\definecolor{boxwarn}{HTML}{FFF4E5}\n"
          "\\setlength{\\parindent}{0pt}\n\\setlength{\\parskip}{4pt plus 2pt}\n"
          "\\setlist{itemsep=1pt,topsep=2pt,parsep=0pt}\n"
          "\\captionsetup{font=small,labelfont=bf,skip=3pt}\n"
          "\\setcounter{topnumber}{3}\n\\setcounter{bottomnumber}{2}\n\\setcounter{totalnumber}{4}\n"
          "\\renewcommand{\\topfraction}{0.95}\n\\renewcommand{\\bottomfraction}{0.7}\n"
          "\\renewcommand{\\textfraction}{0.05}\n\\renewcommand{\\floatpagefraction}{0.7}\n"
          "\\extrafloats{200}\n"
          "\\setlength{\\LTpre}{3pt}\n\\setlength{\\LTpost}{3pt}\n"
          "\\renewcommand{\\arraystretch}{1.12}\n"
          "\\pagestyle{fancy}\n\\fancyhf{}\n"
          "\\fancyhead[L]{\\small\\textsf{diffbound report}}\n"
          "\\fancyhead[R]{\\small\\textsf{"
       << (commit.empty() ? std::string("commit not recorded") : "commit " + latex_escape(commit))
       << " \\textperiodcentered{} "
       << latex_escape(run_field(r_.run, "date").empty() ? "date not recorded" : run_field(r_.run, "date"))
       << "}}\n"
          "\\fancyfoot[C]{\\small page \\thepage\\ of \\pageref*{LastPage}}\n"
          "\\renewcommand{\\headrulewidth}{0.4pt}\n"
          "\\raggedbottom\n\\sloppy\n"
          "\\makeatletter\n"
          "\\renewcommand\\section{\\@startsection{section}{1}{\\z@}{-3ex \\@plus -1ex \\@minus -.2ex}{1.5ex "
          "\\@plus.2ex}"
          "{\\normalfont\\Large\\bfseries\\raggedright}}\n"
          "\\renewcommand\\subsection{\\@startsection{subsection}{2}{\\z@}{-2.5ex\\@plus -1ex \\@minus -.2ex}{1ex "
          "\\@plus .2ex}"
          "{\\normalfont\\large\\bfseries\\raggedright}}\n"
          "\\setlength{\\@fptop}{0pt}\n"  // float pages filled from the top
          "\\makeatother\n"
          "\\newcommand{\\missing}[1]{\\textcolor{vNONE}{\\emph{#1}}}\n"
          "\\newcommand{\\notebox}[1]{\\par\\noindent\\colorbox{boxwarn}{\\parbox{\\dimexpr\\linewidth-2\\fboxsep}"
          "{\\small #1}}\\par}\n"
          "\\begin{document}\n";
  }

  // ---- title page --------------------------------------------------------------------------
  void meta_row(const std::string& name, const std::string& value_tex) {
    t_ << "\\textbf{" << name << "} & " << value_tex << " \\\\\n";
  }
  std::string field_or_missing(const char* key) const {
    const std::string v = run_field(r_.run, key);
    return v.empty() ? "\\missing{not recorded}" : latex_escape(v);
  }

  void title_page() {
    const json& run = r_.run;
    t_ << "\\begin{titlepage}\n\\thispagestyle{empty}\n\\vspace*{0.5cm}\n"
          "{\\Huge\\bfseries diffbound report\\par}\n\\vspace{3mm}\n"
          "{\\large Machine checks of the theory of \\emph{Evaluating the design space of diffusion-based "
          "generative models} (Wang, He, Tao; NeurIPS 2024; arXiv 2406.12839)\\par}\n\\vspace{8mm}\n";
    // The overall status, from the end record.
    const RecordedCounts& c = r_.end.counts;
    std::string status, colour;
    if (!r_.end.present || !c.any()) {
      status =
          "The run's totals are unknown: the results file has no end record (the run did not finish, or "
          "the file was cut).";
      colour = "vNONE";
    } else {
      const bool bad = (c.violated && *c.violated > 0) || (c.failed && *c.failed > 0);
      const bool unsure = c.inconclusive && *c.inconclusive > 0;
      const bool violated = c.violated && *c.violated > 0, failed = c.failed && *c.failed > 0;
      status = violated && failed
                   ? "Some cases are VIOLATED (findings, each explained in the appendix) and some failed to run."
               : violated ? "Some cases are VIOLATED: findings, each explained in the appendix. None failed to run."
               : failed   ? "Some cases failed to run (listed in the appendix); nothing VIOLATED."
               : unsure   ? "Nothing VIOLATED, nothing failed; some cases are INCONCLUSIVE."
                          : "Nothing VIOLATED, nothing failed.";
      colour = bad ? "vVIOLATED" : unsure ? "vINCONCLUSIVE" : "vVERIFIED";
      // With accepted findings (expected/findings.toml), a VIOLATED case is either accepted (known and
      // explained) or new; only a new one, or a failed case, makes the run red.
      const FindingsRecord& fr = r_.end.findings;
      if (fr.present && violated) {
        const std::int64_t fresh = fr.counts.fresh.value_or(0), accepted = fr.counts.accepted.value_or(0);
        const std::string what =
            fresh > 0 ? fmt::format("{} new finding{} (VIOLATED cases no accepted finding explains) and {} accepted",
                                    fresh, fresh == 1 ? "" : "s", accepted)
                      : fmt::format("Every VIOLATED case is an accepted finding ({} cases)", accepted);
        status =
            what + (failed ? "; some cases failed to run." : "; none failed to run.") + " Each is listed in Findings.";
        colour = fresh > 0 || failed ? "vVIOLATED" : unsure ? "vINCONCLUSIVE" : "vVERIFIED";
      }
      if (m_.diff && m_.diff->parsed) {
        const DiffFile& d = *m_.diff;
        const std::int64_t regr = d.regressions.value_or(0);
        status += regr > 0 ? fmt::format(" Against the baseline: {} regression{}.", regr, regr == 1 ? "" : "s")
                  : d.identical.value_or(false) ? std::string(" Against the baseline: identical.")
                                                : std::string(" Against the baseline: no regression.");
        if (regr > 0) colour = "vVIOLATED";
      }
      status += fmt::format(
          " \\\\[2pt] {{\\normalsize {} cases: {} VERIFIED, {} HOLDS, {} VIOLATED, {} INCONCLUSIVE, {} failed.}}",
          latex_count(c.cases), latex_count(c.verified), latex_count(c.holds), latex_count(c.violated),
          latex_count(c.inconclusive), latex_count(c.failed));
    }
    t_ << "\\fcolorbox{" << colour
       << "}{boxgrey}{\\parbox{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule}{\\large\\raggedright "
       << "\\textcolor{" << colour << "}{\\textbf{" << status << "}}}}\n\\vspace{8mm}\n\n";

    t_ << "{\\small\\begin{tabular}{@{}>{\\raggedright}p{3.6cm}>{\\raggedright\\arraybackslash}p{12.8cm}@{}}\n";
    if (!r_.run_present) t_ << "\\multicolumn{2}{@{}l}{\\missing{The results file has no run record.}} \\\\\n";
    const bool no_program = run_field(run, "program").empty() && run_field(run, "version").empty();
    meta_row("program", no_program ? std::string("\\missing{not recorded}")
                                   : field_or_missing("program") + " " + field_or_missing("version"));
    meta_row("commit", field_or_missing("commit"));
    meta_row("date of the run", field_or_missing("date"));
    meta_row("size", field_or_missing("size"));
    meta_row("scalar", field_or_missing("scalar"));
    meta_row("precision", run_field(run, "precision_bits").empty()
                              ? "\\missing{not recorded}"
                              : latex_escape(run_field(run, "precision_bits")) + " bits (MPFR and MPFI)");
    meta_row("threads", field_or_missing("threads"));
    meta_row("seed", field_or_missing("seed"));
    std::string checks;
    if (run.contains("checks") && run["checks"].is_array()) {
      checks = fmt::format("{}: ", run["checks"].size());
      bool first = true;
      for (const auto& id : run["checks"]) {
        checks += (first ? "" : ", ") + latex_breakable_tt(id.is_string() ? id.get<std::string>() : id.dump());
        first = false;
      }
    } else {
      checks = "\\missing{not recorded}";
    }
    meta_row("checks", checks);
    meta_row("wall time", std::isfinite(r_.end.wall_seconds) ? fmt::format("{:.2f} s", r_.end.wall_seconds)
                                                             : std::string("\\missing{not recorded}"));
    meta_row("compiler", field_or_missing("compiler"));
    const bool no_libraries =
        run_field(run, "boost").empty() && run_field(run, "mpfr").empty() && run_field(run, "mpfi").empty();
    meta_row("libraries", no_libraries ? std::string("\\missing{not recorded}")
                                       : "Boost " + field_or_missing("boost") + ", MPFR " + field_or_missing("mpfr") +
                                             ", MPFI " + field_or_missing("mpfi"));
    std::string machine = "\\missing{not recorded}";
    if (run.contains("machine") && run["machine"].is_object()) {
      const json& mj = run["machine"];
      machine = latex_escape(fmt::format("{} ({}, {} cores)", mj.contains("host") ? value_text(mj["host"]) : "?",
                                         mj.contains("cpu") ? value_text(mj["cpu"]) : "?",
                                         mj.contains("cores") ? value_text(mj["cores"]) : "?"));
    }
    meta_row("machine", machine);
    // Any further fields of the run record (written by a newer runner) are shown as they are.
    static const std::set<std::string> shown{"type",   "program",        "version", "commit", "date",   "size",
                                             "scalar", "precision_bits", "threads", "seed",   "checks", "compiler",
                                             "boost",  "mpfr",           "mpfi",    "machine"};
    if (run.is_object())
      for (const auto& [k, v] : run.items())
        if (!shown.count(k)) meta_row(latex_escape(k), latex_escape(value_text(v)));
    meta_row("results file", latex_breakable_tt(m_.results_name) + fmt::format(" ({} lines)", r_.lines));
    t_ << "\\end{tabular}}\n\\vfill\n"
       << "{\\small\\raggedright This report was generated on " << latex_escape(utc_time("%Y-%m-%d %H:%M:%S UTC"))
       << " by \\texttt{diffbound report} from the results file alone: every count, margin, figure, table and fit "
          "is the one the records hold; nothing is recomputed. A verdict is \\textcolor{vVERIFIED}{\\textbf{VERIFIED}} "
          "when an interval enclosure of bound $-$ measured lies above 0, \\textcolor{vHOLDS}{\\textbf{HOLDS}} when a "
          "floating-point margin exceeds its error estimate, \\textcolor{vVIOLATED}{\\textbf{VIOLATED}} when the "
          "margin is negative beyond it, and \\textcolor{vINCONCLUSIVE}{\\textbf{INCONCLUSIVE}} otherwise (with the "
          "reason); \\textcolor{vFAILED}{\\textbf{failed}} counts cases that did not run.\\par}\n"
          "\\end{titlepage}\n\\setcounter{page}{2}\n";
  }

  // ---- findings --------------------------------------------------------------------------------
  /// The accepted findings (the end record's "findings": the file the run read, each entry with its
  /// status and case counts), the new findings and the resolved entries, from the records alone.
  void findings_section() {
    const FindingsRecord& fr = r_.end.findings;
    std::vector<std::size_t> fresh;                            // case records marked new
    std::map<std::string, std::vector<std::size_t>> by_entry;  // accepted case records per entry id
    for (std::size_t i = 0; i < r_.cases.size(); ++i) {
      const CaseRecord& cr = r_.cases[i];
      if (!cr.finding) continue;
      if (cr.finding->accepted())
        by_entry[cr.finding->id].push_back(i);
      else
        fresh.push_back(i);
    }
    if (!fr.present && fresh.empty() && by_entry.empty()) return;  // the run read no accepted findings
    t_ << "\\section*{Findings}\n\\addcontentsline{toc}{section}{Findings}\n"
          "{\\small A VIOLATED case is a finding. The findings that are known and explained are listed, each with "
          "its reason and the section of the documentation that explains it, in the accepted-findings file ("
       << (fr.file.empty() ? std::string("\\missing{not recorded}") : latex_breakable_tt(fr.file))
       << "): they are marked \\emph{accepted} and do not fail the run. Any other VIOLATED case is \\emph{new} and "
          "makes the exit status 1. An entry whose cases ran but none of them is VIOLATED any more is "
          "\\emph{resolved}: remove it from the file.\\par}\n";
    if (fr.present)
      t_ << "{\\small\\textbf{" << latex_count(fr.counts.accepted) << " accepted, " << latex_count(fr.counts.fresh)
         << " new; " << latex_count(fr.resolved) << (fr.resolved.value_or(0) == 1 ? " entry" : " entries")
         << " resolved.}\\par}\n";
    else
      t_ << "\\notebox{The end record states no findings (the run did not finish, or an older program wrote it): "
            "the marks below are the case records' own.}\n";

    // The entries of the file (from the end record), else the entries the case marks name.
    t_ << "\\subsection*{Accepted findings}\n";
    struct Row {
      std::string id, check, patterns, status, reason, docs;
      std::optional<std::int64_t> accepted, matched;
    };
    std::vector<Row> rows;
    if (fr.present) {
      for (const auto& e : fr.entries) {
        std::string patterns;
        for (const auto& p : e.cases) patterns += (patterns.empty() ? "" : ", ") + p;
        rows.push_back({e.id, e.check, patterns, e.status, e.reason, e.docs, e.accepted, e.matched});
      }
    } else {
      for (const auto& [id, list] : by_entry) {
        const CaseRecord& first = r_.cases[list.front()];
        rows.push_back({id, first.check, "", "", first.finding->reason, first.finding->docs,
                        static_cast<std::int64_t>(list.size()), std::nullopt});
      }
    }
    if (rows.empty()) {
      t_ << "{\\small The file lists no accepted finding.\\par}\n";
    } else {
      t_ << "{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
            "\\begin{longtable}{@{}>{\\raggedright}p{2.9cm}>{\\raggedright}p{3.0cm}>{\\raggedright}p{2.2cm}"
            ">{\\raggedright}p{5.0cm}>{\\raggedright\\arraybackslash}p{2.8cm}@{}}\n\\toprule\n"
            "finding & check: cases & status & reason & explained in \\\\\n\\midrule\n\\endhead\n";
      for (const auto& r : rows) {
        std::string status = r.status.empty() ? std::string("\\missing{not recorded}") : latex_escape(r.status);
        if (r.status == keys::entry_resolved) status = "\\textcolor{vINCONCLUSIVE}{\\textbf{RESOLVED}}: remove it";
        if (r.status == keys::entry_occurs) status = "\\textcolor{vVIOLATED}{occurs}";
        status += " \\newline " + latex_count(r.accepted) + " VIOLATED";
        if (r.matched) status += " of " + latex_count(r.matched) + " matched";
        t_ << latex_breakable_tt(r.id) << " & " << latex_breakable_tt(r.check)
           << (r.patterns.empty() ? std::string() : ": " + latex_breakable_tt(r.patterns)) << " & " << status << " & "
           << (r.reason.empty() ? std::string("\\missing{no reason}") : latex_escape(r.reason)) << " & "
           << (r.docs.empty() ? std::string("\\missing{none}") : latex_breakable_tt(r.docs)) << " \\\\\n";
      }
      t_ << "\\bottomrule\n\\end{longtable}}\n";
    }

    // New findings: the case records marked new, in file order.
    t_ << "\\subsection*{New findings}\n";
    if (fresh.empty()) {
      t_ << "{\\small No new finding: every VIOLATED case of this run is an accepted finding.\\par}\n";
    } else {
      const std::size_t limit = m_.appendix_limit == 0 ? fresh.size() : std::min(fresh.size(), m_.appendix_limit);
      t_ << "{\\small " << plural(fresh.size(), "VIOLATED case", "VIOLATED cases")
         << " that no accepted finding explains: each is a finding to explain (a bug, a wrong hypothesis, or a "
            "finding about the paper to add to the file with its reason). Their parameters are in the "
            "appendix.\\par}\n"
            "{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
            "\\begin{longtable}{@{}>{\\raggedright}p{3.4cm}>{\\raggedright}p{5.4cm}>{\\raggedleft}p{2.0cm}"
            ">{\\raggedright\\arraybackslash}p{5.4cm}@{}}\n\\toprule\n"
            "check & case & rel.\\ margin & reason \\\\\n\\midrule\n\\endhead\n";
      for (std::size_t k = 0; k < limit; ++k) {
        const CaseRecord& cr = r_.cases[fresh[k]];
        t_ << latex_breakable_tt(cr.check) << " & " << latex_breakable_tt(cr.id) << " & "
           << latex_number(cr.relative_margin) << " & "
           << (cr.reason.empty() ? std::string("\\missing{no reason recorded}") : latex_escape(cr.reason)) << " \\\\\n";
      }
      t_ << "\\bottomrule\n\\end{longtable}}\n";
      if (limit < fresh.size())
        t_ << "{\\small " << (fresh.size() - limit)
           << " further new findings are not listed here; the results file holds them all.\\par}\n";
    }

    // Resolved entries, said once more where they cannot be missed.
    if (fr.present) {
      std::vector<const FindingEntry*> resolved;
      for (const auto& e : fr.entries)
        if (e.status == keys::entry_resolved) resolved.push_back(&e);
      t_ << "\\subsection*{Resolved entries}\n";
      if (resolved.empty()) {
        t_ << "{\\small None: every entry of the file that this run could see still occurs"
           << (std::any_of(fr.entries.begin(), fr.entries.end(),
                           [](const FindingEntry& e) { return e.status != keys::entry_occurs; })
                   ? " (the entries marked otherwise above had no case in this run)"
                   : "")
           << ".\\par}\n";
      } else {
        t_ << "\\notebox{";
        for (const auto* e : resolved)
          t_ << "\\texttt{" << latex_escape(e->id) << "}: its " << latex_count(e->matched)
             << " cases ran and none is VIOLATED any more; remove the entry from the file (or explain why the "
                "finding went away). ";
        t_ << "}\n";
      }
    }
  }

  // ---- against the baseline ----------------------------------------------------------------------
  static std::string diff_run_text(const DiffRun& r) {
    std::string s = latex_breakable_tt(r.file.empty() ? "(file not recorded)" : r.file);
    s += latex_escape(fmt::format(" (commit {}, {}, size {}, {} cases)", r.commit.empty() ? "?" : r.commit,
                                  r.date.empty() ? "date ?" : r.date, r.size.empty() ? "?" : r.size,
                                  r.cases ? std::to_string(*r.cases) : std::string("?")));
    if (!r.mutant.empty()) s += ", \\textbf{MUTANT} " + latex_breakable_tt(r.mutant);
    return s;
  }

  void change_rows(const std::vector<const DiffChange*>& list) {
    t_ << "{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{2.0cm}>{\\raggedright}p{2.6cm}>{\\raggedright}p{3.4cm}"
          ">{\\raggedright}p{2.5cm}>{\\raggedright}p{2.3cm}>{\\raggedright\\arraybackslash}p{3.0cm}@{}}\n\\toprule\n"
          "change & check & case & verdict & rel.\\ margin & detail \\\\\n\\midrule\n\\endhead\n";
    for (const DiffChange* c : list) {
      std::string verdicts;
      if (!c->old_verdict.empty() || !c->new_verdict.empty())
        verdicts = (c->old_verdict.empty() ? std::string("--") : verdict_tex(c->old_verdict)) + " $\\to$ " +
                   (c->new_verdict.empty() ? std::string("--") : verdict_tex(c->new_verdict));
      std::string margins;
      if (std::isfinite(c->old_relative_margin) || std::isfinite(c->new_relative_margin))
        margins = latex_number(c->old_relative_margin) + " $\\to$ " + latex_number(c->new_relative_margin);
      std::string what = c->case_id.empty() ? "fit/constant " + latex_escape(c->name) : latex_breakable_tt(c->case_id);
      if (c->accepted) what += " \\newline\\emph{(accepted finding)}";
      t_ << (c->regression ? "\\textcolor{vVIOLATED}{\\textbf{" + latex_escape(c->change) + "}}"
                           : latex_escape(c->change))
         << " & " << latex_breakable_tt(c->check) << " & " << what << " & " << verdicts << " & " << margins << " & "
         << latex_escape(c->detail) << " \\\\\n";
    }
    t_ << "\\bottomrule\n\\end{longtable}}\n";
  }

  /// The comparison with a baseline run (diff.json beside the results), regressions first.
  void baseline_section() {
    if (!m_.diff) return;
    const DiffFile& d = *m_.diff;
    t_ << "\\section*{Against the baseline}\n\\addcontentsline{toc}{section}{Against the baseline}\n";
    if (!d.parsed) {
      for (const auto& p : d.problems) t_ << "\\notebox{" << latex_escape(p) << "}\n";
      return;
    }
    std::string fail_on;
    for (const auto& k : d.fail_on) fail_on += (fail_on.empty() ? "" : ", ") + k;
    t_ << "{\\small This run (NEW) compared with an earlier one (OLD, the baseline) case by case, from "
       << latex_breakable_tt(d.path.filename().string())
       << " (\\texttt{diffbound run -{}-baseline}, \\texttt{diffbound diff}). Counted as regressions: "
       << (fail_on.empty() ? std::string("none") : latex_escape(fail_on))
       << "; a case that NEW marks as an accepted finding never is. A margin has shrunk when the relative margin "
          "fell by more than "
       << latex_number(d.margin_tolerance)
       << "; a value has moved when it left its enclosure widened by its error estimate and a relative "
       << latex_number(d.value_tolerance) << ".\\par}\n";
    t_ << "{\\small\\begin{tabular}{@{}l>{\\raggedright\\arraybackslash}p{15.4cm}@{}}\n"
       << "\\textbf{OLD} & " << diff_run_text(d.old_run) << " \\\\\n\\textbf{NEW} & " << diff_run_text(d.new_run)
       << " \\\\\n\\end{tabular}\\par}\n";
    for (const auto& p : d.problems) t_ << "\\notebox{" << latex_escape(p) << "}\n";
    for (const auto& s : d.differences) t_ << "\\notebox{" << latex_escape(s) << "}\n";
    if (!d.not_compared.empty()) {
      std::string ids;
      for (const auto& id : d.not_compared) ids += (ids.empty() ? "" : ", ") + id;
      t_ << "\\notebox{Not compared (NEW did not run them): " << latex_escape(ids) << ".}\n";
    }
    if (!d.missing.empty()) {
      std::string s = "The diff lacks: ";
      for (std::size_t i = 0; i < d.missing.size() && i < 12; ++i) s += (i ? ", " : "") + d.missing[i];
      if (d.missing.size() > 12) s += fmt::format(", and {} more", d.missing.size() - 12);
      t_ << "\\notebox{" << latex_escape(s) << ".}\n";
    }
    std::vector<const DiffChange*> regressions, others;
    for (const auto& c : d.changes) (c.regression ? regressions : others).push_back(&c);
    const std::int64_t regr = d.regressions.value_or(static_cast<std::int64_t>(regressions.size()));
    std::string result, colour;
    if (regr > 0) {
      result = fmt::format("{} regression{} from OLD to NEW.", regr, regr == 1 ? "" : "s");
      colour = "vVIOLATED";
    } else if (d.identical.value_or(false)) {
      result = fmt::format(
          "No regression: the runs are identical ({} cases: the same verdicts, margins and values "
          "to the last digit).",
          d.compared ? std::to_string(*d.compared) : std::string("?"));
      colour = "vVERIFIED";
    } else {
      result = fmt::format("No regression ({} cases compared, {} changes not counted as regressions).",
                           d.compared ? std::to_string(*d.compared) : std::string("?"), others.size());
      colour = "vVERIFIED";
    }
    t_ << "\\par\\noindent\\fcolorbox{" << colour
       << "}{boxgrey}{\\parbox{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule}{\\raggedright\\textcolor{" << colour
       << "}{\\textbf{" << latex_escape(result) << "}}}}\\par\n";

    // Per check.
    auto n = [](const DiffCheckRow& row, const char* k) {
      const auto it = row.changes.find(k);
      return it == row.changes.end() ? std::int64_t{0} : it->second;
    };
    auto cell = [](std::int64_t v, bool alarm) {
      if (v == 0) return std::string("\\textcolor{vZERO}{0}");
      return alarm ? "\\textcolor{vVIOLATED}{\\textbf{" + std::to_string(v) + "}}" : std::to_string(v);
    };
    t_ << "{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{3.6cm}rrrrrrrrrrr>{\\raggedleft\\arraybackslash}p{3.3cm}@{}}\n"
          "\\toprule\ncheck & \\rotatebox{90}{cases OLD} & \\rotatebox{90}{cases NEW} & \\rotatebox{90}{worse} & "
          "\\rotatebox{90}{better} & \\rotatebox{90}{added} & \\rotatebox{90}{removed} & "
          "\\rotatebox{90}{margin shrank} & \\rotatebox{90}{value moved} & \\rotatebox{90}{fits, constants} & "
          "\\rotatebox{90}{case kind} & "
          "\\rotatebox{90}{\\textbf{regressions}} & min.\\ rel.\\ margin OLD $\\to$ NEW \\\\\n\\midrule\n\\endhead\n";
    for (const auto& row : d.checks) {
      // The checks NEW did not run are named in the note above; their rows would only repeat OLD's counts.
      if (std::find(d.not_compared.begin(), d.not_compared.end(), row.check) != d.not_compared.end()) continue;
      t_ << latex_breakable_tt(row.check) << " & " << latex_count(row.cases_old) << " & " << latex_count(row.cases_new)
         << " & " << cell(n(row, "verdict-worse"), false) << " & " << cell(n(row, "verdict-better"), false) << " & "
         << cell(n(row, "new-case") + n(row, "new-finding"), false) << " & " << cell(n(row, "removed-case"), false)
         << " & " << cell(n(row, "margin-shrank"), false) << " & " << cell(n(row, "value-moved"), false) << " & "
         << cell(n(row, "fit-worse") + n(row, "fit-changed") + n(row, "constant-changed"), false) << " & "
         << cell(n(row, "evidence-lost") + n(row, "kind-changed"), false) << " & " << cell(row.regressions.value_or(0), true) << " & " << latex_number(row.min_old) << " $\\to$ "
         << latex_number(row.min_new) << " \\\\\n";
    }
    t_ << "\\bottomrule\n\\end{longtable}}\n";

    if (!regressions.empty()) {
      t_ << "\\subsection*{Regressions}\n";
      change_rows(regressions);
    }
    if (!others.empty()) {
      const std::size_t limit = m_.changes_limit == 0 ? others.size() : std::min(others.size(), m_.changes_limit);
      t_ << "\\subsection*{Other changes}\n{\\small Changes not counted as regressions, gravest first"
         << (limit < others.size()
                 ? fmt::format("; the first {} of {} (diff.json holds them all)", limit, others.size())
                 : std::string())
         << ".\\par}\n";
      change_rows(std::vector<const DiffChange*>(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(limit)));
    }
  }

  // ---- verdict table -----------------------------------------------------------------------
  /// Per check with falsifier cases (kind falsify): the tightest margin of the sweep beside the tightest
  /// the falsifier's search of the hypothesis domain found (checks/falsify.hpp), from the case records.
  void falsifier_table() {
    struct Row {
      std::string id;
      double sweep = nan, found = nan;
      std::string found_case, found_verdict;
    };
    std::vector<Row> rows;
    for (const auto& c : r_.checks) {
      Row row;
      row.id = c.id;
      bool any = false;
      for (std::size_t i : c.cases) {
        const CaseRecord& cr = r_.cases[i];
        if (!std::isfinite(cr.relative_margin)) continue;
        if (cr.kind == "falsify") {
          any = true;
          if (!(cr.relative_margin >= row.found))
            row.found = cr.relative_margin, row.found_case = cr.id, row.found_verdict = cr.verdict;
        } else if (cr.kind == "evidence" && !(cr.relative_margin >= row.sweep)) {
          row.sweep = cr.relative_margin;
        }
      }
      if (any) rows.push_back(row);
    }
    if (rows.empty()) return;
    t_ << "\\section*{Falsifier}\\addcontentsline{toc}{section}{Falsifier}\n"
          "{\\small For each check that declares its hypothesis domain, the tightest relative margin of its sweep "
          "(evidence cases) beside the tightest one the falsifier found by searching the whole domain (random and "
          "Sobol starts, Nelder--Mead, shrinking; \\texttt{diffbound falsify ID} repeats it), and that case's "
          "verdict by the check's own rule. A falsifier margin far below the sweep's says the sweep stays away "
          "from where the claim is tight.\\par}\n"
          "{\\small\\setlength{\\tabcolsep}{4pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{3.2cm}rr>{\\raggedright}p{6.4cm}l@{}}\n\\toprule\n"
          "check & sweep & falsifier & falsifier's case & verdict \\\\\n\\midrule\n\\endhead\n";
    for (const auto& row : rows)
      t_ << latex_breakable_tt(row.id) << " & " << latex_number(row.sweep) << " & " << latex_number(row.found) << " & "
         << latex_breakable_tt(row.found_case) << " & " << verdict_tex(row.found_verdict) << " \\\\\n";
    t_ << "\\bottomrule\n\\end{longtable}}\n";
  }

  /// Where the power table was measured: its commit, date and budget, and whether it is the committed table
  /// of an earlier commit rather than a measurement of this run's build.
  std::string power_provenance(const json& p) const {
    auto text = [&](const char* k) { return p.contains(k) && p.at(k).is_string() ? p.at(k).get<std::string>() : ""; };
    const std::string commit = text("commit"), date = text("date"), run_commit = run_field(r_.run, "commit");
    std::string s;
    if (!commit.empty()) s += "; measured at commit " + latex_escape(commit) + " (a check's row says so if not)";
    if (!date.empty()) s += " on " + latex_escape(date);
    if (p.contains("refute_budget") && p.at("refute_budget").is_number_unsigned()) {
      const auto b = p.at("refute_budget").get<std::size_t>();
      s += b == 0 ? std::string("; refutation budget: each check's full-run falsifier budget")
                  : fmt::format("; refutation budget {}", b);
    }
    if (!text("committed_table").empty()) {
      s += "; \\textbf{the committed table} \\texttt{" + latex_escape(text("committed_table")) +
           "}, not measured by this run";
      if (!commit.empty() && !run_commit.empty())
        s += commit == run_commit ? std::string(" (same commit as this run)")
                                  : " (this run: commit " + latex_escape(run_commit) +
                                        "; checks changed since may kill more or fewer mutants)";
      s += "; \\texttt{diffbound power -{}-out DIR} measures it for this build";
    }
    return s;
  }

  /// The power table of `diffbound power --out` (power.json beside the results), when present.
  void power_section() {
    const json& p = m_.power;
    if (!p.is_object() || !p.contains("checks")) return;
    auto text = [](const json& j, const char* k) {
      return j.contains(k) && j.at(k).is_string() ? j.at(k).get<std::string>() : std::string();
    };
    auto number = [](const json& j, const char* k) {
      return j.contains(k) && j.at(k).is_number() ? j.at(k).get<double>() : nan;
    };
    t_ << "\\section*{Power}\\addcontentsline{toc}{section}{Power}\n"
          "{\\small Form mutants of each claim (wrong variants: a dropped term, a derived constant halved, ...; "
          "never a scalar factor), from \\texttt{diffbound power} ("
       << latex_escape(text(p, "size")) << " run" << power_provenance(p)
       << "). \\emph{refutable}: the falsifier finds a case of the domain "
          "where the mutant is VIOLATED; \\emph{killed}: a case of the run is VIOLATED. Power = killed / refutable. "
          "The claim itself must never be killed.\\par}\n"
          "{\\small\\setlength{\\tabcolsep}{4pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{3.0cm}>{\\raggedright}p{3.0cm}>{\\raggedright}p{3.6cm}ll"
          ">{\\raggedleft\\arraybackslash}p{1.8cm}@{}}\n\\toprule\n"
          "check & mutant & form & refutable & killed & search margin \\\\\n\\midrule\n\\endhead\n";
    for (const auto& c : p.at("checks")) {
      for (const auto& m : c.value("mutants", json::array())) {
        const double margin = m.contains("search") ? number(m.at("search"), "relative_margin") : nan;
        t_ << latex_breakable_tt(text(c, "check")) << " & " << latex_breakable_tt(text(m, "mutant")) << " & "
           << latex_escape(text(m, "form")) << " & " << (m.value("refutable", false) ? "yes" : "no") << " & "
           << (m.value("killed", false) ? "yes" : "no") << " & " << latex_number(margin) << " \\\\\n";
      }
      std::string cost;
      if (c.contains("refute_budget") && c.at("refute_budget").is_number())
        cost = fmt::format(" (refutation budget {}", c.at("refute_budget").get<std::size_t>()) +
               (c.contains("seconds") && c.at("seconds").is_number()
                    ? fmt::format(", {:.0f} s", c.at("seconds").get<double>())
                    : std::string()) +
               (text(c, "commit") != text(p, "commit") && !text(c, "commit").empty()
                    ? "; measured at commit " + latex_escape(text(c, "commit")) + " on " + latex_escape(text(c, "date"))
                    : std::string()) +
               ")";
      t_ << "\\multicolumn{6}{@{}l}{\\emph{power " << c.value("killed", 0) << "/" << c.value("refutable", 0)
         << "}" << cost << "} \\\\\n\\midrule\n";
    }
    t_ << "\\multicolumn{6}{@{}l}{\\textbf{overall power " << p.value("killed", 0) << "/" << p.value("refutable", 0)
       << "}} \\\\\n\\bottomrule\n\\end{longtable}}\n";
  }

  void verdict_table() {
    t_ << "\\section*{Verdicts}\n\\addcontentsline{toc}{section}{Verdicts}\n"
          "{\\small Case counts of each check as its check record states them: the verdict columns count the "
          "\\emph{evidence} (sweep, falsifier and judged-fit cases, where the claim could have failed); "
          "\\emph{identity} cases (the margin is algebra: a sanity check of the code) and \\emph{calibration} "
          "cases (used to fit a constant) are counted apart. \\emph{min.\\ rel.\\ margin} is the "
          "smallest (bound $-$ measured)/$|$bound$|$ over the check's evidence: how close the measurement comes to "
          "the bound (negative: the bound is exceeded).\\par}\n"
          "{\\small\\setlength{\\tabcolsep}{4pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{3.6cm}>{\\raggedright}p{4.2cm}rrrrrrrr>{\\raggedleft\\arraybackslash}"
          "p{1.9cm}@{}}\n"
          "\\toprule\ncheck & claim & \\rotatebox{90}{cases} & \\rotatebox{90}{VERIFIED} & \\rotatebox{90}{HOLDS} & "
          "\\rotatebox{90}{VIOLATED} & \\rotatebox{90}{INCONCLUSIVE} & \\rotatebox{90}{failed} & "
          "\\rotatebox{90}{identity} & \\rotatebox{90}{calibration} & min.\\ rel.\\ margin "
          "\\\\\n\\midrule\n\\endhead\n";
    std::size_t k = 0;
    bool any_unknown = false, any_unlisted = false, any_user = false;
    for (const auto& c : r_.checks) {
      std::string marks;
      if (user_conjecture(c))
        marks += "$^{u}$", any_user = true;
      else if (!known(c.id))
        marks += "$^{\\dagger}$", any_unknown = true;
      if (!c.listed_in_run && r_.run_present) marks += "$^{\\ddagger}$", any_unlisted = true;
      t_ << "\\hyperref[" << label_of(k) << "]{" << latex_breakable_tt(c.id) << "}" << marks << " & ";
      if (c.record) {
        const auto& rec = *c.record;
        const RecordedCounts n = results::evidence_counts(rec.counts, rec.counts_by_kind);
        t_ << (rec.claim.title.empty() ? "\\missing{no claim title}" : latex_escape(rec.claim.title)) << " & "
           << latex_count(n.cases) << " & " << count_cell(n.verified, "VERIFIED") << " & "
           << count_cell(n.holds, "HOLDS") << " & " << count_cell(n.violated, "VIOLATED") << " & "
           << count_cell(n.inconclusive, "INCONCLUSIVE") << " & " << count_cell(n.failed, "failed") << " & "
           << apart_cell(results::kind_cases(rec.counts_by_kind, "identity")) << " & "
           << apart_cell(results::kind_cases(rec.counts_by_kind, "calibration")) << " & "
           << latex_number(rec.smallest_relative_margin) << " \\\\\n";
      } else {
        t_ << "\\missing{no check record (" << plural(c.cases.size(), "case record", "case records")
           << " found)} & -- & -- & -- & -- & -- & -- & -- & -- & -- \\\\\n";
      }
      ++k;
    }
    t_ << "\\midrule\n";
    const RecordedCounts e = results::evidence_counts(r_.end.counts, r_.end.counts_by_kind);
    if (r_.end.present && r_.end.counts.any())
      t_ << "\\textbf{all checks} & \\emph{from the end record} & " << latex_count(e.cases) << " & "
         << count_cell(e.verified, "VERIFIED") << " & " << count_cell(e.holds, "HOLDS") << " & "
         << count_cell(e.violated, "VIOLATED") << " & " << count_cell(e.inconclusive, "INCONCLUSIVE") << " & "
         << count_cell(e.failed, "failed") << " & " << apart_cell(results::kind_cases(r_.end.counts_by_kind, "identity"))
         << " & " << apart_cell(results::kind_cases(r_.end.counts_by_kind, "calibration")) << " & \\\\\n";
    else
      t_ << "\\multicolumn{11}{@{}l}{\\missing{No end record: the run's totals are unknown.}} \\\\\n";
    t_ << "\\bottomrule\n\\end{longtable}}\n";
    if (any_unknown)
      t_ << "{\\footnotesize $^{\\dagger}$ not a check of this build"
         << (m_.program_version.empty() ? std::string() : " (diffbound " + latex_escape(m_.program_version) + ")")
         << ": shown from its records only.\\par}\n";
    if (any_unlisted) t_ << "{\\footnotesize $^{\\ddagger}$ not named in the run record's list of checks.\\par}\n";
    if (any_user)
      t_ << "{\\footnotesize $^{u}$ a user conjecture (diffbound.Conjecture from Python): the measured side "
            "computed by the suite, the bound by the user's code, the verdict by the suite's rule.\\par}\n";

    // The fitted rates of every check, in one place.
    std::size_t fits = 0;
    for (const auto& c : r_.checks)
      if (c.record) fits += c.record->fits.size();
    if (fits > 0) {
      t_ << "\\subsection*{Fitted rates and constants}\n"
            "{\\footnotesize Every fit the checks declare, with the interval of its slope and the rule it is held to "
            "(each check's section gives the confidence level and the number of points).\\par}\n"
            "{\\footnotesize\\setlength{\\tabcolsep}{4pt}\n"
            "\\begin{longtable}{@{}>{\\raggedright}p{3.3cm}>{\\raggedright}p{4.6cm}>{\\raggedleft}p{3.5cm}"
            ">{\\raggedright}p{3.0cm}l@{}}\n\\toprule\ncheck & fit & slope [interval] & held to & outcome \\\\\n"
            "\\midrule\n\\endhead\n";
      for (const auto& c : r_.checks) {
        if (!c.record) continue;
        bool first = true;
        for (const auto& f : c.record->fits) {
          t_ << (first ? latex_breakable_tt(c.id) : std::string()) << " & " << fit_row(f, false) << " \\\\\n";
          first = false;
        }
      }
      t_ << "\\bottomrule\n\\end{longtable}}\n";
    }
  }

  /// name & slope [lo, hi] (with the confidence and points when `detail`) & rule & outcome
  std::string fit_row(const Fit& f, bool detail = true) const {
    std::string ci =
        fmt::format("{} [{}, {}]", latex_number(f.slope), latex_number(f.slope_lo), latex_number(f.slope_hi));
    if (detail) {
      ci += " \\newline{\\footnotesize ";
      ci += std::isfinite(f.confidence) ? fmt::format("{:.0f}\\% CI", 100 * f.confidence) : std::string("CI");
      if (f.points > 0) ci += fmt::format(", {} points", f.points);
      ci += "}";
    }
    std::string rule = f.comparison.empty() ? std::string("\\missing{no rule}") : latex_escape(f.comparison);
    if (std::isfinite(f.expected) && f.comparison.empty()) rule = "expected " + latex_number(f.expected);
    return (f.name.empty() ? std::string("\\missing{no name}") : latex_escape(f.name)) + " & " + ci + " & " + rule +
           " & " + (f.outcome.empty() ? std::string("\\missing{none}") : verdict_tex(f.outcome));
  }

  // ---- problems --------------------------------------------------------------------------------
  /// Everything the records lack, per check (plain text, one sentence each).
  std::vector<std::string> check_problems(const CheckView& c) const {
    std::vector<std::string> out;
    if (!known(c.id) && !user_conjecture(c))
      out.push_back("This check id is not a check of this build" +
                    (m_.program_version.empty() ? std::string() : " (diffbound " + m_.program_version + ")") +
                    ": it is shown from its records only.");
    if (r_.run_present && !c.listed_in_run) out.push_back("The run record does not name this check.");
    if (!c.record) {
      out.push_back(
          fmt::format("The file has no check record for it ({}): no counts, claim, figures or fits. "
                      "Its worst cases below come from its case records.",
                      plural(c.cases.size(), "case record", "case records")));
    } else {
      const auto& rec = *c.record;
      if (!rec.missing.empty()) {
        std::string s = "The check record (line " + std::to_string(rec.line) + ") lacks: ";
        for (std::size_t i = 0; i < rec.missing.size() && i < 12; ++i) s += (i ? ", " : "") + rec.missing[i];
        if (rec.missing.size() > 12) s += fmt::format(", and {} more", rec.missing.size() - 12);
        out.push_back(s + ".");
      }
      if (c.extra_records > 0)
        out.push_back(
            fmt::format("The file holds {} check records for it; the last one is shown.", c.extra_records + 1));
      if (!rec.summary_error.empty()) out.push_back("Its summary failed during the run: " + rec.summary_error);
    }
    std::map<std::string, std::size_t> case_missing;
    for (std::size_t i : c.cases)
      for (const auto& m : r_.cases[i].missing) ++case_missing[m];
    for (const auto& [field, n] : case_missing)
      out.push_back(fmt::format("{} of its {} lack{} {}.", plural(n, "case record", "case records"), c.cases.size(),
                                n == 1 ? "s" : "", field));
    return out;
  }

  void problems_section() {
    std::vector<std::pair<std::string, std::vector<std::string>>> per_check;
    for (const auto& c : r_.checks) {
      auto p = check_problems(c);
      if (!p.empty()) per_check.emplace_back(c.id, std::move(p));
    }
    std::vector<std::string> file = r_.problems;
    for (const auto& m : r_.end.missing) file.push_back("The end record lacks " + m + ".");
    if (file.empty() && per_check.empty()) return;
    t_ << "\\section*{What the results file lacks}\n\\addcontentsline{toc}{section}{What the results file lacks}\n"
          "{\\small The report shows what the records hold; where they lack something, it says so here and in the "
          "check's section.\\par}\n";
    if (!file.empty()) {
      t_ << "\\begin{itemize}\n";
      for (const auto& p : file) t_ << "\\item{} " << latex_escape(p) << "\n";
      t_ << "\\end{itemize}\n";
    }
    for (const auto& [id, list] : per_check) {
      t_ << "\\textbf{" << latex_breakable_tt(id) << "}\n\\begin{itemize}\n";
      for (const auto& p : list) t_ << "\\item{} " << latex_escape(p) << "\n";
      t_ << "\\end{itemize}\n";
    }
  }

  // ---- one check ---------------------------------------------------------------------------------
  void raw_display(const std::string& key, const std::string& tex, const std::string& plain) {
    if (tex.empty() || raw_.off(key)) {
      if (!tex.empty()) t_ << "\\notebox{The LaTeX form of this statement did not compile; it is shown as text.}\n";
      t_ << "\\begin{center}\\begin{minipage}{0.92\\linewidth}\\centering "
         << (plain.empty() ? std::string("\\missing{no statement}") : latex_escape(plain))
         << "\\end{minipage}\\end{center}\n";
      return;
    }
    const std::size_t first = t_.line();
    t_ << "\\begin{center}{\\adjustbox{max width=\\linewidth}{$\\displaystyle\n" << tex << "\n$}}\\end{center}\n";
    raw_.lines[key] = {first, t_.line()};
    raw_.what[key] = "the statement_tex of " + key.substr(key.find(':') + 1);
  }

  std::string raw_inline(const std::string& key, const std::string& tex, const std::string& what) {
    if (tex.empty()) return "";
    if (raw_.off(key)) return latex_breakable_tt(tex);
    const std::size_t first = t_.line();
    raw_.lines[key] = {first, first + 2 + static_cast<std::size_t>(std::count(tex.begin(), tex.end(), '\n'))};
    raw_.what[key] = what;
    return "\n{$" + tex + "$}\n";
  }

  void check_section(const CheckView& c, std::size_t k) {
    const CheckRecord* rec = c.record ? &*c.record : nullptr;
    const std::string title = rec && !rec->claim.title.empty() ? rec->claim.title : "";
    t_ << "\\clearpage\n\\section{\\texorpdfstring{" << latex_breakable_tt(c.id)
       << (title.empty() ? "" : ": " + latex_escape(title)) << "}{" << bookmark_text(c.id)
       << (title.empty() ? "" : ": " + bookmark_text(title)) << "}}\\label{" << label_of(k) << "}\n"
       << "\\suppressfloats[t]\n";  // no figure above the section's heading

    // One line of facts from the check record.
    if (rec) {
      const RecordedCounts& n = rec->counts;
      std::string facts = fmt::format("{} cases: {} VERIFIED, {} HOLDS, {} VIOLATED, {} INCONCLUSIVE, {} failed",
                                      latex_count(n.cases), count_cell(n.verified, "VERIFIED"),
                                      count_cell(n.holds, "HOLDS"), count_cell(n.violated, "VIOLATED"),
                                      count_cell(n.inconclusive, "INCONCLUSIVE"), count_cell(n.failed, "failed"));
      if (!rec->scalar.empty())
        facts += "; scalar " + latex_escape(rec->scalar) +
                 (rec->precision_bits ? fmt::format(" at {} bits", *rec->precision_bits) : std::string());
      if (std::isfinite(rec->seconds)) facts += fmt::format("; {:.2f} s", rec->seconds);
      facts += ". Smallest relative margin " + latex_number(rec->smallest_relative_margin);
      if (!rec->worst_case.empty()) facts += ", at case " + latex_breakable_tt(rec->worst_case);
      facts += ".";
      t_ << "{\\small " << facts << "\\par}\n";
    }
    const auto problems = check_problems(c);
    if (!problems.empty()) {
      std::string s = "\\textbf{What the records lack.}";
      for (const auto& p : problems) s += " " + latex_escape(p);
      t_ << "\\notebox{" << s << "}\n";
    }
    if (rec) claim_part(c.id, rec->claim);
    worst_cases(c);  // before the figures: a short table that keeps the first page full
    if (rec) summary_part(c, *rec);
  }

  void claim_part(const std::string& id, const Claim& claim) {
    if (!claim.present) {
      t_ << "\\subsection*{Claim}\n\\missing{The check record holds no claim.}\n";
      return;
    }
    t_ << "\\subsection*{Claim}\n";
    std::string source = claim.source.empty() ? "\\missing{source not recorded}" : latex_escape(claim.source);
    if (!claim.paper_tag.empty()) source += " \\quad PAPER.md tag " + latex_escape(claim.paper_tag);
    t_ << "{\\small " << source << "\\par}\n";
    raw_display("statement:" + id, claim.statement_tex, claim.statement);
    if (!claim.statement.empty() && !claim.statement_tex.empty() && !raw_.off("statement:" + id))
      t_ << "{\\small\\raggedright In words: \\texttt{" << latex_escape(claim.statement) << "}\\par}\n";
    t_ << "\\paragraph{Assumptions.}";
    if (claim.assumptions.empty())
      t_ << " \\missing{none recorded}\n";
    else {
      t_ << "\n\\begin{itemize}\n";
      for (const auto& a : claim.assumptions) t_ << "\\item{} " << latex_escape(a) << "\n";
      t_ << "\\end{itemize}\n";
    }
    t_ << "\\paragraph{Constants and their provenance.}";
    if (claim.constants.empty()) {
      t_ << " \\missing{none recorded}\n";
      return;
    }
    t_ << "\n{\\small\\setlength{\\tabcolsep}{4pt}\n"
          "\\begin{longtable}{@{}>{\\raggedright}p{1.5cm}>{\\raggedright}p{2.6cm}>{\\raggedright}p{1.5cm}"
          ">{\\raggedright}p{2.1cm}>{\\raggedright}p{1.9cm}>{\\raggedright\\arraybackslash}p{5.6cm}@{}}\n"
          "\\toprule\nsymbol & name & value & provenance & tag & source \\\\\n\\midrule\n\\endhead\n";
    for (std::size_t i = 0; i < claim.constants.size(); ++i) {
      const Constant& k = claim.constants[i];
      t_ << raw_inline(fmt::format("symbol:{}:{}", id, i), k.symbol_tex,
                       "the symbol_tex of constant " + (k.name.empty() ? std::to_string(i + 1) : k.name) + " of " + id);
      t_ << " & " << latex_breakable_tt(k.name) << " & " << latex_escape(k.value) << " & " << latex_escape(k.provenance)
         << " & " << latex_escape(k.paper_tag) << " & " << latex_escape(k.source) << " \\\\\n";
    }
    t_ << "\\bottomrule\n\\end{longtable}}\n";
  }

  void summary_part(const CheckView& c, const CheckRecord& rec) {
    if (!rec.has_summary) return;
    // Figures
    auto it = m_.figures_of.find(c.id);
    if (it != m_.figures_of.end() && !it->second.empty()) {
      for (std::size_t fi : it->second) figure(m_.figures[fi]);
    }
    if (!rec.tables.empty()) {
      t_ << "\\subsection*{Tables}\n";
      for (const auto& tb : rec.tables) table(tb);
    }
    if (!rec.fits.empty()) {
      t_ << "\\subsection*{Fits}\n{\\small\\setlength{\\tabcolsep}{4pt}\n"
            "\\begin{longtable}{@{}>{\\raggedright}p{5.0cm}>{\\raggedleft}p{4.4cm}>{\\raggedright}p{3.6cm}l@{}}\n"
            "\\toprule\nfit & slope [interval] & held to & outcome \\\\\n\\midrule\n\\endhead\n";
      for (const auto& f : rec.fits) t_ << fit_row(f) << " \\\\\n";
      t_ << "\\bottomrule\n\\end{longtable}}\n";
    }
    if (!rec.notes.empty()) {
      t_ << "\\subsection*{Notes}\n\\begin{itemize}\n";
      for (const auto& n : rec.notes) t_ << "\\item{} " << latex_escape(n) << "\n";
      t_ << "\\end{itemize}\n";
    }
  }

  void figure(const FigureRef& ref) {
    const Figure& f = *ref.figure;
    std::string caption = "\\textbf{" + (f.title.empty() ? std::string("(untitled)") : latex_escape(f.title)) + ".}";
    if (!f.caption.empty()) caption += " " + latex_escape(f.caption);
    for (const auto& n : ref.drawn.notes) caption += " [" + latex_escape(n) + ".]";
    for (const auto& p : *ref.problems) caption += " [The declaration lacks: " + latex_escape(p) + ".]";
    caption += " {\\footnotesize Data: " + latex_breakable_tt(ref.csv) + ".}";
    if (ref.drawn.panels.empty()) {
      t_ << "\\notebox{\\textbf{Figure " << latex_escape(f.id.empty() ? "(no id)" : f.id) << " could not be drawn:} "
         << latex_escape(ref.drawn.error) << " \\\\ " << caption << "}\n";
      return;
    }
    // Floats, so that pages fill; each panel of a split figure is a figure of its own.
    for (std::size_t p = 0; p < ref.drawn.panels.size(); ++p) {
      const std::string panel = ref.drawn.panels.size() > 1
                                    ? fmt::format("(panel {} of {}) ", p + 1, ref.drawn.panels.size())
                                    : std::string();
      t_ << "\\begin{figure}[tbp]\\centering\n"
         << "\\includegraphics[max width=\\linewidth,max height=0.8\\textheight]{"
         << ref.drawn.panels[p].filename().string() << "}\n"
         << "\\caption[]{" << panel << caption << "}\n\\end{figure}\n";
    }
  }

  std::string cell(const json& v) const {
    if (v.is_null()) return "--";
    if (v.is_number_integer() || v.is_number_unsigned()) return "\\ensuremath{" + v.dump() + "}";
    if (v.is_number()) return latex_number(v.get<double>());
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_string()) return latex_escape(v.get<std::string>());
    return latex_escape(value_text(v));
  }

  void table(const Table& tb) {
    std::size_t cols = tb.columns.size();
    for (const auto& r : tb.rows) cols = std::max(cols, r.size());
    if (cols == 0) {
      t_ << "\\missing{Table " << latex_escape(tb.id) << " has no columns.}\n\n";
      return;
    }
    std::string spec;
    for (std::size_t j = 0; j < cols; ++j) {
      bool numeric = !tb.rows.empty();
      for (const auto& r : tb.rows)
        if (j < r.size() && !r[j].is_number() && !r[j].is_null() &&
            !(r[j].is_string() && r[j].get<std::string>() == "-"))
          numeric = false;
      spec += numeric ? "r" : "l";
    }
    t_ << "\\par\\noindent{\\small\\textbf{" << (tb.title.empty() ? latex_escape(tb.id) : latex_escape(tb.title))
       << "}}\\par\\nopagebreak\n";
    const bool long_table = tb.rows.size() > 30;
    const std::string size = cols > 7 ? "\\footnotesize" : "\\small";
    if (long_table)
      t_ << "{" << size << "\\begin{longtable}{@{}" << spec << "@{}}\n\\toprule\n";
    else
      t_ << "{" << size << "\\begin{center}\\adjustbox{max width=\\linewidth}{\\begin{tabular}{@{}" << spec
         << "@{}}\n\\toprule\n";
    for (std::size_t j = 0; j < cols; ++j)
      t_ << (j ? " & " : "") << (j < tb.columns.size() ? latex_escape(tb.columns[j]) : std::string());
    t_ << " \\\\\n\\midrule\n";
    if (long_table) t_ << "\\endhead\n";
    for (const auto& r : tb.rows) {
      for (std::size_t j = 0; j < cols; ++j) t_ << (j ? " & " : "") << (j < r.size() ? cell(r[j]) : std::string());
      t_ << " \\\\\n";
    }
    t_ << "\\bottomrule\n";
    if (long_table)
      t_ << "\\end{longtable}}\n";
    else
      t_ << "\\end{tabular}}\\end{center}}\n";
    if (!tb.caption.empty()) t_ << "{\\footnotesize " << latex_escape(tb.caption) << "\\par}\n";
    t_ << "\\medskip\n";
  }

  void worst_cases(const CheckView& c) {
    std::vector<std::size_t> idx;
    for (std::size_t i : c.cases)
      if (std::isfinite(r_.cases[i].relative_margin)) idx.push_back(i);
    if (c.cases.empty()) return;
    t_ << "\\subsection*{Worst cases}\n";
    if (idx.empty()) {
      t_ << "\\missing{No case record of this check has a relative margin.}\n";
      return;
    }
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
      return r_.cases[a].relative_margin < r_.cases[b].relative_margin;
    });
    const std::size_t n = std::min(idx.size(), m_.worst_cases);
    // A short table: kept on one page with its introduction.
    t_ << "\\par\\noindent\\begin{minipage}{\\linewidth}\n{\\small The " << plural(n, "case", "cases")
       << " with the smallest relative margin (bound $-$ measured)/$|$bound$|$, of " << idx.size()
       << " with a margin. Values rounded to 4 digits; the enclosures in full are in the results file.\\par}\n"
          "\\smallskip{\\small\\setlength{\\tabcolsep}{4pt}\n"
          "\\begin{tabular}{@{}>{\\raggedright}p{6.2cm}lrrrr@{}}\n\\toprule\n"
          "case & verdict & measured & bound & margin (low end) & rel.\\ margin \\\\\n\\midrule\n";
    for (std::size_t k = 0; k < n; ++k) {
      const CaseRecord& cr = r_.cases[idx[k]];
      auto mid = [](const std::optional<Quantity>& q) { return q ? latex_number(q->mid) : std::string("--"); };
      t_ << latex_breakable_tt(cr.id) << " & " << verdict_tex(cr.verdict) << " & " << mid(cr.measured) << " & "
         << mid(cr.bound) << " & " << (cr.margin ? latex_number(cr.margin->lo) : std::string("--")) << " & "
         << latex_number(cr.relative_margin) << " \\\\\n";
    }
    t_ << "\\bottomrule\n\\end{tabular}}\n\\end{minipage}\n";
  }

  // ---- appendix -----------------------------------------------------------------------------------
  static int severity(const CaseRecord& c) {
    if (c.verdict == "VIOLATED") return 0;
    if (c.failed()) return 1;
    if (c.verdict == "INCONCLUSIVE") return 2;
    return 3;
  }

  void appendix() {
    t_ << "\\clearpage\n\\appendix\n\\section{VIOLATED, INCONCLUSIVE and failed cases}\\label{app:cases}\n"
          "{\\small Every case record whose verdict is neither VERIFIED nor HOLDS, or that failed to run, with its "
          "parameters (nested keys joined by dots) and the reason its record gives; VIOLATED first, then failed, "
          "then INCONCLUSIVE.\\par}\n";
    bool any = false;
    for (const auto& c : r_.checks) {
      std::vector<std::size_t> list;
      for (std::size_t i : c.cases) {
        const CaseRecord& cr = r_.cases[i];
        if (cr.failed() || (cr.verdict != "VERIFIED" && cr.verdict != "HOLDS")) list.push_back(i);
      }
      if (list.empty()) continue;
      any = true;
      std::stable_sort(list.begin(), list.end(),
                       [&](std::size_t a, std::size_t b) { return severity(r_.cases[a]) < severity(r_.cases[b]); });
      std::size_t violated = 0, failed = 0, inconclusive = 0, other = 0;
      for (std::size_t i : list) {
        const int s = severity(r_.cases[i]);
        (s == 0 ? violated : s == 1 ? failed : s == 2 ? inconclusive : other)++;
      }
      t_ << "\\subsection{\\texorpdfstring{" << latex_breakable_tt(c.id) << "}{" << bookmark_text(c.id) << "}}\n";
      std::string counts = fmt::format("{} listed: {} VIOLATED, {} failed, {} INCONCLUSIVE", list.size(), violated,
                                       failed, inconclusive);
      if (other) counts += fmt::format(", {} with another or no verdict", other);
      t_ << "{\\small " << counts << ".\\par}\n";
      const std::size_t limit = m_.appendix_limit == 0 ? list.size() : std::min(list.size(), m_.appendix_limit);
      t_ << "{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
            "\\begin{longtable}{@{}>{\\raggedright}p{3.9cm}>{\\raggedright}p{2.6cm}>{\\raggedright}p{5.0cm}"
            ">{\\raggedright\\arraybackslash}p{4.6cm}@{}}\n\\toprule\n"
            "case & verdict & parameters & reason \\\\\n\\midrule\n\\endhead\n";
      for (std::size_t k = 0; k < limit; ++k) {
        const CaseRecord& cr = r_.cases[list[k]];
        std::string verdict = verdict_tex(cr.verdict);
        if (cr.failed()) verdict += " \\newline " + verdict_tex("failed");
        if (cr.finding && cr.finding->accepted())
          verdict += " \\newline{\\color{vNONE}accepted: " + latex_breakable_tt(cr.finding->id) + "}";
        else if (cr.finding)
          verdict += " \\newline\\textbf{new finding}";
        std::string reason;
        if (cr.failed()) reason = "\\textbf{error:} " + latex_escape(cr.error);
        // The runner's reason for a failed case repeats its error: shown only when it says more.
        const bool repeats = cr.failed() && cr.reason.find(cr.error) != std::string::npos;
        if (!cr.reason.empty() && !repeats) reason += (reason.empty() ? "" : " \\newline ") + latex_escape(cr.reason);
        if (reason.empty()) reason = "\\missing{no reason recorded}";
        if (std::isfinite(cr.relative_margin))
          reason += " \\newline{\\color{vNONE}rel.\\ margin " + latex_number(cr.relative_margin) + "}";
        t_ << latex_breakable_tt(cr.id.empty() ? "(no case id)" : cr.id) << " & " << verdict << " & "
           << latex_breakable_tt(params_text(cr.params)) << " & " << reason << " \\\\\n";
      }
      t_ << "\\bottomrule\n\\end{longtable}}\n";
      if (limit < list.size())
        t_ << "{\\small " << (list.size() - limit) << " further cases are not listed here (the limit is " << limit
           << " per check); the results file holds them all.\\par}\n";
    }
    if (!any) t_ << "No case of this run is VIOLATED, INCONCLUSIVE or failed.\n";
  }
};

// ---------------------------------------------------------------------------------------------
// Files

/// A temporary folder, removed on destruction unless kept.
class WorkDir {
 public:
  WorkDir() {
    std::string tmpl = (fs::temp_directory_path() / "diffbound-report-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot create a temporary folder in " + fs::temp_directory_path().string());
    path_ = tmpl;
  }
  ~WorkDir() {
    if (keep_) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  fs::path path_;
  bool keep_ = false;
};

json summary_json(const Model& m, const ReportOutcome& o) {
  const ResultsFile& r = *m.results;
  json checks = json::array();
  for (const auto& c : r.checks) {
    json j{{"check", c.id}, {"case_records", c.cases.size()}, {"listed_in_run", c.listed_in_run}};
    if (!m.known_checks.empty())
      j["known_to_this_build"] = std::find(m.known_checks.begin(), m.known_checks.end(), c.id) != m.known_checks.end();
    if (c.record) {
      const auto& rec = *c.record;
      j["title"] = rec.claim.title;
      j["counts"] = recorded_counts_json(rec.counts);
      j["smallest_relative_margin"] =
          std::isfinite(rec.smallest_relative_margin) ? json(rec.smallest_relative_margin) : json(nullptr);
      j["worst_case"] = rec.worst_case;
      j["seconds"] = std::isfinite(rec.seconds) ? json(rec.seconds) : json(nullptr);
      json fits = json::array();
      for (const auto& f : rec.fits) fits.push_back(json(f));
      j["fits"] = fits;
      if (!rec.missing.empty()) j["missing_fields"] = rec.missing;
      if (!rec.summary_error.empty()) j["summary_error"] = rec.summary_error;
    } else {
      j["counts"] = nullptr;
      j["note"] = "no check record";
    }
    json figs = json::array();
    auto it = m.figures_of.find(c.id);
    if (it != m.figures_of.end())
      for (std::size_t fi : it->second) {
        const auto& fr = m.figures[fi];
        json fj{{"id", fr.figure->id},
                {"title", fr.figure->title},
                {"kind", fr.figure->kind},
                {"csv", fr.csv},
                {"drawn", !fr.drawn.panels.empty()}};
        if (!fr.drawn.error.empty()) fj["error"] = fr.drawn.error;
        figs.push_back(fj);
      }
    j["figures"] = figs;
    checks.push_back(j);
  }
  json run = r.run;
  run.erase("type");
  json out{{"report",
            {{"generated", utc_time("%Y-%m-%d %H:%M:%S UTC")},
             {"results", m.results_name},
             {"pdf", o.ok ? json(o.pdf.filename().string()) : json(nullptr)}}},
           {"run", run},
           {"totals", r.end.present ? recorded_counts_json(r.end.counts) : json(nullptr)},
           {"wall_seconds", std::isfinite(r.end.wall_seconds) ? json(r.end.wall_seconds) : json(nullptr)},
           {"problems", r.problems},
           {"checks", checks}};
  if (!o.ok) out["report"]["error"] = o.error;
  auto count = [](const std::optional<std::int64_t>& n) { return n ? json(*n) : json(nullptr); };
  if (r.end.findings.present) {
    const FindingsRecord& f = r.end.findings;
    json entries = json::array();
    for (const auto& e : f.entries)
      entries.push_back(json{{keys::id, e.id},
                             {keys::check, e.check},
                             {keys::status, e.status},
                             {keys::accepted, count(e.accepted)},
                             {keys::matched, count(e.matched)}});
    out[keys::findings] = json{{keys::file, f.file},
                               {keys::accepted, count(f.counts.accepted)},
                               {keys::new_findings, count(f.counts.fresh)},
                               {keys::resolved, count(f.resolved)},
                               {keys::entries, entries}};
  }
  if (m.diff) {
    const DiffFile& d = *m.diff;
    out["diff"] = json{{keys::file, d.path.string()},
                       {keys::regressions, d.parsed ? count(d.regressions) : json(nullptr)},
                       {keys::identical, d.identical ? json(*d.identical) : json(nullptr)},
                       {"problems", d.problems}};
  }
  return out;
}

}  // namespace

ReportOutcome write_report(const ReportOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ReportOutcome outcome;
  const fs::path results_path = locate_results(options.in);
  const ResultsFile results = read_results(results_path);

  fs::path out = options.out;
  if (out.empty()) out = results_path.parent_path() / "report.pdf";
  std::error_code ec;
  if (fs::is_directory(out, ec)) out /= "report.pdf";
  const fs::path out_dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  fs::create_directories(out_dir, ec);
  if (!fs::is_directory(out_dir, ec)) throw std::invalid_argument("cannot create the folder " + out_dir.string());

  Model model;
  model.results = &results;
  model.known_checks = options.known_checks;
  model.program_version = options.program_version;
  model.results_name = results_path.string();
  model.worst_cases = options.worst_cases;
  model.appendix_limit = options.appendix_limit;
  {
    // The power table, when `diffbound power --out <folder>` wrote one beside the results (read, not computed).
    std::ifstream pin(results_path.parent_path() / "power.json");
    if (pin) model.power = json::parse(pin, nullptr, false);
    if (model.power.is_discarded() || !model.power.is_object()) model.power = json();
  }
  // The comparison with a baseline, when `run --baseline` (or `diff --out`) wrote one beside the results.
  if (const fs::path diff = results_path.parent_path() / "diff.json"; fs::is_regular_file(diff, ec)) {
    try {
      model.diff = read_diff(diff);
    } catch (const std::exception& e) {
      model.diff = DiffFile{};
      model.diff->problems.push_back(e.what());
    }
    // A diff made for another run of this folder (a later run without --baseline removes it; one copied
    // here by hand may be stale): say so rather than show it as this run's.
    const DiffFile& d = *model.diff;
    const std::string date = run_field(results.run, "date"), commit = run_field(results.run, "commit");
    if (d.parsed && ((!d.new_run.date.empty() && !date.empty() && d.new_run.date != date) ||
                     (!d.new_run.commit.empty() && !commit.empty() && d.new_run.commit != commit)))
      model.diff->problems.push_back(fmt::format(
          "diff.json compares a run of {} (commit {}), but these results are of {} (commit {}): it may be stale.",
          d.new_run.date, d.new_run.commit, date, commit));
  }
  std::set<std::string> csv_names;
  for (const auto& c : results.checks) {
    if (!c.record) continue;
    for (std::size_t fi = 0; fi < c.record->figures.size(); ++fi) {
      const Figure& f = c.record->figures[fi];
      std::string name = figure_csv_name(c.id, f.id.empty() ? "figure" : f.id);
      for (int k = 2; csv_names.count(name); ++k)
        name = figure_csv_name(c.id, (f.id.empty() ? "figure" : f.id) + "-" + std::to_string(k));
      csv_names.insert(name);
      model.figures_of[c.id].push_back(model.figures.size());
      model.figures.push_back(FigureRef{&f, &c.record->figure_problems[fi], c.id, name, {}});
    }
  }
  outcome.checks = results.checks.size();
  outcome.figures = model.figures.size();

  WorkDir work;
  if (options.keep_work) {
    work.keep();
    outcome.work_dir = work.path();
  }

  // Figures: CSV beside the PDF, drawings in the work folder.
  std::vector<const Figure*> figs;
  for (const auto& f : model.figures) figs.push_back(f.figure);
  const auto drawn = draw_figures(figs, work.path());
  for (std::size_t i = 0; i < model.figures.size(); ++i) {
    model.figures[i].drawn = drawn[i];
    if (!drawn[i].panels.empty())
      ++outcome.figures_drawn;
    else
      outcome.warnings.push_back("figure " + model.figures[i].check + "/" + model.figures[i].figure->id +
                                 " not drawn: " + drawn[i].error);
    const fs::path csv = out_dir / model.figures[i].csv;
    write_file_atomically(csv, figure_csv(*model.figures[i].figure));
    outcome.csv_files.push_back(csv);
  }

  // The document; a raw LaTeX block that pdflatex rejects is shown as text on the next attempt.
  RawBlocks raw;
  const fs::path tex = work.path() / "report.tex";
  LatexResult lr;
  for (int attempt = 0; attempt < 12; ++attempt) {
    raw.lines.clear();
    for (const char* ext : {".aux", ".toc", ".out"}) fs::remove(work.path() / (std::string("report") + ext), ec);
    Builder builder(model, raw);
    write_file_atomically(tex, builder.build());
    lr = run_pdflatex(tex, 3);
    if (lr.ok || options.strict_tex) break;
    std::string culprit;
    if (lr.error_line)
      for (const auto& [key, range] : raw.lines)
        if (*lr.error_line >= range.first && *lr.error_line <= range.second) culprit = key;
    if (!culprit.empty() && !raw.disabled.count(culprit)) {
      raw.disabled.insert(culprit);
      outcome.warnings.push_back("LaTeX rejected " + raw.what[culprit] + "; it is shown as text. LaTeX said:\n" +
                                 lr.errors);
    } else if (!raw.all_disabled && !raw.lines.empty()) {
      raw.all_disabled = true;
      outcome.warnings.push_back(
          "LaTeX failed at a line it could not tie to one statement; every statement_tex and symbol_tex is shown as "
          "text. LaTeX said:\n" +
          lr.errors);
    } else {
      break;
    }
  }

  if (lr.ok) {
    // The PDF is put in place like every file the program writes (written whole, synced, renamed).
    std::ifstream pdf(work.path() / "report.pdf", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(pdf)), std::istreambuf_iterator<char>());
    try {
      if (!pdf) throw std::runtime_error("cannot read the built " + (work.path() / "report.pdf").string());
      write_file_atomically(out, bytes);
    } catch (const std::exception& e) {
      outcome.error = e.what();
    }
    if (outcome.error.empty()) {
      outcome.ok = true;
      outcome.pdf = out;
    }
  } else {
    outcome.error = "pdflatex failed; " + out.string() + " was not written. LaTeX said:\n" + lr.errors;
    if (!options.keep_work)
      outcome.error += "(run 'diffbound report --keep-work' to keep the LaTeX source)";
    else
      outcome.error += "LaTeX source: " + (work.path() / "report.tex").string();
  }
  outcome.summary_json = out_dir / "summary.json";
  write_file_atomically(outcome.summary_json, summary_json(model, outcome).dump(2) + "\n");
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return outcome;
}

void print_outcome(const ReportOutcome& o, std::ostream& out, std::ostream& err) {
  for (const auto& w : o.warnings) err << "report: warning: " << w << (w.empty() || w.back() != '\n' ? "\n" : "");
  if (o.ok)
    out << fmt::format(
        "report: {} ({} checks, {} of {} figures drawn, {:.1f} s); figure data and summary.json beside it\n",
        o.pdf.string(), o.checks, o.figures_drawn, o.figures, o.seconds);
  else
    err << "report: FAILED: " << o.error << (o.error.empty() || o.error.back() != '\n' ? "\n" : "");
  if (!o.work_dir.empty()) out << "report: work folder kept at " << o.work_dir.string() << "\n";
}

bool report_after_run(const fs::path& out_dir, std::ostream& out, std::ostream& err) {
  const fs::path pdf = out_dir / "report.pdf";
  try {
    ReportOptions opt;
    opt.in = out_dir / "results.jsonl";
    opt.out = pdf;
    const ReportOutcome o = write_report(opt);
    print_outcome(o, out, err);
    if (o.ok) return true;
  } catch (const std::exception& e) {
    err << "report: FAILED: " << e.what() << "\n";
  }
  std::error_code ec;
  if (fs::remove(pdf, ec)) err << "report: removed the stale " << pdf.string() << " of an earlier run\n";
  return false;
}

}  // namespace diffbound::reports
