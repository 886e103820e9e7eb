// The exact Gaussian sampler recursion (PAPER §6.1): reference table, identities, independent routes,
// the ancestral step, and enclosure tests in the style of Arb (STYLE.md §4).
#include "tolerances.hpp"

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/schedules.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::test;

namespace {

template <class Real>
DiagonalGaussian<Real> paper_data() {  // PAPER §6.1: 1-D, μ = 1, λ = 0.25
  return make_gaussian<Real>({0.25}, {1.0}, {1});
}

/// The raw recursion of PAPER §6.1 (mean and variance, no excess form): an independent route.
template <class Real>
std::pair<Real, Real> raw_moments(const GaussianMode<Real>& mode, const std::vector<Real>& a,
                                  const AffineScoreError<Real>& s, StepKind kind) {
  Real m = -mode.mu, v = a.front();
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const Real delta = a[k] - a[k + 1];
    const Real r = 1 - s.c * delta / (mode.lambda + a[k]);
    const Real g = kind == StepKind::exponential_integrator ? delta : a[k + 1] * delta / a[k];
    m = r * m + delta * s.b;
    v = r * r * v + g;
  }
  return {m, v};
}

struct TableRow {
  int n;
  double edm, geometric;
};
// PAPER §6.1, KL(true N(μ, λ + a_N) ‖ sampler), σ ∈ [0.002, 80], exact score, 4 significant digits.
const TableRow kPaperTable[] = {
    {18, 8.949e-02, 9.510e-02},   {35, 2.335e-02, 2.415e-02},   {70, 5.769e-03, 5.888e-03},
    {140, 1.432e-03, 1.452e-03},  {280, 3.567e-04, 3.606e-04},  {560, 8.901e-05, 8.983e-05},
    {1120, 2.223e-05, 2.242e-05}, {2240, 5.557e-06, 5.602e-06},
};

/// |x − t| within half a unit of the 4th significant digit of t.
bool matches_4_digits(double x, double t) { return std::fabs(x - t) <= acceptance::half_unit_in_last_digit(t, 4); }

}  // namespace

TEMPLATE_TEST_CASE("PAPER §6.1 reference table is reproduced to 4 digits", "[sampler][smoke]", double, mpfr_real,
                   mpfi_real) {
  const auto data = paper_data<TestType>();
  const AffineScoreError<TestType> exact{};
  for (const auto& row : kPaperTable) {
    const auto edm = variances(noise_levels<TestType>(ScheduleSpec::edm(row.n, 0.002, 80, 7)));
    const auto geo = variances(noise_levels<TestType>(ScheduleSpec::geometric(row.n, 0.002, 80)));
    const TestType kl_edm = sampler_kl(data, edm, exact), kl_geo = sampler_kl(data, geo, exact);
    INFO("N = " << row.n << " edm " << to_text(kl_edm, 8) << " geometric " << to_text(kl_geo, 8));
    CHECK(matches_4_digits(lower_double(kl_edm), row.edm));
    CHECK(matches_4_digits(upper_double(kl_edm), row.edm));
    CHECK(matches_4_digits(lower_double(kl_geo), row.geometric));
    CHECK(matches_4_digits(upper_double(kl_geo), row.geometric));
    // §6.3.5's caution: with the exact score EDM ρ = 7 has the smaller true KL at every tabulated N.
    CHECK(upper_double(kl_edm) < lower_double(kl_geo));
  }
}

TEST_CASE("PAPER §6.1 final mean and variance (N = 18, EDM)", "[sampler][smoke]") {
  const auto data = paper_data<double>();
  const auto a = variances(noise_levels<double>(ScheduleSpec::edm(18, 0.002, 80, 7)));
  const auto mm = final_moments(data.modes[0], a, AffineScoreError<double>{}, StepKind::exponential_integrator);
  CHECK_PRINTED(1.0 + mm.mean_offset, 0.99996, 5);
  CHECK_PRINTED(mm.variance(), 0.48585, 5);
}

TEMPLATE_TEST_CASE("excess form equals the raw recursion", "[sampler][smoke]", double, mpfr_real) {
  PrecisionScope p(400);
  for (auto kind : {StepKind::exponential_integrator, StepKind::euler_ancestral})
    for (double c : {1.0, 0.9, 1.1})
      for (double b : {0.0, 0.05}) {
        const GaussianMode<TestType> mode{decimal<TestType>(0.7), decimal<TestType>(-1.3), 1};
        const AffineScoreError<TestType> s{decimal<TestType>(c), decimal<TestType>(b)};
        const auto a = variances(noise_levels<TestType>(ScheduleSpec::edm(64, 0.002, 80, 7)));
        const auto mm = final_moments(mode, a, s, kind);
        const auto [m_raw, v_raw] = raw_moments(mode, a, s, kind);
        INFO(to_string(kind) << " c=" << c << " b=" << b);
        // Budget: 16 roundings per step over 63 steps on values of size O(a_0) = 6400, relative to v ~ 1.
        const double budget = budgets::sampler_kl_per_step * 64 * 6400;
        CHECK_WITHIN_EPS(mm.variance(), v_raw, budget);
        CHECK_WITHIN_EPS(mm.mean_offset, m_raw, budget);
      }
}

