// Benchmarks of one full-batch GD step on the DSM loss (numerics/gradient_descent.hpp: Trainer::step()),
// in double, at the issue's size (n = 256, N = 32, d = 32, m = 1024, L = 4) and at the small size
// (n = 64, N = 16, d = 16, m = 256, L = 3), and in MPFR at a small size. The counters report the floating
// point work of the step's GEMMs and the rate achieved.
//
//   cmake --build build --target bench        (builds and runs)
//   build/diffbound_bench --benchmark_filter=Double
#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <benchmark/benchmark.h>

#include <memory>

using namespace diffbound;

namespace {

struct Size {
  int n, N, d, m, L;
};

/// Multiply-adds of one step: forward L (m·m·P) + B (d·m·P); backward Bᵀ (m·d·P), L gradients
/// (m·P·m) and L−1 propagations (m·m·P). Two flops per multiply-add.
double step_flops(const Size& s) {
  const double P = static_cast<double>(s.n) * s.N, m = s.m, d = s.d, L = s.L;
  return 2.0 * (L * m * m * P + d * m * P + m * d * P + L * m * m * P + (L - 1) * m * m * P);
}

template <class Real>
struct Fixture {
  DsmProblem<Real> pb;
  ReluNetwork<Real> net;
  std::unique_ptr<DsmObjective<Real>> obj;
  std::unique_ptr<Trainer<Real>> tr;

  explicit Fixture(const Size& s) {
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
    tr = std::make_unique<Trainer<Real>>(*obj, net.W, Real(1e-4));
  }
};

template <class Real>
void run(benchmark::State& state, const Size& s) {
  Fixture<Real> f(s);
  for (auto _ : state) benchmark::DoNotOptimize(f.tr->step());
  const double flops = step_flops(s);
  state.counters["GFLOP_per_step"] = flops / 1e9;
  state.counters["GFLOPs"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GdStep_Double_Issue(benchmark::State& st) { run<double>(st, {256, 32, 32, 1024, 4}); }
void BM_GdStep_Double_Small(benchmark::State& st) { run<double>(st, {64, 16, 16, 256, 3}); }
void BM_GdStep_Double_Check(benchmark::State& st) { run<double>(st, {4, 2, 2, 512, 2}); }
void BM_GdStep_Mpfr128_Check(benchmark::State& st) {
  PrecisionScope p(128);
  run<mpfr_real>(st, {4, 2, 2, 32, 2});
}

}  // namespace

BENCHMARK(BM_GdStep_Double_Issue)->Unit(benchmark::kMillisecond)->MinTime(10.0);
BENCHMARK(BM_GdStep_Double_Small)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GdStep_Double_Check)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GdStep_Mpfr128_Check)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
