// The law of the 1-D exponential-integrator sampler, propagated as a density on a grid, for data whose
// noised score is known exactly (isotropic mixtures of numerics/nongaussian_data.hpp), and the
// quadratures that the bounds need (initialization KL, Fisher information J(a)).
//
// One step (PAPER §1.2) is a deterministic map followed by a Gaussian convolution:
//     Y_{k+1} = T_k(Y_k) + √Δ_k Z,   T_k(x) = x + Δ_k ŝ_k(x),   ŝ_k = c ∇log p_{a_k},
//     q_{k+1}(y) = ∫ q_k(x) φ_{Δ_k}(y − T_k(x)) dx.
// The density lives on a uniform grid per level (spacing h_k = smallest feature of the law at a_k over
// r_feature, range = where the true marginal or the pushed-forward sampler mass is above a tail
// tolerance). Two quadratures of the convolution, chosen per step:
//   kernel regime  (√Δ_k/max T' ≥ r_kernel h_k): the trapezoidal rule over the source grid,
//                  q_{k+1}(y) = h Σ_i q_k(x_i) φ_Δ(y − T(x_i)) — spectrally accurate for a resolved
//                  analytic integrand, no interpolation;
//   narrow regime  (otherwise): Gauss–Hermite in the noise, q_{k+1}(y) = Σ_m ω_m q̃(y + √Δ ξ_m), with the
//                  pushed-forward density q̃(T(x_i)) = q_k(x_i)/T'(x_i) interpolated (Lagrange, order p)
//                  on the pushed nodes T(x_i).
// The KL(p_δ ‖ q_N) is the trapezoidal rule of p_δ log(p_δ/q_N) on the final grid. The error estimate is
// the difference between two resolutions (checks/sampling_nongaussian.cpp).
#pragma once

#include "nongaussian_data.hpp"

#include <Eigen/Dense>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/special_functions/erf.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace diffbound {

struct GridOptions {
  double r_feature = 16;  ///< grid points per smallest feature width
  double r_kernel = 2;    ///< kernel regime when the kernel spans this many source spacings
  int lagrange = 8;       ///< interpolation order (points) in the narrow regime
  int hermite = 12;       ///< Gauss–Hermite nodes in the narrow regime
  double tail = 1e-13;    ///< tail mass left outside the grid
  std::size_t max_points = 4000000;

  /// The refined resolution used for the error estimate.
  GridOptions refined() const {
    GridOptions o = *this;
    o.r_feature *= 1.5, o.lagrange += 2, o.hermite += 4, o.tail *= 1e-1;
    return o;
  }
};

/// Gauss–Hermite nodes and weights for ∫ φ(ξ) f(ξ) dξ (standard normal weight), Golub–Welsch.
inline void gauss_hermite_normal(int n, std::vector<double>& x, std::vector<double>& w) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int i = 1; i < n; ++i) J(i, i - 1) = J(i - 1, i) = std::sqrt(static_cast<double>(i));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  x.resize(n), w.resize(n);
  for (int i = 0; i < n; ++i) {
    x[i] = es.eigenvalues()(i);
    const double v0 = es.eigenvectors()(0, i);
    w[i] = v0 * v0;  // the probabilists' Hermite weight has total mass 1
  }
}

/// Range [lo, hi] outside which the mixture at level a has at most `tail` mass (1-D).
inline std::pair<double, double> mixture_range(const IsoMixture& law, double a, double tail) {
  auto cdf_below = [&](double x) {
    double s = 0;
    for (std::size_t j = 0; j < law.size(); ++j)
      s += law.w[j] * 0.5 * boost::math::erfc(-(x - law.m[j][0]) / std::sqrt(2 * (law.v[j] + a)));
    return s;
  };
  double lo = 0, hi = 0, spread = 0;
  for (std::size_t j = 0; j < law.size(); ++j) {
    lo = std::min(lo, law.m[j][0]), hi = std::max(hi, law.m[j][0]);
    spread = std::max(spread, std::sqrt(law.v[j] + a));
  }
  // Bisection for the two quantiles (the CDF is increasing).
  auto quantile = [&](double target) {
    double l = lo - 40 * spread, u = hi + 40 * spread;
    for (int it = 0; it < 200 && u - l > 1e-12 * (1 + std::fabs(l) + std::fabs(u)); ++it) {
      const double mid = (l + u) / 2;
      (cdf_below(mid) < target ? l : u) = mid;
    }
    return (l + u) / 2;
  };
  return {quantile(tail / 2), quantile(1 - tail / 2)};
}

