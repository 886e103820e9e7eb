// The PL ratio μ(θ) = ‖∇L̄(θ)‖² / (L̄(θ) − L*) that the gradient lower bound (Lemma 1's role, PAPER §3
// [S]; Allen-Zhu Thm 3 [R] §5.1) bounds below on a whole ball around the initialisation, its gradient,
// and an adversarial search for small values of μ over a ball around a point (issue 16, item 6).
//
//     ∇μ = (2 H ∇L̄ − μ ∇L̄) / (L̄ − L*),   H = ∇²L̄,
//
// with the Hessian-vector product H∇L̄ by a central difference of the analytic gradient along ∇L̄
// (the loss of a ReLU network is piecewise polynomial in θ, so the difference is exact to O(ε²) unless
// an activation flips within ε; the search's line search only accepts steps that decrease μ, so a wrong
// direction costs an iteration, never a wrong answer: every reported μ is evaluated, not predicted).
//
// The ball is ‖Δ‖₂ = max_ℓ ‖Δ_ℓ‖₂ ≤ ω (spectral norm per trained layer, as in semismoothness.hpp); a
// point is brought back into it by scaling each layer whose spectral norm exceeds ω (warm-started power
// iteration, with a 1e-3 safety margin; the minimiser's radius is recomputed from a fresh start). The search is projected descent on μ with backtracking, from several
// starts: the centre, random directions at radius ω, and ± the top Gauss–Newton eigenvector at radius
// ω. It is a heuristic: its minimum is an upper bound on the minimum of μ over the ball.
#pragma once

#include "gradient_descent.hpp"
#include "semismoothness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace diffbound {

/// μ and its gradient at points of one objective (work space allocated once).
template <class Real>
class PlRatioProbe {
 public:
  /// `min_excess`: μ is reported only where L̄ − L* exceeds it (the run's round-off guard).
  PlRatioProbe(DsmObjective<Real>& obj, const Params<Real>& shape, double l_star = 0, double min_excess = 0)
      : obj_(&obj), grad_(zeros_like(shape)), gp_(zeros_like(shape)), gm_(zeros_like(shape)),
        work_(zeros_like(shape)), l_star_(l_star), min_excess_(min_excess) {}

  /// μ(θ) (NaN when L̄(θ) − L* ≤ min_excess); the loss and ‖∇L̄‖² are kept (loss(), grad_norm_sq()).
  Real ratio(const Params<Real>& theta) {
    loss_ = obj_->value_and_gradient(theta, grad_);
    gsq_ = inner(grad_, grad_);
    const Real excess = loss_ - Real(l_star_);
    if (!(excess > Real(min_excess_))) return Real(std::numeric_limits<double>::quiet_NaN());
    return gsq_ / excess;
  }

  /// μ(θ) and ∇μ(θ) into `out` (same shapes). `fd_rel`: the central-difference step along ∇L̄ for
  /// H∇L̄, relative to ‖θ‖_F/‖∇L̄‖_F.
  Real ratio_and_gradient(const Params<Real>& theta, Params<Real>& out, double fd_rel) {
    using std::sqrt;
    const Real mu = ratio(theta);
    const Real excess = loss_ - Real(l_star_);
    const Real gnorm = sqrt(gsq_);
    if (!(excess > Real(min_excess_)) || !(gnorm > 0)) {
      for (auto& M : out) M.setZero();
      return mu;
    }
    const Real eps = Real(fd_rel) * sqrt(inner(theta, theta)) / gnorm;
    Real t(0);
    for (std::size_t l = 0; l < theta.size(); ++l) {
      work_[l] = theta[l];
      add_scaled(work_[l], eps, grad_[l], t);
    }
    obj_->value_and_gradient(work_, gp_);
    for (std::size_t l = 0; l < theta.size(); ++l) {
      work_[l] = theta[l];
      add_scaled(work_[l], Real(-eps), grad_[l], t);
    }
    obj_->value_and_gradient(work_, gm_);
    // out = (2 (g₊ − g₋)/(2ε) − μ g)/excess
    const Real inv2e = Real(1) / (Real(2) * eps);
    for (std::size_t l = 0; l < theta.size(); ++l)
      for (Eigen::Index i = 0; i < out[l].size(); ++i)
        out[l].data()[i] =
            (Real(2) * (gp_[l].data()[i] - gm_[l].data()[i]) * inv2e - mu * grad_[l].data()[i]) / excess;
    // Restore the objective's state at θ (loss, level losses) for the caller.
    obj_->value(theta);
    return mu;
  }

