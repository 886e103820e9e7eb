// The Girsanov right side of the exact-score VE sampler for an isotropic Gaussian mixture with one shared
// component variance, p₀ = Σ_j w_j N(m_j, v I_d), for sampling.dimension's non-product family.
//
// Fisher information. With V = v + a the noised law is Σ_j w_j N(m_j, V I), its score is
// s(x) = −(x − m̄_π(x))/V with m̄_π = Σ_j π_j(x) m_j, and the true component's score s_J = −(x − m_J)/V has
// E‖s_J‖² = d/V. Since s = E[s_J | X_a] (Pythagoras for a conditional expectation),
//     J(a) = E‖s(X_a)‖² = d/(v + a) − W(a),   W(a) = E[tr Cov_{π(X_a)}(m)]/(v + a)²,
// tr Cov_π(m) = ½ Σ_{i,l} π_i π_l ‖m_i − m_l‖² (Rao–Blackwellised over the component). The first part is the
// Gaussian N(·, v I) exactly; only W, which is ≥ 0 and carries the law's non-Gaussian (and non-product)
// part, is estimated by Monte Carlo: X_a = m_J + √(v + a) Z with the same (J, Z) at every a of a grid in ln a
// (common random numbers), so that ‖x − m_i‖² = ‖m_J − m_i‖² + 2√(v + a) (m_J − m_i)·Z + (v + a)‖Z‖² needs
// K dot products in d dimensions per draw and O(K²) per draw and level.
//
// Discretization term. For levels a_0 > … > a_{N−1}, Δ_k = a_k − a_{k+1} (PAPER §6.2, exact decomposition [D]):
//     ½ Σ_k ∫_{a_{k+1}}^{a_k} (J(a) − J(a_k)) da = ½ d Σ_k f(Δ_k/(v + a_k)) + ½ Σ_k ∫ (W(a_k) − W(a)) da,
// f(x) = −ln(1 − x) − x. The first sum is exact; in the second W is the piecewise-linear interpolant in ln a
// of the grid means, so the sum is Σ_g c_g W_g with coefficients from the schedule alone: its mean and its
// standard error (cᵀ Σ c over the draws, Σ the grid's sample covariance) follow for every schedule from the
// one table. The interpolation's error is estimated by the same sum on every second grid point.
#pragma once

#include "nongaussian_data.hpp"
#include "random.hpp"

#include <diffbound/theory/stable.hpp>

#include <boost/random/uniform_01.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace diffbound {

/// K components with means drawn from N(0, I_d) (one seed), equal weights and one variance v:
/// m₂² = E‖X₀‖² = (1/K) Σ_j ‖m_j‖² + d v, about d (1 + v).
inline IsoMixture random_means_mixture(int d, int components, double variance, std::uint64_t seed) {
  if (d < 1 || components < 1) throw std::invalid_argument("random_means_mixture: need d >= 1 and K >= 1");
  if (!(variance > 0)) throw std::invalid_argument("random_means_mixture: the variance must be positive");
  NormalSource normal(seed);
  IsoMixture law;
  law.d = d;
  for (int j = 0; j < components; ++j) {
    law.w.push_back(1.0 / components);
    std::vector<double> m(static_cast<std::size_t>(d));
    for (double& x : m) x = normal();
    law.m.push_back(std::move(m));
    law.v.push_back(variance);
  }
  law.validate();
  return law;
}

/// The table of W(a) on a uniform grid in ln a: J(a) = d Σ_j ω_j/(ν_j + a) − W(a), with the exact part's
/// components (ω_j, ν_j) = (1, v) for a shared-variance mixture, (w_j, v_j) for a scale mixture
/// (scale_mixture_fisher_table). W comes from Monte Carlo (draws > 0: the scatter gives its standard
/// errors) or from a deterministic quadrature (draws = 0: W_error bounds each grid value's error estimate).
struct MixtureFisherTable {
  int d = 0;
  std::vector<double> exact_w, exact_v;  ///< the exact part's components (ω_j, ν_j)
  double u0 = 0, h = 0;                  ///< grid: u_g = u0 + g h, g = 0 … G − 1 (u = ln a)
  std::vector<double> W;                 ///< grid means of W(a)
  std::vector<double> scatter;  ///< Monte Carlo: G × G sums of products of deviations from the mean (row-major)
  std::int64_t draws = 0;       ///< Monte Carlo draws; 0 for a quadrature table
  std::vector<double> W_error;  ///< quadrature: an estimate of |W_g − W(a_g)| (empty for Monte Carlo)

