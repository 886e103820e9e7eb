// The benchmark program (target `bench`; scripts/bench_compare.sh runs it next to the peers).
//
//   diffbound_bench [Google Benchmark options]     GD steps and sampler throughput (below)
//   diffbound_bench --info                          JSON: GEMM backend, build flags
//   diffbound_bench --export-step FILE              JSON: the small problem's weights, data and our
//                                                   first step (loss, ‖∇‖², ‖W⁺‖), for the PyTorch peer
//   diffbound_bench --growth FILE                   JSON: time against N, d (sampler) and m (GD step),
//                                                   fitted exponents with 95 % intervals (numerics/fit.hpp)
//
// Benchmarks (Google Benchmark): GdStep/<size>/threads:<t> (one full-batch GD step of
// numerics/gradient_descent.hpp in double, GEMMs on t threads), Sampler/<scalar>/bits:<b> (the exact Gaussian
// sampler recursion of numerics/gaussian_sampler.hpp, N = 1024 levels × d = 256 directions; MPFR also at
// 124 bits (Boost sets precision in decimal digits: 37 digits = 124 bits), where its two-limb fast paths
// apply, to show what exactly 128 bits costs).
#include "bench_common.hpp"

#include <diffbound/numerics/fit.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iostream>

using namespace diffbound;
using namespace diffbound::bench;
using nlohmann::json;

