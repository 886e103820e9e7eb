// The results schema: one definition of what results.jsonl holds, for the writer (the runner, the
// checks) and for both readers (results/files.hpp for resume and merge, results/reader.hpp for the
// report). A results file is JSON Lines: a `run` record, per check its `case` records and one `check`
// record, then an `end` record. Every key is named once, in `keys` below; the records' types are the
// structs of this header, written and read by the functions of results/schema.cpp.
//
// This header is light: it needs the scalar kind and the verdict by name (theory/scalar_kind.hpp,
// theory/verdict.hpp), not the scalar types. The templates that fill a CaseResult from a value of a
// scalar type (compare, term, Quantity::of) are defined in checks/dispatch.hpp, where checks compute.
#pragma once

#include <diffbound/theory/provenance.hpp>
#include <diffbound/theory/scalar_kind.hpp>
#include <diffbound/theory/verdict.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::results {

using json = nlohmann::json;

/// Every key of every record, named once.
namespace keys {
// record types
inline constexpr const char* type = "type";
inline constexpr const char* type_run = "run";
inline constexpr const char* type_case = "case";
inline constexpr const char* type_check = "check";
inline constexpr const char* type_end = "end";
// run record
inline constexpr const char* program = "program";
inline constexpr const char* version = "version";
inline constexpr const char* commit = "commit";
inline constexpr const char* compiler = "compiler";
inline constexpr const char* boost = "boost";
inline constexpr const char* mpfr = "mpfr";
inline constexpr const char* mpfi = "mpfi";
inline constexpr const char* machine = "machine";
inline constexpr const char* gemm = "gemm";
inline constexpr const char* date = "date";
inline constexpr const char* size = "size";
inline constexpr const char* sizes = "sizes";
inline constexpr const char* threads = "threads";
inline constexpr const char* bound_factor = "bound_factor";
inline constexpr const char* checks = "checks";
inline constexpr const char* selection = "selection";
inline constexpr const char* config = "config";
inline constexpr const char* shard = "shard";
// case record
inline constexpr const char* check = "check";
inline constexpr const char* case_id = "case";
inline constexpr const char* params = "params";
inline constexpr const char* verdict = "verdict";
inline constexpr const char* reason = "reason";
inline constexpr const char* measured = "measured";
inline constexpr const char* bound = "bound";
inline constexpr const char* margin = "margin";
inline constexpr const char* relative_margin = "relative_margin";
inline constexpr const char* error_estimate = "error_estimate";
inline constexpr const char* terms = "terms";
inline constexpr const char* data = "data";
inline constexpr const char* scalar = "scalar";
inline constexpr const char* precision_bits = "precision_bits";
inline constexpr const char* seed = "seed";
inline constexpr const char* seconds = "seconds";
inline constexpr const char* error = "error";
inline constexpr const char* hypotheses_hold = "hypotheses_hold";
// a quantity
inline constexpr const char* lo = "lo";
inline constexpr const char* hi = "hi";
inline constexpr const char* mid = "mid";
inline constexpr const char* text = "text";
// counts
inline constexpr const char* verified = "VERIFIED";
inline constexpr const char* holds = "HOLDS";
inline constexpr const char* violated = "VIOLATED";
inline constexpr const char* inconclusive = "INCONCLUSIVE";
inline constexpr const char* failed = "failed";
inline constexpr const char* cases = "cases";
// check record
inline constexpr const char* claim = "claim";
inline constexpr const char* counts = "counts";
inline constexpr const char* counts_by_kind = "counts_by_kind";
inline constexpr const char* smallest_relative_margin = "smallest_relative_margin";
inline constexpr const char* worst_case = "worst_case";
inline constexpr const char* summary = "summary";
// claim
inline constexpr const char* id = "id";
inline constexpr const char* title = "title";
inline constexpr const char* statement = "statement";
inline constexpr const char* statement_tex = "statement_tex";
inline constexpr const char* source = "source";
inline constexpr const char* paper_tag = "paper_tag";
inline constexpr const char* assumptions = "assumptions";
inline constexpr const char* constants = "constants";
inline constexpr const char* name = "name";
inline constexpr const char* symbol_tex = "symbol_tex";
inline constexpr const char* value = "value";
inline constexpr const char* provenance = "provenance";
// summary
inline constexpr const char* figures = "figures";
inline constexpr const char* tables = "tables";
inline constexpr const char* fits = "fits";
inline constexpr const char* notes = "notes";
// figure, series, table, fit
inline constexpr const char* kind = "kind";
inline constexpr const char* xlabel = "xlabel";
inline constexpr const char* ylabel = "ylabel";
inline constexpr const char* zlabel = "zlabel";
inline constexpr const char* logx = "logx";
inline constexpr const char* logy = "logy";
inline constexpr const char* logz = "logz";
inline constexpr const char* series = "series";
inline constexpr const char* caption = "caption";
inline constexpr const char* label = "label";
inline constexpr const char* role = "role";
inline constexpr const char* x = "x";
inline constexpr const char* y = "y";
inline constexpr const char* y_lo = "y_lo";
inline constexpr const char* y_hi = "y_hi";
inline constexpr const char* z = "z";
inline constexpr const char* columns = "columns";
inline constexpr const char* rows = "rows";
inline constexpr const char* slope = "slope";
inline constexpr const char* slope_lo = "slope_lo";
inline constexpr const char* slope_hi = "slope_hi";
inline constexpr const char* intercept = "intercept";
inline constexpr const char* confidence = "confidence";
inline constexpr const char* points = "points";
inline constexpr const char* expected = "expected";
inline constexpr const char* comparison = "comparison";
inline constexpr const char* outcome = "outcome";
inline constexpr const char* rule = "rule";
inline constexpr const char* slack = "slack";
inline constexpr const char* slope_se = "slope_se";
inline constexpr const char* judged = "judged";
inline constexpr const char* p_violated = "p_violated";
inline constexpr const char* p_holds = "p_holds";
inline constexpr const char* family_size = "family_size";
inline constexpr const char* detectable = "detectable";
// end record
inline constexpr const char* wall_seconds = "wall_seconds";
inline constexpr const char* resumed_cases = "resumed_cases";
// accepted findings (app/findings.hpp, expected/findings.toml): a VIOLATED case record's "finding"
// {status: accepted|new, id, reason, docs}; a check record's and the end record's "findings" counts;
// the end record's list of entries of the findings file with their status.
inline constexpr const char* finding = "finding";
inline constexpr const char* findings = "findings";
inline constexpr const char* status = "status";
inline constexpr const char* status_accepted = "accepted";
inline constexpr const char* status_new = "new";
inline constexpr const char* accepted = "accepted";
inline constexpr const char* new_findings = "new";
inline constexpr const char* resolved = "resolved";
inline constexpr const char* docs = "docs";
inline constexpr const char* file = "file";
inline constexpr const char* entries = "entries";
inline constexpr const char* matched = "matched";
inline constexpr const char* entry_occurs = "occurs";
inline constexpr const char* entry_resolved = "resolved";
inline constexpr const char* entry_not_run = "not run";
inline constexpr const char* entry_not_seen = "not seen in this shard";
inline constexpr const char* entry_not_expected = "not expected at this size";
// a form mutant of a check, switched on by the environment (testing aid; run record "mutant")
inline constexpr const char* mutant = "mutant";
// the diff of two runs (app/diff.hpp; <out>/diff.json)
inline constexpr const char* type_diff = "diff";
inline constexpr const char* old_run = "old";
inline constexpr const char* new_run = "new";
inline constexpr const char* options = "options";
inline constexpr const char* fail_on = "fail_on";
inline constexpr const char* margin_tolerance = "margin_tolerance";
inline constexpr const char* value_tolerance = "value_tolerance";
inline constexpr const char* identical = "identical";
inline constexpr const char* regressions = "regressions";
inline constexpr const char* changes = "changes";
inline constexpr const char* change = "change";
inline constexpr const char* regression = "regression";
inline constexpr const char* severity = "severity";
inline constexpr const char* not_compared = "not_compared";
inline constexpr const char* differences = "differences";
inline constexpr const char* digest = "digest";
inline constexpr const char* cases_old = "cases_old";
inline constexpr const char* cases_new = "cases_new";
inline constexpr const char* detail = "detail";
inline constexpr const char* compared = "compared";
inline constexpr const char* exactly_equal = "exactly_equal";
}  // namespace keys

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Figures, tables and fits: what a check declares for the report, as data. The report draws
// whatever is declared here; a new check gets its plots without any change to reports/.

