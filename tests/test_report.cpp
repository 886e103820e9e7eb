// The PDF report (reports/): tolerant reading of results files, LaTeX escaping checked against what
// pdflatex actually typesets, a report built from the committed hand-made results file and read back
// with pdftotext, a LaTeX failure that leaves no PDF, figures split into panels, the commands.
#include "cli_helpers.hpp"

#include <diffbound/reports/latex.hpp>
#include <diffbound/reports/plots.hpp>
#include <diffbound/reports/report.hpp>
#include <diffbound/results/reader.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

using namespace diffbound::test;
using namespace diffbound::reports;
using namespace diffbound::results;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

const fs::path kSample = fs::path(DIFFBOUND_TEST_DATA) / "report_sample.jsonl";
// The checks of "this build" as the tests declare it: sampling.order and example.unknown_check of the
// sample are then unknown, whatever checks the program has by now.
const std::vector<std::string> kKnown{"sampling.init", "sampling.girsanov"};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The text of a PDF, as pdftotext reads it (in the layout of the page, or in reading order).

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}
std::string without_space(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

/// Whether the typeset text holds `phrase`, whatever the line breaks: white space is ignored, and a
/// hyphen at the end of a line is read both as a hyphenation and as a hyphen.
bool has(const std::string& text, const std::string& phrase) {
  const std::string p = without_space(phrase);
  return without_space(replace_all(text, "-\n", "")).find(p) != std::string::npos ||
         without_space(replace_all(text, "-\n", "-")).find(p) != std::string::npos;
}

/// The lines of `text` that contain every one of `words`.
std::vector<std::string> lines_with(const std::string& text, const std::vector<std::string>& words) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& w : words) all = all && line.find(w) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

/// Files in `dir` whose name contains `part`.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path().filename().string());
  return out;
}

/// Points TMPDIR at a private folder for the life of the object, so that a test can see what the
/// report leaves behind in its work folders.
class PrivateTmp {
 public:
  explicit PrivateTmp(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir_);
    const char* old = std::getenv("TMPDIR");
    if (old) old_ = old, had_ = true;
    setenv("TMPDIR", dir_.c_str(), 1);
  }
  ~PrivateTmp() {
    if (had_)
      setenv("TMPDIR", old_.c_str(), 1);
    else
      unsetenv("TMPDIR");
  }
  bool empty() const { return fs::is_empty(dir_); }

 private:
  fs::path dir_;
  std::string old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("results are read tolerantly and as recorded", "[report][smoke]") {
  const ResultsFile r = read_results(kSample);
  REQUIRE(r.run_present);
  REQUIRE(r.end.present);
  REQUIRE(r.checks.size() == 3);
  CHECK(r.checks[0].id == "sampling.init");  // order of the run record
  CHECK(r.checks[1].id == "sampling.order");
  CHECK(r.checks[2].id == "example.unknown_check");
  CHECK_FALSE(r.checks[2].listed_in_run);
  // Counts are the check record's (35), not a tally of the three case lines the file holds.
  REQUIRE(r.checks[0].record);
  CHECK(r.checks[0].cases.size() == 3);
  CHECK(r.checks[0].record->counts.verified == 35);
  CHECK(r.checks[0].record->smallest_relative_margin == 0.02631);
  CHECK(*r.end.counts.cases == 41);
  // The cut last line, the missing fields, the failed case.
  CHECK_THAT(r.problems.front(), Contains("line 15") && Contains("cut short"));
  const auto& unknown = *r.checks[2].record;
  CHECK(std::find(unknown.missing.begin(), unknown.missing.end(), "claim.statement_tex") != unknown.missing.end());
  CHECK(std::find(unknown.missing.begin(), unknown.missing.end(), "smallest_relative_margin") != unknown.missing.end());
  CHECK(std::isnan(unknown.smallest_relative_margin));
  std::size_t failed = 0, without_margin = 0;
  for (std::size_t i : r.checks[1].cases) {
    failed += r.cases[i].failed() ? 1 : 0;
    for (const auto& m : r.cases[i].missing) without_margin += m == "relative_margin" ? 1 : 0;
  }
  CHECK(failed == 1);
  CHECK(without_margin == 1);
  const auto& order = *r.checks[1].record;
  REQUIRE(order.figures.size() == 2);
  CHECK(order.figures[1].kind == "heatmap");
  CHECK(order.figures[1].series[0].z.size() == 12);
  CHECK(std::isnan(order.figures[0].series[4].y[3]));  // a null entry reads as NaN
  REQUIRE(order.fits.size() == 2);
  CHECK(std::isnan(order.fits[1].slope_lo));

  // Garbage: every line is accounted for, nothing throws.
  const ResultsFile g = parse_results("not json\n{\"type\":\"weird\"}\n[1,2]\n{\"no_type\":1}\n");
  REQUIRE(g.problems.size() >= 6);
  CHECK_THAT(g.problems[0], Contains("Line 1 is not valid JSON"));
  CHECK_THAT(g.problems[1], Contains("unknown record type \"weird\""));
  CHECK_THAT(g.problems[2], Contains("Line 3 is not a JSON object"));
  CHECK_THAT(g.problems[3], Contains("Line 4 has no \"type\""));
  CHECK_FALSE(g.run_present);
  CHECK_FALSE(g.end.present);
  CHECK(g.checks.empty());
}