  std::size_t size() const { return W.size(); }
  double level(std::size_t g) const { return std::exp(u0 + h * static_cast<double>(g)); }
  /// Standard error of Σ_g c_g W_g (the mean over the draws).
  double standard_error(const std::vector<double>& c) const {
    if (draws < 2) return 0.0;
    const std::size_t G = size();
    double s = 0;
    for (std::size_t g = 0; g < G; ++g) {
      double row = 0;
      for (std::size_t l = 0; l < G; ++l) row += scatter[g * G + l] * c[l];
      s += c[g] * row;
    }
    const double n = static_cast<double>(draws);
    return std::sqrt(std::max(0.0, s) / (n * (n - 1)));
  }
  /// Standard error of W at grid point g.
  double standard_error_at(std::size_t g) const {
    if (draws < 2) return 0.0;
    const double n = static_cast<double>(draws);
    return std::sqrt(std::max(0.0, scatter[g * size() + g]) / (n * (n - 1)));
  }
  /// The exact part d Σ_j ω_j/(ν_j + a).
  double exact_fisher(double a) const {
    double s = 0;
    for (std::size_t j = 0; j < exact_w.size(); ++j) s += exact_w[j] / (exact_v[j] + a);
    return d * s;
  }
  /// J(a_g) = d Σ_j ω_j/(ν_j + a_g) − W_g.
  double fisher_at(std::size_t g) const { return exact_fisher(level(g)) - W[g]; }
};

/// Builds the table for a mixture with one shared variance on `points` levels from a_lo to a_hi (uniform in
/// ln a) from `draws` draws of (component, Z).
inline MixtureFisherTable mixture_fisher_table(const IsoMixture& law, double a_lo, double a_hi, int points,
                                               std::int64_t draws, std::uint64_t seed) {
  law.validate();
  for (double v : law.v)
    if (v != law.v.front()) throw std::invalid_argument("mixture_fisher_table: the components must share a variance");
  if (!(a_lo > 0 && a_lo < a_hi) || points < 3 || draws < 2)
    throw std::invalid_argument("mixture_fisher_table: need 0 < a_lo < a_hi, 3 grid points and 2 draws");
  const int d = law.d;
  const std::size_t K = law.size(), G = static_cast<std::size_t>(points);
  MixtureFisherTable t;
  t.d = d, t.exact_w = {1.0}, t.exact_v = {law.v.front()}, t.draws = draws;
  t.u0 = std::log(a_lo), t.h = (std::log(a_hi) - t.u0) / static_cast<double>(G - 1);
  std::vector<double> D(K * K), logw(K), cum(K);
  double sw = 0;
  for (std::size_t i = 0; i < K; ++i) {
    logw[i] = std::log(law.w[i]), sw += law.w[i], cum[i] = sw;
    for (std::size_t l = 0; l < K; ++l) {
      double s = 0;
      for (int k = 0; k < d; ++k) {
        const double x = law.m[i][static_cast<std::size_t>(k)] - law.m[l][static_cast<std::size_t>(k)];
        s += x * x;
      }
      D[i * K + l] = s;
    }
  }
  std::vector<double> sqrtV(G), invV(G);
  for (std::size_t g = 0; g < G; ++g) {
    const double V = law.v.front() + t.level(g);
    sqrtV[g] = std::sqrt(V), invV[g] = 1 / V;
  }
  NormalSource normal(seed);
  boost::random::uniform_01<double> uniform;
  std::vector<double> z(static_cast<std::size_t>(d)), P(K), lg(K), pi(K), w(G), first(G), sum(G, 0.0);
  t.scatter.assign(G * G, 0.0);
  for (std::int64_t n = 0; n < draws; ++n) {
    const double r = uniform(normal.engine());
    std::size_t j = 0;
    while (j + 1 < K && cum[j] < r) ++j;
    for (double& x : z) x = normal();
    for (std::size_t i = 0; i < K; ++i) {
      double s = 0;
      for (int k = 0; k < d; ++k)
        s += (law.m[j][static_cast<std::size_t>(k)] - law.m[i][static_cast<std::size_t>(k)]) *
             z[static_cast<std::size_t>(k)];
      P[i] = s;
    }
    for (std::size_t g = 0; g < G; ++g) {
      // log π_i up to a constant: log w_i − (‖m_J − m_i‖² + 2√V P_i)/(2V) (the ‖Z‖² part is common).
      double mx = -INFINITY;
      for (std::size_t i = 0; i < K; ++i) {
        lg[i] = logw[i] - (D[j * K + i] + 2 * sqrtV[g] * P[i]) * 0.5 * invV[g];
        mx = std::max(mx, lg[i]);
      }
      double z0 = 0;
      for (std::size_t i = 0; i < K; ++i) pi[i] = std::exp(lg[i] - mx), z0 += pi[i];
      double tr = 0;
      for (std::size_t i = 0; i < K; ++i) {
        double row = 0;
        for (std::size_t l = i + 1; l < K; ++l) row += pi[l] * D[i * K + l];
        tr += pi[i] * row;
      }
      w[g] = tr / (z0 * z0) * invV[g] * invV[g];  // ½ Σ_{i≠l} = Σ_{i<l}
    }
    // Sums of deviations from the first draw (a shift that keeps the scatter free of cancellation).
    if (n == 0) first = w;
    for (std::size_t g = 0; g < G; ++g) w[g] -= first[g], sum[g] += w[g];
    for (std::size_t g = 0; g < G; ++g) {
      if (w[g] == 0) continue;
      double* row = &t.scatter[g * G];
      for (std::size_t l = 0; l < G; ++l) row[l] += w[g] * w[l];
    }
  }
  const double nd = static_cast<double>(draws);
  t.W.resize(G);
  for (std::size_t g = 0; g < G; ++g) t.W[g] = first[g] + sum[g] / nd;
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t l = 0; l < G; ++l) t.scatter[g * G + l] -= sum[g] * sum[l] / nd;
  return t;
}

