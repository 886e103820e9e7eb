// The fast paths of docs/PERFORMANCE.md against the plain ones:
//  * the double GEMM backend (numerics/gemm_threads.hpp): pinned to one thread by the library, the same
//    bits on every call, and in agreement with a long-double triple loop;
//  * the exact Gaussian sampler in double, directions in interleaved blocks, and in MPFR, on raw MPFR
//    values (gaussian_sampler.hpp): bit-identical to the generic recursion written with Boost's operators.
#include "tolerances.hpp"

#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/gemm_threads.hpp>
#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace diffbound;

namespace {

Mat<double> random_matrix(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
  NormalSource g(seed);
  Mat<double> M(r, c);
  for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = g();
  return M;
}

struct ThreadsGuard {
  int old = gemm_threads();
  ~ThreadsGuard() { set_gemm_threads(old); }
};

/// One GD step at a size where the backend does split its products, and the state after it.
std::vector<Mat<double>> gd_steps(int threads) {
  set_gemm_threads(threads);
  NetworkOptions no;
  no.width = 192;
  no.depth = 3;
  DsmOptions lo;
  lo.samples = 32;
  lo.grid = ScheduleSpec::geometric(9, 0.02, 100.0);
  TrainingDataSpec data;
  data.gaussian.spectrum = "isotropic";
  data.gaussian.dimension = 8;
  const auto pb = make_problem<double>(no, lo, draw_data(data, lo.samples, 5), 6);
  const auto net = init_network<double>(no, pb.d_in, pb.d, 7);
  DsmObjective<double> obj(pb, net);
  Trainer<double> tr(obj, net.W, 1e-3);
  std::vector<Mat<double>> out;
  for (int k = 0; k < 2; ++k) tr.step();
  out = tr.params();
  out.push_back(Mat<double>::Constant(1, 1, tr.last_loss()));
  out.push_back(Mat<double>::Constant(1, 1, tr.last_grad_norm_sq()));
  return out;
}

}  // namespace

TEST_CASE("GEMM backend: one thread, pinned by the library, and the same bits every time", "[gemm][smoke]") {
  INFO("backend: " << gemm_backend());
  // libdiffbound (linked into the tests) pins the backend to one thread when it is loaded: OpenBLAS's
  // products differ in the last bits between thread counts, so anything else would make results depend
  // on the machine's cores.
  CHECK(gemm_threads() == 1);
  ThreadsGuard guard;
  const Mat<double> W = random_matrix(300, 300, 1), H = random_matrix(300, 700, 2), D = random_matrix(300, 700, 3);
  auto products = [&](int threads) {
    set_gemm_threads(threads);
    Mat<double> a(300, 700), b(300, 300), c(300, 700);
    gemm(a, W, Op::N, H, Op::N);
    gemm(b, D, Op::N, H, Op::T);
    gemm(c, W, Op::T, D, Op::N);
    return std::vector<Mat<double>>{a, b, c};
  };
  const auto first = products(1);
  (void)products(2);  // a multi-threaded product in between leaves no state behind
  const auto again = products(1);
  for (std::size_t i = 0; i < first.size(); ++i) CHECK((first[i].array() == again[i].array()).all());
  const auto s1 = gd_steps(1);
  const auto s1b = gd_steps(1);
  REQUIRE(s1.size() == s1b.size());
  for (std::size_t i = 0; i < s1.size(); ++i) CHECK((s1[i].array() == s1b[i].array()).all());
}