TEST_CASE("LaTeX escaping", "[report][smoke]") {
  CHECK(latex_escape("a_b%c#d&e~f^g\\h{i}j$k") ==
        "a\\_b\\%c\\#d\\&e\\textasciitilde{}f\\textasciicircum{}g\\textbackslash{}h\\{i\\}j\\$k");
  CHECK(latex_escape("[D]") == "{[}D{]}");    // never an optional argument of \item or \\ .
  CHECK(latex_escape("a--b") == "a-{}-{}b");  // no en dash from data
  CHECK(latex_escape("tab\there\nnew") == "tab here new");
  CHECK(latex_escape("\xff!") == "?!");  // not UTF-8
  CHECK(latex_escape("é ü") == "é ü");   // Latin letters pass through (T1, UTF-8 input)
  CHECK(latex_escape("σ_T ≤ ‖x‖²") ==
        "\\ensuremath{\\sigma}\\_T \\ensuremath{\\le} \\ensuremath{\\|}x\\ensuremath{\\|}\\ensuremath{^{2}}");
  CHECK(latex_escape("x⁻¹ m₂") == "x\\ensuremath{^{-1}} m\\ensuremath{_{2}}");  // runs become one script
  CHECK(latex_escape("snow ☃") == "snow [U+2603]");
  CHECK(latex_number(std::nan("")) == "--");
  CHECK(latex_number(0.02631) == "\\ensuremath{0.02631}");
  CHECK(latex_number(-3.125e-7) == "\\ensuremath{-3.125\\times 10^{-7}}");
  CHECK(latex_number(9.99995e-5) == "\\ensuremath{1.000\\times 10^{-4}}");  // the mantissa carries
  CHECK(figure_csv_name("a.b", "x/y z(d=1)") == "a.b--x_y_z(d=1).csv");

  // The independent route: what pdflatex typesets from the escaped text reads back (pdftotext) as the
  // original characters.
  TempDir dir("escape");
  const std::string hostile = "a_b%c#d&e~f^g\\h{i}j$k[l]m<n>o|p\"q`r's--t";
  std::ofstream(dir.path() / "report.tex")
      << "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
         "\\IfFileExists{lmodern.sty}{\\usepackage{lmodern}}{}\n\\usepackage{textcomp,amsmath,amssymb}\n"
         "\\begin{document}\n\\noindent "
      << latex_escape(hostile) << "\n\n\\noindent " << latex_escape("σ ≤ ‖x‖ é ✓") << "\n\\end{document}\n";
  const LatexResult lr = run_pdflatex(dir.path() / "report.tex", 1);
  INFO(lr.errors);
  REQUIRE(lr.ok);
  const std::string text = pdf_text(dir.path() / "report.pdf", true);
  CHECK_THAT(text, Contains(hostile));
  CHECK_THAT(text, Contains("σ ≤ ∥x∥ é ✓"));
}