/// The smallest feature width of the law at level a: √(v + a) for the narrowest component with a weight
/// above 1e-9 of the largest.
inline double feature_width(const IsoMixture& law, double a) {
  if (law.feature_variance > 0) return std::sqrt(law.feature_variance + a);
  const double wmax = *std::max_element(law.w.begin(), law.w.end());
  double v = INFINITY;
  for (std::size_t j = 0; j < law.size(); ++j)
    if (law.w[j] >= 1e-9 * wmax) v = std::min(v, law.v[j]);
  return std::sqrt(v + a);
}

struct UniformGrid {
  double x0 = 0, h = 1;
  std::vector<double> q;
  double x(std::size_t i) const { return x0 + h * static_cast<double>(i); }
  std::size_t size() const { return q.size(); }
};

/// A uniform grid on [lo, hi] with step at most h (both ends included); throws beyond max_points.
inline UniformGrid make_grid(double lo, double hi, double h, std::size_t max_points) {
  UniformGrid g;
  const double n = std::ceil((hi - lo) / h) + 1;
  if (!(n <= static_cast<double>(max_points)))
    throw std::runtime_error("density grid: " + std::to_string(n) + " points exceed the limit");
  g.h = (hi - lo) / (n - 1);
  g.x0 = lo;
  g.q.assign(static_cast<std::size_t>(n), 0.0);
  return g;
}

struct PropagationResult {
  double kl = 0;                ///< KL(p_δ ‖ q_N)
  double mass = 0;              ///< ∫ q_N (1 up to the tail tolerance and the quadrature error)
  double mean = 0, second = 0;  ///< E Y_N and E Y_N² under q_N (for Monte Carlo comparisons)
  double skipped_mass = 0;      ///< p_δ-mass where q_N underflowed (excluded from the KL sum)
  std::size_t max_points = 0;
  int kernel_steps = 0, narrow_steps = 0, resampled_steps = 0;
  int folded_steps = 0;    ///< steps whose map folds (model scores only; always in the kernel regime)
  UniformGrid final_grid;  ///< q_N on the final grid (the sampler's law)
};

/// The grid refined by an integer factor, values by local Lagrange interpolation on the uniform nodes
/// (order p; the barycentric weights of uniform nodes are (−1)^r C(p − 1, r)).
inline UniformGrid refine_grid(const UniformGrid& g, int factor, int p, std::size_t max_points) {
  if (factor <= 1) return g;
  UniformGrid f;
  f.x0 = g.x0;
  f.h = g.h / factor;
  const std::size_t n = (g.size() - 1) * static_cast<std::size_t>(factor) + 1;
  if (n > max_points) throw std::runtime_error("density grid: refinement exceeds the point limit");
  f.q.resize(n);
  std::vector<double> w(static_cast<std::size_t>(p));
  double binom = 1;
  for (int r = 0; r < p; ++r) {
    w[static_cast<std::size_t>(r)] = (r % 2 ? -1.0 : 1.0) * binom;
    binom = binom * (p - 1 - r) / (r + 1);
  }
  const std::ptrdiff_t M = static_cast<std::ptrdiff_t>(g.size());
  for (std::size_t j = 0; j < n; ++j) {
    if (j % static_cast<std::size_t>(factor) == 0) {
      f.q[j] = g.q[j / static_cast<std::size_t>(factor)];
      continue;
    }
    const double u = static_cast<double>(j) / factor;  // position in source index units
    const std::ptrdiff_t s0 =
        std::clamp<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(std::floor(u)) - (p / 2 - 1), 0, M - p);
    double num = 0, den = 0;
    for (int r = 0; r < p; ++r) {
      const double t = w[static_cast<std::size_t>(r)] / (u - static_cast<double>(s0 + r));
      num += t * g.q[static_cast<std::size_t>(s0 + r)], den += t;
    }
    f.q[j] = std::max(0.0, num / den);
  }
  return f;
}

