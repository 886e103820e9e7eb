// The empirical denoising-score-matching loss of PAPER §2.2 on the ReLU network of relu_network.hpp,
// its gradient in θ = (W_1..W_L), and the Gauss–Newton product, all as batched matrix products.
//
//     L̄_em(θ) = c_n Σ_{i=1}^n Σ_{j=1}^N β_j ‖r_ij(θ)‖²,   β_j = w(t_j)(t_j − t_{j−1}),
//     r_ij = S(θ; σ̄_j, x_ij) + ξ_ij/σ̄_j      (residual = "score")
//     r_ij = σ̄_j S(θ; σ̄_j, x_ij) + ξ_ij      (residual = "sigma_scaled"),
//     x_ij = x_{0,i} + σ̄_j ξ_ij, one noise draw ξ_ij ~ N(0, I_d) per (i, j) from a fixed seed.
//
// Options (DsmOptions), each [UNKNOWN] in PAPER §2.2 unless said otherwise:
//   option         default          meaning                                                        tag
//   samples n      8                number of data points                                           —
//   grid           geometric, N+1 = 5 levels in [0.02, 100]: the training noise levels            [UNKNOWN];
//                  σ̄(t_0) < … < σ̄(t_N) (EDM's VE training range, PAPER §5.3)                  range [V-code]
//   residual       "sigma_scaled"   σ̄S + ξ (Song's loss code [V-code] §5.4; Das et al. [S] §2.2)   [UNKNOWN]
//                                   or "score": S + ξ/σ̄
//   time           "sigma"          t as a function of σ̄: sigma (σ̄_t = t, EDM) or                 [D] §1.1
//                                   sigma_sq (σ̄_t = √t, Song-VE in EDM's parametrisation)
//   weight         "inv_sigma"      w(t_j): one | inv_sigma (1/σ̄; with time = sigma and a          [UNKNOWN]
//                                   geometric grid all total weights β_j are equal) | sigma |
//                                   sigma_sq (Song's λ = σ̄²) | edm ((σ̄² + σ_d²)/(σ̄σ_d)², σ_d = 0.5)
//   normalisation  "half_mean"      c_n: half_mean 1/(2n) (PAPER §2.1's ½ with a mean over i) |    [UNKNOWN]
//                                   mean 1/n | half 1/2 | sum 1
//
// Samples are the columns p = j·n + i (level-major), so each level is a contiguous block of n columns.
#pragma once

#include "relu_network.hpp"

#include <diffbound/theory/schedules.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace diffbound {

struct DsmOptions {
  int samples = 8;
  ScheduleSpec grid = ScheduleSpec::geometric(5, 0.02, 100.0);
  std::string residual = "sigma_scaled";
  std::string time = "sigma";
  std::string weight = "inv_sigma";
  std::string normalisation = "half_mean";
  /// When non-empty: the total weights β_1..β_N themselves (levels ascending), replacing w(t_j)(t_j − t_{j−1})
  /// (design.weighting trains with weightings that are not of the form w(t)·Δt; `weight` is then unused).
  std::vector<double> total_weights;

  int levels() const { return grid.n_levels - 1; }
};

/// Throws (naming the option) when an option is out of its range; called before any work.
inline void validate(const DsmOptions& o) {
  if (o.samples < 1) throw NetworkError("loss: samples (n) must be at least 1");
  validate(o.grid);
  if (o.residual != "sigma_scaled" && o.residual != "score")
    throw NetworkError("loss: residual must be sigma_scaled or score, got '" + o.residual + "'");
  if (o.time != "sigma" && o.time != "sigma_sq")
    throw NetworkError("loss: time must be sigma or sigma_sq, got '" + o.time + "'");
  if (o.weight != "one" && o.weight != "inv_sigma" && o.weight != "sigma" && o.weight != "sigma_sq" &&
      o.weight != "edm")
    throw NetworkError("loss: weight must be one, inv_sigma, sigma, sigma_sq or edm, got '" + o.weight + "'");
  if (o.normalisation != "half_mean" && o.normalisation != "mean" && o.normalisation != "half" &&
      o.normalisation != "sum")
    throw NetworkError("loss: normalisation must be half_mean, mean, half or sum, got '" + o.normalisation + "'");
  if (!o.total_weights.empty()) {
    if (static_cast<int>(o.total_weights.size()) != o.levels())
      throw NetworkError("loss: total_weights needs one weight per trained level");
    for (double b : o.total_weights)
      if (!(b >= 0) || !std::isfinite(b)) throw NetworkError("loss: total_weights must be finite and >= 0");
  }
}

