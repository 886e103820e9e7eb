// Error budgets and acceptance ranges of the tests, kept in one place (STYLE.md, "what to copy" 3). No bare
// tolerance literals in the tests: tests/tolerances_test.py fails on one.
//
// Two kinds, two namespaces:
//  * budgets::    floating-point error budgets, all in ONE unit: ε of the scalar under test (ε of double
//                 unless the entry says otherwise). Each says where it comes from: the number of roundings
//                 of the computation times its conditioning. Convention: one ε per rounding (a rounding
//                 costs at most u = ε/2; the factor 2 covers γ_n's higher-order terms and the rounding of
//                 the inputs). Two routes to one value are compared with the sum of their roundings.
//                 Apply one with CHECK_WITHIN_EPS(got, expected, budget), or budget.rel() as a relative
//                 tolerance of doubles.
//  * acceptance:: everything that is not rounding: truncation and quadrature errors, grid resolutions,
//                 statistical ranges (standard errors), fitted slopes, printed digits of the paper. Each
//                 says its unit and where the value comes from.
#pragma once

#include <diffbound/theory/scalar.hpp>
#include <diffbound/theory/stable.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <iomanip>
#include <limits>
#include <string>

namespace diffbound::test {

/// ε of double, the unit of the budgets below.
inline constexpr double double_eps = std::numeric_limits<double>::epsilon();

struct Budget {
  double eps_units;
  const char* why;
  /// The budget as a relative tolerance of a double (Approx::epsilon, rel_diff): eps_units · ε.
  constexpr double rel() const { return eps_units * double_eps; }
};
/// A budget per operation (step, term, direction) times the number of operations.
constexpr Budget operator*(double n, const Budget& b) { return {n * b.eps_units, b.why}; }
/// The units of a budget given as a Budget or as a number of ε (for CHECK_WITHIN_EPS).
constexpr double eps_units_of(const Budget& b) { return b.eps_units; }
constexpr double eps_units_of(double units) { return units; }

/// The roundings of two budgets add.
constexpr Budget operator+(const Budget& a, const Budget& b) { return {a.eps_units + b.eps_units, a.why}; }

// =============================================================================================================
// Acceptance ranges: everything that is not rounding. Each states its unit.
namespace acceptance {

// ---- Printed digits -----------------------------------------------------------------------------------------

/// A value printed with `digits` significant digits stands for every number within half a unit of its last
/// digit (absolute); 4 ε·|printed| more covers the binary representation of the decimal and the subtraction.
inline double half_unit_in_last_digit(double printed, int digits) {
  const double unit = std::pow(10.0, std::floor(std::log10(std::fabs(printed))) - (digits - 1));
  return 0.5 * unit + 4 * double_eps * std::fabs(printed);
}

/// Rounding a fitted constant UP to 3 significant digits adds less than one unit of the third digit: at most
/// 10^-2 relative (the worst case is a mantissa 1.00…).
inline constexpr double three_digit_round_up = 0.01;

// ---- Statistics (units: standard errors, or slopes) ---------------------------------------------------------

/// Monte Carlo agreement: standard errors allowed (a 4σ miss has probability ~6e-5).
inline constexpr double mc_sigmas = 4;
/// The same for a run that reports many z-scores at once (sampling.nongaussian's smoke run, a few dozen): the
/// largest of k standard normals exceeds 4.5 with probability ≈ k·6.8e-6.
inline constexpr double mc_sigmas_many = 4.5;
/// sampling.order's smoke run (MPFR): the fitted slope of KL − KL_inf against N must lie within this of −2,
/// that of E_D within smoke_order_ed_slope of −1. The check itself allows 0.15 (its ConvergenceStudy slack);
/// the exact Gaussian recursion has no noise, so what is left is the pre-asymptotic curvature of the log-log
/// line over the fitted N.
inline constexpr double smoke_order_kl_slope = 0.05;
inline constexpr double smoke_order_ed_slope = 0.1;
/// sampling.dimension's smoke fit of log N*(d) against log d (isotropic data, κ-minimal levels): the claim is
/// sub-linear growth, and the Gaussian theory gives 1/2 (N* ∝ √d at a fixed KL target); the few d values of the
/// smoke run and the integer N* allow 0.1 below and 0.2 above.
inline constexpr double smoke_nstar_slope_lo = 0.4;
inline constexpr double smoke_nstar_slope_hi = 0.7;

/// sampling.dimension's mixture family (numerics/mixture_fisher.hpp): the band is a two-sided 99% t interval,
/// so each tail holds 0.005.
inline constexpr double band_tail = 0.005;
/// Scale-mixture Fisher table at d = 1 against the direct trapezoidal rule of p'^2/p on x (40 001 points on
/// +-60 standard deviations, geometrically converging): the reference's own relative error, far below this.
inline constexpr double direct_fisher_rel = 1e-9;
/// The scale mixture's W(a) for a in [0.1, 10] (about the variances 1/4 and 4) is 2.3-39 % of the exact part at
/// d = 1; at least 1 % says the quadrature resolves the posterior's spread rather than returning ~0.
inline constexpr double scale_mixture_w_share_min = 0.01;
/// Of 40 replicate 99% intervals, at least 36 must cover the reference: P(at most 35 of 40 | p = 0.99) ≈ 5e-5,
/// while standard errors too small by half (coverage ≈ 0.80) fail this with probability ≈ 0.92.
inline constexpr int band_coverage_min_of_40 = 36;
/// Two routes to ½ d Σ_k f(Δ_k/(v + a_k)) (per step times d, and per direction summed over d modes): the same
/// terms in another order and one product, ≤ 2 N ε relative for N ≤ 512 steps (10⁻¹² leaves a margin of 4).
inline constexpr double girsanov_sum_two_routes_rel = 1e-12;

// ---- Truncation and quadrature (relative unless stated) ----------------------------------------------------

/// The ρ-family near t = 0: ln σ(t) − ln σ_geo = t Λ² r(1 − r)/2 + O(t² Λ³) (the second cumulant of a two-point
/// law, Λ = ln(σ_max/σ_min)), at most t Λ²/8; σ inherits it as a relative difference.
inline double rho_family_first_order(double t, double Lambda) { return t * Lambda * Lambda / 8; }
/// EDM at large ρ against geometric: ln(σ_edm/σ_geo) = ρ K(1/ρ) − μ for the cumulant generating function K of
/// the two-point law {ln σ_max w.p. 1 − t, ln σ_min w.p. t}. After the first-order term, ρ²·residual is the
/// third cumulant over 6, |κ₃|/6 = L³ t(1 − t)|1 − 2t|/6 ≤ L³/(36√3) (at t = (3 − √3)/6), plus κ₄/(24ρ) ≤
/// L⁴/(192ρ) (< 0.7 for ρ ≥ 100, L = ln(4e4)) and smaller terms: twice the κ₃ bound covers them.
inline double edm_second_order_in_inv_rho(double L) { return 2 * L * L * L / (36 * std::sqrt(3.0)); }
/// brent_find_minima with kBrentBits = 27 (theory/design_schedule.hpp), absolute in the argument: tolerance
/// τ = 2^-26 ≈ 1.5e-8, final |x − x*| ≤ 2τ|x| + τ/2 ≈ 1.6e-8 for |x| ≤ 0.5; an objective rounded to ε|f| is flat
/// over √(2ε|f|/f'') ≈ 1.5e-8 around a minimum with f'' = 2, f = 1. 1e-7 is 3× their sum.
inline constexpr double brent_argument = 1e-7;
/// design.schedule optimisers against brute-force grids: Brent is asked for 27 bits of the argument; at a
/// smooth minimum the objective is then off by O(2^-54) relative, at a kink (κ is a maximum) by O(2^-27);
/// the grid itself is not exact either. 1e-6 relative is the agreement demanded of the objective values.
inline constexpr double optimiser_vs_grid_rel = 1e-6;
/// The grid minimiser (4001 points uniform in √t, spacing 1/4000) against Brent's, absolute in √t: for a
/// unimodal objective the true minimiser lies between the grid argmin's neighbours, so within one spacing;
/// Brent's own error in √t, ≈ 1.6e-8/(2√t) ≤ brent_argument for √t ≥ 0.08 (as here), is added.
inline constexpr double grid_minimiser_sqrt_t = 1.0 / 4000 + brent_argument;
/// A maximiser found by golden section / bisection to 1e-13 in ln σ (theory/design_weighting.hpp), absolute in
/// ln σ: the peak of a function with curvature f'' is only determined to √(2ε|f|/|f''|) ~ √ε ≈ 1.5e-8; 1e-7
/// allows for flat maxima.
inline constexpr double maximiser_position = 1e-7;
/// design_weighting::overlap, absolute: trapezoidal rule on 20001 points of [−12, 12] (h = 1.2e-3) of
/// min(f, g), which has a kink where the shapes cross: error ≈ (1/8 + 1/12) h²·|[f']| ≈ 2.5e-7 for two
/// N(·, 0.7²) shapes 0.9 apart (jump |[f']| ≈ 0.85); the estimate |fine − coarse| (2h) is ~3× that. 1e-6.
inline constexpr double overlap_trapezoid = 1e-6;
/// R(s)/s² at s = 1e-10 and 1e-12 differ by the third-order term, O(s)·|L'''|/|L''| ≲ 1e-8 relative.
inline constexpr double remainder_quadratic_rel = 1e-6;
/// Digits to which the analytic gradient must match central differences at 256 bits (the issue asks for
/// at least 25): with step 1e-30 truncation is O(1e-60) and rounding O(2^-256/1e-30) ~ 1e-47.
inline constexpr double gradient_fd_digits = 25;
/// Relative agreement of the Gauss–Newton product with finite differences of the residuals (MPFR), digits.
inline constexpr double gauss_newton_fd_digits = 25;
/// The PL ratio's gradient in double (numerics/pl_search.hpp: H∇L by a central difference of the analytic
/// gradient with relative step 1e-6) against 256-bit central differences of μ, relative: truncation O(1e-12)
/// of the inner difference, rounding ε/1e-6 ≈ 2e-10 of it, amplified by the cancellation in 2H∇L − μ∇L
/// (≲ 10³ at the test's point); 1e-5.
inline constexpr double pl_ratio_gradient_double_rel = 1e-5;
/// The same gradient in MPFR at 256 bits with step 1e-30 against the 256-bit central difference of μ, digits:
/// truncation O(1e-60), rounding 2^-256/1e-30 ≈ 1e-47 in each difference; 20 leaves room for cancellation.
inline constexpr double pl_ratio_gradient_mpfr_digits = 20;
/// The ball search's test follows GD while the loss is above 1e-10 of its start (a ratio): far above the
/// round-off floor of μ (≈ 1e-24 of the start), so every μ on the path is a resolved number.
inline constexpr double pl_test_loss_floor = 1e-10;
/// The ball search's test needs a known point whose μ is at least 10× below μ at the centre (a ratio).
inline constexpr double pl_path_decrease = 0.1;
/// The search must at least halve the smallest μ of the random directions (a ratio): a search that only
/// returned its random starts would fail.
inline constexpr double pl_search_vs_random = 0.5;
/// ... and come within 3× of the known point's μ (a ratio). The descent is a heuristic: μ jumps where an
/// activation flips (the gradient's pattern changes), and the descent stalls at such a jump; on the test's case
/// it stops 2.3× above the known point (with 30 or 100 iterations alike).
inline constexpr double pl_search_vs_known = 3.0;
/// 60 GD steps at half the stable step (h = 1/λ_max) must at least halve the loss (a ratio): the double
/// against MPFR comparison of the path is only worth something on a path that moves.
inline constexpr double gd_loss_reduction = 0.5;
/// The exponential integrator's and euler_ancestral's KLs at N = 18 must differ physically, not by round-off:
/// by more than 0.1 % (their round-off is ≤ sampler_kl_per_step·N·64 ε ≈ 4e-12).
inline constexpr double distinct_kl_rel = 1e-3;
/// sampling.init's law case "two points ±3, sd 1e-3" at σ_T = 1 against the point-mass closed form
/// KL = −μ²/(2a) + E log cosh(μX/a), X ~ N(μ, a): the components' variance 1e-6 moves the KL by O(sd²/a)
/// = 1e-6 relative to m₂²/(2a) = 4.5; both quadratures are far more accurate. 1e-5 relative.
inline constexpr double two_point_closed_form_rel = 1e-5;
/// The closed-form Girsanov path term against Gauss–Kronrod (61 points, tolerance 1e-14) of PAPER's integrand
/// over 23 steps: each step's quadrature is good to ~1e-14 relative; with the closed form's own rounding
/// (bound_per_step·N ε ≈ 8e-14), 1e-11 leaves two orders of magnitude.
inline constexpr double gauss_kronrod_path_rel = 1e-11;
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

// ---- Density grids (numerics/density_grid.hpp, density_grid_2d.hpp) -----------------------------------------
// A grid's error is estimated by one refinement (r_feature × 1.5, Lagrange order + 2, tail × 0.1). If the fine
// error is at most q times the coarse one, |error(fine)| ≤ q/(1 − q)·|fine − coarse|: q = 1/1.5 (first order,
// the kinks of a ReLU score) gives 2; smooth densities converge faster.

/// The factor on |fine − coarse| for first-order convergence (q = 2/3).
inline constexpr double first_order_refinement = 2;
/// The factor on an a-posteriori estimate used as an error bar: twice first_order_refinement, for
/// pre-asymptotic behaviour.
inline constexpr double grid_estimate_slack = 4;
/// A floor under such an estimate, which may vanish by chance, relative: about the worst-case rounding of a
/// grid's sums (n·ε ≈ 9e-10 for 4e6 nodes).
inline constexpr double grid_kl_floor_rel = 1e-9;
/// full.error's 1-D grid error estimate must be at most this relative to the KL: the grids are built (16 points
/// per feature, Lagrange order 8) to give at least 5 digits, which the checks' margins need.
inline constexpr double grid_kl_resolution_rel = 1e-5;
/// The same for the 2-D grid (8 points per feature, order 6): 4 digits.
inline constexpr double grid2d_kl_resolution_rel = 1e-4;
/// The 1-D grid against the exact Gaussian recursion, relative: 9 digits (the Gaussian density is resolved
/// spectrally; what is left is the interpolation of order 8 per step and the tail).
inline constexpr double grid_kl_vs_exact_rel = 1e-9;
/// Mass conservation of the 1-D grid, absolute: the tail left outside is 1e-13 per step (GridOptions::tail)
/// over ≤ 64 steps, plus the interpolation's mass error; 1e-10 is asked.
inline constexpr double grid_mass = 1e-10;
/// Mass conservation of the 2-D grid, absolute: mass below bulk·max q (GridOptions2d::bulk = 1e-8) is moved
/// less accurately, so the total is asked to within that fraction.
inline constexpr double grid2d_mass = 1e-8;
/// The rotated mixture by the 2-D grid against the 1-D refined grid plus a closed form: the 1-D route's error
/// is not in the 2-D estimate; 1e-7 relative is allowed for it.
inline constexpr double grid2d_vs_1d_rel = 1e-7;
/// A folding map through the kernel regime's deposit: floor under the two-resolution estimate, 1e-8 relative.
inline constexpr double grid2d_fold_floor_rel = 1e-8;
/// 2-D quadratures (Fisher information, initialization KL, score error) of a Gaussian on the law's grid against
/// closed forms, relative: the trapezoidal rule of a Gaussian converges spectrally; the tail left out (1e-12
/// per coordinate) and the grid's sums leave 9 digits.
inline constexpr double grid2d_quadrature_rel = 1e-9;
/// Two resolutions of the 1-D grid on a 3-component mixture must agree to 9 digits, on Student-t (tail 1e-10,
/// a scale mixture with components of very different widths) to 7 (the test's name states both).
inline constexpr double grid_resolutions_mixture_rel = 1e-9;
inline constexpr double grid_resolutions_student_t_rel = 1e-7;
/// The initialization KL on the law's grid against the Gaussian closed form: 9 digits.
inline constexpr double grid_init_kl_rel = 1e-9;
/// Absolute floor on the Monte Carlo comparison of the initialization KL: init_kl_1d's quadrature error.
inline constexpr double init_kl_grid_abs = 1e-12;

// ---- Non-Gaussian laws (numerics/nongaussian_data.hpp) ------------------------------------------------------

/// Student-t as a trapezoidal scale mixture in ln W (h = 0.3) against Gauss–Kronrod (tolerance 1e-15) of the
/// convolution, relative: the trapezoidal rule of an analytic integrand converges like e^{−π²/h} ~ 1e-14 in the
/// bulk, less in the tails (x = 20); 1e-10 for the density, 1e-9 for the score (a ratio of two such sums;
/// absolute 1e-12 where it vanishes, x = 0) and for the second moment (Σ w_j v_j, which the ν = 5 tail weights
/// toward the small-W nodes).
inline constexpr double student_t_mixture_density_rel = 1e-10;
inline constexpr double student_t_mixture_score_rel = 1e-9;
inline constexpr double student_t_mixture_score_abs = 1e-12;
inline constexpr double student_t_mixture_moment_rel = 1e-9;
/// J(a) by a Chebyshev interpolant in ln a (144 nodes) of the grid's Fisher information, against 1/(λ + a):
/// 11 digits; the Girsanov sums over the levels built on it, 10 digits.
inline constexpr double chebyshev_fisher_rel = 1e-11;
inline constexpr double chebyshev_fisher_sum_rel = 1e-10;
/// de Bruijn: ∫ J da (Gauss–Legendre on the interpolant) against 2 ΔH (Riemann sums of −p ln p on a grid of
/// 1/16 feature width): 9 digits.
inline constexpr double de_bruijn_rel = 1e-9;

/// The mixture KL enclosure (numerics/mixture_kl_enclosure.hpp) asked for this absolute width (KL up to 450 in
/// the tests: 2e-10 relative and more): the midpoint rule's enclosed remainder shrinks like h², and 20 000
/// subintervals reach about 1e-9 relative on the tests' laws.
inline constexpr double enclosure_width_asked = 1e-7;
/// The Student-t (ν = 5) KL enclosure (numerics/student_t_kl_enclosure.hpp) against the double route: the
/// scale mixture at step 0.2 in ln W (relative error ~e^(−π²/0.2), numerics/nongaussian_data.hpp) with the
/// grid's tail mass 1e-12, whose two resolutions' difference is its error estimate; to that the rounding of
/// ~1e5 terms, 1e-10 relative.
inline constexpr double student_t_reference_step = 0.2;
inline constexpr double student_t_reference_tail = 1e-12;
inline constexpr double student_t_enclosure_vs_grid_rel = 1e-10;
/// At 200 pieces the enclosure is narrower than a tenth of the KL where KL ≥ 2e-3 (σ_T ≤ 3: 1e-4 relative or
/// better); at σ_T = 10 (KL 7e-5, width 1.1e-4: the entropy form cancels 5 digits there) a tenth of 2e-3.
inline constexpr double student_t_enclosure_width_rel = 0.1;
inline constexpr double student_t_enclosure_width_abs_floor = 2e-3;
/// Four times the pieces (or an inner step 0.125 for 0.4) must at least halve the part of the width refined.
inline constexpr double student_t_refined_width_ratio = 0.5;
/// The enclosure against the trapezoidal rule at two resolutions (init_kl_1d, refined grid): the grid's own
/// error on the point-mass laws is below 1e-9 relative (tests/test_falsify.cpp); the enclosure must contain the
/// grid value up to that error.
inline constexpr double enclosure_vs_grid_rel = 1e-9;

}  // namespace acceptance

// =============================================================================================================
// Floating-point error budgets, in ε of the scalar under test (of double unless stated).
namespace budgets {

// ---- Generic ------------------------------------------------------------------------------------------------

/// k non-negative terms summed once: k − 1 roundings, each relative to the sum (no cancellation).
constexpr Budget sum_of(int k) { return {static_cast<double>(k - 1), "k - 1 roundings of a positive sum"}; }
/// Two routes to a sum of k non-negative terms (different orders): each within sum_of(k).
constexpr Budget positive_sum(int k) { return {2.0 * (k - 1), "two orders of a positive sum of k terms"}; }
/// A difference a − b of two computed values, each within `each` of its exact value: relative to a − b the
/// roundings are amplified by the condition number of subtraction, (|a| + |b|)/|a − b|.
inline Budget difference(const Budget& each, double a, double b) {
  return {each.eps_units * (std::fabs(a) + std::fabs(b)) / std::fabs(a - b), each.why};
}
/// n roundings of a well-conditioned formula (condition ≤ 1) on one route, the reference exact.
constexpr Budget roundings(int n) { return {static_cast<double>(n), "n roundings, condition <= 1"}; }
/// x·y/z by two routes: 2 roundings each.
inline constexpr Budget product_quotient{4, "two routes of x*y/z, 2 roundings each"};
/// 1/(σ·σ): the same two operations on the code's route and the reference's, so one route's 2 roundings.
inline constexpr Budget reciprocal_square{2, "1/(sigma*sigma): 2 roundings"};
/// μ re-evaluated at the point the search reports: the same computation, bit-identical unless a GEMM backend
/// changes its blocking between calls (then ~1 ε per term of the short sums, relative on μ).
inline constexpr Budget pl_ratio_reevaluation{16, "the same evaluation repeated"};

/// A checks::DomainParam round trip decode(encode(v)) on the linear scale lo + u (hi − lo): 4 roundings on
/// values up to |lo| + |hi| = 4, relative to |v| ≥ 1 (and absolute, in ε, at v = 0): 16.
inline constexpr Budget linear_scale_round_trip{16, "4 roundings on values <= |lo| + |hi|"};
/// The same on the log scale lo (hi/lo)^u: the logarithms' roundings are absolute, u·|ln x|, and exp turns the
/// exponent's absolute error into v's relative one: ≈ u·(2|ln v| + 3|ln lo| + |ln hi| + 2|ln(hi/lo)|) ≈ 180 u
/// = 90 ε for lo = 1e-10, hi = 1e2; 128.
inline constexpr Budget log_scale_round_trip{128, "absolute roundings of logs up to 23, through exp"};

// ---- Schedules ----------------------------------------------------------------------------------------------

/// pow/exp/log of O(1) arguments plus an affine map: a handful of roundings, each amplified by at most ρ
/// (the exponent of the EDM formula), so 8·ρ for ρ = 7.
inline constexpr Budget schedule_level{64, "a few roundings in pow/exp/log, amplified by rho <= 7"};
/// design.schedule: the ρ-family written as ln σ = ln σ_max + log1p(r expm1(tΛ))/t against EDM's pow form at
/// ρ = 1/t: EDM's form amplifies its roundings by ρ (8ρ ε as schedule_level), the log1p form by |ln σ| ≲ 8
/// through exp; 256 ε covers both for ρ ≤ 16 with room.
inline constexpr Budget rho_family_vs_edm{256, "pow form amplified by rho, exp of |ln sigma| <= 8"};
/// The Bernstein warp with equal weights reproduces W(r) = r (absolute, r ∈ [0, 1]). NOT derived: the worst
/// case of Σ_j c_j C(6, j) r^j (1 − r)^{6−j} with c_j accumulated from 1/6 is ≈ 19 roundings relative to r
/// (≈ 7 ε at r = 0.77); the test has always asked 1e-15 (4.5 ε), which holds because the roundings cancel;
/// kept, not loosened.
inline constexpr Budget bernstein_partition_of_unity{4.5, "kept from the test (worst case ~7 eps not reached)"};

// ---- Sampler and bound terms --------------------------------------------------------------------------------

/// The exact Gaussian recursion: O(1) roundings per step, accumulated over N steps (N ≤ 4096 here).
inline constexpr double sampler_kl_per_step = 16;
/// Closed-form bound terms: O(1) roundings per step and direction.
inline constexpr double bound_per_step = 16;
/// Two routes to a sum over steps of positive terms (a score form Σ_k Δ_k ε_k²): per step ≤ 3 roundings of the
/// term and 1 of the accumulation on each route; counted per step, so N steps get N·8 (which also covers the
/// few roundings of the constant factors outside the sum).
inline constexpr Budget score_sum_per_step{8, "per step: 3 roundings of the term + 1 accumulation, two routes"};
/// (1 − c)² with 1 − c recovered from c = 1 − η: the rounding of c (u·c) is relative u·c/η in 1 − c (Sterbenz
/// makes the subtraction exact) and doubles in the square: 2(1 − η)/η ε by our count.
constexpr Budget one_minus_c_squared(double eta) { return {2 * (1 - eta) / eta, "rounding of c amplified by 1/eta"}; }
/// E_I = m₂²/(2a₀) by design_schedule::bound_terms against the test's sum: m₂² of three modes is ≤ 5 roundings
/// on each route (μ², + λ, × mult, two additions), the division 1: 2·6 = 12.
inline constexpr Budget init_term_closed_form{12, "m2 of three modes (5 roundings) and a division, two routes"};
/// C_D·(d κ² K + κ (d(1 + L) + m₂²)) by the code and by the test, κ and L shared: 9 roundings of the form and 5
/// of m₂² on each route, positive terms (no cancellation): 28, rounded up to 32.
inline constexpr Budget discretization_term_closed_form{32, "9 roundings + m2 (5), two routes"};
/// The two sides of sampling.init's inequality, m₂²/(2a₀) and ½ Σ mult (μ²/a₀ + x − log1p x) (x = λ/a₀; the
/// series form of x − log1p x is good to ~2 ε): at most 9 roundings each (per term 6, 2 accumulations, 1).
inline constexpr Budget init_kl_sides{9, "per-term 6 roundings, 2 accumulations, 1 division"};
/// ½ Σ mult·log1p(λ/a₀) over three modes: per term a division, log1p (condition ≤ 1) and a product, plus 2
/// accumulations.
inline constexpr Budget init_gap_closed_form{5, "3 roundings per term + 2 accumulations"};
/// Two code paths of the same Gaussian recursion (sampler_kl_levels with a constant per-level bias against
/// sampler_kl with that bias), N = 50. NOT derived: the worst case is the recursion's budget,
/// sampler_kl_per_step·N = 800 ε; the paths perform the same operations, and the test has always asked 1e-14
/// (45 ε); kept, not loosened.
inline constexpr Budget same_recursion_two_paths{45, "kept from the test (worst case 800 eps not reached)"};
/// d identical directions: Σ mult·KL with mult = 1000 against 1000·KL of one direction: 1 product each.
inline constexpr Budget multiplicity_times_one{2, "one product on each route"};
/// Ancestral σ_up² by k-diffusion's formula σ_up² = σ_t²(σ_f² − σ_t²)/σ_f² from σ_f = √a₃, σ_t = √a₄, squared
/// back, against a₄Δ/a₃: σ_t², σ_f² carry 2 roundings each, the difference amplifies them by (a₃ + a₄)/(a₃ −
/// a₄) ≈ 2.8 (EDM, N = 18), then 4 products and quotients, a square root and its square: ≈ 17 on k-diffusion's
/// route, ≈ 6 on the code's; 32.
inline constexpr Budget k_diffusion_sigma_up{32, "cancellation sigma_f^2 - sigma_t^2 (x2.8) and ~10 roundings"};
/// k-diffusion's drift σ_f(σ_f − σ_down) with σ_down = √(σ_t² − σ_up²) against a₃ − a₄: σ_t² − σ_up² cancels
/// (condition (384 + 202)/182 ≈ 3.2 on errors of 2 and ~17 ε), the square root halves, σ_f − σ_down cancels
/// again (condition (28.5 + 13.5)/15 ≈ 2.8): ≈ 12·2.8 + 2, and a₃ − a₄ (condition 2.8): ≈ 35, rounded to 64.
inline constexpr Budget k_diffusion_sigma_down{64, "two cancellations (x3.2, x2.8) on ~15 roundings"};
/// κ of the levels by step_geometry against a long double route from the same levels. The code: γ_k = ½ log1p(Δ/(1
/// + a_{k+1})) (Δ, 1 + a, /, log1p: condition ≤ 1) and s = ½ log1p(a): ≤ 6 roundings; an MPFR/MPFI κ's levels
/// differ from the doubles by ≤ 1 rounding (condition ≲ 1). The reference ½ ln((1 + a_k)/(1 + a_{k+1})) rounds
/// 1 + a twice and the ratio once (u = 2^-64 = ε/4096 each in long double), and the logarithm of a ratio near 1
/// amplifies them by (1 + a_{k+1})/Δ_k ≈ 1.22e5 at the last of 20 geometric levels on [0.002, 80] (the step
/// that attains κ): 3·1.22e5/4096 ≈ 90 ε, plus its rounding to double (1): 97, so 128.
inline constexpr Budget kappa_of_levels{128, "code 6 + long double reference 3 u_ld * 1.2e5 (~90) + 1"};
/// −ln a_{N−1} against −2 ln σ_min: the code's ln of a rounded square (the square's rounding divided by
/// |ln a| = 12.4) and its ln, the reference's ln: 2.1, so 3.
inline constexpr Budget log_of_square{3, "ln of a rounded square against 2 ln sigma"};
/// The κ-minimal placement: levels σ_k = √expm1(2 s_k) (≤ 4 roundings, relative error of a_k ≤ 8 ε); κ
/// recovered from two levels as γ_k = ½ log1p(Δa/(1 + a)) = s_k − s_{k+1} has absolute error ≈ 8 ε·max(1, s),
/// relative 8 ε·s₀/κ ≤ 8·4.4/0.085 ≈ 420 ε at N = 200 (κ ≈ 0.085), the smallest κ tested; 512.
inline constexpr Budget kappa_min_placement{512, "levels' roundings over kappa: 8 eps * s0/kappa"};
/// The cancellation-free double KL of sampling.order's round-off table against MPFR, relative. NOT derived:
/// the worst case sampler_kl_per_step·N·64 exceeds it for N ≥ 5; the test has always asked 1e-12 (4504 ε);
/// 4096.
inline constexpr Budget kl_cancellation_free_double{4096, "kept from the test (worst case N*1024 eps not reached)"};
/// design.schedule: the optimum's bound against the bound of EDM ρ = 7 and geometric levels recomputed by their
/// own formulas: the levels differ by ≤ schedule_level (64 ε), and the bound depends on them through Δ_k/a_k,
/// conditioned by 2 a_k/Δ_k ≤ 7 at 64 geometric levels on [0.002, 80] and squared in κ²: 64·14 ≈ 900 ε; 4096.
inline constexpr Budget bound_of_recomputed_levels{4096, "levels within 64 eps, conditioning 2a/Delta squared"};

/// ScheduleSpec::vp's σ(t = 1) = √(exp(β_d/2 + β_min) − 1) at 200 bits against the same formula in MPFR: 4
/// roundings on each route (the exponent, exp, − 1 at e^10 ≫ 1, √): 8.
inline constexpr Budget vp_level{8, "4 roundings on each route"};
/// Song's σ_min (σ_max/σ_min)^t against the same formula: 3 roundings on each route, rounded up to 8.
inline constexpr Budget song_level{8, "3 roundings on each route"};
/// Two successive ratios of Song's levels: each level within song_level's route (3), each ratio one more: 16.
inline constexpr Budget song_ratio{16, "two ratios of levels with 3 roundings each + 1"};
/// The mean through a Gaussian recursion telescopes to −μ(λ + a_N)/(λ + a_0): per step the factor
/// 1 − cΔ/(λ + a_k) (4 roundings, amplified by Δ/(λ + a_{k+1}) ≤ 0.72 on 40 geometric levels) and the product
/// (1): ≈ 8 per step; the test has asked 64 per step (kept).
inline constexpr Budget telescoping_mean_per_step{64, "~8 roundings per step; kept from the test"};
/// One exponential-integrator step from v = a_k (λ = 0): the excess Δ²/a_k by the recursion against the
/// closed form: a handful of roundings with the cancellation v' − a_{k+1} (condition ≤ a_k/excess ≈ 3 on 40
/// geometric levels): ≈ 20; the test has asked 64 (kept).
inline constexpr Budget one_step_excess{64, "a handful of roundings, condition ~3; kept from the test"};

// ---- design.weighting ---------------------------------------------------------------------------------------

/// 2 acosh 2 against 2 ln(2 + √3): acosh ≤ 2 ulp (glibc), √3 and 2 + √3 one rounding each, damped by ln's
/// condition 1/ln(3.73) = 0.76, ln 1: ≈ 3.6, so 4.
inline constexpr Budget acosh_vs_log_form{4, "acosh (2 ulp) against sqrt, +, ln"};
/// EDM's F-scale weight λ(σ)·p(ln σ)·σ²/σ²·c_out²(σ) against p(ln σ) (λ c_out² = 1 exactly, p shared): λ 7
/// roundings, c_out² 7, the products and quotient 6: 20.
inline constexpr Budget edm_lambda_c_out_sq{20, "lambda (7) c_out^2 (7) and 6 products"};
/// Σ β_j of 8 normalised weights against 8: s (7 accumulations), β_j = w_j·(8/s) (2), Σ β_j (7): 16.
inline constexpr Budget normalised_weights_sum{16, "7 + 2 + 7 roundings"};
/// overlap(f, f) = Σ w_i (f_i/s) with s = Σ w_i f_i over 20001 nodes. The worst case is 2·20000 ε; the
/// probabilistic bound of Higham & Mary (2019), λ√n·u per sum with λ = 10 (failure probability < 1e-20):
/// 2·10·√20001·½ ≈ 1414 ε; 2048.
inline constexpr Budget overlap_of_equal_shapes{2048, "two sums of 20001 terms, probabilistic sqrt(n) bound"};

// ---- Training -----------------------------------------------------------------------------------------------

/// Training (tests/test_relu_network.cpp). The batched loss against a per-sample reference: each output
/// is a sum over m·(L+1) + d products, each rounded once, so ~8·(m(L+1) + d) roundings relative to the
/// sum of absolute values; 4096 ε covers m ≤ 64, L ≤ 3 with a factor > 2 to spare.
inline constexpr Budget batched_vs_reference{4096, "sums of O(m L) rounded products per output"};
/// Σ of the N level losses against the loss: per level a positive sum in another order and the level's
/// weight: 8 per level (kept from the test).
inline constexpr Budget level_losses_sum_per_level{8, "a positive sum in two orders, per level"};
/// The gradient norm² recorded by a GD step against inner(g, g) of the same gradient: the same add_dot in the
/// same order, so 0 when repeated exactly; 64 (kept from the test) allows a different blocking.
inline constexpr Budget grad_norm_sq_recorded{64, "the same sum of squares; kept from the test"};
/// ‖A‖₂ ≤ ‖A‖_F exactly; the computed spectral norm (power iteration) and Frobenius norm (a sum of squares and
/// a square root) each carry roundings relative to themselves: 64 (kept from the test).
inline constexpr Budget spectral_vs_frobenius{64, "two computed norms; kept from the test"};
/// 60 GD steps in double against the same steps in MPFR: each step's rounding (~ε) is carried along the
/// path and amplified by at most ‖I − h∇²L̄‖ ≤ 2 per step in the stable regime, but in practice far less;
/// 2^23 ε ≈ 2e-9 relative.
inline constexpr double gd_path_double_vs_mpfr = 8388608;
/// A dot product of k terms in any summation order, with or without FMA (a GEMM backend's blocking):
/// |fl(Σ a_i b_i) − Σ a_i b_i| ≤ γ_k Σ|a_i b_i|, γ_k = kε/(1 − kε) (Higham, Thm 3.5); per term, ~1 ε.
inline constexpr double gemm_per_term = 1.01;

// ---- Former names -------------------------------------------------------------------------------------------
// These acceptance ranges used to live here although their unit is not ε; the names stay for branches written
// before the split. New code: acceptance::.
using acceptance::falsifier_target_margin;
using acceptance::gauss_legendre_vs_de_bruijn_rel;
using acceptance::gauss_newton_fd_digits;
using acceptance::gradient_fd_digits;
using acceptance::interval_identity_width;
using acceptance::mc_sigmas;
using acceptance::optimiser_vs_grid_rel;
using acceptance::quadrature_identity_rel;
using acceptance::quadrature_safety;
using acceptance::remainder_quadratic_rel;
using acceptance::tight_margin_reached;

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

/// CHECK that |got − expected| ≤ budget · ε · |expected|, printing the error in ε units; `budget` is a Budget or
/// a number of ε.
#define CHECK_WITHIN_EPS(got, expected, budget)                                               \
  do {                                                                                        \
    const double diffbound_err_eps = ::diffbound::test::error_in_eps((got), (expected));      \
    const double diffbound_budget_eps = ::diffbound::test::eps_units_of(budget);              \
    INFO("error " << diffbound_err_eps << " eps, budget " << diffbound_budget_eps << " eps"); \
    CHECK(diffbound_err_eps <= diffbound_budget_eps);                                         \
  } while (0)

/// CHECK that `got` rounds to `printed`, a value printed with `digits` significant digits (PAPER's tables).
#define CHECK_PRINTED(got, printed, digits)                                                                            \
  do {                                                                                                                 \
    const double diffbound_got = (got), diffbound_printed = (printed);                                                 \
    const double diffbound_half = ::diffbound::test::acceptance::half_unit_in_last_digit(diffbound_printed, (digits)); \
    INFO(std::setprecision(17) << "got " << diffbound_got << ", printed " << diffbound_printed << " +- "               \
                               << diffbound_half << " (off by " << (diffbound_got - diffbound_printed) << ")");        \
    CHECK(std::fabs(diffbound_got - diffbound_printed) <= diffbound_half);                                             \
  } while (0)
