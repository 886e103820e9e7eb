// sampling.bound — the VE sampling bound with every constant derived (no fitted constant), and the
// Benton-type form of PAPER §3.2/§5.2 as its corollary with explicit constants. The proof, step by step
// with its hypotheses, is in docs/checks/sampling.md ("The derived bound"); each intermediate inequality
// has its own test in tests/test_sampling_bound_explicit.cpp. Derived here [D✓]; not from the paper,
// whose constants are [UNKNOWN] (PAPER §0.2, §7 item 7).
//
// Setting. VE forward process X_a = X_0 + √a Z (a = σ²), data in d dimensions with m₂² = E‖X_0‖² < ∞,
// levels a_0 > a_1 > … > a_{N−1} > 0, K = N − 1 steps, Δ_k = a_k − a_{k+1}, x_k = Δ_k/a_k ∈ (0, 1),
// f(x) = −ln(1 − x) − x. Exponential-integrator sampler with frozen scores ŝ_k started at N(0, a_0 I);
// ε_k² = E‖ŝ_k(X_{a_k}) − ∇log p_{a_k}(X_{a_k})‖². J(a) = E‖∇log p_a(X_a)‖², T(a) = E tr Cov(X_0 | X_a).
//
// The bound (valid for every such law, every schedule and every score model; no step-size condition):
//
//   KL(p_{a_{N−1}} ‖ q_N) ≤ E_I + E_D + E_S,                                                           (3)
//     E_I = m₂²/(2 a_0),
//     E_D = ½ d Σ_{k<K} f(x_k) + ½ x_max [ min{d, m₂²/a_0} + Σ_{k=1}^{K−1} min{d, m₂²/a_k} x_{k−1} ],      (2)
//     E_S = ½ Σ_k Δ_k ε_k²                       (C_S = ½ exactly),
//
// and E_D bounds the discretization part of the Girsanov right side, ½ Σ_k ∫_{a_{k+1}}^{a_k} (J(a) − J(a_k)) da.
// Proof: F1 Girsanov + data processing, F2 reverse martingale (no cross term), F3 Tweedie
// (J = d/a − T/a²), F4 T non-decreasing with 0 ≤ T ≤ min{d a, m₂²}, F5 convexity (E_I); then step (1)
//   ½ ∫_{a_{k+1}}^{a_k} (J(a) − J(a_k)) da ≤ ½ d f(x_k) + ½ x_k (T(a_k) − T(a_{k+1}))/a_k,
// and Abel summation of the second part.
//
// Sharpening (proved as well; reported, not the check's bound): T(a) ≤ v² = tr Cov X_0 replaces m₂² in
// the trace part, and the x_k-weighted Abel sum
//   Σ_k x_k (T_k − T_{k+1})/a_k ≤ w_0 U_0 + Σ_{k=1}^{K−1} (w_k − w_{k−1})⁺ U_k,  w_k = x_k/a_k, U_k = min{d a_k, v²},
// is used when it is smaller than the x_max form. (The naive "x_k inside" form
// x_0 U_0/a_0 + Σ_k x_k x_{k−1} U_k/a_k is FALSE when x_k grows along the schedule; see the docs.)
//
// Corollary (the Benton-type form). With the OU times s_k = ½ ln(1 + a_k), steps γ_k = s_k − s_{k+1},
// κ = max_k γ_k / min{1, s_{k+1}} and L = ln⁺(1/a_{N−1}): Δ_k/a_{k+1} ≤ c(κ) = e²(e^{2κ} − 1)/(e² − 1), and
//
//   E_D ≤ C_1 d κ² K + C_2 κ [d (1 + L) + m₂²],   C_2 = 2e²/(e² − 1) ≈ 2.3130,  C_1 = C_2²/4 ≈ 1.3375,
//
// for every κ > 0: the step condition γ_k ≤ κ min{1, s_{k+1}} is only the definition of κ, and no bound
// κ ≤ κ_max is needed for these constants (it is needed only for the form to be small).
#pragma once

#include "gaussian.hpp"
#include "provenance.hpp"
#include "sampling_bound.hpp"
#include "scalar.hpp"
#include "stable.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace diffbound::sampling_bound_explicit {

using sampling_bound::max_of;
using sampling_bound::min_of;

