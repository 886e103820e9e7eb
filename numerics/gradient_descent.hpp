// Full-batch gradient descent θ_{k+1} = θ_k − h ∇L̄_em(θ_k) on the DSM loss (PAPER §2.3), with the
// diagnostics the training checks need at every step: the loss, the per-level losses, the gradient
// norm, and the distance of each trained layer from its initialisation, ‖W_ℓ − W_ℓ⁽⁰⁾‖ in spectral and
// Frobenius norm (the radius ω of Allen-Zhu's theorems, PAPER §5.1).
//
// Trainer::step() is one GD step on its own (a handful of GEMMs, no allocation), so that it can be
// timed and compared with other implementations; run_gd() drives it and records the path.
#pragma once

#include "dsm_loss.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace diffbound {

/// Spectral norm of a double matrix by power iteration on MᵀM, warm-started from `v` (updated; a
/// fixed start is used when v is empty). The estimate is a lower bound that converges from below.
inline double spectral_norm(const Eigen::MatrixXd& M, Eigen::VectorXd& v, int iterations) {
  if (M.size() == 0) return 0.0;
  if (v.size() != M.cols()) {
    v.resize(M.cols());
    for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = 1.0 + 0.5 * std::sin(1.0 + static_cast<double>(i));
    v.normalize();
  }
  Eigen::VectorXd u(M.rows());
  double s = 0;
  for (int it = 0; it < iterations; ++it) {
    u.noalias() = M * v;
    s = u.norm();
    if (!(s > 0)) return 0.0;
    v.noalias() = M.transpose() * u;
    const double nv = v.norm();
    if (!(nv > 0)) return s;
    v /= nv;
  }
  u.noalias() = M * v;
  return std::max(s, u.norm());
}

template <class Real>
class Trainer {
 public:
  Trainer(DsmObjective<Real>& objective, const Params<Real>& W0, const Real& h)
      : obj_(&objective), W_(W0), W0_(W0), grad_(zeros_like(W0)), h_(h), t_(0), gnorm_(0) {
    power_vectors_.resize(W0.size());
  }

  /// One GD step from θ_k: evaluates L̄(θ_k) and ∇L̄(θ_k), sets θ_{k+1} = θ_k − h ∇L̄(θ_k), and returns
  /// L̄(θ_k). The gradient and per-level losses at θ_k stay available until the next step.
  const Real& step() {
    obj_->value_and_gradient(W_, grad_);
    kern::zero(gnorm_);
    for (const auto& G : grad_) add_dot(gnorm_, G, G, t_);
    for (std::size_t l = 0; l < W_.size(); ++l) sub_scaled(W_[l], h_, grad_[l], t_);
    ++steps_;
    return obj_->loss();
  }

  /// L̄ at the current parameters (no step).
  const Real& evaluate() { return obj_->value(W_); }

  const Real& last_loss() const { return obj_->loss(); }
  const Real& last_grad_norm_sq() const { return gnorm_; }
  const Params<Real>& params() const { return W_; }
  Params<Real>& params() { return W_; }
  const Params<Real>& initial() const { return W0_; }
  const Params<Real>& gradient() const { return grad_; }
  const Real& step_size() const { return h_; }
  long steps() const { return steps_; }
  DsmObjective<Real>& objective() { return *obj_; }

  /// ‖W_ℓ − W_ℓ⁽⁰⁾‖_F per layer.
  std::vector<double> distance_frobenius() const {
    std::vector<double> out;
    for (std::size_t l = 0; l < W_.size(); ++l) {
      Real acc(0), t(0);
      for (Eigen::Index i = 0; i < W_[l].size(); ++i) {
        const Real diff = W_[l].data()[i] - W0_[l].data()[i];
        kern::add_mul(acc, diff, diff, t);
      }
      using std::sqrt;
      out.push_back(mid_double(Real(sqrt(acc))));
    }
    return out;
  }

  /// ‖W_ℓ − W_ℓ⁽⁰⁾‖_2 per layer (power iteration in double, warm-started between calls).
  std::vector<double> distance_spectral(int iterations) {
    std::vector<double> out;
    for (std::size_t l = 0; l < W_.size(); ++l) {
      Eigen::MatrixXd D(W_[l].rows(), W_[l].cols());
      for (Eigen::Index i = 0; i < D.size(); ++i) D.data()[i] = mid_double(Real(W_[l].data()[i] - W0_[l].data()[i]));
      out.push_back(spectral_norm(D, power_vectors_[l], iterations));
    }
    return out;
  }