/// The table for a scale mixture p₀ = Σ_j w_j N(0, v_j I_d) (every mean 0, distinct variances): a law whose
/// KL does not split over directions, all d of them coupled through the radius, and whose non-Gaussian part
/// does not fade as d grows. The noised law is Σ_j w_j N(0, (v_j + a) I); the component's score
/// s_J = −x/(v_J + a) has E‖s_J‖² = Σ_j w_j d/(v_j + a) (the exact part), and since s = E[s_J | X_a],
///     W(a) = E‖s_J − s‖² = E[ ‖X_a‖² Var_{π(X_a)}(1/(v_J + a)) ],
/// with posterior weights π_j ∝ w_j (v_j + a)^{−d/2} exp(−‖x‖²/(2(v_j + a))) that depend on x through r² = ‖x‖²
/// only. Given J = k, r² = (v_k + a) Q with Q ~ χ²_d, so W(a) = Σ_k w_k E[(v_k + a) Q Var_π] is a 1-D integral:
/// the trapezoidal rule in u = ln Q (the density of u is smooth and decays like exp(−e^u/2) and exp(d u/2) at
/// its two ends, so the rule converges geometrically), on the range where the log-density is within 60 of its
/// peak, with `quad_points` points; W_error is max(|T_h − T_2h|, |T_2h − T_4h|) (the rule at every second and
/// every fourth point: the coarser pair bounds T_h's error once the rule converges, and keeps the estimate
/// honest before it does, where |T_h − T_2h| alone can fall short), plus e^{−60} × the peak's integrand × the
/// range for the cut tails. quad_points − 1 must be divisible by 4.
inline MixtureFisherTable scale_mixture_fisher_table(const IsoMixture& law, double a_lo, double a_hi, int points,
                                                     int quad_points = 2001) {
  law.validate();
  for (const auto& m : law.m)
    for (double x : m)
      if (x != 0) throw std::invalid_argument("scale_mixture_fisher_table: every mean must be 0");
  if (!(a_lo > 0 && a_lo < a_hi) || points < 3 || quad_points < 9 || (quad_points - 1) % 4 != 0)
    throw std::invalid_argument(
        "scale_mixture_fisher_table: need 0 < a_lo < a_hi, 3 grid points, quad_points >= 9 with quad_points - 1 "
        "divisible by 4");
  const std::size_t K = law.size(), G = static_cast<std::size_t>(points);
  const double d = law.d, half_d = 0.5 * d;
  MixtureFisherTable t;
  t.d = law.d, t.exact_w = law.w, t.exact_v = law.v, t.draws = 0;
  t.u0 = std::log(a_lo), t.h = (std::log(a_hi) - t.u0) / static_cast<double>(G - 1);
  // log density of u = ln Q, Q ~ χ²_d: (d/2) u − e^u/2 − (d/2) ln 2 − ln Γ(d/2); its peak is at u = ln d.
  const double norm = half_d * std::log(2.0) + std::lgamma(half_d);
  auto log_density = [&](double u) { return half_d * u - 0.5 * std::exp(u) - norm; };
  const double peak = std::log(d), top = log_density(peak), sd = std::sqrt(2.0 / d);
  double u_lo = peak, u_hi = peak;
  while (log_density(u_lo) > top - 60) u_lo -= sd;
  while (log_density(u_hi) > top - 60) u_hi += sd;
  const std::size_t Q = static_cast<std::size_t>(quad_points);
  const double hq = (u_hi - u_lo) / static_cast<double>(Q - 1);
  std::vector<double> qv(Q), dens(Q), lp(K);
  for (std::size_t i = 0; i < Q; ++i) {
    const double u = u_lo + hq * static_cast<double>(i);
    qv[i] = std::exp(u), dens[i] = std::exp(log_density(u));
  }
  t.W.assign(G, 0.0);
  t.W_error.assign(G, 0.0);
  for (std::size_t g = 0; g < G; ++g) {
    const double a = t.level(g);
    double fine = 0, coarse = 0, coarser = 0, biggest = 0;
    for (std::size_t k = 0; k < K; ++k) {
      for (std::size_t i = 0; i < Q; ++i) {
        const double r2 = (law.v[k] + a) * qv[i];
        double mx = -INFINITY;
        for (std::size_t j = 0; j < K; ++j) {
          const double V = law.v[j] + a;
          lp[j] = std::log(law.w[j]) - half_d * std::log(V) - 0.5 * r2 / V;
          mx = std::max(mx, lp[j]);
        }
        double z = 0, m1 = 0, m2 = 0;
        for (std::size_t j = 0; j < K; ++j) {
          const double p = std::exp(lp[j] - mx), inv = 1 / (law.v[j] + a);
          z += p, m1 += p * inv, m2 += p * inv * inv;
        }
        m1 /= z, m2 /= z;
        const double f = law.w[k] * r2 * std::max(0.0, m2 - m1 * m1) * dens[i];
        const double end = (i == 0 || i + 1 == Q) ? 0.5 : 1.0;
        fine += end * f;
        if (i % 2 == 0) coarse += end * f;
        if (i % 4 == 0) coarser += end * f;
        biggest = std::max(biggest, f);
      }
    }
    fine *= hq, coarse *= 2 * hq, coarser *= 4 * hq;
    t.W[g] = fine;
    t.W_error[g] =
        std::max(std::fabs(fine - coarse), std::fabs(coarse - coarser)) + std::exp(-60.0) * biggest * (u_hi - u_lo);
  }
  return t;
}