/// Form mutants of the claim (wrong variants, for the tests and the power table of issue 15). Compiled in,
/// off by default: every function below computes the true claim unless it is given a mutant.
enum class Mutant {
  none,           ///< the claim
  drop_trace,     ///< E_D without the x_max term (true for Gaussian data, false for mixtures)
  score_quarter,  ///< C_S = 1/4 instead of 1/2
  f_quadratic,    ///< f(x) replaced by its leading term x²/2
  steps_quarter,  ///< ¼ d Σ f(x_k) instead of ½ d Σ f(x_k)
  x_min,          ///< x_min instead of x_max in the trace term
  init_quarter,   ///< E_I = m₂²/(4 a_0) instead of m₂²/(2 a_0)
};

inline const char* to_string(Mutant m) {
  switch (m) {
    case Mutant::none:
      return "none";
    case Mutant::drop_trace:
      return "drop_trace";
    case Mutant::score_quarter:
      return "score_quarter";
    case Mutant::f_quadratic:
      return "f_quadratic";
    case Mutant::steps_quarter:
      return "steps_quarter";
    case Mutant::x_min:
      return "x_min";
    case Mutant::init_quarter:
      return "init_quarter";
  }
  return "?";
}

/// The claim of sampling.bound: statement (plain and LaTeX), source and tag, assumptions, constants with
/// their provenance. Every constant is a number derived here.
inline ClaimInfo claim() {
  return {
      "sampling.bound",
      "VE sampling bound E_I + E_D + E_S with every constant derived (C_S = 1/2)",
      "KL(p_delta || q_N) <= m2^2/(2 a_0) + E_D + 1/2 sum_k (a_k - a_{k+1}) eps_k^2, E_D = 1/2 d sum_k f(x_k) + 1/2 "
      "x_max [min{d, m2^2/a_0} + sum_{k=1}^{K-1} min{d, m2^2/a_k} x_{k-1}], x_k = (a_k - a_{k+1})/a_k, f(x) = "
      "-ln(1 - x) - x; corollary: E_D <= C_1 d kappa^2 K + C_2 kappa [d (1 + L) + m2^2]",
      R"(\mathrm{KL}(p_\delta\,\|\,q_N) \le \frac{m_2^2}{2a_0} + \frac d2\sum_{k}f(x_k) + \frac{x_{\max}}2\Big[\min\{d,\tfrac{m_2^2}{a_0}\} + \sum_{k=1}^{K-1}\min\{d,\tfrac{m_2^2}{a_k}\}\,x_{k-1}\Big] + \frac12\sum_k(a_k-a_{k+1})\,\varepsilon_k^2,\quad x_k=\tfrac{a_k-a_{k+1}}{a_k},\ f(x)=-\ln(1-x)-x)",
      "derived here (docs/checks/sampling.md, 'The derived bound') from PAPER.md §6.2 (Girsanov), §3.2 (E_I); "
      "Benton-type form of §3.2/§5.2 as a corollary",
      "[D✓]",
      {"the data have a finite second moment m2^2 = E||X_0||^2 (nothing else)",
       "exponential-integrator VE sampler started at N(0, a_0 I), N >= 2 levels a_0 > ... > a_{N-1} > 0, K = N - 1 "
       "steps; any schedule (no step-size condition)",
       "score errors eps_k^2 = E||s_k(X_{a_k}) - grad log p_{a_k}(X_{a_k})||^2 under the true marginal, any score "
       "model",
       "the Girsanov step (F1) for the frozen-score sampler (PAPER §6.2)"},
      {{"C_I", "C_I", "1/2", Provenance::derived, "[D✓]", "E_I = m2^2/(2 a_0): convexity of KL (PAPER §3.2), F5"},
       {"C_f", "C_f", "1/2", Provenance::derived, "[D✓]",
        "E_D's step part (d/2) sum f(x_k): integral of d (1/a - 1/a_k) over a step, step (1)"},
       {"C_T", "C_T", "1/2", Provenance::derived, "[D✓]",
        "E_D's trace part (x_max/2)[...]: Tweedie + monotone T + Abel summation, steps (1)-(2)"},
       {"C_S", "C_S", "1/2", Provenance::derived, "[D✓]",
        "E_S = (1/2) sum Delta_k eps_k^2: Girsanov (1/2) and the reverse-martingale split without cross term (F2)"},
       {"C_1", "C_1", "e^4/(e^2-1)^2 = 1.33753...", Provenance::derived, "[D✓]",
        "corollary: E_D's step part <= C_1 d kappa^2 K for every kappa"},
       {"C_2", "C_2", "2e^2/(e^2-1) = 2.31304...", Provenance::derived, "[D✓]",
        "corollary: E_D's trace part <= C_2 kappa [d (1 + L) + m2^2] for every kappa"}},
  };
}

