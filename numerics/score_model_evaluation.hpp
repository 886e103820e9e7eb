// The sampler-side evaluation of an arbitrary score model on a 1-D or 2-D isotropic Gaussian mixture, for
// a score model given as a batch function (the model API of the Python module: a PyTorch network behind a
// callback). The same quantities, resolutions and error estimate as full.error's evaluation of the suite's
// own ReLU network (checks/full_error/sampler.cpp), so that the two routes can be compared on one network:
//
//   KL(p_δ ‖ q_N)   the sampler's law propagated on grids at two resolutions (numerics/density_grid.hpp,
//                   numerics/density_grid_2d.hpp); the finer value, and as error estimate the difference plus
//                   the mass the grids skipped, dropped or renormalised;
//   ε_k²            E‖ŝ_k(X_{a_k}) − ∇log p_{a_k}(X_{a_k})‖² by quadrature at two resolutions, k = 0..N−2
//                   (the score used on step k), and F_S = Σ_k Δ_k ε_k² with its two-resolution difference;
//   Girsanov terms  KL(p_{a_0} ‖ N(0, a_0 I)) and ½ Σ_k ∫ (J(a) − J(a_k)) da (theory/sampling_nongaussian.hpp)
//                   from J on Chebyshev nodes in ln a, at two resolutions (they do not depend on the model).
//
// The score model is `score(k, X, S)`: X is d × M (the columns are points), S is resized by the model to
// d × M and filled with ŝ_k at the columns of X, ŝ_k the model at noise level σ_k = √a_k. The propagation
// calls it once per level for the active grid nodes, and in the 2-D narrow regime once per fixed-point
// iteration of the inverse map and four times for the Jacobian; each call is one batch.
#pragma once

#include "density_grid.hpp"
#include "density_grid_2d.hpp"
#include "nongaussian_data.hpp"

#include <diffbound/theory/sampling_nongaussian.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace diffbound {

/// The sampler's law and the score model's errors on one law and one sequence of levels.
struct ScoreModelEvaluation {
  int dimension = 1;
  std::vector<double> a;       ///< the variances a_k = σ_k²
  double kl = 0;               ///< KL(p_δ ‖ q_N) at the finer resolution
  double kl_coarse = 0;        ///< the same at the coarser resolution
  double kl_error = 0;         ///< error estimate: |fine − coarse| + skipped/dropped/renormalised mass terms
  std::string failure;         ///< non-empty when the propagation failed (a folding map); kl is then NaN
  std::vector<double> eps_sq;  ///< ε_k², k = 0..N−2 (finer quadrature)
  std::vector<double> eps_sq_coarse;
  double score_form = 0;                                  ///< F_S = Σ_k Δ_k ε_k² (finer)
  double score_form_error = 0;                            ///< |F_S(fine) − F_S(coarse)|
  double girsanov_init = 0, girsanov_discretization = 0;  ///< the exact Girsanov terms (finer)
  double girsanov_error = 0;                              ///< their two-resolution difference
  double m2 = 0;                                          ///< m₂² = E‖X₀‖² of the law
  // The sampler's law q_N on the finer final grid: 1-D q[i] at x0 + i h; 2-D q[i ny + j] at (x0 + i h, y0 + j h).
  double x0 = 0, y0 = 0, h = 0;
  std::size_t nx = 0, ny = 0;
  std::vector<double> q;
  // Diagnostics of the finer propagation.
  double mass = 0;
  std::size_t max_points = 0;
  int kernel_steps = 0, narrow_steps = 0;
};

namespace detail {

/// ε_k² at the sampler's levels from `err(k)` = {coarse, fine}, the score form and its difference.
template <class Err>
void fill_model_score_errors(ScoreModelEvaluation& ev, Err&& err) {
  const auto& a = ev.a;
  double fs_c = 0, fs_f = 0;
  ev.eps_sq.assign(a.size() - 1, 0.0), ev.eps_sq_coarse.assign(a.size() - 1, 0.0);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const auto [ec, ef] = err(k);
    ev.eps_sq[k] = ef, ev.eps_sq_coarse[k] = ec;
    fs_c += (a[k] - a[k + 1]) * ec, fs_f += (a[k] - a[k + 1]) * ef;
  }
  ev.score_form = fs_f;
  ev.score_form_error = std::fabs(fs_f - fs_c);
}

/// The Girsanov terms (init KL, discretization) at one resolution: J(a) on `nodes` Chebyshev nodes in ln a.
template <class Options, class Fisher, class Init>
std::pair<double, double> model_girsanov_terms(const IsoMixture& f, const std::vector<double>& a, double r_feature,
                                               int nodes, Fisher fisher, Init init) {
  Options o;
  o.r_feature = r_feature;
  const ChebyshevInLog J([&](double x) { return fisher(f, x, o); }, a.back(), a.front(), nodes);
  return {init(f, a.front(), o), sampling_nongaussian::girsanov_discretization(a, J)};
}

inline void fill_model_girsanov(ScoreModelEvaluation& ev, std::pair<double, double> coarse,
                                std::pair<double, double> fine) {
  ev.girsanov_init = fine.first, ev.girsanov_discretization = fine.second;
  ev.girsanov_error = std::fabs(fine.first - coarse.first) + std::fabs(fine.second - coarse.second);
}

}  // namespace detail