/// The discretization term of a schedule given step by step (decreasing levels), against a table.
class MixtureDiscretization {
 public:
  explicit MixtureDiscretization(const MixtureFisherTable& t)
      : t_(&t), S_(t.size() - 1, 0.0), edge_(t.size()), gauss_(t.exact_w.size(), 0.0) {
    for (std::size_t g = 0; g < edge_.size(); ++g) edge_[g] = t.level(g);
    cell_ = S_.size() - 1;
  }

  /// One step from a_hi = a_k down to a_lo = a_{k+1} (steps in decreasing order).
  void step(double a_hi, double a_lo) {
    const double x = (a_hi - a_lo) / a_hi;
    for (std::size_t j = 0; j < gauss_.size(); ++j)
      gauss_[j] += neg_log1m_minus_x((a_hi - a_lo) / (t_->exact_v[j] + a_hi));
    // ∫_{a_lo}^{a_hi} (W(a_hi) − W(a)) da for W piecewise linear in u = ln a: per cell g, the slope times
    // ∫ |[max(ln a, p), q]| da over the step, [p, q] = [ln a_lo, ln a_hi] ∩ cell g. Within one cell this is
    // a_lo (y − ln(1 + y)), y = Δ/a_lo, written through x = Δ/a_hi as a_lo (x²/(1 − x) − f(x)) (no cancellation).
    const std::size_t cells = S_.size();
    while (cell_ > 0 && a_hi < edge_[cell_]) --cell_;
    if (cell_ + 1 < cells && a_hi >= edge_[cell_ + 1]) cell_ = locate(a_hi);
    if (a_lo >= edge_[cell_] || cell_ == 0) {
      S_[cell_] += a_lo * (x * x / (1 - x) - neg_log1m_minus_x(x));
      return;
    }
    const double lo = std::log(a_lo), hi = std::log(a_hi);
    for (std::size_t g = locate(a_lo); g <= cell_; ++g) {
      const double p = std::max(lo, t_->u0 + t_->h * static_cast<double>(g));
      const double q = std::min(hi, t_->u0 + t_->h * static_cast<double>(g + 1));
      if (!(q > p)) continue;
      const double ep = std::exp(p), len = q - p;
      // (q − p)(e^p − a_lo) + e^p (e^{q−p} − 1 − (q − p))
      S_[g] += len * (ep - a_lo) + ep * (std::expm1(len) - len);
    }
  }