 private:
  DsmObjective<Real>* obj_;
  Params<Real> W_, W0_, grad_;
  Real h_, t_, gnorm_;
  long steps_ = 0;
  std::vector<Eigen::VectorXd> power_vectors_;
};

struct GdOptions {
  long max_steps = 1000;
  double stop_ratio = 0;          ///< stop once L̄/L̄₀ ≤ stop_ratio (0: never)
  double divergence_ratio = 1e6;  ///< stop once L̄/L̄₀ > divergence_ratio or L̄ is not finite
  long distance_every = 10;       ///< ‖W − W⁽⁰⁾‖ every this many steps (and at the ends); 0: never
  int power_iterations = 3;       ///< per distance record (warm-started; 30 on the first)
};

/// The recorded path, in double (losses far below double's round-off are still representable).
struct GdPath {
  std::vector<double> loss;                     ///< L̄(θ_k), k = 0..K (the last entry is after the last step)
  std::vector<double> grad_norm_sq;             ///< ‖∇L̄(θ_k)‖², k = 0..K−1
  std::vector<std::vector<double>> level_loss;  ///< per k (0..K−1), per level j
  std::vector<long> distance_step;              ///< steps k at which distances were recorded
  std::vector<std::vector<double>> distance_spectral, distance_frobenius;  ///< per record, per layer
  std::string stop_reason;
  bool diverged = false;
  long steps() const { return static_cast<long>(grad_norm_sq.size()); }
};

/// Full-batch GD with the trainer until o.max_steps, divergence or the loss ratio o.stop_ratio:
/// the loss path, gradient norms, per-level losses and distances from θ⁽⁰⁾ (the stop reason recorded).
template <class Real>
GdPath run_gd(Trainer<Real>& tr, const GdOptions& o) {
  GdPath path;
  auto record_distance = [&](long k, bool first) {
    path.distance_step.push_back(k);
    path.distance_spectral.push_back(tr.distance_spectral(first ? 30 : o.power_iterations));
    path.distance_frobenius.push_back(tr.distance_frobenius());
  };
  if (o.distance_every > 0) record_distance(0, true);
  double l0 = std::numeric_limits<double>::quiet_NaN();
  path.stop_reason = "max_steps";
  for (long k = 0; k < o.max_steps; ++k) {
    const double lk = mid_double(tr.step());
    if (k == 0) l0 = lk;
    path.loss.push_back(lk);
    path.grad_norm_sq.push_back(mid_double(tr.last_grad_norm_sq()));
    std::vector<double> lev;
    for (const auto& v : tr.objective().level_losses()) lev.push_back(mid_double(v));
    path.level_loss.push_back(std::move(lev));
    if (o.distance_every > 0 && (k + 1) % o.distance_every == 0) record_distance(k + 1, false);
    if (!std::isfinite(lk) || lk > o.divergence_ratio * l0) {
      path.diverged = true;
      path.stop_reason = "diverged";
      break;
    }
    if (o.stop_ratio > 0 && lk <= o.stop_ratio * l0) {
      path.stop_reason = "reached stop_ratio";
      break;
    }
  }
  path.loss.push_back(mid_double(tr.evaluate()));
  if (o.distance_every > 0 && (path.distance_step.empty() || path.distance_step.back() != tr.steps()))
    record_distance(tr.steps(), false);
  return path;
}

/// Largest eigenvalue of the Gauss–Newton matrix Jᵀ Q J at θ = W (power iteration from a seeded
/// direction). 2/λ_max is the step size at which GD on the linearised model stops being stable.
template <class Real>
double gauss_newton_lambda_max(DsmObjective<Real>& obj, const Params<Real>& W, int iterations, std::uint64_t seed,
                               Params<Real>* top_vector = nullptr) {
  obj.value(W);
  Params<Real> V = zeros_like(W), out = zeros_like(W);
  NormalSource g(seed);
  for (auto& M : V)
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = Real(g());
  double lambda = 0;
  for (int it = 0; it < iterations; ++it) {
    using std::sqrt;
    const Real nv = sqrt(inner(V, V));
    for (auto& M : V)
      for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] /= nv;
    obj.gauss_newton(W, V, out);
    lambda = mid_double(inner(V, out));
    std::swap(V, out);
  }
  if (top_vector) {
    using std::sqrt;
    const Real nv = sqrt(inner(V, V));
    for (auto& M : V)
      for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] /= nv;
    *top_vector = std::move(V);
  }
  return lambda;
}

}  // namespace diffbound