/// One curve of a figure. `role` tells the report how to draw it:
///   measured   the measured quantity (points);  bound      the bound it is held to (line);
///   fit        a fitted curve (dashed);          reference  a reference slope or value (dotted);
///   other      anything else (line).
/// y_lo / y_hi (optional, same length as y) are an enclosure or a confidence band.
/// In a heat map (Figure::kind == "heatmap") a series is a scattered grid: point i is (x_i, y_i, z_i).
struct Series {
  std::string label;
  std::string role = "measured";
  std::vector<double> x, y, y_lo, y_hi;
  std::vector<double> z;  ///< heat maps only
};

struct Figure {
  std::string id;           ///< unique within the check; the CSV file beside the PDF is <check>--<id>.csv
  std::string kind = "xy";  ///< "xy" (curves) or "heatmap" (z over an x–y grid, first series)
  std::string title;
  std::string xlabel, ylabel;
  std::string zlabel;  ///< heat maps only
  bool logx = false, logy = false, logz = false;
  std::vector<Series> series;
  std::string caption;
};

/// A small table; cells are JSON values (numbers, strings or null).
struct Table {
  std::string id;
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
  std::string caption;
};

/// A fitted slope (least squares of log y on log x) with its confidence interval.
struct Fit {
  std::string name;  ///< e.g. "order in N, edm(rho=7), d=1"
  double slope = 0, slope_lo = 0, slope_hi = 0, intercept = 0;
  double confidence = 0.95;
  int points = 0;
  double expected = 0;     ///< the predicted slope it is compared with (NaN: none)
  std::string comparison;  ///< e.g. "slope <= -1 (decays at least as fast as the bound)"
  std::string outcome;     ///< e.g. "HOLDS", "VIOLATED", "INCONCLUSIVE"
  // A judged fit (a rate or scaling claim) becomes a case of kind `fit` (checks/fit_verdicts.hpp): its
  // outcome is then decided by one-sided t tests with Holm's correction over the check's judged fits.
  bool judged = false;
  std::string rule;  ///< "at_most", "at_least" or "close_to" (a judged fit needs one)
  double slack = 0;  ///< close_to: |slope − expected| ≤ slack
  double slope_se = nan;  ///< standard error of the slope (t with points − 2 degrees of freedom)
  double p_violated = nan, p_holds = nan;  ///< Holm-adjusted p-values of the two one-sided tests
  int family_size = 0;                      ///< judged fits of the check (Holm's family)
  double detectable = nan;  ///< the departure from the claim the test detects with probability 0.8
};