  const Real& loss() const { return loss_; }
  const Real& grad_norm_sq() const { return gsq_; }

 private:
  DsmObjective<Real>* obj_;
  Params<Real> grad_, gp_, gm_, work_;
  Real loss_ = Real(0), gsq_ = Real(0);
  double l_star_, min_excess_;
};

struct PlSearchOptions {
  double radius = 0;          ///< ω: the ball ‖Δ‖₂ ≤ ω around the centre
  int random_starts = 4;      ///< random directions at radius ω
  bool top_gn_starts = true;  ///< ± the top Gauss–Newton eigenvector at radius ω
  bool centre_start = true;   ///< descent from the centre itself
  int iterations = 12;        ///< descent iterations per start
  double fd_rel = 1e-6;       ///< see PlRatioProbe::ratio_and_gradient
  double min_excess = 0;      ///< μ only where L̄ − L* exceeds this (L* = 0 here)
  std::uint64_t seed = 1;
};

struct PlSearchStart {
  std::string label;
  double start_ratio = 0;  ///< μ at the start
  double end_ratio = 0;    ///< μ after the descent
  double end_radius = 0;   ///< ‖Δ‖₂ at the end
  int accepted = 0;        ///< accepted descent steps
};

struct PlSearchResult {
  double centre_ratio = 0;                                               ///< μ at the centre
  double min_ratio = std::numeric_limits<double>::infinity();           ///< smallest μ found in the ball
  double min_random_ratio = std::numeric_limits<double>::infinity();    ///< smallest μ at the random starts
  double min_loss = 0;                                                   ///< L̄ at the minimiser
  double min_radius = 0;                                                 ///< ‖Δ‖₂ of the minimiser
  std::string min_label;                                                 ///< its start
  std::vector<PlSearchStart> starts;
  long evaluations = 0;                                                  ///< gradient evaluations
  Params<double> minimiser;                                              ///< θ at the smallest μ
};

namespace detail {
/// Power iteration converges from below: a layer is held to ω(1 − kClipMargin) by the warm-started estimate,
/// and the reported radius of a result is recomputed from a fresh start (spectral_size).
inline constexpr double kClipMargin = 1e-3;
/// Scales each layer of Δ whose spectral norm (warm-started power iteration) exceeds ω(1 − kClipMargin) back
/// to that; returns max_ℓ of the estimates.
inline double clip_spectral(Params<double>& D, double omega, std::vector<Eigen::VectorXd>& warm) {
  warm.resize(D.size());
  const double target = omega * (1 - kClipMargin);
  double s_max = 0;
  for (std::size_t l = 0; l < D.size(); ++l) {
    const double s = spectral_norm(D[l], warm[l], warm[l].size() == D[l].cols() ? 4 : 30);
    if (s > target) {
      D[l] *= target / s;
      s_max = std::max(s_max, target);
    } else {
      s_max = std::max(s_max, s);
    }
  }
  return s_max;
}
inline double frobenius(const Params<double>& G) {
  double s = 0;
  for (const auto& M : G) s += M.squaredNorm();
  return std::sqrt(s);
}
}  // namespace detail

