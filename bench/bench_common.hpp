// Shared pieces of the benchmark program (bench/): the problem sizes of issue 8, the flop count of a GD
// step, the GEMM thread control and a wall clock.
#pragma once

#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/gemm_threads.hpp>
#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace diffbound::bench {

/// One training problem: n data points, N noise levels, dimension d, width m, L trained layers.
struct StepSize {
  int n, N, d, m, L;
  std::string name;
};

inline const StepSize small_size{64, 16, 16, 256, 3, "small"};
inline const StepSize large_size{256, 32, 32, 1024, 4, "large"};

/// Floating-point operations of one GD step (two per multiply-add), counted from the GEMMs that the
/// step performs (dsm_loss.hpp), with P = n·N columns:
///   forward   L products W_ℓ·H_{ℓ−1} (m·m·P each) and B·H_L (d·m·P)        (h_0 = φ(Az) is fixed: not in the step)
///   backward  Bᵀ·E (m·d·P), L gradients D_ℓ·H_{ℓ−1}ᵀ (m·P·m each), L−1 propagations W_ℓᵀ·D_ℓ (m·m·P each)
/// i.e. 2·[(3L − 1)·m²·P + 2·d·m·P]: backward ≈ 2× forward, so the step ≈ 3× the forward GEMM flops.
/// Element-wise work (ReLU, masks, residuals, the update, O(m·P + L·m²)) is not counted.
inline double step_flops(const StepSize& s) {
  const double P = static_cast<double>(s.n) * s.N, m = s.m, d = s.d, L = s.L;
  return 2.0 * ((3 * L - 1) * m * m * P + 2 * d * m * P);
}

/// The DSM problem, network and trainer of one size (data: isotropic Gaussian, seeds fixed).
template <class Real>
struct StepFixture {
  DsmProblem<Real> pb;
  ReluNetwork<Real> net;
  std::unique_ptr<DsmObjective<Real>> obj;
  std::unique_ptr<Trainer<Real>> tr;
  static constexpr double step_size = 1e-4;

  explicit StepFixture(const StepSize& s) {
    NetworkOptions no;
    no.width = s.m;
    no.depth = s.L;
    DsmOptions lo;
    lo.samples = s.n;
    lo.grid = ScheduleSpec::geometric(s.N + 1, 0.02, 100.0);
    TrainingDataSpec data;
    data.gaussian.spectrum = "isotropic";
    data.gaussian.dimension = s.d;
    data.gaussian.scale = 1.0;
    const auto x0 = draw_data(data, s.n, 1);
    pb = make_problem<Real>(no, lo, x0, 2);
    net = init_network<Real>(no, pb.d_in, pb.d, 3);
    obj = std::make_unique<DsmObjective<Real>>(pb, net);
    tr = std::make_unique<Trainer<Real>>(*obj, net.W, Real(step_size));
  }
};

/// Data N(μ, diag λ) with d distinct directions (no multiplicities: every direction costs a recursion),
/// λ_i = 0.5 + i/d, μ_i = 0.1·(−1)^i, and a geometric schedule of N levels from σ = 80 to σ = 0.002.
template <class Real>
struct SamplerFixture {
  DiagonalGaussian<Real> data;
  std::vector<Real> a;
  AffineScoreError<Real> score;

  SamplerFixture(int N, int d) {
    for (int i = 0; i < d; ++i)
      data.modes.push_back({Real(0.5 + static_cast<double>(i) / d), Real(i % 2 ? -0.1 : 0.1), 1});
    for (const auto& s : noise_levels<Real>(ScheduleSpec::geometric(N, 0.002, 80.0))) a.push_back(s * s);
    score = {Real(0.9), Real(0.01)};
  }
  Real run() const { return sampler_kl(data, a, score); }
};

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Smallest time per call of f over `rounds` rounds, each repeating f until it has run ≥ min_seconds.
template <class F>
double time_per_call(F&& f, double min_seconds, int rounds = 3) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    long calls = 0;
    const double t0 = now_seconds();
    double t1 = t0;
    do {
      f();
      ++calls;
      t1 = now_seconds();
    } while (t1 - t0 < min_seconds);
    best = std::min(best, (t1 - t0) / static_cast<double>(calls));
  }
  return best;
}

}  // namespace diffbound::bench
