// The check interface, the case and result records, and the registry.
//
// A check holds one claim of the catalogue (DESIGN.md) to the numbers: it lists the cases of its sweep
// for a size, runs one case at a time (thread-safe, deterministic given the case and the seed), and
// summarizes its finished cases into figures, tables and fits for the report. The runner (runner.hpp)
// does everything else: threads, ordering, files, the exit status.
//
// To add a check: derive from Check in one .cpp file in checks/, and register it with
// DIFFBOUND_REGISTER_CHECK(YourCheck) at namespace scope.
#pragma once

#include "figures.hpp"

#include <diffbound/theory/provenance.hpp>
#include <diffbound/theory/scalar.hpp>
#include <diffbound/theory/verdict.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

using json = nlohmann::json;

/// How big a sweep is: smoke (seconds, for tests), default (the main job), full (long validation).
enum class Size { smoke, standard, full };

const char* to_string(Size s);
Size size_from_string(const std::string& s);

/// One case of a sweep: a stable id (unique within its check) and every parameter needed to run it.
struct CaseSpec {
  std::string id;
  json params;
};

/// A number as the report needs it: an enclosure rounded outward to double, the value rounded to
/// nearest, and the full-precision text (an interval prints as [lo, hi]).
struct Quantity {
  double lo = 0, hi = 0, mid = 0;
  std::string text;

  template <class Real>
  static Quantity of(const Real& x) {
    return {lower_double(x), upper_double(x), mid_double(x), to_text(x, 20)};
  }
};

void to_json(json& j, const Quantity& q);
void from_json(const json& j, Quantity& q);

/// Everything a run settles about one case.
struct CaseResult {
  std::string check;
  std::string case_id;
  json params;
  std::optional<Quantity> measured, bound, margin;  ///< margin = bound − measured
  double error_estimate = 0;                        ///< what the point margin may be off by (0: none, interval rule)
  Verdict verdict = Verdict::inconclusive;
  std::string reason;
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
  /// False when the case lies outside the claim's hypotheses (e.g. a step-size condition): the claim
  /// says nothing there, so a failed comparison is INCONCLUSIVE, never VIOLATED (see outside_hypotheses).
  bool hypotheses_hold = true;

  /// Marks the case as outside the claim's hypotheses, after compare(): a VIOLATED or INCONCLUSIVE
  /// comparison becomes INCONCLUSIVE ("the claim says nothing here"); one that holds keeps its verdict
  /// with a note. `why` names the hypothesis that fails.
  void outside_hypotheses(const std::string& why) {
    hypotheses_hold = false;
    if (verdict == Verdict::violated || verdict == Verdict::inconclusive) {
      verdict = Verdict::inconclusive;
      reason = "outside the hypotheses: " + why + "; the claim says nothing here (" + reason + ")";
    } else {
      reason = "outside the hypotheses (" + why + "), the inequality holds nevertheless";
    }
  }

  /// Sets measured, bound, margin = bound − measured and the verdict (verdict.hpp's rule). With a
  /// bound_factor F ≠ 1 the bound is F × bound_value, F taken as its shortest decimal: enclosed
  /// exactly by intervals; for point kinds the two roundings of the product are added to the estimate.
  template <class Real>
  void compare(const Real& measured_value, const Real& unscaled_bound, double estimate = 0.0) {
    Real bound_value = unscaled_bound;
    if (bound_factor != 1.0) {
      bound_value = Real(unscaled_bound * decimal<Real>(bound_factor));
      if constexpr (!is_interval_v<Real>)
        estimate += 2.0 * unit_roundoff(scalar_traits<Real>::kind) * std::fabs(mid_double(bound_value));
    }
    const Real m = bound_value - measured_value;
    measured = Quantity::of(measured_value);
    bound = Quantity::of(bound_value);
    margin = Quantity::of(m);
    error_estimate = estimate;
    auto j = judge(m, estimate);
    verdict = j.verdict;
    reason = j.reason;
  }
  /// Records a named term (part of a bound or of a measurement).
  template <class Real>
  void term(const std::string& name, const Real& value) {
    terms[name] = Quantity::of(value);
  }
  /// Relative margin (margin / |bound|), the number the verdict table ranks cases by; NaN if unknown.
  double relative_margin() const;
};

void to_json(json& j, const CaseResult& r);
void from_json(const json& j, CaseResult& r);

/// What a case is run with.
struct RunContext {
  ScalarKind scalar = ScalarKind::float64;
  unsigned precision_bits = 53;
  std::uint64_t seed = 0;  ///< the case's seed (derived from the run seed, the check id and the case id)
  Size size = Size::standard;
  double bound_factor = 1.0;  ///< testing aid: copied into the result by start_result (see CaseResult)
};

class Check {
 public:
  virtual ~Check() = default;
  /// The claim, its source, assumptions and constants with provenance.
  virtual ClaimInfo claim() const = 0;
  const std::string& id() const;
  /// Scalar kinds the check supports; the first is its default.
  virtual std::vector<ScalarKind> scalar_kinds() const {
    return {ScalarKind::mpfi, ScalarKind::mpfr, ScalarKind::float64};
  }
  /// The cases of the sweep at a size, in a fixed order.
  virtual std::vector<CaseSpec> cases(Size size) const = 0;
  /// Runs one case. Must be thread-safe and depend only on the case, the context and the seed.
  virtual CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const = 0;
  /// Reads a case's parameters without running it; throws ParamError naming the field. The runner calls
  /// it on every selected case before it writes anything, so a typo in a config file stops a run at
  /// once. Default: nothing (run_case still reads and validates; a ParamError there stops a config run).
  virtual void validate(const CaseSpec& spec) const {}
  /// Figures, tables and fits from the finished cases (never re-running a case). Default: none.
  virtual Summary summarize(const std::vector<CaseResult>& results) const;

 private:
  mutable std::string id_cache_;
};

/// All registered checks, in id order.
class Registry {
 public:
  static Registry& instance();
  bool add(std::unique_ptr<Check> check);
  const Check* find(const std::string& id) const;
  std::vector<const Check*> all() const;
  /// Checks whose id matches one of the patterns (exact id or shell glob: '*', '?', '[...]'); all when
  /// empty. Throws std::invalid_argument naming a pattern that matches nothing.
  std::vector<const Check*> select(const std::vector<std::string>& patterns) const;

 private:
  std::vector<std::unique_ptr<Check>> checks_;
};

}  // namespace diffbound::checks

#define DIFFBOUND_CONCAT_INNER(a, b) a##b
#define DIFFBOUND_CONCAT(a, b) DIFFBOUND_CONCAT_INNER(a, b)
/// Registers a check type (default-constructible) with the registry at program start.
#define DIFFBOUND_REGISTER_CHECK(Type)                                                                             \
  namespace {                                                                                                      \
  const bool DIFFBOUND_CONCAT(diffbound_registered_,                                                               \
                              __LINE__) = ::diffbound::checks::Registry::instance().add(std::make_unique<Type>()); \
  }
