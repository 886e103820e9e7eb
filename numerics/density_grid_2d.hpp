// The law of the exponential-integrator sampler in 2-D, propagated as a density on a tensor grid, for a
// score model given as a batch function (a trained network), and the 2-D quadratures of full.error (score
// error along the forward process, Fisher information, initialization KL). The 1-D version, with the
// regimes explained, is numerics/density_grid.hpp; this header follows it:
//
//     Y_{k+1} = T_k(Y_k) + √Δ_k Z,   T_k(x) = x + Δ_k ŝ_k(x),
//     q_{k+1}(y) = ∫ q_k(x) φ_{Δ_k}(y − T_k(x)) dx = (T_k # q_k) * φ_{Δ_k}.
//
// Grids: uniform with the same spacing in both coordinates, h = (smallest feature width of the law at the
// level)/r_feature, covering where the marginal or the pushed-forward sampler mass is above a tail
// tolerance (per coordinate). Two routes for one step, chosen per step:
//   kernel regime  (√Δ ≥ r_kernel · max(h_target, h_source ‖DT‖)): the trapezoidal rule over the source grid,
//                  each source node's mass h² q_k(x_i) deposited at T(x_i) onto the target grid with tensor
//                  Lagrange weights (order p: exact for polynomials of degree p − 1 in each coordinate, so
//                  the deposit errs by the Lagrange remainder of the Gaussian, ~(h/√Δ)^p), then the separable
//                  Gaussian convolution of the deposited masses on the target grid. Folding maps (det DT ≤ 0)
//                  are fine here: masses are moved, no inverse is needed;
//   narrow regime  (otherwise): the pushed-forward density on the target grid, T#q(y) = q_k(x)/det DT(x) at
//                  x = T^{−1}(y) (fixed-point iteration x ← y − Δ ŝ(x), a contraction when Δ Lip ŝ < 1;
//                  q_k by tensor Lagrange interpolation; DT by central differences of ŝ at a step 10⁻⁵ h,
//                  exact on the linear pieces of a ReLU network), then the Gaussian convolution by
//                  Gauss–Hermite in each coordinate (a fixed filter on the uniform grid: the Lagrange weights
//                  of each node offset are the same at every grid point). The pushed-forward density is
//                  renormalised to the moved mass (its trapezoidal rule conserves mass only to first order
//                  when det DT jumps, as across the kinks of a ReLU network); the factor is reported.
//   A step whose map folds where the kernel is narrow is moved to the kernel regime on finer grids (target
//   spacing √Δ/r_kernel, the active source cells sub-sampled f × f times by tensor Lagrange), within the
//   point limit; beyond it the step throws (the caller reports the case INCONCLUSIVE).
// The work is on the active nodes only: the source nodes with q_k ≥ tail · max q_k (the rest of the mass,
// ~tail, is dropped and reported), and in the narrow regime the target nodes within ‖DT‖ h of a pushed active
// node. (The sampler's far tails can be wide where the network is untrained, so the grids' boxes are large
// and mostly empty.)
// The KL(p_δ ‖ q_N) is the trapezoidal rule on the final grid; the caller's error estimate is the difference
// between two resolutions (GridOptions2d::refined()).
#pragma once

#include "density_grid.hpp"
#include "nongaussian_data.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

struct GridOptions2d {
  double r_feature = 8;              ///< grid points per smallest feature width (the trapezoidal rule of a smooth
                                     ///< density converges faster than any power; the kinks of a ReLU score do not)
  double r_kernel = 3;               ///< kernel regime when √Δ spans this many spacings
  int lagrange = 6;                  ///< interpolation / deposit order (points per coordinate)
  int hermite = 12;                  ///< Gauss–Hermite nodes per coordinate in the narrow regime
  double tail = 1e-12;               ///< tail mass left outside the grid (per coordinate); nodes with q < tail · max q
                                     ///< are dropped
  double bulk = 1e-8;                ///< the regime, the refinement and folds are decided on the nodes with
                                     ///< q ≥ bulk · max q; below it (the far tails, where a network is untrained and
                                     ///< may fold or stretch) mass is moved less accurately and its total is reported
  std::size_t max_points = 8000000;  ///< grid nodes (mostly empty boxes: the work is on the active nodes)
  std::size_t max_active = 3000000;  ///< nodes a step may push or invert
  int max_inverse_iterations = 200;

  GridOptions2d refined() const {
    GridOptions2d o = *this;
    o.r_feature *= 1.5, o.r_kernel += 1, o.lagrange += 2, o.hermite += 4, o.tail *= 1e-1, o.bulk *= 1e-1;
    return o;
  }
};

