// The score network of PAPER §2.3 / §5.1: an Allen-Zhu–Li–Song deep ReLU network [R] whose input is
// built from (x, noise level σ̄), with a fixed random input layer A, L trained hidden m×m layers
// W_1..W_L and a fixed random output layer B:
//
//     z = input_map(x, σ̄) ∈ R^{d_in},  h_0 = φ(A z),  h_ℓ = φ(W_ℓ h_{ℓ−1}) (ℓ = 1..L),  y = B h_L ∈ R^d,
//     S(θ; σ̄, x) = out(σ̄) · y,         θ = (W_1, …, W_L),  φ = ReLU.
//
// Every choice PAPER marks [UNKNOWN] is a named option (NetworkOptions) with a documented default:
//
//   option                default         meaning                                            PAPER tag
//   width m               64              hidden width                                        —
//   depth L               2               number of trained hidden layers                     [R] §5.1
//   noise_feature         "log_sigma"     how σ̄ enters the input: log_sigma (c·ln σ̄),         [UNKNOWN] §2.3
//                                         sigma (c·σ̄) or none (the net does not see σ̄)
//   noise_feature_scale   0.25            c above; EDM's c_noise = ¼ ln σ                      [V-code] §5.3
//   x_scaling             "edm"           edm: x·c_in, c_in = 1/sqrt(σ_data² + σ̄²);           [V-code] §5.3
//                                         none: x as is                                      (choice [UNKNOWN])
//   sigma_data            1.0             σ_data of c_in (our default data have unit scale;   [UNKNOWN]
//                                         EDM's images use 0.5)
//   input_normalisation   "unit_sphere"   unit_sphere: z = (u/(√2‖u‖), 1/√2), Allen-Zhu's      [R] §5.1
//                                         ‖z‖ = 1 with last coordinate 1/√2; raw: z = (u, 1)
//   output_scaling        "inverse_sigma" S = y/σ̄ (EDM's VE preconditioning c_skip = 1,        [V-code] §5.3
//                                         c_out = σ gives s = F/σ); none: S = y (Allen-Zhu)   (choice [UNKNOWN])
//   input_init_variance   2               A_ij ~ N(0, 2/m)                                    [R] §5.1
//   hidden_init_variance  2               (W_ℓ)_ij ~ N(0, 2/m)                                [R] §5.1
//   output_init_variance  1               B_ij ~ N(0, 1/d)                                    [R] §5.1
//
// Here u = (x_scaled, feature) (feature omitted for noise_feature = none). Weights are drawn in double
// from one seed and converted exactly, so the double and MPFR networks are the same network.
#pragma once

#include "dense_kernels.hpp"
#include "random.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

struct NetworkOptions {
  int width = 64;
  int depth = 2;
  std::string noise_feature = "log_sigma";
  double noise_feature_scale = 0.25;
  std::string x_scaling = "edm";
  double sigma_data = 1.0;
  std::string input_normalisation = "unit_sphere";
  std::string output_scaling = "inverse_sigma";
  double input_init_variance = 2.0;
  double hidden_init_variance = 2.0;
  double output_init_variance = 1.0;
};

struct NetworkError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Throws (naming the option) when an option is out of its range; called before any work.
inline void validate(const NetworkOptions& o) {
  if (o.width < 1) throw NetworkError("network: width must be at least 1");
  if (o.depth < 1) throw NetworkError("network: depth must be at least 1 (one trained hidden layer)");
  if (o.noise_feature != "log_sigma" && o.noise_feature != "sigma" && o.noise_feature != "none")
    throw NetworkError("network: noise_feature must be log_sigma, sigma or none, got '" + o.noise_feature + "'");
  if (o.x_scaling != "edm" && o.x_scaling != "none")
    throw NetworkError("network: x_scaling must be edm or none, got '" + o.x_scaling + "'");
  if (o.input_normalisation != "unit_sphere" && o.input_normalisation != "raw")
    throw NetworkError("network: input_normalisation must be unit_sphere or raw, got '" + o.input_normalisation + "'");
  if (o.output_scaling != "inverse_sigma" && o.output_scaling != "none")
    throw NetworkError("network: output_scaling must be inverse_sigma or none, got '" + o.output_scaling + "'");
  for (double v :
       {o.noise_feature_scale, o.sigma_data, o.input_init_variance, o.hidden_init_variance, o.output_init_variance})
    if (!std::isfinite(v) || !(v > 0)) throw NetworkError("network: scales and init variances must be finite and > 0");
}