/// Evaluates the sampler that uses the batch score model `score(k, X, S)` on the law `f` (d = 1 or 2)
/// through the levels σ_0 > … > σ_{N−1} (the resolutions of checks/full_error/sampler.cpp). A propagation
/// that fails (std::runtime_error: a map that folds where the grid cannot resolve it) is recorded in
/// `failure`; any other exception (e.g. from the model) propagates.
template <class ScoreFn>
ScoreModelEvaluation evaluate_score_model(const IsoMixture& f, const std::vector<double>& sigma, ScoreFn&& score) {
  if (sigma.size() < 2) throw std::invalid_argument("score model evaluation: need at least 2 noise levels");
  if (f.d != 1 && f.d != 2) throw std::invalid_argument("score model evaluation: the grids are 1-D or 2-D");
  ScoreModelEvaluation ev;
  ev.dimension = f.d;
  for (double s : sigma) ev.a.push_back(s * s);
  const auto& a = ev.a;
  ev.m2 = f.second_moment();
  ev.kl = ev.kl_coarse = std::nan("");

  if (f.d == 1) {
    // The 1-D propagation's score function takes vectors; its derivative is left empty (T' by differences).
    Eigen::MatrixXd X, S;
    auto fn = [&](std::size_t k, const std::vector<double>& x, std::vector<double>& s, std::vector<double>&) {
      X.resize(1, static_cast<Eigen::Index>(x.size()));
      for (std::size_t i = 0; i < x.size(); ++i) X(0, static_cast<Eigen::Index>(i)) = x[i];
      score(k, X, S);
      s.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) s[i] = S(0, static_cast<Eigen::Index>(i));
    };
    const GridOptions coarse, fine = coarse.refined();
    try {
      const PropagationResult c = propagate_kl_model(f, a, fn, coarse);
      PropagationResult r = propagate_kl_model(f, a, fn, fine);
      ev.kl = r.kl, ev.kl_coarse = c.kl;
      ev.kl_error = std::fabs(r.kl - c.kl) + 40 * std::max(r.skipped_mass, c.skipped_mass) + 1e-15 * std::fabs(r.kl);
      ev.x0 = r.final_grid.x0, ev.h = r.final_grid.h, ev.nx = r.final_grid.size(), ev.ny = 1;
      ev.q = std::move(r.final_grid.q);
      ev.mass = r.mass, ev.max_points = r.max_points;
      ev.kernel_steps = r.kernel_steps, ev.narrow_steps = r.narrow_steps;
    } catch (const std::runtime_error& e) {
      ev.failure = e.what();
    }
    GridOptions qc, qf;
    qc.r_feature = 16, qf.r_feature = 32;
    detail::fill_model_score_errors(ev, [&](std::size_t k) {
      auto at_k = [&](const std::vector<double>& x, std::vector<double>& s) {
        std::vector<double> unused;
        fn(k, x, s, unused);
      };
      return std::pair{score_error_1d(f, a[k], at_k, qc), score_error_1d(f, a[k], at_k, qf)};
    });
    detail::fill_model_girsanov(
        ev, detail::model_girsanov_terms<GridOptions>(f, a, 8, 64, fisher_information_1d, init_kl_1d),
        detail::model_girsanov_terms<GridOptions>(f, a, 12, 96, fisher_information_1d, init_kl_1d));
    return ev;
  }

  const GridOptions2d coarse, fine = coarse.refined();
  try {
    const Propagation2dResult c = propagate_kl_model_2d(f, a, score, coarse);
    Propagation2dResult r = propagate_kl_model_2d(f, a, score, fine);
    ev.kl = r.kl, ev.kl_coarse = c.kl;
    ev.kl_error = std::fabs(r.kl - c.kl) + 40 * std::max(r.skipped_mass, c.skipped_mass) +
                  2 * std::max(r.dropped_mass, c.dropped_mass) + 2 * std::max(r.tail_mass, c.tail_mass) +
                  std::max(r.narrow_mass_correction, c.narrow_mass_correction) + 1e-15 * std::fabs(r.kl);
    const Grid2d& g = r.final_grid;
    ev.x0 = g.x0, ev.y0 = g.y0, ev.h = g.h, ev.nx = g.nx, ev.ny = g.ny;
    ev.q = std::move(r.final_grid.q);
    ev.mass = r.mass, ev.max_points = r.max_points;
    ev.kernel_steps = r.kernel_steps, ev.narrow_steps = r.narrow_steps;
  } catch (const std::runtime_error& e) {
    ev.failure = e.what();
  }
  GridOptions2d qc, qf;
  qc.r_feature = 8, qf.r_feature = 12;
  detail::fill_model_score_errors(ev, [&](std::size_t k) {
    auto at_k = [&](const Eigen::MatrixXd& X, Eigen::MatrixXd& S) { score(k, X, S); };
    return std::pair{score_error_2d(f, a[k], at_k, qc), score_error_2d(f, a[k], at_k, qf)};
  });
  detail::fill_model_girsanov(
      ev, detail::model_girsanov_terms<GridOptions2d>(f, a, 6, 48, fisher_information_2d, init_kl_2d),
      detail::model_girsanov_terms<GridOptions2d>(f, a, 9, 72, fisher_information_2d, init_kl_2d));
  return ev;
}

/// The exact score of the law as a batch score model for the levels σ (columns of X, d × M).
inline auto exact_score_model(const IsoMixture& f, const std::vector<double>& sigma) {
  return [&f, &sigma](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
    const MixtureAtLevel L(f, sigma[k] * sigma[k]);
    S.resize(X.rows(), X.cols());
    for (Eigen::Index i = 0; i < X.cols(); ++i) L.score(X.col(i).data(), S.col(i).data());
  };
}

}  // namespace diffbound
