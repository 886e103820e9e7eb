// Parameter-space helpers of the network tests (test_relu_network.cpp, test_pl_search.cpp): a random
// direction with N(0, 1) entries from a seed, and W + s·V.
#pragma once

#include <diffbound/numerics/random.hpp>
#include <diffbound/numerics/relu_network.hpp>

#include <cstdint>

namespace diffbound::test {

template <class Real>
Params<Real> random_direction(const Params<Real>& like, std::uint64_t seed) {
  NormalSource g(seed);
  Params<Real> V = zeros_like(like);
  for (auto& M : V)
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = Real(g());
  return V;
}

template <class Real>
Params<Real> axpy(const Params<Real>& W, const Real& s, const Params<Real>& V) {
  Params<Real> out = W;
  for (std::size_t l = 0; l < W.size(); ++l)
    for (Eigen::Index i = 0; i < W[l].size(); ++i) out[l].data()[i] += s * V[l].data()[i];
  return out;
}

}  // namespace diffbound::test
