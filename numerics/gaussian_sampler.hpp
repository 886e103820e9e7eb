// The exact Gaussian testbed of PAPER §6.1: for data N(μ, diag λ) and an affine score model, the law
// of the sampler after each step stays Gaussian and its mean and variance follow a scalar recursion
// per direction. O(N · modes) time, O(1) memory per direction.
//
// Exponential-integrator (EI) step, a_k = σ_k², Δ_k = a_k − a_{k+1} (PAPER §1.2; score_sde's
// ReverseDiffusionPredictor for VESDE):
//     Y_{k+1} = Y_k + Δ_k ŝ_k(Y_k) + sqrt(g_k) z_k,   g_k = Δ_k.
// Euler-ancestral step (k-diffusion sample_euler_ancestral with η = 1; score_sde's
// AncestralSamplingPredictor; STYLE.md §3): same drift, injected variance g_k = a_{k+1} Δ_k / a_k.
//
// With ŝ_k(y) = −c(y − μ)/(λ + a_k) + b, r_k = 1 − cΔ_k/(λ + a_k) and the centred mean m_k = E Y_k − μ:
//     m_{k+1} = r_k m_k + Δ_k b,        v_{k+1} = r_k² v_k + g_k,      m_0 = −μ, v_0 = a_0.
// The variance is carried as its excess over the true marginal, e_k = v_k − (λ + a_k):
//     e_{k+1} = r_k² e_k + (g_k − Δ_k) + 2(1 − c)Δ_k + c² Δ_k x_k,   x_k = Δ_k/(λ + a_k),  e_0 = −λ,
// an identity of the two recursions ([D], checked against the raw recursion in the tests) that keeps
// the digits of a KL of order N⁻² without cancellation.
#pragma once

#include <diffbound/theory/gaussian.hpp>
#include <diffbound/theory/scalar.hpp>
#include <diffbound/theory/stable.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace diffbound {

enum class StepKind { exponential_integrator, euler_ancestral };

inline const char* to_string(StepKind s) {
  return s == StepKind::exponential_integrator ? "exponential_integrator" : "euler_ancestral";
}

/// Law of the sampler's output along one direction: N(μ + mean_offset, true_variance + excess).
template <class Real>
struct ModeMoments {
  Real mean_offset;    ///< m_{N−1} = E Y − μ
  Real excess;         ///< e_{N−1} = Var Y − (λ + a_{N−1})
  Real true_variance;  ///< λ + a_{N−1}, the variance of the target p_δ along the direction
  Real variance() const { return true_variance + excess; }
};

/// Drift factor r_k and injected variance g_k of one step (shared drift, different noise).
template <class Real>
struct StepCoefficients {
  Real r;
  Real g;
};

/// r_k = 1 − cΔ_k/(λ + a_k) and g_k (Δ_k for the exponential integrator, a_{k+1}Δ_k/a_k for Euler-
/// ancestral) of one step a_k → a_{k+1} along a direction of variance λ (PAPER §6.1, [D✓]).
template <class Real>
StepCoefficients<Real> step_coefficients(StepKind kind, const Real& lambda, const Real& a_k, const Real& a_next,
                                         const Real& c) {
  const Real delta = a_k - a_next;
  const Real r = Real(1) - c * delta / (lambda + a_k);
  const Real g = kind == StepKind::exponential_integrator ? delta : a_next * delta / a_k;
  return {r, g};
}

/// The per-step numbers that do not depend on the direction, computed once for all directions:
/// Δ_k, bΔ_k, c²Δ_k and the constant part 2(1 − c)Δ_k + (g_k − Δ_k) of the excess update.
template <class Real>
struct StepTable {
  Real c;
  std::vector<Real> a, delta, b_delta, c2_delta, constant;

  StepTable(const std::vector<Real>& variances, const AffineScoreError<Real>& score, StepKind kind)
      : c(score.c), a(variances) {
    if (a.size() < 2) throw std::invalid_argument("sampler: need at least 2 noise levels");
    const std::size_t n = a.size() - 1;
    delta.resize(n), b_delta.resize(n), c2_delta.resize(n), constant.resize(n);
    const Real two_one_minus_c = 2 * (Real(1) - score.c);
    const Real c2 = score.c * score.c;
    for (std::size_t k = 0; k < n; ++k) {
      delta[k] = a[k] - a[k + 1];
      b_delta[k] = score.b * delta[k];
      c2_delta[k] = c2 * delta[k];
      constant[k] = two_one_minus_c * delta[k];
      if (kind == StepKind::euler_ancestral) constant[k] -= delta[k] * delta[k] / a[k];  // g − Δ = −Δ²/a_k
    }
  }
};