TEST_CASE("a report from the committed results file", "[report]") {
  TempDir dir("report-sample");
  PrivateTmp tmp(dir.path() / "tmp");
  ReportOptions opt;
  opt.in = kSample;
  opt.out = dir.path() / "out" / "report.pdf";
  opt.known_checks = kKnown;
  opt.program_version = "test";
  const ReportOutcome o = write_report(opt);
  INFO(o.error);
  REQUIRE(o.ok);
  CHECK(o.figures == 3);
  CHECK(o.figures_drawn == 3);
  CHECK(tmp.empty());  // the work folder is gone
  const fs::path out = dir.path() / "out";
  CHECK(fs::is_regular_file(out / "report.pdf"));
  CHECK(files_containing(out, ".tmp-").empty());
  for (const char* csv :
       {"sampling.init--kl_vs_sigma_T.csv", "sampling.order--kl_vs_N.csv", "sampling.order--heat_N_sigma.csv"})
    CHECK(fs::is_regular_file(out / csv));

  const std::string text = pdf_text(out / "report.pdf", true);   // table rows: one line each
  const std::string flat = pdf_text(out / "report.pdf", false);  // paragraphs
  INFO(flat);
  // Title page, with what the run record lacks.
  CHECK(has(flat, "diffbound report"));
  CHECK(has(flat, "Some cases are VIOLATED (findings, each explained in the appendix) and some failed to run."));
  CHECK(lines_with(text, {"commit", "not recorded"}).size() >= 1);
  CHECK(lines_with(text, {"shard", "1/1"}).size() == 1);  // a field the report does not know is shown
  // The verdict table: the counts as the records state them.
  CHECK(has(flat, "Verdicts"));
  CHECK(lines_with(text, {"sampling.init", "35", "0.02631"}).size() == 1);
  CHECK(lines_with(text, {"sampling.order", "5", "1", "2", "−0.03125"}).size() == 1);
  CHECK(lines_with(text, {"all checks", "41", "37"}).size() == 1);
  // One section per check, each with its parts.
  CHECK(has(flat, "1 sampling.init: Initialization error of the VE sampler"));
  CHECK(has(flat, "2 sampling.order: Measured KL decays in N at least as fast as the bound"));
  CHECK(has(flat, "3 example.unknown_check: A check from another build"));
  for (const char* part :
       {"Claim", "Assumptions.", "Constants and their provenance.", "Figure 1: Initialization error and its bound.",
        "Tables", "Fits", "Notes", "Worst cases", "[UNKNOWN]", "unknown: fitted", "official code", "[V-code]",
        "In words: KL(p_delta || q_N) = O(N^-1)"})
    CHECK(has(flat, part));
  CHECK(has(flat, "Figure 3: KL over N and sigma_max. A heat map with a colour bar."));
  CHECK(has(flat, "Data: sampling.order--heat_N_sigma.csv"));
  // The convergence table with its pairwise orders and least-squares slope, and the fits.
  CHECK(has(flat, "Convergence of KL in N, edm(rho=7)"));
  CHECK(lines_with(text, {"128", "0.00181", "1.992"}).size() == 1);
  CHECK(has(flat, "least-squares slope of log e on log k over rows 3..7: -2.0012 [-2.0109, -1.9915] (95% CI)"));
  CHECK(lines_with(text, {"order in N, edm(rho=7)", "−2.001", "HOLDS"}).size() >= 1);
  // What the records lack, said in the PDF.
  CHECK(has(flat, "The last line (line 15) is cut short"));
  CHECK(has(flat, "not a check of this build (diffbound test)"));
  CHECK(has(flat, "The run record does not name this check."));
  CHECK(has(flat, "The check record (line 13) lacks: claim.statement_tex, smallest_relative_margin."));
  CHECK(has(flat, "1 case record of its 5 lacks relative_margin."));
  // LaTeX-hostile text from the results, typeset literally.
  CHECK(has(flat, "path C:\\tmp\\{x} with a~b^c and $5 costs"));
  CHECK(has(flat, "[bracketed] start, and a ∥x∥2 ≤ C·σ_T−1 bound"));
  CHECK(has(flat, "snowman [U+2603]"));
  CHECK(has(flat, "50% & #1, x_1 < y_2 > z | w \"quoted\" `ticks`."));
  // The appendix: every VIOLATED, failed and INCONCLUSIVE case, with parameters and reasons.
  CHECK(has(flat, "A VIOLATED, INCONCLUSIVE and failed cases"));
  CHECK(has(flat, "3 listed: 1 VIOLATED, 1 failed, 1 INCONCLUSIVE."));
  // (a table cell: pdftotext may interleave its lines with the next column's)
  CHECK(has(flat, "error: schedule.n_levels: must be"));
  CHECK(has(flat, "at least 2 (got 1)"));
  CHECK(has(flat, "(σ ~ ∥x∥): cannot decide"));
  CHECK(lines_with(text, {"edm/N=64_100%_#1", "VIOLATED", "schedule.kind=edm"}).size() == 1);

  // summary.json: the records' numbers, and where each figure's data is.
  const auto s = nlohmann::json::parse(read_file(out / "summary.json"));
  CHECK(s["report"]["pdf"] == "report.pdf");
  CHECK(s["totals"]["cases"] == 41);
  CHECK(s["checks"][0]["counts"]["VERIFIED"] == 35);
  CHECK(s["checks"][0]["smallest_relative_margin"] == 0.02631);
  CHECK(s["checks"][1]["fits"][0]["slope"] == -2.0012);
  CHECK(s["checks"][1]["fits"][0]["outcome"] == "HOLDS");
  CHECK(s["checks"][1]["figures"][1]["csv"] == "sampling.order--heat_N_sigma.csv");
  CHECK(s["checks"][2]["known_to_this_build"] == false);
  CHECK(s["checks"][2]["smallest_relative_margin"].is_null());
  // The heat map's CSV: one row per point of each series, as declared.
  const std::string csv = read_file(out / "sampling.order--heat_N_sigma.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 12 + 3);
  CHECK_THAT(csv, StartsWith("series,label,role,x,y,y_lo,y_hi,z\n1,KL,measured,8,10,,,"));
  const std::string band = read_file(out / "sampling.order--kl_vs_N.csv");
  CHECK_THAT(band, Contains("5,KL geometric_σ,whatever,64,nan,,,\n"));
}

TEST_CASE("a LaTeX statement that does not compile", "[report]") {
  TempDir dir("report-bad-tex");
  PrivateTmp tmp(dir.path() / "tmp");
  std::string text = read_file(kSample);
  const std::string good = R"(\\frac{m_2^2}{2\\sigma_T^2})";
  const auto at = text.find(good);
  REQUIRE(at != std::string::npos);
  text.replace(at, good.size(), R"(\\frac{m_2^2}{2\\sigmaT^2})");  // \sigmaT: undefined
  std::ofstream(dir.path() / "results.jsonl") << text;

  SECTION("strict: the run fails, says why, and leaves no PDF") {
    ReportOptions opt;
    opt.in = dir.path();
    opt.strict_tex = true;
    const ReportOutcome o = write_report(opt);
    CHECK_FALSE(o.ok);
    CHECK_THAT(o.error, Contains("Undefined control sequence"));
    CHECK_THAT(o.error, Contains("\\sigmaT"));
    CHECK_THAT(o.error, Contains("was not written"));
    CHECK_FALSE(fs::exists(dir.path() / "report.pdf"));
    CHECK(files_containing(dir.path(), ".tmp-").empty());
    CHECK(files_containing(dir.path(), ".pdf").empty());
    CHECK(tmp.empty());
    const auto s = nlohmann::json::parse(read_file(dir.path() / "summary.json"));
    CHECK(s["report"]["pdf"].is_null());
    CHECK_THAT(s["report"]["error"].get<std::string>(), Contains("Undefined control sequence"));
  }
  SECTION("default: the statement is shown as text, with a note") {
    ReportOptions opt;
    opt.in = dir.path();
    const ReportOutcome o = write_report(opt);
    INFO(o.error);
    REQUIRE(o.ok);
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Contains("the statement_tex of sampling.init") && Contains("Undefined control sequence"));
    const std::string pdf = pdf_text(dir.path() / "report.pdf", false);
    CHECK(has(pdf, "The LaTeX form of this statement did not compile; it is shown as text."));
    CHECK(has(pdf, "KL(p_T || N(0, sigma_T^2 I)) <= m2^2 / (2 sigma_T^2)"));
  }
}

