// Helpers shared by the checks: running a templated body for the scalar kind of a run, the a-priori
// error estimate of a point-valued margin, and the templates of the results schema that take values
// of the scalar types (Quantity::of, CaseResult::compare and ::term; declared in results/schema.hpp).
#pragma once

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/theory/judge.hpp>
#include <diffbound/theory/scalar.hpp>

#include <algorithm>
#include <cfenv>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

namespace diffbound::results {

template <class Real>
Quantity Quantity::of(const Real& x) {
  return {lower_double(x), upper_double(x), mid_double(x), to_text(x, 20)};
}

template <class Real>
void CaseResult::compare(const Real& measured_value, const Real& unscaled_bound, double estimate) {
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

template <class Real>
void CaseResult::term(const std::string& name, const Real& value) {
  terms[name] = Quantity::of(value);
}

}  // namespace diffbound::results

namespace diffbound::checks {

/// Calls body.template operator()<Real>() with Real the C++ type of `kind`.
template <class Body>
decltype(auto) with_scalar(ScalarKind kind, Body&& body) {
  switch (kind) {
    case ScalarKind::float64:
      return body.template operator()<double>();
    case ScalarKind::mpfr:
      return body.template operator()<mpfr_real>();
    case ScalarKind::mpfi:
      return body.template operator()<mpfi_real>();
  }
  throw std::logic_error("unknown scalar kind");
}

/// A-priori bound on the rounding error of a margin computed in a point kind: `operations` rounding
/// steps of relative size u = 2^-p each, acting on |bound| + |measured| (no cancellation between
/// terms of one sum, which holds for the sums of non-negative terms the sampling checks evaluate).
/// Zero for intervals, whose enclosure already accounts for rounding.
inline double a_priori_estimate(ScalarKind kind, double operations, double bound, double measured) {
  if (kind == ScalarKind::mpfi) return 0.0;
  return 4.0 * operations * unit_roundoff(kind) * (std::fabs(bound) + std::fabs(measured));
}

/// Sets the rounding direction of double arithmetic for a scope (the perturbed runs of a double case).
class RoundingDirection {
 public:
  explicit RoundingDirection(int mode) : saved_(std::fegetround()) { std::fesetround(mode); }
  ~RoundingDirection() { std::fesetround(saved_); }
  RoundingDirection(const RoundingDirection&) = delete;
  RoundingDirection& operator=(const RoundingDirection&) = delete;