/// Runs the recursion for one direction (the hot loop: in-place operations only, so MPFR and MPFI
/// allocate nothing per step).
template <class Real>
ModeMoments<Real> final_moments(const GaussianMode<Real>& mode, const StepTable<Real>& st) {
  Real m = -mode.mu;
  Real e = -mode.lambda;
  Real x, r, t;
  const Real one(1), minus_c = -st.c;
  const std::size_t n = st.delta.size();
  if constexpr (std::is_same_v<Real, mpfr_real>) {
    // The same operations on the raw MPFR values, three-operand forms instead of copy-then-update (the
    // copies and Boost's operators were ~20 % of the profile, docs/PERFORMANCE.md).
    // Same operations, same precision, same rounding: the same bits (tests/test_fast_paths.cpp).
    auto p = [](Real& v) { return v.backend().data(); };
    auto q = [](const Real& v) { return v.backend().data(); };
    for (std::size_t k = 0; k < n; ++k) {
      mpfr_add(p(t), q(mode.lambda), q(st.a[k]), MPFR_RNDN);
      mpfr_div(p(x), q(st.delta[k]), p(t), MPFR_RNDN);
      mpfr_mul(p(r), q(minus_c), p(x), MPFR_RNDN);
      mpfr_add(p(r), p(r), q(one), MPFR_RNDN);
      mpfr_mul(p(m), p(m), p(r), MPFR_RNDN);
      mpfr_add(p(m), p(m), q(st.b_delta[k]), MPFR_RNDN);
      mpfr_mul(p(e), p(e), p(r), MPFR_RNDN);
      mpfr_mul(p(e), p(e), p(r), MPFR_RNDN);
      mpfr_mul(p(t), q(st.c2_delta[k]), p(x), MPFR_RNDN);
      mpfr_add(p(e), p(e), q(st.constant[k]), MPFR_RNDN);
      mpfr_add(p(e), p(e), p(t), MPFR_RNDN);
    }
    return {m, e, mode.lambda + st.a.back()};
  }
  for (std::size_t k = 0; k < n; ++k) {
    // x = Δ/(λ + a_k)
    t = mode.lambda;
    t += st.a[k];
    x = st.delta[k];
    x /= t;
    // r = 1 − c x
    r = minus_c;
    r *= x;
    r += one;
    // m ← r m + bΔ
    m *= r;
    m += st.b_delta[k];
    // e ← r² e + constant + c²Δ x
    e *= r;
    e *= r;
    t = st.c2_delta[k];
    t *= x;
    e += st.constant[k];
    e += t;
  }
  return {m, e, mode.lambda + st.a.back()};
}

namespace detail {

/// double: B directions at once, their steps interleaved. The recursions are independent chains of
/// dependent operations, so running B of them side by side lets the CPU overlap them (and the compiler
/// vectorise them) instead of waiting on each result; each direction sees exactly the operations of
/// final_moments above, in the same order, so the results are the same bits (tests/test_fast_paths.cpp).
template <std::size_t B>
void final_moments_block(const GaussianMode<double>* modes, const StepTable<double>& st, ModeMoments<double>* out) {
  double lam[B], m[B], e[B];
  for (std::size_t i = 0; i < B; ++i) lam[i] = modes[i].lambda, m[i] = -modes[i].mu, e[i] = -modes[i].lambda;
  const double one(1), minus_c = -st.c;
  const std::size_t n = st.delta.size();
  for (std::size_t k = 0; k < n; ++k) {
    const double ak = st.a[k], dk = st.delta[k], bdk = st.b_delta[k], c2dk = st.c2_delta[k], ck = st.constant[k];
    for (std::size_t i = 0; i < B; ++i) {
      double t = lam[i];
      t += ak;
      double x = dk;
      x /= t;
      double r = minus_c;
      r *= x;
      r += one;
      m[i] *= r;
      m[i] += bdk;
      e[i] *= r;
      e[i] *= r;
      t = c2dk;
      t *= x;
      e[i] += ck;
      e[i] += t;
    }
  }
  for (std::size_t i = 0; i < B; ++i) out[i] = {m[i], e[i], lam[i] + st.a.back()};
}

}  // namespace detail

/// Σ multiplicity · KL over the directions of `data` (in the order of data.modes).
template <class Real>
Real sum_mode_kl(const DiagonalGaussian<Real>& data, const StepTable<Real>& st);

/// Runs the recursion for one direction over the variances a_0 > … > a_{N−1}.
template <class Real>
ModeMoments<Real> final_moments(const GaussianMode<Real>& mode, const std::vector<Real>& a,
                                const AffineScoreError<Real>& score, StepKind kind) {
  return final_moments(mode, StepTable<Real>(a, score, kind));
}

/// KL(p_δ ‖ q) of one direction's final law, true marginal first.
template <class Real>
Real mode_kl(const ModeMoments<Real>& mm) {
  return kl_gaussian_1d_excess<Real>(mm.true_variance, mm.excess, mm.mean_offset);
}

/// KL(p_δ ‖ sampler output) for the whole data law: the exact measured error of PAPER §6.1.
template <class Real>
Real sampler_kl(const DiagonalGaussian<Real>& data, const std::vector<Real>& a, const AffineScoreError<Real>& score,
                StepKind kind = StepKind::exponential_integrator) {
  return sum_mode_kl(data, StepTable<Real>(a, score, kind));
}

template <class Real>
Real sum_mode_kl(const DiagonalGaussian<Real>& data, const StepTable<Real>& st) {
  Real total(0);
  std::size_t i = 0;
  const auto& modes = data.modes;
  if constexpr (std::is_same_v<Real, double>) {
    constexpr std::size_t B = 8;
    ModeMoments<double> mm[B];
    for (; i + B <= modes.size(); i += B) {
      detail::final_moments_block<B>(&modes[i], st, mm);
      for (std::size_t j = 0; j < B; ++j) total += Real(modes[i + j].multiplicity) * mode_kl(mm[j]);
    }
  }
  for (; i < modes.size(); ++i) total += Real(modes[i].multiplicity) * mode_kl(final_moments(modes[i], st));
  return total;
}

}  // namespace diffbound