TEST_CASE("pdflatex errors are reported with their lines", "[report][smoke]") {
  TempDir dir("latex-error");
  std::ofstream(dir.path() / "report.tex")
      << "\\documentclass{article}\n\\begin{document}\nfine\n\\nosuchmacro\n\\end{document}\n";
  const LatexResult lr = run_pdflatex(dir.path() / "report.tex", 1);
  CHECK_FALSE(lr.ok);
  REQUIRE(lr.error_line);
  CHECK(*lr.error_line == 4);
  CHECK_THAT(lr.errors, Contains("report.tex:4: Undefined control sequence."));
  CHECK_THAT(lr.errors, Contains("l.4 \\nosuchmacro"));
  CHECK_FALSE(fs::exists(dir.path() / "report.pdf"));
}

TEST_CASE("figures: many series in panels, undrawable figures said so", "[report][smoke]") {
  TempDir dir("figures");
  Figure many;
  many.id = "many";
  many.logx = many.logy = true;
  for (int g = 0; g < 20; ++g)
    for (const char* role : {"measured", "bound"}) {
      Series s;
      s.label = std::string(role) + " " + std::to_string(g);
      s.role = role;
      for (int k = 1; k <= 5; ++k) {
        s.x.push_back(k);
        s.y.push_back((g + 1) * std::pow(k, -1.0) * (role[0] == 'b' ? 2.0 : 1.0));
      }
      many.series.push_back(s);
    }
  Figure nothing;  // nothing a log axis can show
  nothing.id = "nothing";
  nothing.logy = true;
  nothing.series.push_back(Series{"zeros", "measured", {1, 2, 3}, {0, -1, 0}, {}, {}, {}});
  Figure empty;  // no series at all
  empty.id = "empty";
  const auto drawn = draw_figures({&many, &nothing, &empty}, dir.path());
  REQUIRE(drawn.size() == 3);
  CHECK(drawn[0].panels.size() == 4);  // 20 colour groups, at most 6 a panel
  for (const auto& p : drawn[0].panels) CHECK(fs::file_size(p) > 1000);
  CHECK(drawn[0].error.empty());
  CHECK(drawn[1].panels.empty());
  CHECK_THAT(drawn[1].error, Contains("nothing to draw"));
  std::string notes;
  for (const auto& n : drawn[1].notes) notes += n + "; ";
  CHECK_THAT(notes, Contains("3 points not shown") && Contains("no series has a point that can be drawn"));
  CHECK(drawn[2].panels.empty());
  CHECK_THAT(drawn[2].notes.front(), Contains("declares no series"));
}