struct Summary {
  std::vector<Figure> figures;
  std::vector<Table> tables;
  std::vector<Fit> fits;
  std::vector<std::string> notes;
};

// ---------------------------------------------------------------------------------------------
// Case records

/// What a case is evidence of (DESIGN.md "Scalars and verdicts"); counted apart in every table.
///   evidence     the claim could have failed here;
///   identity     the margin is an algebraic identity (a sanity check, not evidence about the paper);
///   calibration  used to fit a constant (never counted as held-out evidence);
///   falsify      a tightest case found by the falsifier's search of the hypothesis domain;
///   fit          a judged rate or scaling (a fitted slope against the predicted one).
enum class CaseKind { evidence, identity, calibration, falsify, fit };
inline constexpr int kCaseKinds = 5;
const char* to_string(CaseKind k);
CaseKind case_kind_from_string(const std::string& s);
/// Whether cases of this kind count as evidence about the claim (evidence, falsify, fit).
inline bool counts_as_evidence(CaseKind k) {
  return k == CaseKind::evidence || k == CaseKind::falsify || k == CaseKind::fit;
}

/// A number as the report needs it: an enclosure rounded outward to double, the value rounded to
/// nearest, and the full-precision text (an interval prints as [lo, hi]). NaN when not known.
struct Quantity {
  double lo = nan, hi = nan, mid = nan;
  std::string text;

  /// From a value of a scalar type (defined in checks/dispatch.hpp, which includes the scalar types).
  template <class Real>
  static Quantity of(const Real& x);
};

/// Everything a run settles about one case.
struct CaseResult {
  std::string check;
  std::string case_id;
  json params;
  std::optional<Quantity> measured, bound, margin;  ///< margin = bound − measured
  double error_estimate = 0;                        ///< what the point margin may be off by (0: none, interval rule)
  Verdict verdict = Verdict::inconclusive;
  std::string reason;
  CaseKind kind = CaseKind::evidence;
  ScalarKind scalar = ScalarKind::float64;
  unsigned precision_bits = 53;
  double seconds = 0;
  std::uint64_t seed = 0;
  json terms = json::object();  ///< named parts of the bound or the measurement, each a Quantity
  json data = json::object();   ///< per-case data for summarize (curves, sub-runs); not part of the verdict
  std::string error;            ///< non-empty when the case failed to run
  /// Testing aid (mutation tests, `run --bound-factor`): compare() holds the measured value to
  /// bound_factor × bound instead of the bound. 1 in every real run; recorded when it is not 1.
  double bound_factor = 1.0;
  /// Testing aid (power table, the gate's mutation test): the form mutant the case was computed with
  /// (RunContext::mutant; Check::mutants). Empty in every real run; recorded when it is not. A check's
  /// summarize() reads it so that a mutant's rate or exponent is what its judged fits are held to.
  std::string mutant;
  /// False when the case lies outside the claim's hypotheses (e.g. a step-size condition): the claim
  /// says nothing there, so a failed comparison is INCONCLUSIVE, never VIOLATED (see outside_hypotheses).
  bool hypotheses_hold = true;