/// The trained levels σ̄_1..σ̄_N (ascending), their total weights β_j = w(t_j)(t_j − t_{j−1}) and the
/// residual factors κ_j (r = κ_j·(S + ξ/σ̄_j)), from the options alone. Only + − × ÷ and sqrt/log/exp
/// of the schedule are used, so Real may be an interval.
template <class Real>
struct LevelWeights {
  std::vector<Real> sigma, beta, kappa;
};

template <class Real>
LevelWeights<Real> level_weights(const DsmOptions& lo) {
  validate(lo);
  auto lev = noise_levels<Real>(lo.grid);  // decreasing
  std::reverse(lev.begin(), lev.end());    // t_0 < … < t_N
  auto t_of = [&](const Real& s) { return lo.time == "sigma" ? s : Real(s * s); };
  const Real sd = decimal<Real>(0.5);  // EDM σ_data for the edm weight [V-code]
  LevelWeights<Real> out;
  for (std::size_t j = 1; j < lev.size(); ++j) {
    const Real& s = lev[j];
    Real w(1);
    if (lo.weight == "inv_sigma")
      w = Real(1) / s;
    else if (lo.weight == "sigma")
      w = s;
    else if (lo.weight == "sigma_sq")
      w = s * s;
    else if (lo.weight == "edm")
      w = (s * s + sd * sd) / (s * sd * s * sd);
    out.sigma.push_back(s);
    if (lo.total_weights.empty())
      out.beta.push_back(w * (t_of(lev[j]) - t_of(lev[j - 1])));
    else
      out.beta.push_back(decimal<Real>(lo.total_weights[j - 1]));
    out.kappa.push_back(lo.residual == "sigma_scaled" ? s : Real(1));
  }
  return out;
}

/// c_n of the options for n samples.
template <class Real>
Real normalisation_constant(const DsmOptions& lo, int n) {
  if (lo.normalisation == "half_mean") return Real(1) / Real(2 * n);
  if (lo.normalisation == "mean") return Real(1) / Real(n);
  if (lo.normalisation == "half") return Real(1) / Real(2);
  return Real(1);
}

/// Everything the loss needs that does not depend on θ.
template <class Real>
struct DsmProblem {
  NetworkOptions net;
  DsmOptions loss;
  int n = 0, N = 0;
  Eigen::Index d = 0, d_in = 0;
  std::vector<Real> sigma;    ///< σ̄_1..σ̄_N (ascending), the trained levels
  std::vector<Real> beta;     ///< β_j = w(t_j)(t_j − t_{j−1})
  std::vector<Real> alpha;    ///< coefficient of the network output y in r_ij
  std::vector<Real> xi_coef;  ///< coefficient of ξ_ij in r_ij
  std::vector<Real> kappa;    ///< r_ij = κ_j (score residual): κ_j = σ̄_j (sigma_scaled) or 1 (score)
  Real c_n;
  std::vector<Real> col_weight;         ///< c_n β_j per column
  std::vector<Real> col_alpha, col_xi;  ///< α_j, ξ-coefficient per column
  std::vector<Real> col_grad;           ///< 2 c_n β_j α_j per column (∂loss/∂y = col_grad · r)
  Mat<Real> X0;                         ///< d × n
  Mat<Real> Xi;                         ///< d × P
  Mat<Real> Z;                          ///< d_in × P

  Eigen::Index P() const { return static_cast<Eigen::Index>(n) * N; }
  int level_of(Eigen::Index p) const { return static_cast<int>(p / n); }
  /// Effective per-sample weights q_j = 2 c_n β_j α_j² (the weight GD sees on level j).
  Real q(int j) const { return Real(2) * c_n * beta[j] * alpha[j] * alpha[j]; }
};