/// The marginal of an isotropic mixture along coordinate c: a 1-D mixture with the same weights and variances.
inline IsoMixture coordinate_marginal(const IsoMixture& law, int c) {
  IsoMixture m;
  m.d = 1;
  m.w = law.w, m.v = law.v, m.feature_variance = law.feature_variance;
  for (const auto& mu : law.m) m.m.push_back({mu[static_cast<std::size_t>(c)]});
  return m;
}

/// A uniform tensor grid with the same spacing in both coordinates; q[i ny + j] at (x(i), y(j)).
struct Grid2d {
  double x0 = 0, y0 = 0, h = 1;
  std::size_t nx = 0, ny = 0;
  std::vector<double> q;
  double x(std::size_t i) const { return x0 + h * static_cast<double>(i); }
  double y(std::size_t j) const { return y0 + h * static_cast<double>(j); }
  std::size_t size() const { return q.size(); }
  double& at(std::size_t i, std::size_t j) { return q[i * ny + j]; }
  double at(std::size_t i, std::size_t j) const { return q[i * ny + j]; }
  /// The grid's nodes as the columns of a 2 × (nx ny) matrix (the order of q).
  Eigen::MatrixXd nodes() const {
    Eigen::MatrixXd X(2, static_cast<Eigen::Index>(size()));
    for (std::size_t i = 0; i < nx; ++i)
      for (std::size_t j = 0; j < ny; ++j) {
        const auto c = static_cast<Eigen::Index>(i * ny + j);
        X(0, c) = x(i), X(1, c) = y(j);
      }
    return X;
  }
};

/// A grid on [xlo, xhi] × [ylo, yhi] with spacing h (the upper ends rounded up to a node); throws beyond
/// max_points.
inline Grid2d make_grid_2d(double xlo, double xhi, double ylo, double yhi, double h, std::size_t max_points) {
  Grid2d g;
  const double nx = std::ceil((xhi - xlo) / h) + 1, ny = std::ceil((yhi - ylo) / h) + 1;
  if (!(nx * ny <= static_cast<double>(max_points)))
    throw std::runtime_error("density grid (2-D): " + std::to_string(nx) + " x " + std::to_string(ny) +
                             " points exceed the limit");
  g.x0 = xlo, g.y0 = ylo, g.h = h;
  g.nx = static_cast<std::size_t>(nx), g.ny = static_cast<std::size_t>(ny);
  g.q.assign(g.nx * g.ny, 0.0);
  return g;
}

/// Lagrange weights of the p uniform nodes s0..s0+p−1 (index units) around position u, the stencil clamped
/// to [0, n − 1]: exact for polynomials of degree p − 1. Returns s0.
/// The Lagrange basis of the p uniform nodes s0..s0+p−1 (index units) at position u, into w.
inline void lagrange_weights(double u, std::ptrdiff_t s0, int p, double* w) {
  for (int r = 0; r < p; ++r) {
    double num = 1, den = 1;
    for (int t = 0; t < p; ++t) {
      if (t == r) continue;
      num *= u - static_cast<double>(s0 + t);
      den *= static_cast<double>(r - t);
    }
    w[r] = num / den;
  }
}

inline std::ptrdiff_t lagrange_stencil(double u, std::ptrdiff_t n, int p, double* w) {
  const std::ptrdiff_t s0 =
      std::clamp<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(std::floor(u)) - (p / 2 - 1), 0, n - p);
  lagrange_weights(u, s0, p, w);
  return s0;
}

/// Tensor Lagrange interpolation of the grid values at (x, y); 0 outside the grid.
inline double interpolate_2d(const Grid2d& g, double x, double y, int p) {
  const double u = (x - g.x0) / g.h, v = (y - g.y0) / g.h;
  if (!(u >= 0) || !(v >= 0) || u > static_cast<double>(g.nx - 1) || v > static_cast<double>(g.ny - 1)) return 0;
  double wu[32], wv[32];
  const auto su = lagrange_stencil(u, static_cast<std::ptrdiff_t>(g.nx), p, wu);
  const auto sv = lagrange_stencil(v, static_cast<std::ptrdiff_t>(g.ny), p, wv);
  double s = 0;
  for (int r = 0; r < p; ++r) {
    double row = 0;
    const std::size_t i = static_cast<std::size_t>(su + r);
    for (int t = 0; t < p; ++t) row += wv[t] * g.at(i, static_cast<std::size_t>(sv + t));
    s += wu[r] * row;
  }
  return s;
}

/// A 1-D filter: out[i] = Σ_t taps[t] in[i + offset + t] (values beyond the ends are 0).
struct Filter1d {
  std::ptrdiff_t offset = 0;
  std::vector<double> taps;
};