/// Propagates the sampler with an arbitrary score model through the variances a_0 > … > a_{N−1}, started
/// at N(0, a_0), and returns KL(p_{a_{N−1}} ‖ q_N) with diagnostics (1-D laws only; `law` is the data law
/// the KL is measured against and that sets the grids). `score(k, x, s, ds)` fills s[i] = ŝ_k(x[i]) for
/// the grid points x (ascending) at step k and either fills ds[i] = ŝ_k'(x[i]) or leaves ds empty; then
/// T'_k is taken from central differences of the pushed nodes T_k(x_i) (second order; for score models
/// that are only piecewise smooth, such as a ReLU network).
template <class ScoreFn>
PropagationResult propagate_kl_model(const IsoMixture& law, const std::vector<double>& a, ScoreFn&& score,
                                     const GridOptions& opt = {}) {
  if (law.d != 1) throw std::invalid_argument("propagate_kl: 1-D laws only");
  if (a.size() < 2) throw std::invalid_argument("propagate_kl: need at least 2 levels");
  PropagationResult res;
  std::vector<double> gh_x, gh_w;
  gauss_hermite_normal(opt.hermite, gh_x, gh_w);

  // q_0 = N(0, a_0) on a grid covering it and p_{a_0}.
  auto [plo, phi] = mixture_range(law, a[0], opt.tail);
  const double sd0 = std::sqrt(a[0]);
  const double zq = std::sqrt(2.0) * boost::math::erfc_inv(opt.tail);  // two-sided tail quantile of N(0, 1)
  UniformGrid g = make_grid(std::min(plo, -zq * sd0), std::max(phi, zq * sd0), feature_width(law, a[0]) / opt.r_feature,
                            opt.max_points);
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double x = g.x(i);
    g.q[i] = std::exp(-0.5 * x * x / a[0]) / std::sqrt(2 * std::numbers::pi * a[0]);
  }
  res.max_points = g.size();

  std::vector<double> z, tp, qt, bw, xs, sv, dsv;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const double delta = a[k] - a[k + 1], sd = std::sqrt(delta);
    double tp_min = INFINITY, tp_max = 0, qmax = 0;
    bool folds = false;
    auto map_grid = [&] {
      const std::size_t M = g.size();
      z.resize(M), tp.resize(M), xs.resize(M), sv.resize(M);
      tp_min = INFINITY, tp_max = 0, qmax = 0;
      for (std::size_t i = 0; i < M; ++i) xs[i] = g.x(i);
      dsv.clear();
      score(k, xs, sv, dsv);
      for (std::size_t i = 0; i < M; ++i) z[i] = xs[i] + delta * sv[i];
      for (std::size_t i = 0; i < M; ++i) {
        if (!dsv.empty())
          tp[i] = 1 + delta * dsv[i];
        else if (M < 2)
          tp[i] = 1;
        else if (i == 0)
          tp[i] = (z[1] - z[0]) / g.h;
        else if (i + 1 == M)
          tp[i] = (z[M - 1] - z[M - 2]) / g.h;
        else
          tp[i] = (z[i + 1] - z[i - 1]) / (2 * g.h);
        const bool monotone = tp[i] > 0 && (!dsv.empty() || i == 0 || z[i] > z[i - 1]);
        if (!monotone) {
          // A score model without a derivative (dsv empty) may fold the map; the kernel regime's trapezoidal
          // rule does not need a monotone map, so such steps are forced into it (below). An analytic score
          // whose map folds is a score error too large for this sampler: an error, as before.
          if (!dsv.empty())
            throw std::runtime_error(
                "propagate_kl: the step map is not monotone (T' <= 0); the score error is too large");
          folds = true;
        }
        tp_min = std::min(tp_min, std::fabs(tp[i])), tp_max = std::max(tp_max, std::fabs(tp[i]));
        qmax = std::max(qmax, g.q[i]);
      }
    };
    map_grid();
    if (folds && sd / tp_max < opt.r_kernel * g.h) {
      // Folding map: refine q_k until the kernel regime applies everywhere.
      const double factor = std::ceil(opt.r_kernel * g.h * tp_max / sd);
      if (!(factor * static_cast<double>(g.size()) <= static_cast<double>(opt.max_points)))
        throw std::runtime_error("propagate_kl: the step map folds (T' <= 0) too steeply for the grid (|T'| up to " +
                                 std::to_string(tp_max) + ")");
      g = refine_grid(g, static_cast<int>(factor), opt.lagrange, opt.max_points);
      folds = false;
      map_grid();
      ++res.resampled_steps;
    }
    // Neither quadrature is safe when the kernel is narrower than the source spacing where the map stretches
    // (T' large) but wider than the squeezed features where it contracts (T' small): then resample q_k on a
    // finer grid (uniform-node Lagrange) so that the kernel regime applies.
    if (!folds && sd / tp_max < opt.r_kernel * g.h && sd > opt.r_kernel * g.h * tp_min * opt.r_feature / 16) {
      const double factor = std::ceil(opt.r_kernel * g.h * tp_max / sd);
      g = refine_grid(g, static_cast<int>(factor), opt.lagrange, opt.max_points);
      map_grid();
      ++res.resampled_steps;
    }
    const std::size_t M = g.size();
    // Support of the pushed-forward mass, widened by the kernel.
    std::size_t first = 0, last = M - 1;
    while (first < M && g.q[first] < opt.tail * qmax) ++first;
    while (last > first && g.q[last] < opt.tail * qmax) --last;
    const double kq = zq * sd;
    auto [lo, hi] = mixture_range(law, a[k + 1], opt.tail);
    if (!folds) {
      lo = std::min(lo, z[first] - kq), hi = std::max(hi, z[last] + kq);
    } else {
      for (std::size_t i = first; i <= last; ++i) lo = std::min(lo, z[i] - kq), hi = std::max(hi, z[i] + kq);
    }
    UniformGrid next = make_grid(lo, hi, feature_width(law, a[k + 1]) / opt.r_feature, opt.max_points);
    res.max_points = std::max(res.max_points, next.size());

    if (folds && !(sd / tp_max >= opt.r_kernel * g.h))
      throw std::runtime_error(
          "propagate_kl: the step map folds (T' <= 0) and the kernel is not resolved after refinement");
    if (folds) ++res.folded_steps;
    if (sd / tp_max >= opt.r_kernel * g.h) {
      // Kernel regime: trapezoidal rule over the source grid, q_{k+1}(y_j) = h Σ_i q_k(x_i) φ_Δ(y_j − z_i),
      // summed source by source over the targets within 9.5 √Δ of z_i (the same pairs for folding maps,
      // no ordering needed). Along a uniform target grid the Gaussian factors follow from two products per
      // target, E_{j+1} = E_j A_j, A_{j+1} = A_j B (A_j = e^{−(2 t_j h + h²)/(2Δ)}, B = e^{−h²/Δ}), restarted
      // from exp every 16 targets (relative error ~ 16² × 1e-16) instead of one exp per pair.
      ++res.kernel_steps;
      const double norm = g.h / (std::sqrt(2 * std::numbers::pi) * sd), reach = 9.5 * sd;
      const double cc = 0.5 / delta, hn = next.h;
      const double B = std::exp(-2 * cc * hn * hn);
      constexpr std::ptrdiff_t kRestart = 16;
      const auto j_last = static_cast<std::ptrdiff_t>(next.size()) - 1;
      std::fill(next.q.begin(), next.q.end(), 0.0);
      for (std::size_t i = 0; i < M; ++i) {
        const double qi = g.q[i];
        if (qi == 0) continue;
        const double zi = z[i];
        const auto jlo =
            std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(std::ceil((zi - reach - next.x0) / hn)));
        const auto jhi =
            std::min<std::ptrdiff_t>(j_last, static_cast<std::ptrdiff_t>(std::floor((zi + reach - next.x0) / hn)));
        if (jlo > jhi) continue;
        double* out = next.q.data();
        for (std::ptrdiff_t j0 = jlo; j0 <= jhi; j0 += kRestart) {
          // restarted from exp every kRestart targets: the products' rounding grows like (length)², so
          // short runs keep it at ~kRestart² × 1e-16
          const double t0 = next.x(static_cast<std::size_t>(j0)) - zi;
          double E = qi * std::exp(-cc * t0 * t0), A = std::exp(-cc * (2 * t0 * hn + hn * hn));
          const std::ptrdiff_t j1 = std::min(jhi, j0 + kRestart - 1);
          for (std::ptrdiff_t j = j0; j <= j1; ++j) {
            out[j] += E;
            E *= A, A *= B;
          }
        }
      }
      for (double& v : next.q) v *= norm;
    } else {
      // Narrow regime: Gauss–Hermite in the noise on the interpolated pushed-forward density (barycentric
      // Lagrange on the p pushed nodes around each point; the weights of every window computed once).
      ++res.narrow_steps;
      qt.resize(M);
      for (std::size_t i = 0; i < M; ++i) qt[i] = g.q[i] / tp[i];
      const int p = opt.lagrange;
      const std::size_t windows = M - static_cast<std::size_t>(p) + 1;
      bw.resize(windows * static_cast<std::size_t>(p));
      for (std::size_t s0 = 0; s0 < windows; ++s0)
        for (int r = 0; r < p; ++r) {
          double prod = 1;
          for (int t = 0; t < p; ++t)
            if (t != r) prod *= z[s0 + static_cast<std::size_t>(r)] - z[s0 + static_cast<std::size_t>(t)];
          bw[s0 * static_cast<std::size_t>(p) + static_cast<std::size_t>(r)] = 1 / prod;
        }
      std::fill(next.q.begin(), next.q.end(), 0.0);
      for (std::size_t m = 0; m < gh_x.size(); ++m) {
        std::size_t pos = 0;  // z[pos] <= e < z[pos + 1], monotone in j
        for (std::size_t j = 0; j < next.size(); ++j) {
          const double e = next.x(j) + sd * gh_x[m];
          if (e <= z.front() || e >= z.back()) continue;
          while (pos + 1 < M && z[pos + 1] <= e) ++pos;
          const std::size_t s0 = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(
              static_cast<std::ptrdiff_t>(pos) - (p / 2 - 1), 0, static_cast<std::ptrdiff_t>(windows) - 1));
          double num = 0, den = 0, val = 0;
          bool exact = false;
          for (int r = 0; r < p; ++r) {
            const std::size_t i = s0 + static_cast<std::size_t>(r);
            const double diff = e - z[i];
            if (diff == 0) {
              val = qt[i], exact = true;
              break;
            }
            const double t = bw[s0 * static_cast<std::size_t>(p) + static_cast<std::size_t>(r)] / diff;
            num += t * qt[i], den += t;
          }
          next.q[j] += gh_w[m] * (exact ? val : num / den);
        }
      }
      for (double& x : next.q) x = std::max(x, 0.0);  // interpolation undershoot in the far tail
    }
    g = std::move(next);
  }

  // KL(p_δ ‖ q_N) by the trapezoidal rule on the final grid (p_δ covered up to the tail tolerance). Where
  // the propagated density has underflowed to 0 (the far tails, beyond the pushed-forward support) the
  // points are skipped and their p_δ-mass is reported (res.skipped_mass) for the error estimate.
  const MixtureAtLevel P(law, a.back());
  double kl = 0, mass = 0, mean = 0, second = 0, skipped = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double x = g.x(i);
    mass += g.q[i], mean += x * g.q[i], second += x * x * g.q[i];
    const double lp = P.log_density_1d(x);
    const double p = std::exp(lp);
    if (p <= 0) continue;
    if (!(g.q[i] > 1e-300)) {
      skipped += p;
      continue;
    }
    kl += p * (lp - std::log(g.q[i]));
  }
  res.kl = kl * g.h;
  res.skipped_mass = skipped * g.h;
  if (res.skipped_mass > 1e-8)
    throw std::runtime_error("propagate_kl: the sampler density vanishes on p_delta-mass " +
                             std::to_string(res.skipped_mass) + " (grid range too narrow)");
  res.mass = mass * g.h;
  res.mean = mean * g.h / res.mass;
  res.second = second * g.h / res.mass;
  res.final_grid = std::move(g);
  return res;
}