TEST_CASE("exact score: the mean telescopes and each step inflates the variance by Δ²/(λ + a_k)", "[sampler][smoke]") {
  PrecisionScope p(300);
  const GaussianMode<mpfr_real> mode{mpfr_real("0.25"), mpfr_real(1), 1};
  const auto a = variances(noise_levels<mpfr_real>(ScheduleSpec::geometric(40, 0.002, 80)));
  const auto mm = final_moments(mode, a, AffineScoreError<mpfr_real>{}, StepKind::exponential_integrator);
  // m_N = −μ (λ + a_N)/(λ + a_0)
  CHECK_WITHIN_EPS(mm.mean_offset, mpfr_real(-(mode.lambda + a.back()) / (mode.lambda + a.front())),
                   40 * budgets::telescoping_mean_per_step);
  // One step from v = λ + a_k: v' = λ + a_{k+1} + Δ²/(λ + a_k).
  GaussianMode<mpfr_real> m2 = mode;
  const std::vector<mpfr_real> two{a[5], a[6]};
  // Starting at v_0 = a_0 differs from λ + a_0 by λ: use λ = 0 so that the start is the true marginal.
  m2.lambda = 0;
  const auto one = final_moments(m2, two, AffineScoreError<mpfr_real>{}, StepKind::exponential_integrator);
  const mpfr_real delta = a[5] - a[6];
  CHECK_WITHIN_EPS(one.excess, mpfr_real(delta * delta / a[5]), budgets::one_step_excess);
}

TEST_CASE("ancestral and EI steps share the drift and differ in injected variance", "[sampler][smoke]") {
  const double lambda = 0.25, c = 0.9;
  const auto a = variances(noise_levels<double>(ScheduleSpec::edm(18, 0.002, 80, 7)));
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const auto ei = step_coefficients(StepKind::exponential_integrator, lambda, a[k], a[k + 1], c);
    const auto anc = step_coefficients(StepKind::euler_ancestral, lambda, a[k], a[k + 1], c);
    const double delta = a[k] - a[k + 1];
    CHECK(ei.r == anc.r);                                                         // same drift (a_k − a_{k+1}) s
    CHECK(ei.g == delta);                                                         // EI noise variance Δ
    CHECK_WITHIN_EPS(anc.g, a[k + 1] * delta / a[k], budgets::product_quotient);  // ancestral σ_up² = a_{k+1}Δ/a_k
    CHECK(anc.g < ei.g);
  }
  // k-diffusion's get_ancestral_step(σ_f, σ_t, η = 1): σ_up² = σ_t²(σ_f² − σ_t²)/σ_f², σ_down = σ_t²/σ_f.
  const double sf = std::sqrt(a[3]), st = std::sqrt(a[4]);
  const double sigma_up = std::min(st, std::sqrt(st * st * (sf * sf - st * st) / (sf * sf)));
  const double sigma_down = std::sqrt(st * st - sigma_up * sigma_up);
  const auto anc = step_coefficients(StepKind::euler_ancestral, 0.0, a[3], a[4], 1.0);
  CHECK_WITHIN_EPS(sigma_up * sigma_up, anc.g, budgets::k_diffusion_sigma_up);
  // Drift of euler_ancestral: x + d (σ_down − σ_f) with d = −σ_f s, i.e. x + σ_f(σ_f − σ_down) s = x + Δ s.
  CHECK_WITHIN_EPS(sf * (sf - sigma_down), a[3] - a[4], budgets::k_diffusion_sigma_down);
  // So the final laws differ: the ancestral step leaves the variance short.
  const auto data = paper_data<double>();
  const double kl_ei = sampler_kl(data, a, AffineScoreError<double>{}, StepKind::exponential_integrator);
  const double kl_anc = sampler_kl(data, a, AffineScoreError<double>{}, StepKind::euler_ancestral);
  CHECK(std::fabs(kl_ei - kl_anc) > acceptance::distinct_kl_rel * std::fabs(kl_anc));
}