/// Applies the same filter along both coordinates of the grid (in place).
inline void filter_separable(Grid2d& g, const Filter1d& f) {
  const auto nx = static_cast<std::ptrdiff_t>(g.nx), ny = static_cast<std::ptrdiff_t>(g.ny);
  const auto T = static_cast<std::ptrdiff_t>(f.taps.size());
  std::vector<double> line, out;
  // Along y (contiguous rows).
  out.resize(g.ny);
  for (std::ptrdiff_t i = 0; i < nx; ++i) {
    double* row = &g.q[static_cast<std::size_t>(i) * g.ny];
    for (std::ptrdiff_t j = 0; j < ny; ++j) {
      const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -(j + f.offset)),
                           hi = std::min<std::ptrdiff_t>(T, ny - (j + f.offset));
      double s = 0;
      for (std::ptrdiff_t t = lo; t < hi; ++t) s += f.taps[static_cast<std::size_t>(t)] * row[j + f.offset + t];
      out[static_cast<std::size_t>(j)] = s;
    }
    std::copy(out.begin(), out.end(), row);
  }
  // Along x.
  line.resize(g.nx), out.resize(g.nx);
  for (std::ptrdiff_t j = 0; j < ny; ++j) {
    for (std::ptrdiff_t i = 0; i < nx; ++i)
      line[static_cast<std::size_t>(i)] = g.q[static_cast<std::size_t>(i) * g.ny + static_cast<std::size_t>(j)];
    for (std::ptrdiff_t i = 0; i < nx; ++i) {
      const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -(i + f.offset)),
                           hi = std::min<std::ptrdiff_t>(T, nx - (i + f.offset));
      double s = 0;
      for (std::ptrdiff_t t = lo; t < hi; ++t)
        s += f.taps[static_cast<std::size_t>(t)] * line[static_cast<std::size_t>(i + f.offset + t)];
      out[static_cast<std::size_t>(i)] = s;
    }
    for (std::ptrdiff_t i = 0; i < nx; ++i)
      g.q[static_cast<std::size_t>(i) * g.ny + static_cast<std::size_t>(j)] = out[static_cast<std::size_t>(i)];
  }
}

/// The Gaussian density of s.d. sd at the node offsets t h, |t h| ≤ 9.5 sd (applied to deposited masses, it
/// gives the density of their Gaussian convolution at the nodes).
inline Filter1d gaussian_kernel_filter(double sd, double h) {
  const auto K = static_cast<std::ptrdiff_t>(std::ceil(9.5 * sd / h));
  Filter1d f;
  f.offset = -K;
  for (std::ptrdiff_t t = -K; t <= K; ++t) {
    const double z = static_cast<double>(t) * h / sd;
    f.taps.push_back(std::exp(-0.5 * z * z) / (std::sqrt(2 * std::numbers::pi) * sd));
  }
  return f;
}

/// E_ξ f(y + sd ξ) (ξ standard normal) for grid values f: Gauss–Hermite nodes, each read by Lagrange
/// interpolation of order p on the uniform grid, merged into one filter (the weights of a node's offset are
/// the same at every grid point).
inline Filter1d gauss_hermite_filter(double sd, double h, int hermite, int p) {
  std::vector<double> gx, gw;
  gauss_hermite_normal(hermite, gx, gw);
  std::ptrdiff_t lo = 0, hi = 0;
  std::vector<std::pair<std::ptrdiff_t, std::vector<double>>> parts;
  for (std::size_t m = 0; m < gx.size(); ++m) {
    const double u = sd * gx[m] / h;  // offset in index units
    const auto base = static_cast<std::ptrdiff_t>(std::floor(u)) - (p / 2 - 1);
    std::vector<double> w(static_cast<std::size_t>(p));
    lagrange_weights(u, base, p, w.data());
    for (double& x : w) x *= gw[m];
    lo = std::min(lo, base), hi = std::max(hi, base + p - 1);
    parts.emplace_back(base, std::move(w));
  }
  Filter1d f;
  f.offset = lo;
  f.taps.assign(static_cast<std::size_t>(hi - lo + 1), 0.0);
  for (const auto& [base, w] : parts)
    for (std::size_t r = 0; r < w.size(); ++r) f.taps[static_cast<std::size_t>(base - lo) + r] += w[r];
  return f;
}

/// The range of coordinate c at level a covering all but `tail` of the marginal.
inline std::pair<double, double> coordinate_range(const IsoMixture& law, int c, double a, double tail) {
  return mixture_range(coordinate_marginal(law, c), a, tail);
}