TEST_CASE("diffbound report and diffbound run write the report", "[report][cli]") {
  TempDir dir("report-cli");
  const auto r = run_diffbound("report --in '" + kSample.string() + "' --out " + dir.str() + "/r/report.pdf");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("report: " + dir.str() + "/r/report.pdf (3 checks, 3 of 3 figures drawn"));
  CHECK(fs::is_regular_file(dir.path() / "r" / "report.pdf"));
  CHECK(fs::is_regular_file(dir.path() / "r" / "summary.json"));

  const auto missing = run_diffbound("report --in " + dir.str() + "/nowhere");
  CHECK(missing.status == 2);
  CHECK_THAT(missing.output, Contains("no results at"));

  const auto run = run_diffbound("run sampling.init --size smoke --no-progress --out " + dir.str() + "/run");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("report: " + dir.str() + "/run/report.pdf"));
  CHECK(fs::is_regular_file(dir.path() / "run" / "report.pdf"));
  CHECK(fs::is_regular_file(dir.path() / "run" / "sampling.init--kl_vs_sigma_T.csv"));
  const std::string text = pdf_text(dir.path() / "run" / "report.pdf", true);
  // The verdict table: 5 evidence cases (the 4 law cases and the falsifier's, the tightest at 2.619e-7), 0
  // VERIFIED, 5 HOLDS, and the 4 Gaussian cases apart as identities; the Falsifier table: the sweep's
  // tightest evidence margin 0.1532 beside the falsifier's case.
  const auto row = lines_with(text, {"sampling.init", "Initialization", "2.619"});
  REQUIRE(row.size() == 1);
  CHECK_THAT(row[0], Contains(" 5 ") && Contains(" 4 "));
  CHECK(lines_with(text, {"sampling.init", "0.1532", "falsify/"}).size() == 1);

  const auto quiet =
      run_diffbound("run sampling.init --size smoke --no-progress --no-report --out " + dir.str() + "/quiet");
  CHECK(quiet.status == 0);
  CHECK(fs::is_regular_file(dir.path() / "quiet" / "results.jsonl"));
  CHECK_FALSE(fs::exists(dir.path() / "quiet" / "report.pdf"));
}

