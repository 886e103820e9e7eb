// The second-order remainder of the DSM loss, R(θ̆, Δ) = L̄(θ̆ + Δ) − L̄(θ̆) − ⟨∇L̄(θ̆), Δ⟩, which the
// semi-smoothness property (PAPER §5.1, Allen-Zhu Thm 4 [R]; the paper's Lemma 9 [S]) bounds, and the
// spectral size ‖Δ‖_2 = max_ℓ ‖Δ_ℓ‖_2 of a perturbation. Evaluated in the scalar of the objective: in
// MPFR the remainder keeps its digits down to ‖Δ‖ ~ 10⁻¹² and below, where double only shows round-off.
#pragma once

#include "gradient_descent.hpp"

namespace diffbound {

template <class Real>
class RemainderProbe {
 public:
  explicit RemainderProbe(DsmObjective<Real>& obj, const Params<Real>& shape)
      : obj_(&obj), theta_(shape), grad_(zeros_like(shape)), work_(zeros_like(shape)) {}

  /// Sets the point θ̆: evaluates L̄(θ̆) and ∇L̄(θ̆).
  void set_point(const Params<Real>& theta) {
    theta_ = theta;
    loss_ = obj_->value_and_gradient(theta_, grad_);
  }
  const Real& loss() const { return loss_; }
  const Params<Real>& gradient() const { return grad_; }

  /// R(θ̆, s·V) = L̄(θ̆ + sV) − L̄(θ̆) − s⟨∇L̄(θ̆), V⟩.
  Real remainder(const Params<Real>& V, const Real& s) {
    Real t(0);
    for (std::size_t l = 0; l < theta_.size(); ++l) {
      work_[l] = theta_[l];
      add_scaled(work_[l], s, V[l], t);
    }
    const Real lp = obj_->value(work_);
    return lp - loss_ - s * inner(grad_, V);
  }

 private:
  DsmObjective<Real>* obj_;
  Params<Real> theta_, grad_, work_;
  Real loss_ = Real(0);
};

/// max_ℓ ‖V_ℓ‖_2 (power iteration in double, 60 iterations from a fixed start).
template <class Real>
double spectral_size(const Params<Real>& V) {
  double s = 0;
  for (const auto& M : V) {
    Eigen::MatrixXd D;
    convert(D, M);
    Eigen::VectorXd v;
    s = std::max(s, spectral_norm(D, v, 60));
  }
  return s;
}

/// V scaled to spectral size 1.
template <class Real>
void normalise_spectral(Params<Real>& V) {
  const double s = spectral_size(V);
  if (!(s > 0)) return;
  const Real inv = Real(1) / Real(s);
  for (auto& M : V)
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] *= inv;
}

}  // namespace diffbound
