// Monte Carlo in d dimensions for sampling.nongaussian: the terms of the sampling bounds estimated along
// forward paths X_a = X_0 + W_a (W a Brownian motion in the variance a), and the stochastic sampler itself.
// Every estimate comes with its standard error over independent paths; seeds come from the case
// (numerics/random.hpp), so results do not depend on the thread count.
//
//   init       KL(p_{a_0} ‖ N(0, a_0 I)) = E[log p_{a_0}(X_{a_0}) − log φ_{a_0}(X_{a_0})]   (unbiased)
//   path       ½ Σ_k ∫_{a_{k+1}}^{a_k} E‖ŝ_k(X_{a_k}) − ∇log p_a(X_a)‖² da, ŝ_k = c ∇log p_{a_k},
//              Gauss–Legendre in ln a on every step, the integrand evaluated on the same path (the general
//              form of PAPER §6.2's right-hand side, no Gaussian structure used)
//   score      Σ_k Δ_k ε_k² with ε_k² = E‖ŝ_k − ∇log p_{a_k}‖²(X_{a_k}) = (1 − c)² E‖∇log p_{a_k}‖²
//   sampler    E‖Y_N‖² and E⟨Y_N, u⟩ of the exponential-integrator sampler run in full dimension
#pragma once

#include "nongaussian_data.hpp"
#include "random.hpp"

#include <boost/math/quadrature/gauss.hpp>
#include <boost/random/uniform_01.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <vector>

namespace diffbound {

/// A d-dimensional law with an exact noised score: an isotropic mixture, or d independent copies of a 1-D
/// mixture (a product law, e.g. d independent Student-t coordinates).
class DLaw {
 public:
  DLaw(IsoMixture law, bool product, int d) : law_(std::move(law)), product_(product), d_(product ? d : law_.d) {
    if (product_ && law_.d != 1) throw std::invalid_argument("DLaw: a product law needs a 1-D factor");
    cum_.resize(law_.size());
    double s = 0;
    for (std::size_t j = 0; j < law_.size(); ++j) s += law_.w[j], cum_[j] = s;
  }
  int dim() const { return d_; }
  double second_moment() const { return product_ ? d_ * law_.second_moment() : law_.second_moment(); }
  const IsoMixture& factor() const { return law_; }
  bool product() const { return product_; }

  void sample(Rng& rng, NormalSource& normal, double* x) const {
    boost::random::uniform_01<double> u;
    const int blocks = product_ ? d_ : 1, width = product_ ? 1 : d_;
    for (int b = 0; b < blocks; ++b) {
      const double r = u(rng);
      std::size_t j = 0;
      while (j + 1 < cum_.size() && cum_[j] < r) ++j;
      const double sd = std::sqrt(law_.v[j]);
      for (int i = 0; i < width; ++i) x[b * width + i] = law_.m[j][static_cast<std::size_t>(i)] + sd * normal();
    }
  }

  /// Evaluations at one noise level.
  class Level {
   public:
    Level(const DLaw& l, double a) : law_(&l), at_(l.law_, a) {}
    double log_density(const double* x) const {
      if (!law_->product_) return at_.log_density(x);
      double s = 0;
      for (int i = 0; i < law_->d_; ++i) s += at_.log_density_1d(x[i]);
      return s;
    }
    void score(const double* x, double* out) const {
      if (!law_->product_) return at_.score(x, out);
      double ds;
      for (int i = 0; i < law_->d_; ++i) at_.score_1d(x[i], out[i], ds);
    }

   private:
    const DLaw* law_;
    MixtureAtLevel at_;
  };

 private:
  IsoMixture law_;
  bool product_;
  int d_;
  std::vector<double> cum_;
};

/// Mean and standard error of a per-path quantity.
struct Estimate {
  double mean = 0, se = 0;
  std::int64_t n = 0;
};

class Accumulator {
 public:
  void add(double x) {
    ++n_;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (x - mean_);
  }
  Estimate get() const {
    return {mean_, n_ > 1 ? std::sqrt(m2_ / static_cast<double>(n_ - 1) / static_cast<double>(n_)) : INFINITY, n_};
  }