  struct Value {
    double gauss = 0;    ///< ½ d Σ_j ω_j Σ_k f(Δ_k/(ν_j + a_k)): the exact part (a Gaussian's, or their average)
    double mixture = 0;  ///< ½ Σ ∫ (W(a_k) − W(a)) da with the table's mean W
    double se = 0;       ///< standard error of `mixture` over the draws (0 for a quadrature table)
    double interpolation = 0;  ///< |mixture − the same on every second grid point|, plus Σ_g |c_g| W_error_g
    double total() const { return gauss + mixture; }
  };
  Value value() const {
    const std::size_t G = t_->size();
    std::vector<double> c(G, 0.0);
    for (std::size_t g = 0; g + 1 < G; ++g) {
      const double k = 0.5 * S_[g] / t_->h;
      c[g + 1] += k, c[g] -= k;
    }
    Value out;
    for (std::size_t j = 0; j < gauss_.size(); ++j) out.gauss += 0.5 * t_->d * t_->exact_w[j] * gauss_[j];
    for (std::size_t g = 0; g < G; ++g) out.mixture += c[g] * t_->W[g];
    out.se = t_->standard_error(c);
    double coarse = 0;
    for (std::size_t g = 0; g + 2 < G; g += 2)
      coarse += 0.5 * (S_[g] + S_[g + 1]) * (t_->W[g + 2] - t_->W[g]) / (2 * t_->h);
    if ((G - 1) % 2 == 1) coarse += 0.5 * S_[G - 2] * (t_->W[G - 1] - t_->W[G - 2]) / t_->h;
    out.interpolation = std::fabs(out.mixture - coarse);
    for (std::size_t g = 0; g < t_->W_error.size(); ++g) out.interpolation += std::fabs(c[g]) * t_->W_error[g];
    return out;
  }

 private:
  /// The cell [edge_g, edge_{g+1}) that holds a (clamped to the grid).
  std::size_t locate(double a) const {
    const auto it = std::upper_bound(edge_.begin(), edge_.end(), a);
    const auto g = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, (it - edge_.begin()) - 1));
    return std::min(g, S_.size() - 1);
  }
  const MixtureFisherTable* t_;
  std::vector<double> S_, edge_;  ///< per-cell sums; the grid's levels e^{u_g}
  std::size_t cell_ = 0;          ///< the cell of the last step's upper level
  std::vector<double> gauss_;     ///< per exact component: Σ_k f(Δ_k/(ν_j + a_k))
};

/// Calls f(a_k) for the levels a_k = σ_k² of the κ-minimal placement of n levels, in decreasing order, without
/// storing them: the same doubles as theory/sampling_bound.hpp's kappa_min_levels (squared).
template <class F>
void for_each_kappa_min_level(std::int64_t n, double sigma_min, double sigma_max, double kappa, F&& f) {
  double s = std::log1p(sigma_max * sigma_max) / 2;
  f(sigma_max * sigma_max);
  for (std::int64_t k = 1; k < n; ++k) {
    s = (s - kappa >= 1) ? s - kappa : s / (1 + kappa);
    const double sigma = k + 1 == n ? sigma_min : std::sqrt(std::expm1(2 * s));
    f(sigma * sigma);
  }
}

}  // namespace diffbound