// ---------------------------------------------------------------------------------------------
// E_D of (2)

/// The two parts of E_D and the largest relative step.
template <class Real>
struct DiscretizationParts {
  Real steps;  ///< ½ d Σ_k f(x_k)
  Real trace;  ///< ½ x_max [min{d, M/a_0} + Σ_{k=1}^{K−1} min{d, M/a_k} x_{k−1}]
  Real x_max;  ///< max_k x_k (an outward enclosure for intervals)
  Real total() const { return steps + trace; }
};

/// x_k = Δ_k/a_k for the levels a_0 > … > a_{N−1}.
template <class Real>
std::vector<Real> relative_steps(const std::vector<Real>& a) {
  if (a.size() < 2) throw std::invalid_argument("sampling.bound: need at least 2 noise levels");
  std::vector<Real> x(a.size() - 1);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    if constexpr (!is_interval_v<Real>)
      if (!(a[k + 1] < a[k]))
        throw std::invalid_argument("sampling.bound: the noise levels must be strictly decreasing");
    x[k] = (a[k] - a[k + 1]) / a[k];
  }
  return x;
}

/// E_D of (2) for levels a, dimension d and a bound M ≥ sup_a T(a) (M = m₂² in the claim; M = tr Cov X_0
/// is the sharpening). With a mutant, the corresponding wrong variant.
template <class Real>
DiscretizationParts<Real> discretization(const std::vector<Real>& a, const Real& d, const Real& M,
                                         Mutant mutant = Mutant::none) {
  const std::vector<Real> x = relative_steps(a);
  DiscretizationParts<Real> p;
  Real sum_f(0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (mutant == Mutant::f_quadratic)
      sum_f += x[k] * x[k] / 2;
    else if constexpr (std::is_same_v<Real, double>)
      sum_f += neg_log1m_minus_x<Real>(x[k]);  // the cancellation-free series per step
    else
      sum_f -= x[k];  // telescoped below: Σ −ln(1 − x_k) = ln(a_0/a_{N−1})
    p.x_max = k == 0 ? x[0] : max_of(p.x_max, x[k]);
  }
  if constexpr (!std::is_same_v<Real, double>) {
    // One logarithm instead of one per step (rigorous in MPFI; the difference with Σ x_k cancels about
    // log10(ln(a_0/a_{N−1}) / Σ f) digits, which multiprecision affords, as in sampling_girsanov.hpp).
    using std::log;
    if (mutant != Mutant::f_quadratic) sum_f += log(a.front() / a.back());
  }
  p.steps = d * sum_f / (mutant == Mutant::steps_quarter ? 4 : 2);
  Real bracket = min_of(d, M / a[0]);
  for (std::size_t k = 1; k + 1 < a.size(); ++k) bracket += min_of(d, M / a[k]) * x[k - 1];
  Real weight = p.x_max;
  if (mutant == Mutant::x_min) {
    weight = x[0];
    for (std::size_t k = 1; k < x.size(); ++k) weight = min_of(weight, x[k]);
  }
  p.trace = mutant == Mutant::drop_trace ? Real(0) : Real(weight * bracket / 2);
  return p;
}

/// The trace part of the sharpening: ½ min{ x_max [min{d, V/a_0} + Σ_{k≥1} min{d, V/a_k} x_{k−1}],
/// w_0 U_0 + Σ_{k=1}^{K−1} (w_k − w_{k−1})⁺ U_k },  w_k = x_k/a_k, U_k = min{d a_k, V}, V ≥ sup T.
template <class Real>
Real trace_part_sharp(const std::vector<Real>& a, const Real& d, const Real& V,
                      const DiscretizationParts<Real>& parts_with_V) {
  const std::vector<Real> x = relative_steps(a);
  Real weighted = x[0] / a[0] * min_of(Real(d * a[0]), V);
  for (std::size_t k = 1; k + 1 < a.size(); ++k) {
    const Real dw = x[k] / a[k] - x[k - 1] / a[k - 1];
    weighted += max_of(Real(0), dw) * min_of(Real(d * a[k]), V);
  }
  return min_of(parts_with_V.trace, Real(weighted / 2));
}
template <class Real>
Real trace_part_sharp(const std::vector<Real>& a, const Real& d, const Real& V) {
  return trace_part_sharp(a, d, V, discretization(a, d, V));
}

/// E_D sharpened: ½ d Σ f(x_k) + trace_part_sharp with V = tr Cov X_0.
template <class Real>
Real discretization_sharp(const std::vector<Real>& a, const Real& d, const Real& V) {
  const auto p = discretization(a, d, V);
  return p.steps + trace_part_sharp(a, d, V, p);
}