 private:
  int saved_;
};

/// How a point verdict is made safe (issue 15, part 3): the a-priori estimate of a point margin assumes
/// no cancellation, and a margin computed through ln(1 − x) with 1 − x ≈ 1e-10 is off by far more.
///  1. A double case is run again, perturbed: rounded upward and downward. The spread of the margins
///     measures the rounding error actually made (cancellation included); the estimate becomes
///     max(a-priori, kSpreadFactor × spread).
///  2. A double margin within kReevaluationSafety × that estimate, and every MPFR margin, is re-evaluated
///     as an MPFI enclosure at the run's working precision (128 bits by default, whatever the case's
///     scalar). An MPFR case cannot be perturbed by a wider precision, because Boost.Multiprecision's
///     default precision is a process-wide setting (Boost 1.74) that the other worker threads compute
///     with at the same time; its interval twin at the same precision costs about twice. The case keeps its
///     point values and takes as its error estimate the distance from its margin to the farther end of
///     the enclosure, a bound: HOLDS then implies an enclosure above 0 and VIOLATED one below 0.
/// An MPFR verdict is thus never the opposite of the interval verdict, nor is a double one, except when
/// the real rounding error exceeds kReevaluationSafety times the estimate of step 1, which the contradiction test
/// (tests/test_point_verdicts.cpp) searches for over random tight cases.
inline constexpr double kSpreadFactor = 4.0;
inline constexpr double kReevaluationSafety = 1024.0;

namespace detail {
inline double margin_mid(const CaseResult& r) {
  return r.margin ? r.margin->mid : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace detail

/// Runs `body` (as for with_scalar; it fills `r` through r.compare and r.term) in the run's scalar kind,
/// then, for the point kinds, makes the verdict safe as described at kReevaluationSafety. The body may be
/// run up to four times: it must depend on nothing but the scalar type and write only into `r`.
template <class Body>
void with_scalar_safe(const RunContext& ctx, CaseResult& r, Body&& body) {
  const CaseResult before = r;
  with_scalar(ctx.scalar, body);
  if (ctx.scalar == ScalarKind::mpfi || !r.margin || !r.error.empty()) return;
  const CaseResult primary = r;
  const double m = detail::margin_mid(primary);
  // 1. Perturbed runs.
  double spread = 0;
  auto rerun = [&](auto&& run) {
    r = before;
    run();
    const double d = std::fabs(detail::margin_mid(r) - m);
    spread = std::isnan(d) ? d : std::max(spread, d);
  };
  if (ctx.scalar == ScalarKind::float64)
    for (const int mode : {FE_UPWARD, FE_DOWNWARD})
      rerun([&] {
        const RoundingDirection dir(mode);
        body.template operator()<double>();
      });
  r = primary;
  const double estimate = std::max(primary.error_estimate, kSpreadFactor * spread);
  const double slack = std::fabs(m) * std::numeric_limits<double>::epsilon();
  if (ctx.scalar == ScalarKind::float64 && std::isfinite(m) && std::isfinite(estimate) &&
      std::fabs(m) > kReevaluationSafety * (estimate + slack)) {
    r.error_estimate = estimate;
    const auto j = judge_estimate(m, estimate + slack);
    r.verdict = j.verdict, r.reason = j.reason;
    return;
  }
  // 2. Re-evaluation as an enclosure.
  const unsigned bits = precision_bits(ScalarKind::mpfi);  // the run's working precision
  r = before;
  body.template operator()<mpfi_real>();
  if (!r.margin || !std::isfinite(r.margin->lo) || !std::isfinite(r.margin->hi)) {
    r = primary;
    r.error_estimate = estimate;
    r.verdict = Verdict::inconclusive;
    r.reason = "the margin " + to_text(m, 6) + " lies within " + to_text(kReevaluationSafety, 4) +
               " times its error estimate and its " + std::to_string(bits) +
               "-bit interval re-evaluation is not finite";
    return;
  }
  // The case keeps its point values; its error estimate becomes the distance from the point margin to the
  // farther end of the enclosure (rounded up: a subtraction errs by at most half an ulp), a bound on how
  // far the point margin is from the exact one.
  const double lo = r.margin->lo, hi = r.margin->hi;
  const json enclosure{{"scalar", "mpfi"},
                       {"precision_bits", bits},
                       {"point_margin", m},
                       {"point_error_estimate", estimate},
                       {"a_priori_estimate", primary.error_estimate},
                       {"perturbation_spread", spread},
                       {"margin_lo", lo},
                       {"margin_hi", hi},
                       {"margin_text", r.margin->text}};
  r = primary;
  const double bound = std::nextafter(std::max(m - lo, hi - m), std::numeric_limits<double>::infinity());
  r.error_estimate = bound;
  const auto j = judge_estimate(m, bound);
  r.verdict = j.verdict;
  r.reason = j.reason;
  if (!r.reason.empty())
    r.reason += " (the estimate is bounded by a " + std::to_string(bits) + "-bit interval re-evaluation, margin in " +
                enclosure.at("margin_text").get<std::string>() + ")";
  r.data["reevaluated"] = enclosure;
}

/// A CaseResult with the bookkeeping filled in (kind falsify for an id "falsify/..."); the caller adds
/// the comparison.
inline CaseResult start_result(const Check& check, const CaseSpec& spec, const RunContext& ctx) {
  CaseResult r;
  r.check = check.id();
  r.case_id = spec.id;
  r.params = spec.params;
  r.scalar = ctx.scalar;
  r.precision_bits = ctx.precision_bits;
  r.seed = ctx.seed;
  r.bound_factor = ctx.bound_factor;
  r.mutant = ctx.mutant;
  // The falsifier's worst cases (falsify.hpp) are cases of kind falsify, wherever they run from.
  if (spec.id.rfind("falsify/", 0) == 0) r.kind = results::CaseKind::falsify;
  return r;
}

}  // namespace diffbound::checks

// The schema's templates are instantiated once, in checks/dispatch.cpp, for the three scalar kinds.
namespace diffbound::results {
#define DIFFBOUND_RESULT_TEMPLATES(Real, Spec)                                    \
  Spec template Quantity Quantity::of<Real>(const Real&);                         \
  Spec template void CaseResult::compare<Real>(const Real&, const Real&, double); \
  Spec template void CaseResult::term<Real>(const std::string&, const Real&);
DIFFBOUND_RESULT_TEMPLATES(double, extern)
DIFFBOUND_RESULT_TEMPLATES(diffbound::mpfr_real, extern)
DIFFBOUND_RESULT_TEMPLATES(diffbound::mpfi_real, extern)
}  // namespace diffbound::results
