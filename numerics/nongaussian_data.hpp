// Data laws with only a finite second moment (PAPER §1.1), for sampling.nongaussian. All of them are
// isotropic Gaussian mixtures, p₀ = Σ_j w_j N(m_j, v_j I), so that the noised law under VE noise is the
// mixture with variances v_j + a and its score is exact:
//     ∇log p_a(x) = Σ_j π_j(x) (m_j − x)/(v_j + a),   π_j(x) ∝ w_j N(x; m_j, (v_j + a) I).
//
//   gaussian mixture   a finite mixture given by its components;
//   Student-t          t_ν with scale s, ν > 2 (finite variance s² ν/(ν − 2), heavy tails ~ |x|^(−ν−1)),
//                      as its Gaussian scale mixture X = s Z/√W, W ~ Gamma(ν/2, rate ν/2). In u = ln W the
//                      mixing integral ∫ g(e^u) e^u N(x; 0, s² e^(−u) + a) du has an integrand analytic in the
//                      strip |Im u| < π/2 (Re e^u > 0 keeps both factors bounded), so the trapezoidal rule
//                      with step h converges like exp(−π²/(2h)) relative to the integrand (strip π/4): the
//                      noised density and score of t_ν are, to that accuracy, a finite scale mixture with
//                      nodes u_j = u_lo + j h. tests/test_nongaussian.cpp checks the representation against
//                      Boost.Math adaptive quadrature of the defining convolution ∫ t_ν(y) φ_a(x − y) dy.
//                      In d dimensions the same construction gives the multivariate (elliptical) t.
#pragma once

#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

/// An isotropic Gaussian mixture in d dimensions: weights w_j (sum 1), means m_j (d numbers each), variances v_j.
struct IsoMixture {
  int d = 1;
  std::vector<double> w;
  std::vector<std::vector<double>> m;
  std::vector<double> v;
  /// When positive, the variance that sets the smallest feature width of the density, √(feature_variance + a)
  /// (a scale mixture is smoother than its narrowest component); otherwise the narrowest component's.
  double feature_variance = 0;

  std::size_t size() const { return w.size(); }
  /// m₂² = E‖X₀‖² = Σ_j w_j (‖m_j‖² + d v_j).
  double second_moment() const {
    double s = 0;
    for (std::size_t j = 0; j < size(); ++j) {
      double mm = 0;
      for (double x : m[j]) mm += x * x;
      s += w[j] * (mm + d * v[j]);
    }
    return s;
  }
  void validate() const {
    if (d < 1) throw std::invalid_argument("mixture: dimension must be at least 1");
    if (w.empty() || w.size() != m.size() || w.size() != v.size())
      throw std::invalid_argument("mixture: weights, means and variances must have the same non-zero length");
    double sw = 0;
    for (std::size_t j = 0; j < size(); ++j) {
      if (!(w[j] > 0) || !std::isfinite(w[j])) throw std::invalid_argument("mixture: weights must be positive");
      if (!(v[j] > 0) || !std::isfinite(v[j])) throw std::invalid_argument("mixture: variances must be positive");
      if (static_cast<int>(m[j].size()) != d) throw std::invalid_argument("mixture: a mean has the wrong dimension");
      sw += w[j];
    }
    if (std::fabs(sw - 1) > 1e-12) throw std::invalid_argument("mixture: weights must sum to 1");
  }
};

/// A 1-D mixture from weights, means and standard deviations.
inline IsoMixture mixture_1d(const std::vector<double>& w, const std::vector<double>& mean,
                             const std::vector<double>& sd) {
  IsoMixture law;
  law.d = 1;
  law.w = w;
  for (double x : mean) law.m.push_back({x});
  for (double s : sd) law.v.push_back(s * s);
  double sw = 0;
  for (double x : law.w) sw += x;
  for (double& x : law.w) x /= sw;
  law.validate();
  return law;
}