struct Propagation2dResult {
  double kl = 0;                      ///< KL(p_δ ‖ q_N)
  double mass = 0;                    ///< ∫ q_N
  double mean[2] = {0, 0};            ///< E Y_N
  double second = 0;                  ///< E ‖Y_N‖²
  double skipped_mass = 0;            ///< p_δ-mass where q_N underflowed
  double dropped_mass = 0;            ///< source mass below tail · max q (not moved on), summed over the steps
  std::size_t max_active_points = 0;  ///< the most nodes a step worked on (source or target)
  std::vector<double> step_mass;      ///< ∫ q_{k+1} after each step (trapezoidal rule)
  double tail_mass = 0;               ///< mass of the nodes between tail and bulk · max q, summed over the steps
  double narrow_mass_correction = 0;  ///< largest |1 − factor| of the narrow steps' mass renormalisation
  std::size_t max_points = 0;
  int kernel_steps = 0, narrow_steps = 0, refined_steps = 0, folded_steps = 0;
  int max_inverse_iterations = 0;
  Grid2d final_grid;  ///< q_N on the final grid (the sampler's law)
};

/// Propagates the sampler with the score model `score(k, X, S)` (fills S (2 × M) = ŝ_k at the columns of X)
/// through the variances a_0 > … > a_{N−1}, started at N(0, a_0 I), and returns KL(p_{a_{N−1}} ‖ q_N) with
/// diagnostics. `law` (2-D) is the data law the KL is measured against and that sets the grids.
template <class ScoreFn>
Propagation2dResult propagate_kl_model_2d(const IsoMixture& law, const std::vector<double>& a, ScoreFn&& score,
                                          const GridOptions2d& opt = {}) {
  if (law.d != 2) throw std::invalid_argument("propagate_kl_model_2d: 2-D laws only");
  if (a.size() < 2) throw std::invalid_argument("propagate_kl_model_2d: need at least 2 levels");
  if (opt.lagrange < 2 || opt.lagrange > 32) throw std::invalid_argument("propagate_kl_model_2d: lagrange in [2, 32]");
  Propagation2dResult res;
  const double zq = std::sqrt(2.0) * boost::math::erfc_inv(opt.tail);
  const int p = opt.lagrange;

  auto law_box = [&](double level, double extra, double& xlo, double& xhi, double& ylo, double& yhi) {
    std::tie(xlo, xhi) = coordinate_range(law, 0, level, opt.tail);
    std::tie(ylo, yhi) = coordinate_range(law, 1, level, opt.tail);
    xlo = std::min(xlo, -extra), xhi = std::max(xhi, extra), ylo = std::min(ylo, -extra), yhi = std::max(yhi, extra);
  };

  // q_0 = N(0, a_0 I).
  double xlo, xhi, ylo, yhi;
  law_box(a[0], zq * std::sqrt(a[0]), xlo, xhi, ylo, yhi);
  Grid2d g = make_grid_2d(xlo, xhi, ylo, yhi, feature_width(law, a[0]) / opt.r_feature, opt.max_points);
  for (std::size_t i = 0; i < g.nx; ++i)
    for (std::size_t j = 0; j < g.ny; ++j) {
      const double r2 = g.x(i) * g.x(i) + g.y(j) * g.y(j);
      g.at(i, j) = std::exp(-0.5 * r2 / a[0]) / (2 * std::numbers::pi * a[0]);
    }
  res.max_points = g.size();

  // Work only where the mass is: the source nodes with q ≥ tail · max q (the rest is dropped, its mass
  // recorded), and in the narrow regime the target nodes near the pushed-forward active nodes.
  Eigen::MatrixXd X, S, Z;
  std::vector<std::ptrdiff_t> slot;  // source node → column of X/Z, or −1
  std::vector<std::size_t> src;      // column → source node
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const double delta = a[k] - a[k + 1], sd = std::sqrt(delta);
    const double h_law = feature_width(law, a[k + 1]) / opt.r_feature;
    double qmax = 0, stretch = 0, thr = 0, bulk = 0, tail_mass = 0;
    bool folds = false;
    auto map_grid = [&] {
      qmax = *std::max_element(g.q.begin(), g.q.end());
      thr = opt.tail * qmax, bulk = opt.bulk * qmax;
      slot.assign(g.size(), -1);
      src.clear();
      for (std::size_t c = 0; c < g.size(); ++c)
        if (g.q[c] >= thr) slot[c] = static_cast<std::ptrdiff_t>(src.size()), src.push_back(c);
      X.resize(2, static_cast<Eigen::Index>(src.size()));
      for (std::size_t c = 0; c < src.size(); ++c) {
        X(0, static_cast<Eigen::Index>(c)) = g.x(src[c] / g.ny),
             X(1, static_cast<Eigen::Index>(c)) = g.y(src[c] % g.ny);
      }
      score(k, X, S);
      Z = X + delta * S;
      // ‖DT‖ and det DT from differences of the pushed active nodes (central where both neighbours are active).
      stretch = 0, folds = false, tail_mass = 0;
      auto col = [&](std::size_t i, std::size_t j) { return slot[i * g.ny + j]; };
      for (std::size_t c = 0; c < src.size(); ++c) {
        if (g.q[src[c]] < bulk) {
          tail_mass += g.q[src[c]] * g.h * g.h;
          continue;
        }
        const std::size_t i = src[c] / g.ny, j = src[c] % g.ny;
        auto diff = [&](bool along_x, double& d0, double& d1) {
          std::ptrdiff_t lo = static_cast<std::ptrdiff_t>(c), hi = lo;
          double span = 0;
          if (along_x) {
            if (i > 0 && col(i - 1, j) >= 0) lo = col(i - 1, j), span += g.h;
            if (i + 1 < g.nx && col(i + 1, j) >= 0) hi = col(i + 1, j), span += g.h;
          } else {
            if (j > 0 && col(i, j - 1) >= 0) lo = col(i, j - 1), span += g.h;
            if (j + 1 < g.ny && col(i, j + 1) >= 0) hi = col(i, j + 1), span += g.h;
          }
          if (span == 0) return false;
          d0 = (Z(0, hi) - Z(0, lo)) / span, d1 = (Z(1, hi) - Z(1, lo)) / span;
          return true;
        };
        double j11, j21, j12, j22;
        if (!diff(true, j11, j21) || !diff(false, j12, j22)) continue;
        if (j11 * j22 - j12 * j21 <= 0) folds = true;
        const double t1 = j11 * j11 + j21 * j21, t2 = j12 * j12 + j22 * j22, t12 = j11 * j12 + j21 * j22;
        const double lam = 0.5 * (t1 + t2) + std::sqrt(0.25 * (t1 - t2) * (t1 - t2) + t12 * t12);
        stretch = std::max(stretch, std::sqrt(lam));
      }
    };
    map_grid();
    const bool kernel_ok_target = sd >= opt.r_kernel * h_law;
    bool kernel = kernel_ok_target || folds;
    double h_target = h_law;
    if (kernel && !kernel_ok_target) h_target = sd / opt.r_kernel;  // a folding map in a narrow step
    // The masses the kernel regime moves: h² q_k at the active nodes pushed by T; when the source
    // trapezoid is not resolved (√Δ < r_kernel h ‖DT‖), the active cells are sub-sampled f × f times
    // (a uniform grid of spacing h/f over the active region, q_k by tensor Lagrange) and pushed instead.
    Eigen::MatrixXd Zm;
    std::vector<double> mm;
    int factor = 1;
    if (kernel && sd < opt.r_kernel * g.h * stretch) {
      factor = static_cast<int>(std::ceil(opt.r_kernel * g.h * stretch / sd));
      const double pts = static_cast<double>(src.size()) * factor * factor;
      if (pts > static_cast<double>(opt.max_active)) {
        if (!folds) {
          kernel = false, h_target = h_law, factor = 1;
        } else {
          throw std::runtime_error(
              "propagate_kl_model_2d: the step map folds (det DT <= 0) and the sub-sampling "
              "needed to resolve it exceeds the point limit (||DT|| up to " +
              std::to_string(stretch) + ")");
        }
      }
    }
    if (kernel && factor > 1) {
      ++res.refined_steps;
      const double hs = g.h / factor;
      Eigen::MatrixXd Xs(2, static_cast<Eigen::Index>(src.size()) * factor * factor), Ss;
      mm.resize(static_cast<std::size_t>(Xs.cols()));
      Eigen::Index c = 0;
      for (std::size_t u = 0; u < src.size(); ++u)
        for (int ia = 0; ia < factor; ++ia)
          for (int ib = 0; ib < factor; ++ib, ++c) {
            const double x = X(0, static_cast<Eigen::Index>(u)) + (ia - 0.5 * (factor - 1)) * hs;
            const double y = X(1, static_cast<Eigen::Index>(u)) + (ib - 0.5 * (factor - 1)) * hs;
            Xs(0, c) = x, Xs(1, c) = y;
            mm[static_cast<std::size_t>(c)] = hs * hs * std::max(0.0, interpolate_2d(g, x, y, p));
          }
      score(k, Xs, Ss);
      Zm = Xs + delta * Ss;
      res.max_active_points = std::max(res.max_active_points, static_cast<std::size_t>(Xs.cols()));
    } else {
      Zm = Z;
      mm.resize(src.size());
      for (std::size_t u = 0; u < src.size(); ++u) mm[u] = g.h * g.h * g.q[src[u]];
    }
    if (folds) ++res.folded_steps;
    res.tail_mass += tail_mass;
    for (std::size_t c = 0; c < g.size(); ++c)
      if (slot[c] < 0) res.dropped_mass += g.h * g.h * g.q[c];
    // The target grid: the law's range at a_{k+1} and the pushed-forward mass widened by the kernel.
    law_box(a[k + 1], 0.0, xlo, xhi, ylo, yhi);
    for (Eigen::Index c = 0; c < Zm.cols(); ++c) {
      xlo = std::min(xlo, Zm(0, c) - zq * sd), xhi = std::max(xhi, Zm(0, c) + zq * sd);
      ylo = std::min(ylo, Zm(1, c) - zq * sd), yhi = std::max(yhi, Zm(1, c) + zq * sd);
    }
    Grid2d next = make_grid_2d(xlo, xhi, ylo, yhi, h_target, opt.max_points);
    res.max_points = std::max(res.max_points, next.size());
    res.max_active_points = std::max(res.max_active_points, src.size());

    if (kernel) {
      ++res.kernel_steps;
      // Deposit the source masses h² q_k(x_i) at T(x_i), then convolve with φ_sd.
      double wu[32], wv[32];
      for (Eigen::Index c = 0; c < Zm.cols(); ++c) {
        const double mass = mm[static_cast<std::size_t>(c)];
        const double u = (Zm(0, c) - next.x0) / next.h, v = (Zm(1, c) - next.y0) / next.h;
        const auto su = lagrange_stencil(u, static_cast<std::ptrdiff_t>(next.nx), p, wu);
        const auto sv = lagrange_stencil(v, static_cast<std::ptrdiff_t>(next.ny), p, wv);
        for (int r = 0; r < p; ++r) {
          double* row = &next.q[static_cast<std::size_t>(su + r) * next.ny + static_cast<std::size_t>(sv)];
          const double mr = mass * wu[r];
          for (int t = 0; t < p; ++t) row[t] += mr * wv[t];
        }
      }
      filter_separable(next, gaussian_kernel_filter(sd, next.h));
    } else {
      ++res.narrow_steps;
      // Target nodes that can receive mass: within ‖DT‖ h_source + 2 h_target of a pushed active node.
      std::vector<char> mark(next.size(), 0);
      const auto R = static_cast<std::ptrdiff_t>(std::ceil(std::max(stretch, 1.0) * g.h / next.h)) + 2;
      const auto nx = static_cast<std::ptrdiff_t>(next.nx), ny = static_cast<std::ptrdiff_t>(next.ny);
      for (Eigen::Index c = 0; c < Z.cols(); ++c) {
        const auto ci = static_cast<std::ptrdiff_t>(std::lround((Z(0, c) - next.x0) / next.h));
        const auto cj = static_cast<std::ptrdiff_t>(std::lround((Z(1, c) - next.y0) / next.h));
        for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(0, ci - R); i <= std::min(nx - 1, ci + R); ++i)
          for (std::ptrdiff_t j = std::max<std::ptrdiff_t>(0, cj - R); j <= std::min(ny - 1, cj + R); ++j)
            mark[static_cast<std::size_t>(i * ny + j)] = 1;
      }
      std::vector<std::size_t> tgt;
      for (std::size_t c = 0; c < next.size(); ++c)
        if (mark[c]) tgt.push_back(c);
      const auto T = static_cast<Eigen::Index>(tgt.size());
      Eigen::MatrixXd Y(2, T);
      for (Eigen::Index c = 0; c < T; ++c)
        Y(0, c) = next.x(tgt[static_cast<std::size_t>(c)] / next.ny),
             Y(1, c) = next.y(tgt[static_cast<std::size_t>(c)] % next.ny);
      // T^{-1}(y) by the fixed-point iteration x ← y − Δ ŝ(x), each node until its own step is below tol;
      // nodes whose iterate carries no mass (q_k < tail · max q) stop as well (their q̃ is negligible).
      Eigen::MatrixXd Xi(2, T), Sx;
      score(k, Y, Sx);
      Xi = Y - delta * Sx;
      const double scale = 1 + std::max(std::max(std::fabs(g.x0), std::fabs(g.x(g.nx - 1))),
                                        std::max(std::fabs(g.y0), std::fabs(g.y(g.ny - 1))));
      const double tol = 1e-13 * scale;
      std::vector<Eigen::Index> pending(static_cast<std::size_t>(T));
      for (Eigen::Index c = 0; c < T; ++c) pending[static_cast<std::size_t>(c)] = c;
      int it = 0;
      Eigen::MatrixXd Xp;
      for (; it < opt.max_inverse_iterations && !pending.empty(); ++it) {
        Xp.resize(2, static_cast<Eigen::Index>(pending.size()));
        for (std::size_t u = 0; u < pending.size(); ++u) Xp.col(static_cast<Eigen::Index>(u)) = Xi.col(pending[u]);
        score(k, Xp, Sx);
        std::vector<Eigen::Index> still;
        for (std::size_t u = 0; u < pending.size(); ++u) {
          const Eigen::Index c = pending[u];
          const double n0 = Y(0, c) - delta * Sx(0, static_cast<Eigen::Index>(u));
          const double n1 = Y(1, c) - delta * Sx(1, static_cast<Eigen::Index>(u));
          const double e = std::max(std::fabs(n0 - Xi(0, c)), std::fabs(n1 - Xi(1, c)));
          Xi(0, c) = n0, Xi(1, c) = n1;
          if (e > tol && interpolate_2d(g, n0, n1, 2) >= thr) still.push_back(c);
        }
        pending.swap(still);
      }
      res.max_inverse_iterations = std::max(res.max_inverse_iterations, it);
      // Nodes without a converged preimage: an error in the bulk, nothing (mass renormalised) in the tails.
      std::vector<char> unresolved(static_cast<std::size_t>(T), 0);
      for (Eigen::Index c : pending) {
        if (interpolate_2d(g, Xi(0, c), Xi(1, c), 2) >= bulk)
          throw std::runtime_error("propagate_kl_model_2d: the inverse of the step map did not converge in " +
                                   std::to_string(it) + " iterations (Delta Lip(s) >= 1?)");
        unresolved[static_cast<std::size_t>(c)] = 1;
      }
      // det DT at x = T^{-1}(y) by central differences of the score (step 1e-5 h).
      const double e = 1e-5 * next.h;
      Eigen::MatrixXd Xq = Xi, Xm = Xi, Sp, Sm;
      Xq.row(0).array() += e, Xm.row(0).array() -= e;
      score(k, Xq, Sp), score(k, Xm, Sm);
      const Eigen::MatrixXd D1 = (Sp - Sm) / (2 * e);
      Xq = Xi, Xm = Xi;
      Xq.row(1).array() += e, Xm.row(1).array() -= e;
      score(k, Xq, Sp), score(k, Xm, Sm);
      const Eigen::MatrixXd D2 = (Sp - Sm) / (2 * e);
      for (Eigen::Index c = 0; c < T; ++c) {
        const double qx =
            unresolved[static_cast<std::size_t>(c)] ? 0.0 : std::max(0.0, interpolate_2d(g, Xi(0, c), Xi(1, c), p));
        if (qx == 0) continue;
        const double det = (1 + delta * D1(0, c)) * (1 + delta * D2(1, c)) - delta * delta * D2(0, c) * D1(1, c);
        if (!(det > 0)) {
          if (qx < bulk) continue;  // a fold in the tails: no density there (mass renormalised below)
          throw std::runtime_error("propagate_kl_model_2d: the step map folds (det DT <= 0) in a narrow step");
        }
        next.q[tgt[static_cast<std::size_t>(c)]] = qx / det;
      }
      res.max_active_points = std::max(res.max_active_points, tgt.size());
      // T#q conserves mass; its trapezoidal rule does so only to first order in h when T is piecewise
      // linear (a ReLU network: det DT jumps across the kinks, and so does T#q). Renormalise to the source's
      // moved mass and report the factor (the caller adds it to the error estimate).
      double m_src = 0, m_tgt = 0;
      for (std::size_t c : src) m_src += g.q[c];
      for (std::size_t c : tgt) m_tgt += next.q[c];
      m_src *= g.h * g.h, m_tgt *= next.h * next.h;
      if (m_tgt > 0) {
        const double mass_factor = m_src / m_tgt;
        for (std::size_t c : tgt) next.q[c] *= mass_factor;
        res.narrow_mass_correction = std::max(res.narrow_mass_correction, std::fabs(1 - mass_factor));
      }
      filter_separable(next, gauss_hermite_filter(sd, next.h, opt.hermite, p));
    }
    for (double& v : next.q) v = std::max(v, 0.0);  // interpolation undershoot in the far tail
    g = std::move(next);
    double m = 0;
    for (double v : g.q) m += v;
    res.step_mass.push_back(m * g.h * g.h);
  }

  // KL(p_δ ‖ q_N) by the trapezoidal rule on the final grid (p_δ covered up to the tail tolerance).
  const MixtureAtLevel P(law, a.back());
  double kl = 0, mass = 0, m0 = 0, m1 = 0, second = 0, skipped = 0;
  for (std::size_t i = 0; i < g.nx; ++i)
    for (std::size_t j = 0; j < g.ny; ++j) {
      const double x[2] = {g.x(i), g.y(j)};
      const double q = g.at(i, j);
      mass += q, m0 += x[0] * q, m1 += x[1] * q, second += (x[0] * x[0] + x[1] * x[1]) * q;
      const double lp = P.log_density(x);
      const double pv = std::exp(lp);
      if (pv <= 0) continue;
      if (!(q > 1e-300)) {
        skipped += pv;
        continue;
      }
      kl += pv * (lp - std::log(q));
    }
  const double area = g.h * g.h;
  res.kl = kl * area;
  res.skipped_mass = skipped * area;
  if (res.skipped_mass > 1e-8)
    throw std::runtime_error("propagate_kl_model_2d: the sampler density vanishes on p_delta-mass " +
                             std::to_string(res.skipped_mass) + " (grid range too narrow)");
  res.mass = mass * area;
  res.mean[0] = m0 * area / res.mass, res.mean[1] = m1 * area / res.mass;
  res.second = second * area / res.mass;
  res.final_grid = std::move(g);
  return res;
}