/// Projected descent on μ over the ball ‖θ − centre‖₂ ≤ ω, in double (see the file comment).
inline PlSearchResult search_pl_ratio(DsmObjective<double>& obj, const Params<double>& centre,
                                      const PlSearchOptions& o) {
  PlSearchResult res;
  PlRatioProbe<double> probe(obj, centre, 0.0, o.min_excess);
  Params<double> theta = centre, G = zeros_like(centre), trial = zeros_like(centre);
  std::vector<Eigen::VectorXd> warm;
  res.centre_ratio = probe.ratio(centre);
  ++res.evaluations;
  auto consider = [&](double mu, const Params<double>& th, double radius, const std::string& label) {
    if (std::isfinite(mu) && mu < res.min_ratio) {
      res.min_ratio = mu, res.min_loss = probe.loss(), res.min_radius = radius, res.min_label = label;
      res.minimiser = th;
    }
  };
  consider(res.centre_ratio, centre, 0.0, "centre");
  // The starts, as perturbations Δ of the centre.
  std::vector<std::pair<std::string, Params<double>>> starts;
  if (o.centre_start) starts.push_back({"centre", zeros_like(centre)});
  NormalSource g(mix64(o.seed ^ 0x7777));
  for (int k = 0; k < o.random_starts; ++k) {
    Params<double> U = zeros_like(centre);
    for (auto& M : U)
      for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = g();
    normalise_spectral(U);
    for (auto& M : U) M *= o.radius * (1 - detail::kClipMargin);
    starts.push_back({"random " + std::to_string(k), std::move(U)});
  }
  if (o.top_gn_starts) {
    Params<double> top;
    gauss_newton_lambda_max(obj, centre, 30, mix64(o.seed ^ 0x8888), &top);
    res.evaluations += 30;
    normalise_spectral(top);
    for (double sign : {1.0, -1.0}) {
      Params<double> U = top;
      for (auto& M : U) M *= sign * o.radius * (1 - detail::kClipMargin);
      starts.push_back({sign > 0 ? "+top GN eigenvector" : "-top GN eigenvector", std::move(U)});
    }
  }
  for (auto& [label, D] : starts) {
    PlSearchStart st;
    st.label = label;
    double radius = detail::clip_spectral(D, o.radius, warm);
    for (std::size_t l = 0; l < D.size(); ++l) theta[l] = centre[l] + D[l];
    double mu = probe.ratio_and_gradient(theta, G, o.fd_rel);
    res.evaluations += 3;
    st.start_ratio = mu;
    if (label.rfind("random", 0) == 0 && std::isfinite(mu)) res.min_random_ratio = std::min(res.min_random_ratio, mu);
    consider(mu, theta, radius, label);
    double s = 0.5;  // step as a fraction of ω, along G scaled to Frobenius (≥ spectral) size 1
    for (int it = 0; it < o.iterations && std::isfinite(mu); ++it) {
      const double gs = detail::frobenius(G);
      if (!(gs > 0) || !std::isfinite(gs)) break;
      bool accepted = false;
      for (int bt = 0; bt < 24; ++bt) {
        Params<double> Dn = D;
        for (std::size_t l = 0; l < D.size(); ++l) Dn[l] -= (s * o.radius / gs) * G[l];
        const double rn = detail::clip_spectral(Dn, o.radius, warm);
        for (std::size_t l = 0; l < D.size(); ++l) trial[l] = centre[l] + Dn[l];
        const double mu_n = probe.ratio(trial);
        ++res.evaluations;
        if (std::isfinite(mu_n) && mu_n < mu) {
          D = std::move(Dn), radius = rn, accepted = true;
          break;
        }
        s *= 0.5;
      }
      if (!accepted) break;
      ++st.accepted;
      for (std::size_t l = 0; l < D.size(); ++l) theta[l] = centre[l] + D[l];
      mu = probe.ratio_and_gradient(theta, G, o.fd_rel);
      res.evaluations += 3;
      consider(mu, theta, radius, label);
      s = std::min(1.0, 2 * s);
    }
    st.end_ratio = mu;
    st.end_radius = radius;
    res.starts.push_back(st);
  }
  if (!res.minimiser.empty()) {
    // The minimiser's radius from a fresh power iteration; if the warm-started estimates let it out of the
    // ball, it is scaled back in and μ evaluated there (what is reported is always evaluated).
    Params<double> D = res.minimiser;
    for (std::size_t l = 0; l < D.size(); ++l) D[l] -= centre[l];
    res.min_radius = spectral_size(D);
    if (res.min_radius > o.radius) {
      for (auto& M : D) M *= o.radius * (1 - detail::kClipMargin) / res.min_radius;
      for (std::size_t l = 0; l < D.size(); ++l) res.minimiser[l] = centre[l] + D[l];
      res.min_ratio = probe.ratio(res.minimiser);
      res.min_loss = probe.loss();
      res.min_radius = spectral_size(D);
      ++res.evaluations;
    }
  }
  return res;
}

}  // namespace diffbound
