// Error budgets of the tests, in units of the machine epsilon ε of the scalar under test, kept in one
// place (STYLE.md, "what to copy" 3). Each budget says where it comes from: the number of roundings of
// the computation times its conditioning. No bare tolerance literals in the tests.
#pragma once

#include <diffbound/theory/scalar.hpp>
#include <diffbound/theory/stable.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

namespace diffbound::test {

struct Budget {
  double eps_units;
  const char* why;
};

namespace budgets {
/// pow/exp/log of O(1) arguments plus an affine map: a handful of roundings, each amplified by at most ρ
/// (the exponent of the EDM formula), so 8·ρ for ρ = 7.
inline constexpr Budget schedule_level{64, "a few roundings in pow/exp/log, amplified by rho <= 7"};
/// The exact Gaussian recursion: O(1) roundings per step, accumulated over N steps (N ≤ 4096 here).
inline double sampler_kl_per_step = 16;
/// Closed-form bound terms: O(1) roundings per step and direction.
inline double bound_per_step = 16;
}  // namespace budgets

/// Relative error of `got` against `expected` in units of ε of Real.
template <class Real>
double error_in_eps(const Real& got, const Real& expected) {
  using std::fabs;
  const Real e = epsilon_of<Real>();
  if (expected == 0) return mid_double(Real(fabs(got) / e));
  return mid_double(Real(fabs(got - expected) / fabs(expected) / e));
}

/// Relative distance of two doubles.
inline double rel_diff(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

}  // namespace diffbound::test

/// CHECK that |got − expected| ≤ budget · ε · |expected|, printing the error in ε units on failure.
#define CHECK_WITHIN_EPS(got, expected, budget_units)                                              \
  do {                                                                                             \
    const double diffbound_err_eps = ::diffbound::test::error_in_eps((got), (expected));           \
    INFO("error " << diffbound_err_eps << " eps, budget " << (budget_units) << " eps");            \
    CHECK(diffbound_err_eps <= (budget_units));                                                    \
  } while (0)