/// The sampler with the exact score c ∇log p_{a_k} (for the tests: a product law gives the sum of the 1-D
/// KLs of its coordinates).
inline Propagation2dResult propagate_kl_2d(const IsoMixture& law, const std::vector<double>& a, double c,
                                           const GridOptions2d& opt = {}) {
  return propagate_kl_model_2d(
      law, a,
      [&](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
        const MixtureAtLevel L(law, a[k]);
        S.resize(2, X.cols());
        for (Eigen::Index i = 0; i < X.cols(); ++i) {
          L.score(X.col(i).data(), S.col(i).data());
          S.col(i) *= c;
        }
      },
      opt);
}

/// ∫ p_a(x) f(x) dx by the trapezoidal rule on the law's grid at level a (2-D); `f(X, p, out)` gets the grid
/// nodes (2 × M) and writes out[c] = f(x_c) (the batch form lets a network evaluate all nodes at once).
template <class F>
double expectation_2d(const IsoMixture& law, double a, F&& f, const GridOptions2d& opt = {}) {
  double xlo, xhi, ylo, yhi;
  std::tie(xlo, xhi) = coordinate_range(law, 0, a, opt.tail);
  std::tie(ylo, yhi) = coordinate_range(law, 1, a, opt.tail);
  const Grid2d g = make_grid_2d(xlo, xhi, ylo, yhi, feature_width(law, a) / opt.r_feature, opt.max_points);
  const Eigen::MatrixXd X = g.nodes();
  std::vector<double> out(g.size());
  f(X, out);
  const MixtureAtLevel P(law, a);
  double s = 0;
  for (Eigen::Index c = 0; c < X.cols(); ++c)
    s += std::exp(P.log_density(X.col(c).data())) * out[static_cast<std::size_t>(c)];
  return s * g.h * g.h;
}

