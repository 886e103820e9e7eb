// Helpers shared by the checks: running a templated body for the scalar kind of a run, the a-priori
// error estimate of a point-valued margin, and the templates of the results schema that take values
// of the scalar types (Quantity::of, CaseResult::compare and ::term; declared in results/schema.hpp).
#pragma once

#include <diffbound/checks/check.hpp>

#include <diffbound/theory/judge.hpp>
#include <diffbound/theory/scalar.hpp>

#include <chrono>
#include <cmath>
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
