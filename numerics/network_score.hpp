// A trained ReLU score network (numerics/relu_network.hpp) used as the score model of the sampler
// (full.error, design.weighting): S(θ; σ, x) evaluated in double at many points of one noise level at
// once. (Draws from a mixture law and the Monte Carlo score error are in numerics/network_sampling.hpp,
// which needs numerics/nongaussian_data.hpp; this header does not, so that it can be used next to
// numerics/training_data.hpp.)
//
// The network sees σ (not a): the sampler's level k, variance a_k = σ_k², calls it with σ_k. The levels
// the sampler uses need not be training levels: the network interpolates in its noise feature.
#pragma once

#include "relu_network.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace diffbound {

/// A network with its trained layers, as a score model in double.
struct NetworkScore {
  ReluNetwork<double> net;  ///< A, B fixed; net.W the initial layers
  Params<double> W;         ///< the trained layers (θ)

  /// S(θ; σ, x_p) for the columns x_p of X (d × M), into S (d × M). Evaluated in blocks of kBlock columns
  /// with per-thread work space (the grids of full.error pass up to millions of points: one m × M hidden
  /// matrix per call would be allocated and faulted in every time).
  void evaluate(const Eigen::MatrixXd& X, double sigma, Eigen::MatrixXd& S) const {
    constexpr Eigen::Index kBlock = 2048;
    const Eigen::Index d = X.rows(), M = X.cols();
    const Eigen::Index d_in = input_dimension(net.options, d);
    const double mult = output_multiplier(net.options, sigma);
    thread_local Eigen::MatrixXd Z, H, H2, Y;
    S.resize(d, M);
    for (Eigen::Index c0 = 0; c0 < M; c0 += kBlock) {
      const Eigen::Index n = std::min(kBlock, M - c0);
      Z.resize(d_in, n);
      for (Eigen::Index p = 0; p < n; ++p) input_map(net.options, X.col(c0 + p).data(), d, sigma, Z.col(p).data());
      H.resize(net.A.rows(), n);
      H.noalias() = net.A * Z;
      H = H.cwiseMax(0.0);
      for (const auto& Wl : W) {
        H2.resize(Wl.rows(), n);
        H2.noalias() = Wl * H;
        H2 = H2.cwiseMax(0.0);
        H.swap(H2);
      }
      Y.resize(d, n);
      Y.noalias() = net.B * H;
      S.middleCols(c0, n) = mult * Y;
    }
  }

  /// 1-D convenience: s[i] = S(θ; σ, x[i]).
  void evaluate_1d(const std::vector<double>& x, double sigma, std::vector<double>& s) const {
    Eigen::MatrixXd X(1, static_cast<Eigen::Index>(x.size())), S;
    for (std::size_t i = 0; i < x.size(); ++i) X(0, static_cast<Eigen::Index>(i)) = x[i];
    evaluate(X, sigma, S);
    s.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) s[i] = S(0, static_cast<Eigen::Index>(i));
  }
};

}  // namespace diffbound
