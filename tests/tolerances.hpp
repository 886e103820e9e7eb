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
/// Training (tests/test_relu_network.cpp). The batched loss against a per-sample reference: each output
/// is a sum over m·(L+1) + d products, each rounded once, so ~8·(m(L+1) + d) roundings relative to the
/// sum of absolute values; 4096 ε covers m ≤ 64, L ≤ 3 with a factor > 2 to spare.
inline constexpr Budget batched_vs_reference{4096, "sums of O(m L) rounded products per output"};
/// Digits to which the analytic gradient must match central differences at 256 bits (the issue asks for
/// at least 25): with step 1e-30 truncation is O(1e-60) and rounding O(2^-256/1e-30) ~ 1e-47.
inline constexpr double gradient_fd_digits = 25;
/// Relative agreement of the Gauss–Newton product with finite differences of the residuals (MPFR).
inline constexpr double gauss_newton_fd_digits = 25;
/// 60 GD steps in double against the same steps in MPFR: each step's rounding (~ε) is carried along the
/// path and amplified by at most ‖I − h∇²L̄‖ ≤ 2 per step in the stable regime, but in practice far less;
/// 2^23 ε ≈ 2e-9 relative.
inline constexpr double gd_path_double_vs_mpfr = 8388608;
/// R(s)/s² at s = 1e-10 and 1e-12 differ by the third-order term, O(s)·|L'''|/|L''| ≲ 1e-8 relative.
inline constexpr double remainder_quadratic_rel = 1e-6;
/// A dot product of k terms in any summation order, with or without FMA (a GEMM backend's blocking):
/// |fl(Σ a_i b_i) − Σ a_i b_i| ≤ γ_k Σ|a_i b_i|, γ_k = kε/(1 − kε) (Higham, Thm 3.5); per term, ~1 ε.
inline constexpr double gemm_per_term = 1.01;
/// Monte Carlo agreement: standard errors allowed (a 4σ miss has probability ~6e-5).
inline constexpr double mc_sigmas = 4;
/// design.schedule: the ρ-family written as ln σ = ln σ_max + log1p(r expm1(tΛ))/t against EDM's pow form at
/// ρ = 1/t: EDM's form amplifies its roundings by ρ (8ρ ε as schedule_level), the log1p form by |ln σ| ≲ 8
/// through exp; 256 ε covers both for ρ ≤ 16 with room.
inline constexpr Budget rho_family_vs_edm{256, "pow form amplified by rho, exp of |ln sigma| <= 8"};
/// design.schedule optimisers against brute-force grids: Brent is asked for 27 bits of the argument; at a
/// smooth minimum the objective is then off by O(2^-54) relative, at a kink (κ is a maximum) by O(2^-27);
/// the grid itself is not exact either. 1e-6 relative is the agreement demanded of the objective values.
inline constexpr double optimiser_vs_grid_rel = 1e-6;
/// The derived VE bound (tests/test_sampling_bound_explicit.cpp). Quadrature in MPFR is not an enclosure:
/// an inequality on quadrature values must clear this many times the summed Gauss–Kronrod error estimates
/// (which are themselves pessimistic: |Kronrod − Gauss| of the last level).
inline constexpr double quadrature_safety = 10;
/// Two quadrature routes to one number (Tweedie's identity, de Bruijn against Gauss–Legendre in a) at 160
/// bits (Boost's Gauss–Kronrod in a fixed 50-digit MPFR type) with the Kronrod tolerance 1e-30: agreement
/// demanded, relative to the larger term.
inline constexpr double quadrature_identity_rel = 1e-24;
/// ∫ J(a) da over one step by de Bruijn (2 ΔH) against 30-point Gauss–Legendre in ln a: the integrand is
/// analytic in a over at most a decade, so Gauss–Legendre's error is far below this.
inline constexpr double gauss_legendre_vs_de_bruijn_rel = 1e-12;
/// An identity enclosed by MPFI at 256 bits (ε ≈ 1e-77): the two enclosures must intersect, and each must be
/// narrow. Tweedie's d/a − T/a² with T = Σ(λ − λ²/(λ + a)) cancels about 2 log10(λ/a) digits, up to 20 for
/// λ/a ≤ 1e10 in the random laws: a width of 1e-40 leaves ~17 digits of room.
inline constexpr double interval_identity_width = 1e-40;
/// The random sweeps of the derived bound must reach the region where it is tight (one-step schedules, near
/// point masses): their smallest relative margin must lie below this (the screen of VE_EXPLICIT_BOUND.md
/// found 2e-13).
inline constexpr double tight_margin_reached = 1e-6;
/// The falsifier's search of sampling.girsanov's domain in its default budget must reach a relative margin
/// below this (issue 15's target; the known tight spot, one step onto a near point mass, gives ~1e-11).
inline constexpr double falsifier_target_margin = 1e-6;
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
#define CHECK_WITHIN_EPS(got, expected, budget_units)                                    \
  do {                                                                                   \
    const double diffbound_err_eps = ::diffbound::test::error_in_eps((got), (expected)); \
    INFO("error " << diffbound_err_eps << " eps, budget " << (budget_units) << " eps");  \
    CHECK(diffbound_err_eps <= (budget_units));                                          \
  } while (0)