namespace {

// ---- GD step --------------------------------------------------------------------------------------

void BM_GdStep(benchmark::State& state, const StepSize& s) {
  const int threads = static_cast<int>(state.range(0));
  set_gemm_threads(threads);
  StepFixture<double> f(s);
  f.tr->step();  // warm-up: first touch of the work space
  for (auto _ : state) benchmark::DoNotOptimize(f.tr->step());
  const double flops = step_flops(s);
  state.counters["gemm_threads"] = gemm_threads();
  state.counters["GFLOP_per_step"] = flops / 1e9;
  state.counters["GFLOPs"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(gemm_backend());
  set_gemm_threads(1);
}

// ---- Exact Gaussian sampler ---------------------------------------------------------------------

constexpr int sampler_N = 1024, sampler_d = 256;

template <class Real>
void BM_Sampler(benchmark::State& state) {
  PrecisionScope p(static_cast<unsigned>(state.range(0)));
  SamplerFixture<Real> f(sampler_N, sampler_d);
  for (auto _ : state) benchmark::DoNotOptimize(f.run());
  // N levels give N − 1 steps per direction.
  state.counters["level_dims_per_s"] =
      benchmark::Counter(double(sampler_N - 1) * sampler_d, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bits"] = static_cast<double>(state.range(0));
}

// ---- --info -------------------------------------------------------------------------------------

json info() {
  return {{"gemm_backend", gemm_backend()},
          {"compiler", std::string("g++ ") + __VERSION__},
#ifdef DIFFBOUND_BENCH_FLAGS
          {"flags", DIFFBOUND_BENCH_FLAGS},
#endif
          {"eigen_use_blas",
#ifdef EIGEN_USE_BLAS
           true
#else
           false
#endif
          }};
}

// ---- --export-step --------------------------------------------------------------------------------

json matrix(const Mat<double>& M) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < M.rows(); ++i) {
    json r = json::array();
    for (Eigen::Index j = 0; j < M.cols(); ++j) r.push_back(M(i, j));
    rows.push_back(std::move(r));
  }
  return rows;
}

void export_step(const std::string& file) {
  const StepSize s = small_size;
  StepFixture<double> f(s);
  const auto& pb = f.pb;
  const auto& o = pb.net;
  json j;
  j["size"] = {{"n", s.n}, {"N", s.N}, {"d", s.d}, {"m", s.m}, {"L", s.L}};
  j["network"] = {{"noise_feature", o.noise_feature},
                  {"noise_feature_scale", o.noise_feature_scale},
                  {"x_scaling", o.x_scaling},
                  {"sigma_data", o.sigma_data},
                  {"input_normalisation", o.input_normalisation},
                  {"output_scaling", o.output_scaling}};
  j["loss"] = {{"residual", pb.loss.residual}, {"normalisation", pb.loss.normalisation}};
  j["sigma"] = pb.sigma;
  j["beta"] = pb.beta;
  j["c_n"] = pb.c_n;
  j["step_size"] = StepFixture<double>::step_size;
  j["X0"] = matrix(pb.X0);   // d × n
  j["Xi"] = matrix(pb.Xi);   // d × P, column p = j·n + i
  j["A"] = matrix(f.net.A);  // m × d_in
  j["B"] = matrix(f.net.B);  // d × m
  json W = json::array();
  for (const auto& M : f.net.W) W.push_back(matrix(M));
  j["W"] = W;
  const double loss = f.tr->step();
  json after = json::array();
  for (const auto& M : f.tr->params()) after.push_back(M.norm());
  j["ours"] = {{"loss", loss}, {"grad_norm_sq", f.tr->last_grad_norm_sq()}, {"weight_norms_after", after}};
  std::ofstream(file) << j.dump() << "\n";
}

// ---- --growth -------------------------------------------------------------------------------------

json fit_json(const std::vector<double>& x, const std::vector<double>& t, double expected) {
  const auto f = loglog_fit(x, t);
  const auto ci = f.slope_interval(0.95);
  return {{"x", x},
          {"seconds", t},
          {"exponent", f.slope},
          {"ci95", {ci.first, ci.second}},
          {"expected", expected},
          {"r_squared", f.r_squared}};
}

void growth(const std::string& file) {
  set_gemm_threads(1);
  json j;
  {  // sampler vs N at d = 256
    std::vector<double> x, t;
    for (int N : {128, 256, 512, 1024, 2048, 4096}) {
      SamplerFixture<double> f(N, 256);
      x.push_back(N - 1);
      t.push_back(time_per_call([&] { benchmark::DoNotOptimize(f.run()); }, 0.05));
      std::cerr << "growth: sampler N=" << N << " " << t.back() << " s\n";
    }
    j["sampler_vs_N"] = fit_json(x, t, 1.0);
    j["sampler_vs_N"]["fixed"] = "d = 256, double";
  }
  {  // sampler vs d at N = 512
    std::vector<double> x, t;
    for (int d : {32, 64, 128, 256, 512, 1024, 2048, 4096}) {
      SamplerFixture<double> f(512, d);
      x.push_back(d);
      t.push_back(time_per_call([&] { benchmark::DoNotOptimize(f.run()); }, 0.05));
      std::cerr << "growth: sampler d=" << d << " " << t.back() << " s\n";
    }
    j["sampler_vs_d"] = fit_json(x, t, 1.0);
    j["sampler_vs_d"]["fixed"] = "N = 512, double";
  }
  {  // GD step vs m at n = 64, N = 16, d = 16, L = 3, one GEMM thread
    std::vector<double> x, t;
    for (int m : {128, 192, 256, 384, 512, 768, 1024}) {
      StepSize s = small_size;
      s.m = m;
      StepFixture<double> f(s);
      x.push_back(m);
      t.push_back(time_per_call([&] { benchmark::DoNotOptimize(f.tr->step()); }, 0.3));
      std::cerr << "growth: GD step m=" << m << " " << t.back() << " s\n";
    }
    j["step_vs_m"] = fit_json(x, t, 2.0);
    j["step_vs_m"]["fixed"] = "n = 64, N = 16, d = 16, L = 3, double, 1 GEMM thread";
  }
  std::ofstream(file) << j.dump(1) << "\n";
}

}  // namespace

BENCHMARK_CAPTURE(BM_GdStep, small, small_size)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_GdStep, large, large_size)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK_TEMPLATE(BM_Sampler, double)
    ->Name("Sampler/double")
    ->Arg(53)
    ->ArgName("bits")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_TEMPLATE(BM_Sampler, mpfr_real)
    ->Name("Sampler/mpfr")
    ->Arg(124)
    ->Arg(128)
    ->Arg(256)
    ->ArgName("bits")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK_TEMPLATE(BM_Sampler, mpfi_real)
    ->Name("Sampler/mpfi")
    ->Arg(128)
    ->ArgName("bits")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::strcmp(argv[1], "--info") == 0) {
      std::cout << info().dump(1) << "\n";
      return 0;
    }
    if (argc >= 3 && std::strcmp(argv[1], "--export-step") == 0) {
      export_step(argv[2]);
      return 0;
    }
    if (argc >= 3 && std::strcmp(argv[1], "--growth") == 0) {
      growth(argv[2]);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "diffbound_bench: " << e.what() << "\n";
    return 1;
  }
  set_gemm_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