/// Two components with means ±mu·u, u = (1, …, 1)/√d, and variances v1, v2 (equal variances make the law
/// a 1-D mixture along u times N(0, v I) across it).
inline IsoMixture mixture_on_line(int d, double w1, double mu, double v1, double v2) {
  IsoMixture law;
  law.d = d;
  law.w = {w1, 1 - w1};
  const double c = mu / std::sqrt(static_cast<double>(d));
  law.m = {std::vector<double>(d, -c), std::vector<double>(d, c)};
  law.v = {v1, v2};
  law.validate();
  return law;
}

/// Student-t_ν with scale s (d = 1), or the d-dimensional elliptical t, as a Gaussian scale mixture on the
/// nodes u_j = u_lo + j h of u = ln W (trapezoidal rule; weights renormalised to sum 1).
inline IsoMixture student_t(double nu, double scale, int d = 1, double h = 0.2, double u_lo = -24.0) {
  if (!(nu > 2)) throw std::invalid_argument("student_t: nu must exceed 2 (finite variance)");
  if (!(scale > 0)) throw std::invalid_argument("student_t: scale must be positive");
  const double shape = nu / 2, rate = nu / 2;
  // Upper end: the Gamma density of W is below e^-60 of its peak beyond rate·w = 60 + shape·ln(...).
  const double u_hi = std::log((70.0 + shape * 4) / rate);
  const double log_norm = shape * std::log(rate) - std::lgamma(shape);
  IsoMixture law;
  law.d = d;
  double sw = 0;
  for (double u = u_lo; u <= u_hi; u += h) {
    // density of u = ln W: g(e^u) e^u = rate^shape/Γ(shape) e^{shape u} e^{-rate e^u}
    const double lw = log_norm + shape * u - rate * std::exp(u);
    const double wj = h * std::exp(lw);
    if (wj < 1e-300) continue;
    law.w.push_back(wj);
    law.m.push_back(std::vector<double>(d, 0.0));
    law.v.push_back(scale * scale * std::exp(-u));
    sw += wj;
  }
  for (double& x : law.w) x /= sw;
  // log t_ν has curvature (ν + 1)/(ν s²) at 0, the narrowest feature of the density: half of that width.
  law.feature_variance = 0.5 * scale * scale * nu / (nu + 1);
  law.validate();
  return law;
}

/// Exact second moment of t_ν with scale s in d dimensions: d s² ν/(ν − 2).
inline double student_t_second_moment(double nu, double scale, int d = 1) { return d * scale * scale * nu / (nu - 2); }

/// The law at noise level a, prepared for fast evaluation (1-D or d-D).
class MixtureAtLevel {
 public:
  MixtureAtLevel(const IsoMixture& law, double a) : law_(&law), a_(a) {
    const std::size_t k = law.size();
    inv_v_.resize(k), log_c_.resize(k);
    for (std::size_t j = 0; j < k; ++j) {
      const double V = law.v[j] + a;
      inv_v_[j] = 1 / V;
      log_c_[j] = std::log(law.w[j]) - 0.5 * law.d * std::log(2 * std::numbers::pi * V);
    }
    buf_.resize(k);
  }
  double level() const { return a_; }