/// Propagates the sampler with score c ∇log p_{a_k} through the variances a_0 > … > a_{N−1}, started at
/// N(0, a_0), and returns KL(p_{a_{N−1}} ‖ q_N) with diagnostics (1-D laws only).
inline PropagationResult propagate_kl(const IsoMixture& law, const std::vector<double>& a, double c,
                                      const GridOptions& opt = {}) {
  return propagate_kl_model(
      law, a,
      [&](std::size_t k, const std::vector<double>& x, std::vector<double>& s, std::vector<double>& ds) {
        const MixtureAtLevel L(law, a[k]);
        ds.resize(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
          L.score_1d(x[i], s[i], ds[i]);
          s[i] *= c, ds[i] *= c;
        }
      },
      opt);
}

/// E_{X∼p_a} (ŝ(X) − ∇log p_a(X))² by the trapezoidal rule on a grid of the law at level a (1-D), for a
/// score model given by `score(x, s)` (fills s[i] = ŝ(x[i]) for the grid points x).
template <class ScoreFn>
double score_error_1d(const IsoMixture& law, double a, ScoreFn&& score, const GridOptions& opt = {}) {
  auto [lo, hi] = mixture_range(law, a, opt.tail);
  const UniformGrid g = make_grid(lo, hi, feature_width(law, a) / opt.r_feature, opt.max_points);
  const MixtureAtLevel P(law, a);
  std::vector<double> x(g.size()), s(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) x[i] = g.x(i);
  score(x, s);
  double e = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    double st, ds;
    P.score_1d(x[i], st, ds);
    const double diff = s[i] - st;
    e += std::exp(P.log_density_1d(x[i])) * diff * diff;
  }
  return e * g.h;
}