 private:
  std::int64_t n_ = 0;
  double mean_ = 0, m2_ = 0;
};

struct PathTerms {
  Estimate init;        ///< KL(p_{a_0} ‖ N(0, a_0 I))
  Estimate path;        ///< ½ Σ_k ∫ E‖ŝ_k − ∇log p_a‖² da
  Estimate score_form;  ///< Σ_k Δ_k ε_k²
  Estimate rhs;         ///< init + path, per path (its standard error includes their covariance)
};

/// The bound terms by Monte Carlo along `paths` forward paths, n_gl Gauss–Legendre nodes per step.
template <int NGL = 4>
PathTerms mc_path_terms(const DLaw& law, const std::vector<double>& a, double c, std::int64_t paths,
                        std::uint64_t seed) {
  using GL = boost::math::quadrature::gauss<double, NGL>;
  const int d = law.dim();
  const std::size_t n = a.size();
  // The points of a path, in increasing a: level k (index 0 is the largest level) and the GL nodes of step k.
  struct Point {
    double a;
    std::size_t step;  // step k for a node; level index for a level
    int node;          // −1 for a level
    double weight;     // ½ · GL weight · (half-length in ln a) · a
  };
  std::vector<Point> pts;
  for (std::size_t k = 0; k < n; ++k) pts.push_back({a[k], k, -1, 0});
  const auto& x = GL::abscissa();
  const auto& w = GL::weights();
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double lo = std::log(a[k + 1]), hi = std::log(a[k]), mid = (lo + hi) / 2, half = (hi - lo) / 2;
    auto add = [&](double t, double wt, int node) {
      const double av = std::exp(mid + half * t);
      pts.push_back({av, k, node, 0.5 * wt * half * av});
    };
    // Boost stores the non-negative abscissae; symmetric rule.
    int node = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == 0)
        add(0.0, w[i], node++);
      else
        add(x[i], w[i], node++), add(-x[i], w[i], node++);
    }
  }
  std::sort(pts.begin(), pts.end(), [](const Point& p, const Point& q) { return p.a < q.a; });
  std::vector<DLaw::Level> levels;
  levels.reserve(pts.size());
  for (const auto& p : pts) levels.emplace_back(law, p.a);
  std::vector<std::size_t> level_pos(n);
  for (std::size_t i = 0; i < pts.size(); ++i)
    if (pts[i].node < 0) level_pos[pts[i].step] = i;

  NormalSource normal(seed);
  Accumulator acc_init, acc_path, acc_score, acc_rhs;
  std::vector<double> X(pts.size() * static_cast<std::size_t>(d)), x0(d), s_level(static_cast<std::size_t>(d) * n),
      s(d);
  for (std::int64_t p = 0; p < paths; ++p) {
    law.sample(normal.engine(), normal, x0.data());
    double prev = 0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double sd = std::sqrt(pts[i].a - prev);
      for (int j = 0; j < d; ++j) {
        const double base = i == 0 ? x0[j] : X[(i - 1) * d + j];
        X[i * d + j] = base + sd * normal();
      }
      prev = pts[i].a;
    }
    // Scores at the levels.
    double score_sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = level_pos[k];
      levels[i].score(&X[i * d], &s_level[k * d]);
      if (k + 1 < n) {
        double nrm = 0;
        for (int j = 0; j < d; ++j) nrm += s_level[k * d + j] * s_level[k * d + j];
        score_sum += (a[k] - a[k + 1]) * (1 - c) * (1 - c) * nrm;
      }
    }
    // The path integrand at the nodes.
    double path = 0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (pts[i].node < 0) continue;
      levels[i].score(&X[i * d], s.data());
      const std::size_t k = pts[i].step;
      double e = 0;
      for (int j = 0; j < d; ++j) {
        const double diff = c * s_level[k * d + j] - s[j];
        e += diff * diff;
      }
      path += pts[i].weight * e;
    }
    // Initialization: log p_{a_0}(X) − log φ_{a_0}(X) at the largest level.
    const std::size_t i0 = level_pos[0];
    double r2 = 0;
    for (int j = 0; j < d; ++j) r2 += X[i0 * d + j] * X[i0 * d + j];
    const double log_pi = -0.5 * r2 / a[0] - 0.5 * d * std::log(2 * std::numbers::pi * a[0]);
    const double init = levels[i0].log_density(&X[i0 * d]) - log_pi;
    acc_init.add(init), acc_path.add(path), acc_score.add(score_sum), acc_rhs.add(init + path);
  }
  return {acc_init.get(), acc_path.get(), acc_score.get(), acc_rhs.get()};
}

/// KL(p_{a_0} ‖ N(0, a_0 I)) alone, by Monte Carlo.
inline Estimate mc_init_kl(const DLaw& law, double a0, std::int64_t paths, std::uint64_t seed) {
  const int d = law.dim();
  NormalSource normal(seed);
  const DLaw::Level L(law, a0);
  std::vector<double> x(d);
  Accumulator acc;
  const double sd = std::sqrt(a0);
  for (std::int64_t p = 0; p < paths; ++p) {
    law.sample(normal.engine(), normal, x.data());
    double r2 = 0;
    for (int j = 0; j < d; ++j) x[j] += sd * normal(), r2 += x[j] * x[j];
    acc.add(L.log_density(x.data()) + 0.5 * r2 / a0 + 0.5 * d * std::log(2 * std::numbers::pi * a0));
  }
  return acc.get();
}

struct SamplerMoments {
  Estimate second;  ///< E‖Y_N‖²
  Estimate along;   ///< E⟨Y_N, u⟩, u = (1, …, 1)/√d
};

/// Runs the exponential-integrator sampler with score c ∇log p_{a_k} in full dimension.
inline SamplerMoments mc_sampler(const DLaw& law, const std::vector<double>& a, double c, std::int64_t paths,
                                 std::uint64_t seed) {
  const int d = law.dim();
  NormalSource normal(seed);
  std::vector<DLaw::Level> levels;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) levels.emplace_back(law, a[k]);
  std::vector<double> y(d), s(d);
  Accumulator acc2, acc1;
  const double inv_sqrt_d = 1 / std::sqrt(static_cast<double>(d));
  for (std::int64_t p = 0; p < paths; ++p) {
    const double sd0 = std::sqrt(a[0]);
    for (int j = 0; j < d; ++j) y[j] = sd0 * normal();
    for (std::size_t k = 0; k + 1 < a.size(); ++k) {
      const double delta = a[k] - a[k + 1], sd = std::sqrt(delta);
      levels[k].score(y.data(), s.data());
      for (int j = 0; j < d; ++j) y[j] += delta * c * s[j] + sd * normal();
    }
    double r2 = 0, along = 0;
    for (int j = 0; j < d; ++j) r2 += y[j] * y[j], along += y[j];
    acc2.add(r2), acc1.add(along * inv_sqrt_d);
  }
  return {acc2.get(), acc1.get()};
}

}  // namespace diffbound
