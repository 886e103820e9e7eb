// Independent route for the exact recursion: a Monte Carlo run of the actual stochastic steps must agree
// within its confidence interval (PAPER §6.1 did the same with 2·10⁵ paths).
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/numerics/sampler_monte_carlo.hpp>
#include <diffbound/theory/schedules.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;

namespace {
// Two-sided 99.99 % normal quantile: with 2 × 2 × 4 comparisons per run, a false alarm has probability
// ≈ 16 × 1e-4; the seeds are fixed, so the test is deterministic anyway.
constexpr double kZ = 3.891;
}  // namespace

TEST_CASE("Monte Carlo of the stochastic steps agrees with the exact recursion", "[sampler][montecarlo][smoke]") {
  struct Setup {
    double lambda, mu, c, b;
    ScheduleSpec schedule;
  };
  const Setup setups[] = {
      {0.25, 1.0, 1.0, 0.0, ScheduleSpec::edm(18, 0.002, 80, 7)},     // PAPER §6.1's example
      {2.0, -0.5, 0.9, 0.05, ScheduleSpec::geometric(12, 0.01, 50)},  // perturbed score
      {0.0, 0.0, 1.1, -0.02, ScheduleSpec::edm(8, 0.02, 100, 3)},     // degenerate direction
  };
  const std::int64_t paths = 200000;
  for (const auto& s : setups) {
    const auto a = variances(noise_levels<double>(s.schedule));
    for (auto kind : {StepKind::exponential_integrator, StepKind::euler_ancestral}) {
      const auto exact =
          final_moments(GaussianMode<double>{s.lambda, s.mu, 1}, a, AffineScoreError<double>{s.c, s.b}, kind);
      for (std::uint64_t seed : {1u, 2u}) {
        const auto mc = simulate_sampler_1d(s.lambda, s.mu, a, s.c, s.b, kind, paths, mix64(seed));
        INFO(to_string(kind) << " lambda=" << s.lambda << " c=" << s.c << " b=" << s.b << " seed " << seed
                             << ": exact mean " << s.mu + exact.mean_offset << " var " << exact.variance()
                             << ", MC mean " << mc.mean << " ± " << mc.mean_stderr << " var " << mc.variance << " ± "
                             << mc.variance_stderr);
        CHECK(std::fabs(mc.mean - (s.mu + exact.mean_offset)) <= kZ * mc.mean_stderr);
        CHECK(std::fabs(mc.variance - exact.variance()) <= kZ * mc.variance_stderr);
      }
    }
  }
}

TEST_CASE("Monte Carlo detects a wrong recursion (the test can fail)", "[sampler][montecarlo][smoke]") {
  // The EI law and the ancestral law differ; MC of one must reject the other's variance.
  const auto a = variances(noise_levels<double>(ScheduleSpec::edm(18, 0.002, 80, 7)));
  const auto anc =
      final_moments(GaussianMode<double>{0.25, 1.0, 1}, a, AffineScoreError<double>{}, StepKind::euler_ancestral);
  const auto mc = simulate_sampler_1d(0.25, 1.0, a, 1.0, 0.0, StepKind::exponential_integrator, 200000, 7);
  CHECK(std::fabs(mc.variance - anc.variance()) > kZ * mc.variance_stderr);
}

TEST_CASE("seeds derive from names only", "[random][smoke]") {
  CHECK(case_seed(1, "sampling.init", "a") == case_seed(1, "sampling.init", "a"));
  CHECK(case_seed(1, "sampling.init", "a") != case_seed(1, "sampling.init", "b"));
  CHECK(case_seed(1, "sampling.init", "a") != case_seed(2, "sampling.init", "a"));
  CHECK(case_seed(1, "sampling.init", "a") != case_seed(1, "sampling.girsanov", "a"));
  // Platform-independent: Boost's mt19937_64 and normal distribution give fixed draws.
  NormalSource n(42);
  const double first = n();
  NormalSource again(42);
  CHECK(again() == first);
}