  /// Marks the case as outside the claim's hypotheses, after compare(): a VIOLATED or INCONCLUSIVE
  /// comparison becomes INCONCLUSIVE ("the claim says nothing here"); one that holds keeps its verdict
  /// with a note. `why` names the hypothesis that fails.
  void outside_hypotheses(const std::string& why);

  /// Sets measured, bound, margin = bound − measured and the verdict (theory/judge.hpp's rule). With a
  /// bound_factor F ≠ 1 the bound is F × bound_value, F taken as its shortest decimal: enclosed
  /// exactly by intervals; for point kinds the two roundings of the product are added to the estimate.
  /// Defined in checks/dispatch.hpp.
  template <class Real>
  void compare(const Real& measured_value, const Real& unscaled_bound, double estimate = 0.0);
  /// Records a named term (part of a bound or of a measurement). Defined in checks/dispatch.hpp.
  template <class Real>
  void term(const std::string& name, const Real& value);
  /// Relative margin (margin / |bound|), the number the verdict table ranks cases by; NaN if unknown.
  double relative_margin() const;
};

// ---------------------------------------------------------------------------------------------
// Check and end records

/// Verdict counts of a set of cases.
struct Counts {
  std::int64_t verified = 0, holds = 0, violated = 0, inconclusive = 0, failed = 0;
  std::int64_t total() const { return verified + holds + violated + inconclusive; }
  void add(const CaseResult& r);
};

/// What a check record states about a check's cases.
struct CheckOutcome {
  std::string id;
  Counts counts;               ///< every case, whatever its kind
  Counts by_kind[kCaseKinds];  ///< the same, per CaseKind
  /// Verdicts of the cases that count as evidence (evidence, falsify, fit).
  Counts evidence() const;
  double smallest_relative_margin = nan;  ///< NaN when no case has a margin
  std::string worst_case;
  double seconds = 0;
};

// ---------------------------------------------------------------------------------------------
// JSON (results/schema.cpp). from_json is strict: a missing required key throws.

void to_json(json& j, const Series& s);
void from_json(const json& j, Series& s);
void to_json(json& j, const Figure& f);
void from_json(const json& j, Figure& f);
void to_json(json& j, const Table& t);
void from_json(const json& j, Table& t);
void to_json(json& j, const Fit& f);
void from_json(const json& j, Fit& f);
void to_json(json& j, const Summary& s);
void from_json(const json& j, Summary& s);
void to_json(json& j, const Quantity& q);
void from_json(const json& j, Quantity& q);
/// The `case` record without the program's version and commit (case_record adds them).
void to_json(json& j, const CaseResult& r);
void from_json(const json& j, CaseResult& r);

/// A finite number, or null (JSON has no NaN).
json number_or_null(double x);
json counts_json(const Counts& c);
json claim_json(const ClaimInfo& c);
/// The counts of each case kind present, {"evidence": {...}, "identity": {...}, ...}.
json counts_by_kind_json(const CheckOutcome& co);
/// The `case` record: the result, with the version and commit of the program that computed it.
json case_record(const CaseResult& r);
/// The `check` record: the claim, the outcome of its cases, and its summary (figures, tables, fits,
/// notes; or {"error": ...} when summarizing failed).
json check_record(const ClaimInfo& claim, ScalarKind kind, unsigned precision_bits, const CheckOutcome& outcome,
                  const json& summary);
/// The outcome (counts, smallest relative margin, worst case, summed seconds) of a check's cases.
CheckOutcome outcome_of(const std::string& check_id, const std::vector<CaseResult>& results);
/// The `end` record: counts over all checks and the wall time.
json end_record(const std::vector<CheckOutcome>& checks, double wall_seconds);

}  // namespace diffbound::results