/// Builds the problem from the data points x0 (d × n, double) and a noise seed (one ξ per (i, j)).
template <class Real>
DsmProblem<Real> make_problem(const NetworkOptions& net, const DsmOptions& lo, const Eigen::MatrixXd& x0,
                              std::uint64_t noise_seed) {
  validate(net);
  validate(lo);
  DsmProblem<Real> pb;
  pb.net = net;
  pb.loss = lo;
  pb.n = static_cast<int>(x0.cols());
  pb.N = lo.levels();
  pb.d = x0.rows();
  pb.d_in = input_dimension(net, pb.d);
  const auto lw = level_weights<Real>(lo);
  pb.sigma = lw.sigma;
  pb.beta = lw.beta;
  pb.kappa = lw.kappa;
  for (int j = 0; j < pb.N; ++j) {
    const Real out = output_multiplier(net, pb.sigma[j]);
    pb.alpha.push_back(pb.kappa[j] * out);
    pb.xi_coef.push_back(lo.residual == "sigma_scaled" ? Real(1) : Real(Real(1) / pb.sigma[j]));
  }
  pb.c_n = normalisation_constant<Real>(lo, pb.n);

  const Eigen::Index P = pb.P();
  convert(pb.X0, Eigen::MatrixXd(x0));
  NormalSource g(noise_seed);
  Eigen::MatrixXd xi(pb.d, P);
  for (Eigen::Index p = 0; p < P; ++p)
    for (Eigen::Index r = 0; r < pb.d; ++r) xi(r, p) = g();
  convert(pb.Xi, xi);
  pb.Z = zeros<Real>(pb.d_in, P);
  std::vector<Real> x(static_cast<std::size_t>(pb.d));
  for (Eigen::Index p = 0; p < P; ++p) {
    const int j = pb.level_of(p);
    const Eigen::Index i = p % pb.n;
    for (Eigen::Index r = 0; r < pb.d; ++r) x[r] = pb.X0(r, i) + pb.sigma[j] * pb.Xi(r, p);
    input_map(net, x.data(), pb.d, pb.sigma[j], pb.Z.col(p).data());
    pb.col_weight.push_back(pb.c_n * pb.beta[j]);
    pb.col_alpha.push_back(pb.alpha[j]);
    pb.col_xi.push_back(pb.xi_coef[j]);
    pb.col_grad.push_back(Real(2) * pb.c_n * pb.beta[j] * pb.alpha[j]);
  }
  return pb;
}

/// Smallest distance ‖z_p − z_q‖ between two network inputs (Allen-Zhu's separation δ [R] §5.1).
template <class Real>
double input_separation(const DsmProblem<Real>& pb) {
  Eigen::MatrixXd Z;
  convert(Z, pb.Z);
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index p = 0; p < Z.cols(); ++p)
    for (Eigen::Index q = p + 1; q < Z.cols(); ++q) best = std::min(best, (Z.col(p) - Z.col(q)).squaredNorm());
  return std::sqrt(best);
}

/// The loss, its gradient and the Gauss–Newton product for one problem and one network (A, B fixed),
/// with all work space allocated once in the constructor. Not thread-safe; one per thread.
template <class Real>
class DsmObjective {
 public:
  DsmObjective(const DsmProblem<Real>& pb, const ReluNetwork<Real>& net)
      : pb_(&pb), B_(net.B), L_(net.depth()), m_(net.width()) {
    const Eigen::Index P = pb.P();
    H_.reserve(L_ + 1);
    for (int l = 0; l <= L_; ++l) H_.push_back(zeros<Real>(m_, P));
    gemm(H_[0], net.A, Op::N, pb.Z, Op::N);  // h_0 = φ(A z) does not depend on θ: computed once
    relu_inplace(H_[0]);
    D_ = zeros<Real>(m_, P);
    D2_ = zeros<Real>(m_, P);
    T_ = zeros<Real>(m_, P);
    T2_ = zeros<Real>(m_, P);
    Y_ = zeros<Real>(pb.d, P);
    R_ = zeros<Real>(pb.d, P);
    col_loss_.assign(static_cast<std::size_t>(P), Real(0));
    level_loss_.assign(static_cast<std::size_t>(pb.N), Real(0));
    loss_ = Real(0), t_ = Real(0), acc_ = Real(0);
  }

  const DsmProblem<Real>& problem() const { return *pb_; }
  int depth() const { return L_; }
  int width() const { return m_; }

  /// L̄_em(θ); fills per-level and per-column losses.
  const Real& value(const Params<Real>& W) {
    forward(W);
    residual_and_loss();
    return loss_;
  }

  /// L̄_em(θ) and ∇_θ L̄_em into `grad` (same shapes as W, preallocated).
  const Real& value_and_gradient(const Params<Real>& W, Params<Real>& grad) {
    forward(W);
    residual_and_loss();
    // E = ∂L/∂Y: column p is 2 c_n β_j α_j r_p (kept in R_, which is not needed afterwards... keep R
    // intact for diagnostics: scale into Y_ instead).
    scale_columns(Y_, R_, pb_->col_grad);
    backward(W, Y_, grad);
    return loss_;
  }