/// KL(p_{a0} ‖ N(0, a0)) by the trapezoidal rule (1-D), the left side of sampling.init. The integrand is
/// written p (δ − 1 + e^{−δ}) with δ = ln(p/q) (the same integral, since ∫ q = ∫ p = 1): non-negative and
/// second order in δ, so the tails cut off by the grid cost second-order mass (a KL of 1e-10 keeps its
/// digits).
inline double init_kl_1d(const IsoMixture& law, double a0, const GridOptions& opt = {}) {
  auto [lo, hi] = mixture_range(law, a0, opt.tail);
  const UniformGrid g = make_grid(lo, hi, feature_width(law, a0) / opt.r_feature, opt.max_points);
  const MixtureAtLevel P(law, a0);
  double s = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double x = g.x(i);
    const double delta = P.log_ratio_to_prior_1d(x);  // the log ratio without cancellation
    s += std::exp(P.log_density_1d(x)) * (delta + std::expm1(-delta));
  }
  return s * g.h;
}

/// Fisher information J(a) = E‖∇log p_a(X_a)‖² by the trapezoidal rule (1-D).
inline double fisher_information_1d(const IsoMixture& law, double a, const GridOptions& opt = {}) {
  auto [lo, hi] = mixture_range(law, a, opt.tail);
  const UniformGrid g = make_grid(lo, hi, feature_width(law, a) / opt.r_feature, opt.max_points);
  const MixtureAtLevel P(law, a);
  double j = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    double s, ds;
    P.score_1d(g.x(i), s, ds);
    j += std::exp(P.log_density_1d(g.x(i))) * s * s;
  }
  return j * g.h;
}

/// A function of a > 0 interpolated in ln a on Chebyshev points (barycentric formula): J(a) is smooth in
/// ln a between the data scale and its asymptote 1/a, so a few dozen nodes give many digits.
class ChebyshevInLog {
 public:
  template <class F>
  ChebyshevInLog(F f, double a_min, double a_max, int n) : lo_(std::log(a_min)), hi_(std::log(a_max)) {
    for (int i = 0; i < n; ++i) {
      const double t = std::cos(std::numbers::pi * (i + 0.5) / n);
      nodes_.push_back(t);
      values_.push_back(f(std::exp(0.5 * (lo_ + hi_) + 0.5 * (hi_ - lo_) * t)));
      weights_.push_back((i % 2 ? -1.0 : 1.0) * std::sin(std::numbers::pi * (i + 0.5) / n));
    }
  }
  double operator()(double a) const {
    const double t = (2 * std::log(a) - lo_ - hi_) / (hi_ - lo_);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const double d = t - nodes_[i];
      if (d == 0) return values_[i];
      const double w = weights_[i] / d;
      num += w * values_[i], den += w;
    }
    return num / den;
  }

 private:
  double lo_, hi_;
  std::vector<double> nodes_, values_, weights_;
};

}  // namespace diffbound