  /// log p_a(x) in 1-D.
  double log_density_1d(double x) const {
    double mx = -INFINITY;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      const double dx = x - law_->m[j][0];
      buf_[j] = log_c_[j] - 0.5 * dx * dx * inv_v_[j];
      mx = std::max(mx, buf_[j]);
    }
    double s = 0;
    for (double l : buf_) s += std::exp(l - mx);
    return mx + std::log(s);
  }
  /// log p_a(x) − log N(x; 0, a) in 1-D without cancellation: per component the log ratio
  /// δ_j = −½ ln(1 + v_j/a) + (x² v_j + 2 a x m_j − a m_j²)/(2a(v_j + a)) is formed directly, and
  /// ln Σ w_j e^{δ_j} = ln(1 + Σ w_j expm1(δ_j)) when the δ_j are small (log-sum-exp otherwise).
  double log_ratio_to_prior_1d(double x) const { return log_ratio_to_prior(&x); }
  /// Score s(x) and its derivative s'(x) in 1-D: s = Σ π_j ℓ_j', s' = −Σ π_j/V_j + Var_π(ℓ').
  void score_1d(double x, double& s, double& ds) const {
    double mx = -INFINITY;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      const double dx = x - law_->m[j][0];
      buf_[j] = log_c_[j] - 0.5 * dx * dx * inv_v_[j];
      mx = std::max(mx, buf_[j]);
    }
    double z = 0, s1 = 0, s2 = 0, sv = 0;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      const double p = std::exp(buf_[j] - mx);
      const double l1 = -(x - law_->m[j][0]) * inv_v_[j];
      z += p, s1 += p * l1, s2 += p * l1 * l1, sv += p * inv_v_[j];
    }
    s = s1 / z;
    ds = -sv / z + s2 / z - s * s;
  }
  /// log p_a(x) in d dimensions.
  double log_density(const double* x) const {
    double mx = -INFINITY;
    const int d = law_->d;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      double r2 = 0;
      for (int i = 0; i < d; ++i) {
        const double dx = x[i] - law_->m[j][static_cast<std::size_t>(i)];
        r2 += dx * dx;
      }
      buf_[j] = log_c_[j] - 0.5 * r2 * inv_v_[j];
      mx = std::max(mx, buf_[j]);
    }
    double s = 0;
    for (double l : buf_) s += std::exp(l - mx);
    return mx + std::log(s);
  }
  /// log p_a(x) − log N(x; 0, a I) in d dimensions without cancellation: per component
  /// δ_j = −(d/2) ln(1 + v_j/a) + (‖x‖² v_j + 2a x·m_j − a‖m_j‖²)/(2a(v_j + a)), and ln Σ w_j e^{δ_j} formed as
  /// ln(1 + Σ w_j expm1(δ_j)) when the δ_j are small (log-sum-exp otherwise).
  double log_ratio_to_prior(const double* x) const {
    const double a = a_;
    const int d = law_->d;
    double mx = -INFINITY;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      const double v = law_->v[j];
      double xx = 0, xm = 0, mm = 0;
      for (int i = 0; i < d; ++i) {
        const double mi = law_->m[j][static_cast<std::size_t>(i)];
        xx += x[i] * x[i], xm += x[i] * mi, mm += mi * mi;
      }
      buf_[j] = -0.5 * d * std::log1p(v / a) + (xx * v + 2 * a * xm - a * mm) / (2 * a * (v + a));
      mx = std::max(mx, buf_[j]);
    }
    // Near 0 (|δ| < 1) the expm1 form keeps the digits of a small log ratio; far below 0 it would round
    // Σ w_j expm1(δ_j) to −1 and return −∞ (δ ≈ −450 between two modes ±3 at a = 0.01), where the
    // log-sum-exp form below is exact and cancels nothing.
    if (mx < 1 && mx > -1) {
      double s = 0;
      for (std::size_t j = 0; j < inv_v_.size(); ++j) s += law_->w[j] * std::expm1(buf_[j]);
      return std::log1p(s);
    }
    double s = 0;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) s += law_->w[j] * std::exp(buf_[j] - mx);
    return mx + std::log(s);
  }
  /// Score ∇log p_a(x) in d dimensions, written to out (d numbers).
  void score(const double* x, double* out) const {
    const int d = law_->d;
    double mx = -INFINITY;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      double r2 = 0;
      for (int i = 0; i < d; ++i) {
        const double dx = x[i] - law_->m[j][static_cast<std::size_t>(i)];
        r2 += dx * dx;
      }
      buf_[j] = log_c_[j] - 0.5 * r2 * inv_v_[j];
      mx = std::max(mx, buf_[j]);
    }
    double z = 0;
    for (double& l : buf_) l = std::exp(l - mx), z += l;
    for (int i = 0; i < d; ++i) out[i] = 0;
    for (std::size_t j = 0; j < inv_v_.size(); ++j) {
      const double p = buf_[j] / z * inv_v_[j];
      for (int i = 0; i < d; ++i) out[i] += p * (law_->m[j][static_cast<std::size_t>(i)] - x[i]);
    }
  }

 private:
  const IsoMixture* law_;
  double a_;
  std::vector<double> inv_v_, log_c_;
  mutable std::vector<double> buf_;  // per-call scratch: one MixtureAtLevel per thread
};

}  // namespace diffbound