  /// Gauss–Newton product out = Jᵀ Q J V at θ = W (Q = diag of 2 c_n β_j α_j² per column), where J is
  /// the Jacobian of the network outputs y. Uses the activation pattern of the last value() call at W.
  void gauss_newton(const Params<Real>& W, const Params<Real>& V, Params<Real>& out) {
    // Tangent forward: T_ℓ = 1[h_ℓ > 0] ⊙ (V_ℓ h_{ℓ−1} + W_ℓ T_{ℓ−1}), T_0 = 0.
    Mat<Real>* cur = &T_;
    Mat<Real>* nxt = &T2_;
    for (int l = 1; l <= L_; ++l) {
      gemm(*nxt, V[l - 1], Op::N, H_[l - 1], Op::N);
      if (l > 1) {
        gemm(D2_, W[l - 1], Op::N, *cur, Op::N);
        add_scaled(*nxt, one_, D2_, t_);
      }
      mask_by_positive(*nxt, H_[l]);
      std::swap(cur, nxt);
    }
    gemm(Y_, B_, Op::N, *cur, Op::N);  // y' = B T_L
    for (Eigen::Index p = 0; p < Y_.cols(); ++p) {
      kern::mul(acc_, pb_->col_grad[p], pb_->col_alpha[p]);  // 2 c_n β α²
      for (Eigen::Index r = 0; r < Y_.rows(); ++r) kern::mul(Y_(r, p), Y_(r, p), acc_);
    }
    backward(W, Y_, out);
  }

  const Real& loss() const { return loss_; }
  const std::vector<Real>& level_losses() const { return level_loss_; }
  const std::vector<Real>& column_losses() const { return col_loss_; }
  /// Residuals r_p of the last evaluation (d × P).
  const Mat<Real>& residuals() const { return R_; }
  /// Network outputs y of the last evaluation are overwritten by the gradient pass; the score values
  /// S_p = α_p^{-1}·(r_p − ξ-part) are recoverable from residuals().

 private:
  void forward(const Params<Real>& W) {
    for (int l = 1; l <= L_; ++l) {
      gemm(H_[l], W[l - 1], Op::N, H_[l - 1], Op::N);
      relu_inplace(H_[l]);
    }
    gemm(Y_, B_, Op::N, H_[L_], Op::N);
  }

  void residual_and_loss() {
    const auto& pb = *pb_;
    kern::zero(loss_);
    for (auto& v : level_loss_) kern::zero(v);
    for (Eigen::Index p = 0; p < R_.cols(); ++p) {
      kern::zero(acc_);
      for (Eigen::Index r = 0; r < R_.rows(); ++r) {
        kern::mul_add_mul(R_(r, p), pb.col_alpha[p], Y_(r, p), pb.col_xi[p], pb.Xi(r, p), t_);
        kern::add_mul(acc_, R_(r, p), R_(r, p), t_);
      }
      kern::mul(col_loss_[p], acc_, pb.col_weight[p]);
      kern::add(level_loss_[pb.level_of(p)], col_loss_[p]);
    }
    for (const auto& v : level_loss_) kern::add(loss_, v);
  }

  static void scale_columns(Mat<Real>& out, const Mat<Real>& in, const std::vector<Real>& s) {
    for (Eigen::Index p = 0; p < in.cols(); ++p)
      for (Eigen::Index r = 0; r < in.rows(); ++r) kern::mul(out(r, p), in(r, p), s[p]);
  }

  /// Back-propagates E = ∂L/∂Y (d × P) into grad.
  void backward(const Params<Real>& W, const Mat<Real>& E, Params<Real>& grad) {
    gemm(D_, B_, Op::T, E, Op::N);
    mask_by_positive(D_, H_[L_]);
    Mat<Real>* cur = &D_;
    Mat<Real>* nxt = &D2_;
    for (int l = L_; l >= 1; --l) {
      gemm(grad[l - 1], *cur, Op::N, H_[l - 1], Op::T);
      if (l > 1) {
        gemm(*nxt, W[l - 1], Op::T, *cur, Op::N);
        mask_by_positive(*nxt, H_[l - 1]);
        std::swap(cur, nxt);
      }
    }
  }

  const DsmProblem<Real>* pb_;
  Mat<Real> B_;
  int L_, m_;
  std::vector<Mat<Real>> H_;
  Mat<Real> D_, D2_, T_, T2_, Y_, R_;
  std::vector<Real> col_loss_, level_loss_;
  Real loss_, t_, acc_;
  Real one_ = Real(1);
};

}  // namespace diffbound
