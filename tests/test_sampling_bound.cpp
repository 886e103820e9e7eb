// The encoded VE bound (theory/sampling_bound.hpp): the step geometry, the κ-minimal placement, the score
// forms against the Girsanov identity, the committed calibration against the check's calibration sweep,
// and the bound evaluator.
#include "cli_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/gaussian_sampler_levels.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/sampling_bound.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>

#include <boost/random/uniform_real_distribution.hpp>
#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::test;

TEMPLATE_TEST_CASE("step geometry: kappa of geometric levels from the OU map by hand", "[sampling_bound][smoke]",
                   double, mpfr_real, mpfi_real) {
  const auto a = variances(noise_levels<TestType>(ScheduleSpec::geometric(20, 0.002, 80)));
  const auto g = sampling_bound::step_geometry(a);
  // Independent route in long double: γ_k = ½ ln((1 + a_k)/(1 + a_{k+1})), s = ½ ln(1 + a).
  long double best = 0;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const long double ak = mid_double(a[k]), an = mid_double(a[k + 1]);
    const long double gamma = 0.5L * std::log((1 + ak) / (1 + an)), s = 0.5L * std::log1p(an);
    best = std::max(best, gamma / std::min(1.0L, s));
  }
  CHECK(mid_double(g.kappa) == Approx(static_cast<double>(best)).epsilon(1e-12));
  CHECK(g.steps == 19);
  CHECK(mid_double(g.log_span) == Approx(-2 * std::log(0.002)).epsilon(1e-14));
  // The worst step of geometric levels is the last one (the smallest levels).
  CHECK(g.kappa_step == 18);
  CHECK(g.condition == -1);  // kappa > 1 at N = 20 (geometric levels need N >= 32 on [0.002, 80])
  if constexpr (is_interval_v<TestType>) CHECK(lower_double(g.kappa) <= upper_double(g.kappa));
}

TEST_CASE("kappa-minimal placement: equalised steps, and no placement has a smaller kappa", "[sampling_bound][smoke]") {
  for (int n : {8, 33, 200}) {
    const auto sig = sampling_bound::kappa_min_levels(n, 0.002, 80);
    REQUIRE(sig.size() == static_cast<std::size_t>(n));
    CHECK(sig.front() == 80.0);
    CHECK(sig.back() == 0.002);
    std::vector<double> a = variances(sig);
    const double kappa = sampling_bound::kappa_min_kappa(n, 0.002, 80);
    const auto g = sampling_bound::step_geometry(a);
    CHECK(g.kappa == Approx(kappa).epsilon(1e-9));
    // Every step but the last attains κ (the last is shortened to land on σ_min).
    for (std::size_t k = 0; k + 2 < a.size(); ++k) {
      const double gamma = 0.5 * std::log1p((a[k] - a[k + 1]) / (1 + a[k + 1]));
      const double s = 0.5 * std::log1p(a[k + 1]);
      CHECK(gamma / std::min(1.0, s) == Approx(kappa).epsilon(1e-8));
    }
    // Random placements with the same endpoints and N have a larger κ (minimality).
    NormalSource src(20240618 + static_cast<std::uint64_t>(n));
    boost::random::uniform_real_distribution<double> u(0, 1);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> t(static_cast<std::size_t>(n - 2));
      for (auto& x : t) x = u(src.engine());
      std::sort(t.begin(), t.end(), std::greater<>());
      std::vector<double> lv{80.0};
      for (double x : t) lv.push_back(std::exp(std::log(0.002) + x * (std::log(80.0) - std::log(0.002))));
      lv.push_back(0.002);
      CHECK(sampling_bound::step_geometry(variances(lv)).kappa >= kappa * (1 - 1e-12));
    }
  }
}

TEST_CASE("score forms: F_S = 2 x the Girsanov score term; a level bias reproduces a constant bias",
          "[sampling_bound][smoke]") {
  const auto data = make_gaussian<double>({0.25, 2.0}, {1.0, -0.5}, {1, 3});
  const auto a = variances(noise_levels<double>(ScheduleSpec::edm(50, 0.002, 80, 7)));
  const AffineScoreError<double> s{0.85, 0.03};
  const double fs = sampling_bound::gaussian_score_form(data, a, s);
  CHECK(fs == Approx(2 * sampling_girsanov::bound(data, a, s).score).epsilon(1e-13));
  // Per-level bias equal to the constant b: the same KL and form by the two code paths.
  const std::vector<double> bias(a.size() - 1, 0.03);
  CHECK(sampler_kl_levels(data, a, 0.85, bias) == Approx(sampler_kl(data, a, s)).epsilon(1e-14));
  CHECK(sampling_bound::gaussian_score_form_levels(data, a, 0.85, bias) == Approx(fs).epsilon(1e-13));
  // ε_k² of the noise-scale model b_k = η/σ_k is d η²/a_k.
  const double eta = 0.1;
  std::vector<double> b2(a.size() - 1);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) b2[k] = eta / std::sqrt(a[k]);
  double expect = 0;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) expect += (a[k] - a[k + 1]) * 4 * eta * eta / a[k];
  CHECK(sampling_bound::gaussian_score_form_levels(data, a, 1.0, b2) == Approx(expect).epsilon(1e-13));
}

