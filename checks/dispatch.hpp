// Helpers shared by the checks: running a templated body for the scalar kind of a run, and the
// a-priori error estimate of a point-valued margin.
#pragma once

#include "check.hpp"

#include <diffbound/theory/scalar.hpp>

#include <chrono>
#include <cmath>
#include <utility>

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

/// A CaseResult with the bookkeeping filled in; the caller adds the comparison.
inline CaseResult start_result(const Check& check, const CaseSpec& spec, const RunContext& ctx) {
  CaseResult r;
  r.check = check.id();
  r.case_id = spec.id;
  r.params = spec.params;
  r.scalar = ctx.scalar;
  r.precision_bits = ctx.precision_bits;
  r.seed = ctx.seed;
  r.bound_factor = ctx.bound_factor;
  return r;
}

}  // namespace diffbound::checks