/// Input dimension d_in for data dimension d.
inline Eigen::Index input_dimension(const NetworkOptions& o, Eigen::Index d) {
  return d + (o.noise_feature == "none" ? 0 : 1) + 1;
}

/// Builds the network input z for data point x at noise level σ̄ (column `out`), in Real.
template <class Real>
void input_map(const NetworkOptions& o, const Real* x, Eigen::Index d, const Real& sigma, Real* z) {
  using std::log;
  using std::sqrt;
  Real cin(1);
  if (o.x_scaling == "edm") {
    const Real sd = decimal<Real>(o.sigma_data);
    cin = Real(1) / sqrt(sd * sd + sigma * sigma);
  }
  Eigen::Index k = 0;
  for (; k < d; ++k) z[k] = cin * x[k];
  if (o.noise_feature == "log_sigma")
    z[k++] = decimal<Real>(o.noise_feature_scale) * log(sigma);
  else if (o.noise_feature == "sigma")
    z[k++] = decimal<Real>(o.noise_feature_scale) * sigma;
  const Eigen::Index nu = k;
  if (o.input_normalisation == "unit_sphere") {
    Real nrm(0);
    for (Eigen::Index r = 0; r < nu; ++r) nrm += z[r] * z[r];
    const Real s = sqrt(Real(2) * nrm);
    for (Eigen::Index r = 0; r < nu; ++r) z[r] /= s;
    z[nu] = Real(1) / sqrt(Real(2));
  } else {
    z[nu] = Real(1);
  }
}

/// Output multiplier out(σ̄): S = out(σ̄) · y.
template <class Real>
Real output_multiplier(const NetworkOptions& o, const Real& sigma) {
  return o.output_scaling == "inverse_sigma" ? Real(1) / sigma : Real(1);
}

/// The trained parameters θ = (W_1, …, W_L).
template <class Real>
using Params = std::vector<Mat<Real>>;

/// The network's weights: fixed A, B and the initial trained layers.
template <class Real>
struct ReluNetwork {
  NetworkOptions options;
  Mat<Real> A;     ///< m × d_in, fixed
  Params<Real> W;  ///< L matrices m × m, trained
  Mat<Real> B;     ///< d × m, fixed

  int width() const { return options.width; }
  int depth() const { return options.depth; }
};

/// Draws the network (A, W_1..W_L, B in this order, column-major) from `seed` in double and converts.
template <class Real>
ReluNetwork<Real> init_network(const NetworkOptions& o, Eigen::Index d_in, Eigen::Index d_out, std::uint64_t seed) {
  validate(o);
  NormalSource g(seed);
  const Eigen::Index m = o.width;
  auto draw = [&g](Eigen::Index r, Eigen::Index c, double var) {
    Eigen::MatrixXd M(r, c);
    const double s = std::sqrt(var);
    for (Eigen::Index j = 0; j < c; ++j)
      for (Eigen::Index i = 0; i < r; ++i) M(i, j) = s * g();
    return M;
  };
  ReluNetwork<Real> net;
  net.options = o;
  const Eigen::MatrixXd A = draw(m, d_in, o.input_init_variance / static_cast<double>(m));
  convert(net.A, A);
  for (int l = 0; l < o.depth; ++l) {
    const Eigen::MatrixXd W = draw(m, m, o.hidden_init_variance / static_cast<double>(m));
    net.W.emplace_back();
    convert(net.W.back(), W);
  }
  const Eigen::MatrixXd B = draw(d_out, m, o.output_init_variance / static_cast<double>(d_out));
  convert(net.B, B);
  return net;
}

/// Parameters of the same shapes, all zero.
template <class Real>
Params<Real> zeros_like(const Params<Real>& W) {
  Params<Real> out;
  for (const auto& M : W) out.push_back(zeros<Real>(M.rows(), M.cols()));
  return out;
}

/// ⟨U, V⟩ = Σ_ℓ tr(U_ℓᵀ V_ℓ)
template <class Real>
Real inner(const Params<Real>& U, const Params<Real>& V) {
  Real acc(0), t(0);
  for (std::size_t l = 0; l < U.size(); ++l) add_dot(acc, U[l], V[l], t);
  return acc;
}

/// Converts parameters between scalar kinds.
template <class To, class From>
Params<To> convert_params(const Params<From>& W) {
  Params<To> out(W.size());
  for (std::size_t l = 0; l < W.size(); ++l) convert(out[l], W[l]);
  return out;
}

}  // namespace diffbound