TEST_CASE("GEMM backend: products agree with a long-double triple loop", "[gemm][smoke]") {
  INFO("backend: " << gemm_backend());
  const Mat<double> A = random_matrix(70, 90, 4), B = random_matrix(70, 50, 5);
  Mat<double> C(90, 50);
  gemm(C, A, Op::T, B, Op::N);
  double worst = 0, scale = 0;
  for (Eigen::Index i = 0; i < 90; ++i)
    for (Eigen::Index j = 0; j < 50; ++j) {
      long double s = 0, a = 0;
      for (Eigen::Index k = 0; k < 70; ++k) {
        s += static_cast<long double>(A(k, i)) * B(k, j);
        a += std::fabs(static_cast<long double>(A(k, i)) * B(k, j));
      }
      worst = std::max(worst, static_cast<double>(std::fabs(C(i, j) - s)));
      scale = std::max(scale, static_cast<double>(a));
    }
  // |error| ≤ k·ε·Σ|a_k b_k| for any summation order (k = 70 products).
  CHECK(worst <= test::budgets::gemm_per_term * 70 * std::numeric_limits<double>::epsilon() * scale);
}

TEST_CASE("Gaussian sampler: interleaved directions give the bits of the one-direction recursion", "[sampler][smoke]") {
  for (std::size_t d : {1, 7, 8, 9, 16, 29}) {
    INFO("d = " << d);
    DiagonalGaussian<double> data;
    for (std::size_t i = 0; i < d; ++i)
      data.modes.push_back({0.3 + 0.7 * static_cast<double>(i) / static_cast<double>(d),
                            0.05 * static_cast<double>(i % 3), 1 + static_cast<std::int64_t>(i % 2)});
    std::vector<double> a;
    for (const double s : noise_levels<double>(ScheduleSpec::geometric(37, 0.002, 80.0))) a.push_back(s * s);
    for (const StepKind kind : {StepKind::exponential_integrator, StepKind::euler_ancestral}) {
      const AffineScoreError<double> score{0.93, 0.02};
      const StepTable<double> st(a, score, kind);
      double reference = 0;
      for (const auto& mode : data.modes) reference += double(mode.multiplicity) * mode_kl(final_moments(mode, st));
      CHECK(sampler_kl(data, a, score, kind) == reference);
      CHECK(sum_mode_kl(data, st) == reference);
    }
  }
}

namespace {
/// The recursion of final_moments written with Boost's operators only (the generic path).
template <class Real>
ModeMoments<Real> generic_final_moments(const GaussianMode<Real>& mode, const StepTable<Real>& st) {
  Real m = -mode.mu, e = -mode.lambda;
  const Real one(1), minus_c = -st.c;
  for (std::size_t k = 0; k < st.delta.size(); ++k) {
    Real t = mode.lambda;
    t += st.a[k];
    Real x = st.delta[k];
    x /= t;
    Real r = minus_c;
    r *= x;
    r += one;
    m *= r;
    m += st.b_delta[k];
    e *= r;
    e *= r;
    t = st.c2_delta[k];
    t *= x;
    e += st.constant[k];
    e += t;
  }
  return {m, e, mode.lambda + st.a.back()};
}
}  // namespace

TEST_CASE("Gaussian sampler: the raw-MPFR recursion gives the bits of Boost's operators", "[sampler][smoke]") {
  for (unsigned bits : {64u, 128u, 256u}) {
    PrecisionScope prec(bits);
    INFO("bits " << bits);
    std::vector<mpfr_real> a;
    for (const auto& s : noise_levels<mpfr_real>(ScheduleSpec::geometric(41, 0.002, 80.0))) a.push_back(s * s);
    const StepTable<mpfr_real> st(a, AffineScoreError<mpfr_real>{mpfr_real(0.93), mpfr_real(0.02)},
                                  StepKind::euler_ancestral);
    for (double lambda : {0.0, 0.37, 2.5}) {
      const GaussianMode<mpfr_real> mode{mpfr_real(lambda), mpfr_real(0.1), 1};
      const auto fast = final_moments(mode, st), slow = generic_final_moments(mode, st);
      CHECK(fast.mean_offset == slow.mean_offset);
      CHECK(fast.excess == slow.excess);
      CHECK(fast.true_variance == slow.true_variance);
    }
  }
}