// ---------------------------------------------------------------------------------------------
// The full right side (3)

template <class Real>
struct Terms {
  Real init;            ///< E_I = m₂²/(2 a_0)
  Real discretization;  ///< E_D of (2)
  Real score;           ///< E_S = ½ Σ_k Δ_k ε_k²
  DiscretizationParts<Real> parts;
  Real total() const { return init + discretization + score; }
};

/// (3) from the levels, d, m₂² and the score form F_S = Σ_k Δ_k ε_k².
template <class Real>
Terms<Real> bound(const std::vector<Real>& a, const Real& d, const Real& m2, const Real& score_form,
                  Mutant mutant = Mutant::none) {
  Terms<Real> t;
  t.init = m2 / (a.front() * (mutant == Mutant::init_quarter ? 4 : 2));
  t.parts = discretization(a, d, m2, mutant);
  t.discretization = t.parts.total();
  t.score = score_form / (mutant == Mutant::score_quarter ? 4 : 2);
  return t;
}

/// (3) for Gaussian data and the affine score model (ε_k² of PAPER §6.1's model).
template <class Real>
Terms<Real> gaussian_bound(const DiagonalGaussian<Real>& data, const std::vector<Real>& a,
                           const AffineScoreError<Real>& s, Mutant mutant = Mutant::none) {
  return bound(a, Real(data.dimension()), data.second_moment(), sampling_bound::gaussian_score_form(data, a, s),
               mutant);
}

/// tr Cov X_0 = Σ λ_i for Gaussian data (the centred second moment of the sharpening).
template <class Real>
Real centred_trace(const DiagonalGaussian<Real>& data) {
  Real s(0);
  for (const auto& m : data.modes) s += Real(m.multiplicity) * m.lambda;
  return s;
}

// ---------------------------------------------------------------------------------------------
// The corollary: the Benton-type form with explicit constants

/// C_2 = 2e²/(e² − 1) = c'(0): x_k ≤ c(κ)/(1 + c(κ)) ≤ C_2 κ.
template <class Real>
Real corollary_c2() {
  using std::exp;
  const Real e2 = exp(Real(2));
  return 2 * e2 / (e2 - 1);
}

/// C_1 = C_2²/4 = e⁴/(e² − 1)²: ½ g(c(κ)) ≤ C_1 κ², g(y) = ln(1 + y) − y/(1 + y).
template <class Real>
Real corollary_c1() {
  const Real c2 = corollary_c2<Real>();
  return c2 * c2 / 4;
}

/// c(κ) = e²(e^{2κ} − 1)/(e² − 1): under γ_k ≤ κ min{1, s_{k+1}}, Δ_k/a_{k+1} ≤ c(κ) for every κ > 0.
template <class Real>
Real step_ratio_bound(const Real& kappa) {
  using std::exp;
  using std::expm1;
  const Real e2 = exp(Real(2));
  return e2 * expm1(2 * kappa) / (e2 - 1);
}

template <class Real>
struct Corollary {
  Real kappa, L;
  /// Intermediate step of the proof: ½ d K g(c) + ½ ξ [d (1 + ξ + L) + m₂²/e], c = c(κ), ξ = c/(1 + c).
  Real intermediate;
  Real steps;  ///< C_1 d κ² K
  Real trace;  ///< C_2 κ [d (1 + L) + m₂²]
  Real total() const { return steps + trace; }
};

/// The corollary's right sides for a schedule's geometry (κ, K, L of sampling_bound::step_geometry).
template <class Real>
Corollary<Real> corollary(const sampling_bound::StepGeometry<Real>& g, const Real& d, const Real& m2) {
  using std::exp;
  using std::log1p;
  Corollary<Real> c;
  c.kappa = g.kappa;
  c.L = g.log_span;
  const Real K(g.steps);
  const Real cr = step_ratio_bound(g.kappa);
  const Real xi = cr / (1 + cr);
  const Real g_of_c = log1p(cr) - xi;  // g(c) = ln(1 + c) − c/(1 + c)
  c.intermediate = d * K * g_of_c / 2 + xi * (d * (1 + xi + g.log_span) + m2 / exp(Real(1))) / 2;
  c.steps = corollary_c1<Real>() * d * g.kappa * g.kappa * K;
  c.trace = corollary_c2<Real>() * g.kappa * (d * (1 + g.log_span) + m2);
  return c;
}

}  // namespace diffbound::sampling_bound_explicit