TEST_CASE("the bound holds with the committed constants on a case proved by intervals", "[sampling_bound][smoke]") {
  // The calibration's worst case: iso(d=4, lambda=10), kappa-minimal levels, N = 24, c = 0.9.
  const auto data = make_gaussian<mpfi_real>({10.0}, {0.0}, {4});
  std::vector<mpfi_real> a;
  for (double s : sampling_bound::kappa_min_levels(24, 0.002, 80)) a.push_back(mpfi_real(s) * mpfi_real(s));
  const AffineScoreError<mpfi_real> s{mpfi_real("0.9"), mpfi_real(0)};
  const auto f = sampling_bound::gaussian_forms(data, a, s);
  REQUIRE(f.geometry.condition == 1);
  const auto t = sampling_bound::apply_constants(f, decimal<mpfi_real>(sampling_bound::committed_CD()),
                                                 decimal<mpfi_real>(sampling_bound::committed_CS()));
  const auto j = judge(mpfi_real(t.total() - sampler_kl(data, a, s)));
  CHECK(j.verdict == Verdict::verified);
  // With the smallest calibrated constants (no drift factor) the margin is still non-negative, and with
  // C_S one percent below the calibrated value it is negative: the calibration is the smallest constant.
  const auto t1 = sampling_bound::apply_constants(f, decimal<mpfi_real>(sampling_bound::kCalibratedCD),
                                                  decimal<mpfi_real>(sampling_bound::kCalibratedCS));
  CHECK(upper_double(t1.total() - sampler_kl(data, a, s)) >= 0);
  const auto t2 = sampling_bound::apply_constants(f, decimal<mpfi_real>(sampling_bound::kCalibratedCD),
                                                  decimal<mpfi_real>(sampling_bound::kCalibratedCS * 0.99));
  CHECK(upper_double(t2.total() - sampler_kl(data, a, s)) < 0);
}

TEST_CASE("the committed calibration covers the check's calibration sweep and is its smallest constant",
          "[sampling_bound][smoke]") {
  using namespace diffbound::checks;
  const Check* check = Registry::instance().find("sampling.bound");
  REQUIRE(check);
  std::vector<CaseResult> results;
  for (const auto& spec : check->cases(Size::standard)) {
    if (spec.params.value("sweep", "") != "calibration") continue;
    RunContext ctx;
    ctx.scalar = ScalarKind::float64;
    results.push_back(check->run_case(spec, ctx));
  }
  REQUIRE(results.size() >= 200);
  const Summary s = check->summarize(results);
  const Table* constants = nullptr;
  for (const auto& t : s.tables)
    if (t.id == "constants") constants = &t;
  REQUIRE(constants);
  REQUIRE(!constants->rows.empty());
  const auto& row = constants->rows.front();
  REQUIRE(row[0] == "calibration");
  const double cd = row[2].get<double>(), cs = row[4].get<double>();
  INFO("fitted C_D " << cd << " C_S " << cs);
  // Committed = fitted rounded up to 3 significant digits.
  CHECK(cd <= sampling_bound::kCalibratedCD);
  CHECK(sampling_bound::kCalibratedCD <= cd * 1.01);
  CHECK(cs <= sampling_bound::kCalibratedCS);
  CHECK(sampling_bound::kCalibratedCS <= cs * 1.01);
  for (const auto& r : results) CHECK(r.verdict != Verdict::violated);
}

TEST_CASE("diffbound bound sampling.bound prints the terms with provenance", "[sampling_bound][cli][smoke]") {
  const auto r = run_diffbound("bound sampling.bound --set schedule.n_levels=256 --set score.c=0.9 --format csv");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("E_D,") != std::string::npos);
  CHECK(r.output.find("unknown: fitted") != std::string::npos);
  CHECK(r.output.find("girsanov_discretization,") != std::string::npos);
  const auto bad = run_diffbound("bound sampling.bound --set constants.C_X=1");
  CHECK(bad.status != 0);
  CHECK(bad.output.find("constants.C_X: unknown key") != std::string::npos);
  const auto km = run_diffbound(
      "bound sampling.bound --params '{\"schedule\": {\"kind\": \"kappa_min\", \"n_levels\": 64, \"rho\": null}}' "
      "--scalar double");
  INFO(km.output);
  CHECK(km.status == 0);
  CHECK(km.output.find("step condition holds") != std::string::npos);
}

TEST_CASE("held-out sweeps of sampling.bound: no drift, the required constant does not grow with N or d",
          "[sampling_bound][full]") {
  using namespace diffbound::checks;
  const Check* check = Registry::instance().find("sampling.bound");
  REQUIRE(check);
  std::vector<CaseResult> results;
  for (const auto& spec : check->cases(Size::standard)) {
    RunContext ctx;
    ctx.scalar = ScalarKind::float64;
    results.push_back(check->run_case(spec, ctx));
  }
  for (const auto& r : results) CHECK(r.verdict != Verdict::violated);
  const Summary s = check->summarize(results);
  int held_out = 0;
  for (const auto& t : s.tables)
    if (t.id == "constants")
      for (const auto& row : t.rows)
        if (row[0] != "calibration") {
          INFO(row[0]);
          CHECK(row[6] == "no drift");
          ++held_out;
        }
  CHECK(held_out >= 5);
  int trends = 0;
  for (const auto& f : s.fits)
    if (f.name.rfind("largest KL/F_D vs", 0) == 0) {
      INFO(f.name << " slope " << f.slope << " [" << f.slope_lo << ", " << f.slope_hi << "]");
      CHECK(f.outcome == "HOLDS");
      ++trends;
    }
  CHECK(trends == 2);
}