TEST_CASE("the Power section: a measured table, updated, and the committed one", "[report][cli][power]") {
  TempDir dir("report-power");
  const std::string p = dir.str() + "/p";
  const auto first = run_diffbound("power sampling.init --size smoke --budget 10 --out " + p);
  INFO(first.output);
  REQUIRE(first.status == 0);
  const auto second = run_diffbound("power sampling.girsanov --size smoke --budget 10 --out " + p + " --update");
  INFO(second.output);
  REQUIRE(second.status == 0);
  std::ifstream in(dir.path() / "p" / "power.json");
  const auto table = nlohmann::json::parse(in);
  // --update keeps sampling.init's row and adds sampling.girsanov's, in the registry's order; the totals are
  // over both rows; each row says where and with what budget it was measured.
  REQUIRE(table.at("checks").size() == 2);
  std::size_t killed = 0, refutable = 0;
  for (const auto& c : table.at("checks")) {
    CHECK(c.at("refute_budget").get<std::size_t>() == 10);
    CHECK_FALSE(c.at("commit").get<std::string>().empty());
    CHECK_FALSE(c.at("date").get<std::string>().empty());
    killed += c.at("killed").get<std::size_t>(), refutable += c.at("refutable").get<std::size_t>();
  }
  CHECK(table.at("checks")[0].at("check") == "sampling.girsanov");
  CHECK(table.at("checks")[1].at("check") == "sampling.init");
  CHECK(table.at("killed").get<std::size_t>() == killed);
  CHECK(table.at("refutable").get<std::size_t>() == refutable);
  CHECK(refutable >= 10);  // sampling.init's 5 mutants and sampling.girsanov's 7 are refutable at budget 10

  // A table of another size is not updated: refused before anything is measured.
  const auto other = run_diffbound("power sampling.init --size default --budget 10 --out " + p + " --update");
  CHECK(other.status == 2);
  CHECK_THAT(other.output, Contains("has size \"smoke\", this measurement \"default\""));
  CHECK_THAT(other.output, !Contains("sampling.init  ("));

  // A run into that folder keeps the measured table; its report shows it, without the committed label.
  const auto run = run_diffbound("run sampling.init --size smoke --no-progress --out " + p);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const std::string measured = pdf_text(dir.path() / "p" / "report.pdf", true);
  CHECK_THAT(measured, Contains("measured at commit"));
  CHECK_THAT(measured, !Contains("the committed table"));
  CHECK(lines_with(measured, {"overall power " + std::to_string(killed) + "/" + std::to_string(refutable)}).size() ==
        1);

  // A default-size run elsewhere gets the committed table of its size, labelled as not measured by it.
  const fs::path committed = fs::path(DIFFBOUND_SOURCE_DIR) / "expected" / "power" / "default.json";
  REQUIRE(fs::is_regular_file(committed));
  const auto fresh = run_diffbound("run sampling.girsanov --no-progress --out " + dir.str() + "/c");  // 7 s at default
  INFO(fresh.output);
  REQUIRE(fresh.status == 0);
  std::ifstream cin(dir.path() / "c" / "power.json");
  const auto placed = nlohmann::json::parse(cin);
  CHECK(placed.at("committed_table") == "expected/power/default.json");
  CHECK(placed.at("size") == "default");
  const std::string text = pdf_text(dir.path() / "c" / "report.pdf", true);
  CHECK_THAT(text, Contains("the committed table"));
  CHECK_THAT(text, Contains("not measured by this run"));

  // With --no-report too: the table is placed, and a report drawn later from the folder shows it.
  const auto later =
      run_diffbound("run sampling.init --no-progress --no-report --no-falsify --out " + dir.str() + "/l");
  INFO(later.output);
  REQUIRE(later.status == 0);
  REQUIRE(fs::is_regular_file(dir.path() / "l" / "power.json"));
  CHECK_FALSE(fs::exists(dir.path() / "l" / "report.pdf"));
  REQUIRE(run_diffbound("report --in " + dir.str() + "/l").status == 0);
  CHECK_THAT(pdf_text(dir.path() / "l" / "report.pdf", true), Contains("the committed table"));
}