/// E_{X∼p_a} ‖ŝ(X) − ∇log p_a(X)‖² for a batch score model `score(X, S)` (2-D).
template <class ScoreFn>
double score_error_2d(const IsoMixture& law, double a, ScoreFn&& score, const GridOptions2d& opt = {}) {
  return expectation_2d(
      law, a,
      [&](const Eigen::MatrixXd& X, std::vector<double>& out) {
        Eigen::MatrixXd S;
        score(X, S);
        const MixtureAtLevel P(law, a);
        double st[2];
        for (Eigen::Index c = 0; c < X.cols(); ++c) {
          P.score(X.col(c).data(), st);
          const double d0 = S(0, c) - st[0], d1 = S(1, c) - st[1];
          out[static_cast<std::size_t>(c)] = d0 * d0 + d1 * d1;
        }
      },
      opt);
}

/// Fisher information J(a) = E‖∇log p_a(X_a)‖² (2-D).
inline double fisher_information_2d(const IsoMixture& law, double a, const GridOptions2d& opt = {}) {
  return expectation_2d(
      law, a,
      [&](const Eigen::MatrixXd& X, std::vector<double>& out) {
        const MixtureAtLevel P(law, a);
        double st[2];
        for (Eigen::Index c = 0; c < X.cols(); ++c) {
          P.score(X.col(c).data(), st);
          out[static_cast<std::size_t>(c)] = st[0] * st[0] + st[1] * st[1];
        }
      },
      opt);
}

/// KL(p_{a0} ‖ N(0, a0 I)) in 2-D, written ∫ p (δ − 1 + e^{−δ}) with δ = ln(p/q) formed without cancellation
/// (as init_kl_1d).
inline double init_kl_2d(const IsoMixture& law, double a0, const GridOptions2d& opt = {}) {
  return expectation_2d(
      law, a0,
      [&](const Eigen::MatrixXd& X, std::vector<double>& out) {
        const MixtureAtLevel P(law, a0);
        for (Eigen::Index c = 0; c < X.cols(); ++c) {
          const double delta = P.log_ratio_to_prior(X.col(c).data());
          out[static_cast<std::size_t>(c)] = delta + std::expm1(-delta);
        }
      },
      opt);
}

}  // namespace diffbound