TEST_CASE("double agrees with 400-bit MPFR within its error budget", "[sampler][smoke]") {
  GaussianDataSpec spec;
  spec.spectrum = "power_law", spec.dimension = 32, spec.scale = 1.0, spec.alpha = 1.0, spec.mean = 0.5;
  for (int n : {8, 128, 2048}) {
    const auto sched = ScheduleSpec::edm(n, 0.002, 80, 7);
    const double kd = sampler_kl(make_data<double>(spec), variances(noise_levels<double>(sched)),
                                 AffineScoreError<double>{0.9, 0.01});
    PrecisionScope p(400);
    const mpfr_real km = sampler_kl(make_data<mpfr_real>(spec), variances(noise_levels<mpfr_real>(sched)),
                                    AffineScoreError<mpfr_real>{mpfr_real("0.9"), mpfr_real("0.01")});
    INFO("N = " << n << " double " << kd << " mpfr " << to_text(km, 25));
    // Budget in units of double's ε: 16 roundings per step and a conditioning of the KL in the
    // variance excess of at most 64.
    CHECK(rel_diff(kd, mid_double(km)) <=
          64 * budgets::sampler_kl_per_step * n * std::numeric_limits<double>::epsilon());
  }
}

TEST_CASE("MPFI enclosures contain the 1024-bit value and overlap across precisions (Arb-style)", "[sampler][smoke]") {
  GaussianDataSpec spec;
  spec.spectrum = "power_law", spec.dimension = 8, spec.scale = 2.0, spec.alpha = 0.5, spec.mean = 1.0;
  for (int n : {5, 64, 1000}) {
    for (bool edm : {true, false}) {
      const auto sched = edm ? ScheduleSpec::edm(n, 0.002, 80, 7) : ScheduleSpec::geometric(n, 0.01, 50);
      mpfr_real reference;
      {
        PrecisionScope p(1024);
        reference = sampler_kl(make_data<mpfr_real>(spec), variances(noise_levels<mpfr_real>(sched)),
                               AffineScoreError<mpfr_real>{mpfr_real("0.95"), mpfr_real("-0.02")});
      }
      std::vector<mpfi_real> enclosures;
      for (unsigned bits : {40u, 64u, 128u, 333u}) {
        PrecisionScope p(bits);
        const mpfi_real k = sampler_kl(make_data<mpfi_real>(spec), variances(noise_levels<mpfi_real>(sched)),
                                       AffineScoreError<mpfi_real>{mpfi_real("0.95"), mpfi_real("-0.02")});
        INFO("N = " << n << (edm ? " edm" : " geometric") << " bits " << bits << " enclosure " << to_text(k, 12));
        CHECK(mpfr_cmp(&k.backend().data()->left, reference.backend().data()) <= 0);
        CHECK(mpfr_cmp(&k.backend().data()->right, reference.backend().data()) >= 0);
        enclosures.push_back(k);
      }
      for (std::size_t i = 0; i + 1 < enclosures.size(); ++i) {
        // Overlap, and the enclosure tightens as the precision grows (accuracy does not regress).
        CHECK(mpfr_cmp(&enclosures[i].backend().data()->left, &enclosures[i + 1].backend().data()->right) <= 0);
        CHECK(mpfr_cmp(&enclosures[i + 1].backend().data()->left, &enclosures[i].backend().data()->right) <= 0);
        CHECK(mid_double(bmp::width(enclosures[i + 1])) <= mid_double(bmp::width(enclosures[i])));
      }
    }
  }
}

TEST_CASE("grouped directions: d identical modes cost one and give d times the 1-D KL", "[sampler][smoke]") {
  const auto a = variances(noise_levels<double>(ScheduleSpec::edm(50, 0.002, 80, 7)));
  const AffineScoreError<double> s{0.9, 0.02};
  const auto one = make_gaussian<double>({0.5}, {0.3}, {1});
  const auto grouped = make_gaussian<double>({0.5}, {0.3}, {1000});
  const auto split = make_gaussian<double>(std::vector<double>(16, 0.5), std::vector<double>(16, 0.3),
                                           std::vector<std::int64_t>(16, 1));
  CHECK_WITHIN_EPS(sampler_kl(grouped, a, s), 1000 * sampler_kl(one, a, s), budgets::multiplicity_times_one);
  CHECK_WITHIN_EPS(sampler_kl(split, a, s), 16 * sampler_kl(one, a, s), budgets::positive_sum(16));
}

TEST_CASE("data validation names the field", "[sampler][smoke]") {
  using Catch::Matchers::Contains;
  auto message = [](const GaussianDataSpec& s) {
    try {
      validate(s);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  GaussianDataSpec s;
  s.scale = -1;
  CHECK_THAT(message(s), Contains("scale"));
  s = {};
  s.dimension = 0;
  CHECK_THAT(message(s), Contains("dimension must be at least 1"));
  s = {};
  s.spectrum = "list", s.lambda = {1.0, -0.5}, s.mu = {0, 0};
  CHECK_THAT(message(s), Contains("variance 1 is negative"));
  s = {};
  s.mean = std::nan("");
  CHECK_THAT(message(s), Contains("mean must be a finite number"));
  s = {};
  s.spectrum = "cauchy";
  CHECK_THAT(message(s), Contains("unknown spectrum 'cauchy'"));
}
