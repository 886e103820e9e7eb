// design.weighting: the weightings' shapes against closed forms (theory on the eps- and F-scales, EDM on the
// F- and D-scales), the scale identities, the overlap coefficient against a closed form, the training weights,
// a smoke run of the check and its parameter errors.
#include "check_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/design_weighting.hpp>

#include <boost/math/special_functions/erf.hpp>
#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::checks;
using namespace diffbound::design_weighting;

namespace {

constexpr double kLo = -6.2146080984221914, kHi = 4.3820266346738812;  // ln 0.002, ln 80
/// Positions found by golden section / bisection (acceptance::maximiser_position).
constexpr double kPositionTol = test::acceptance::maximiser_position;

std::function<double(double)> dens(const std::string& kind, Scale s, double s_d = kSigmaData) {
  WeightingSpec w;
  w.kind = kind, w.s_d = s_d;
  return [w, s](double u) { return weight(w, s, std::exp(u)); };
}

const Check& get(const std::string& id) { return test::get_check(id); }

}  // namespace

TEST_CASE("design.weighting: theory weighting on the eps-scale peaks at s_d with FWHM 2 arccosh 2",
          "[design_weighting][smoke]") {
  for (double s_d : {0.5, 1.0, 2.0}) {
    const Shape s = shape_of(dens("theory", Scale::eps, s_d), kLo, kHi);
    CHECK(s.bell());
    CHECK(s.peak_u == Approx(std::log(s_d)).margin(kPositionTol));
    CHECK(s.fwhm == Approx(theory_eps_fwhm()).margin(kPositionTol));
    CHECK_WITHIN_EPS(theory_eps_fwhm(), 2 * std::log(2 + std::sqrt(3.0)), test::budgets::acosh_vs_log_form);
  }
}

TEST_CASE("design.weighting: theory on the F-scale peaks at s_d/sqrt(3); monotone on the D-scale",
          "[design_weighting][smoke]") {
  const Shape f = shape_of(dens("theory", Scale::F), kLo, kHi);
  CHECK(f.bell());
  CHECK(f.peak_u == Approx(theory_f_peak_equal_scales(kSigmaData)).margin(kPositionTol));
  const auto d = dens("theory", Scale::D);
  const Shape sd = shape_of(d, kLo, kHi);
  CHECK(!sd.bell());
  CHECK(sd.peak_u == kLo);
  CHECK(bell_margin(d, kLo, kHi, sd) == -1.0);
}

TEST_CASE("design.weighting: EDM on the F-scale is its log-normal; D-scale peak solves the stationarity equation",
          "[design_weighting][smoke]") {
  // λ c_out² = 1 (PAPER §5.3 [D✓]): the F-scale weight is p(ln σ) itself.
  WeightingSpec w;
  w.kind = "edm";
  for (double sigma : {0.003, 0.1, 0.5, 3.0, 70.0})
    CHECK_WITHIN_EPS(weight(w, Scale::F, sigma), edm_log_normal(std::log(sigma)), test::budgets::edm_lambda_c_out_sq);
  const Shape f = shape_of(dens("edm", Scale::F), kLo, kHi);
  CHECK(f.peak_u == Approx(kPMean).margin(kPositionTol));
  CHECK(f.fwhm == Approx(edm_f_fwhm()).margin(kPositionTol));
  // D-scale: d/du [ln(e^{2u} + σ_d²) − 2u − (u − P_mean)²/(2 P_std²)] = 0, by bisection (independent route).
  auto g = [](double u) {
    const double e = std::exp(2 * u);
    return 2 * e / (e + kSigmaData * kSigmaData) - 2 - (u - kPMean) / (kPStd * kPStd);
  };
  double lo = -6, hi = -2;
  for (int i = 0; i < 200; ++i) ((g((lo + hi) / 2) > 0) ? lo : hi) = (lo + hi) / 2;
  const Shape d = shape_of(dens("edm", Scale::D), kLo, kHi);
  CHECK(d.bell());
  CHECK(d.peak_u == Approx((lo + hi) / 2).margin(kPositionTol));
  CHECK_PRINTED(d.peak_u, -4.08, 3);  // PAPER §3.4's value
  const Shape e = shape_of(dens("edm", Scale::eps), kLo, kHi);
  CHECK_PRINTED(e.peak_u, 1.65, 3);  // PAPER §3.4's value
}

TEST_CASE("design.weighting: scale conversions and Song's flat eps-scale weighting", "[design_weighting][smoke]") {
  WeightingSpec song;
  song.kind = "song";
  for (double sigma : {0.02, 1.0, 40.0}) {
    CHECK(weight(song, Scale::eps, sigma) == 1.0);
    CHECK_WITHIN_EPS(weight(song, Scale::D, sigma), 1 / (sigma * sigma), test::budgets::reciprocal_square);
  }
  CHECK(weight(song, Scale::eps, 60.0) == 0.0);  // outside [0.01, 50]
  const Shape s = shape_of(dens("song", Scale::eps), kLo, kHi);
  CHECK(s.plateau);
  CHECK(!s.bell());
}

TEST_CASE("design.weighting: overlap coefficient against the closed form for two shifted Gaussians",
          "[design_weighting][smoke]") {
  const double sd = 0.7, shift = 0.9;
  auto f = [&](double u) { return std::exp(-u * u / (2 * sd * sd)); };
  auto g = [&](double u) { return std::exp(-(u - shift) * (u - shift) / (2 * sd * sd)); };
  const auto [o, err] = overlap(f, g, -12, 12);
  const double exact = boost::math::erfc(shift / (2 * sd * std::sqrt(2.0)));  // 2 Φ(−δ/(2 s))
  CHECK(o == Approx(exact).margin(test::acceptance::overlap_trapezoid));
  CHECK(err < test::acceptance::overlap_trapezoid);
  CHECK_WITHIN_EPS(overlap(f, f, -12, 12).first, 1.0, test::budgets::overlap_of_equal_shapes);
}

TEST_CASE("design.weighting: training total weights on a geometric grid", "[design_weighting][smoke]") {
  std::vector<double> sigma;
  for (int j = 1; j <= 8; ++j) sigma.push_back(0.02 * std::pow(4000.0, j / 8.0));
  WeightingSpec song;
  song.kind = "song", song.song_min = 0.01, song.song_max = 100;
  // Every level inside Song's range weighs exactly 1: the sum 8 and the factor 8/8 are exact, so is β_j = 1.
  for (double b : grid_total_weights(song, sigma)) CHECK(b == 1.0);
  WeightingSpec th;
  th.kind = "theory", th.s_d = 1.0;
  const auto b = grid_total_weights(th, sigma);
  double sum = 0;
  for (double x : b) sum += x;
  CHECK_WITHIN_EPS(sum, 8.0, test::budgets::normalised_weights_sum);
  // Largest weight at the level nearest s_d = 1.
  const auto it = std::max_element(b.begin(), b.end());
  const auto near = std::min_element(
      sigma.begin(), sigma.end(), [](double a, double c) { return std::fabs(std::log(a)) < std::fabs(std::log(c)); });
  CHECK(it - b.begin() == near - sigma.begin());
}

TEST_CASE("design.weighting (smoke): bell verdicts, experiment ranking, figures", "[design_weighting][smoke]") {
  const Check& c = get("design.weighting");
  std::vector<CaseResult> res;
  for (const auto& spec : c.cases(Size::smoke)) {
    RunContext ctx;
    ctx.scalar = ScalarKind::float64;
    ctx.seed = case_seed(20240618, c.id(), spec.id);
    ctx.size = Size::smoke;
    res.push_back(c.run_case(spec, ctx));
  }
  std::map<std::string, Verdict> v;
  for (const auto& r : res) v[r.case_id] = r.verdict;
  CHECK(v.at("bell/theory/eps") == Verdict::holds);
  CHECK(v.at("bell/theory/F") == Verdict::holds);
  CHECK(v.at("bell/theory/D") == Verdict::violated);  // monotone: a finding about the scale
  for (const char* sc : {"bell/edm/D", "bell/edm/eps", "bell/edm/F"}) CHECK(v.at(sc) == Verdict::holds);
  bool experiment = false;
  for (const auto& r : res)
    if (r.case_id.rfind("experiment/", 0) == 0) {
      experiment = true;
      REQUIRE(r.measured);
      CHECK(r.data.contains("ranking"));
      for (const char* k : {"theory", "edm", "song", "uniform"}) {
        // A weighting whose trained network folds the sampler's map has no KL and is reported as such.
        if (r.data.contains(std::string("no_density_") + k)) continue;
        CHECK(r.terms.at(std::string("KL_mean_") + k).at("mid").get<double>() > 0);
      }
      CHECK(r.terms.contains("KL_mean_theory"));
    }
  CHECK(experiment);
  const Summary s = c.summarize(res);
  int figs = 0;
  for (const auto& f : s.figures) figs += f.id.rfind("weightings_", 0) == 0 || f.id == "kl_by_weighting";
  CHECK(figs == 4);
  CHECK_NOTHROW(c.summarize({}));
}

TEST_CASE("design.weighting: the shape mutants fail where the shape differs and only there", "[design_weighting][smoke]") {
  const Check& c = get("design.weighting");
  std::map<std::string, CaseSpec> bell;
  for (const auto& spec : c.cases(Size::smoke))
    if (spec.id.rfind("bell/", 0) == 0) bell[spec.id] = spec;
  auto verdict = [&](const std::string& id, const std::string& mutant) {
    RunContext ctx;
    ctx.scalar = ScalarKind::float64;
    ctx.mutant = mutant;
    return c.run_case(bell.at(id), ctx).verdict;
  };
  // The theory weighting on the eps-scale is 1/2 sech(ln(sigma/s_d)): symmetric, its peak at ln s_d.
  CHECK(verdict("bell/theory/eps", "symmetric") != Verdict::violated);
  CHECK(verdict("bell/theory/eps", "scale_free_peak") != Verdict::violated);
  // EDM on the F-scale is its log-normal in ln sigma: symmetric, its peak at P_mean.
  CHECK(verdict("bell/edm/F", "symmetric") != Verdict::violated);
  CHECK(verdict("bell/edm/F", "scale_free_peak") != Verdict::violated);
  // On the F-scale the theory bell is lopsided and peaks at ln(s_d/sqrt 3); EDM on the eps-scale likewise moves.
  CHECK(verdict("bell/theory/F", "symmetric") == Verdict::violated);
  CHECK(verdict("bell/theory/F", "scale_free_peak") == Verdict::violated);
  CHECK(verdict("bell/edm/eps", "symmetric") == Verdict::violated);
  CHECK(verdict("bell/edm/eps", "scale_free_peak") == Verdict::violated);
}

TEST_CASE("design.weighting: bad parameters name the field", "[design_weighting][smoke]") {
  const Check& c = get("design.weighting");
  auto expect = [&](json p, const std::string& field) {
    try {
      c.validate({"bad", p});
      FAIL("no error for " << p.dump());
    } catch (const ParamError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  expect(json{{"claim", "bell"}, {"weighting", {{"kind", "karras"}}}, {"scale", "eps"}}, "weighting");
  expect(json{{"claim", "bell"}, {"weighting", {{"kind", "edm"}}}, {"scale", "x"}}, "scale");
  expect(json{{"claim", "bell"}, {"weighting", {{"kind", "edm"}}}, {"scale", "D"}, {"sigma_range", {2.0, 1.0}}},
         "sigma_range");
  expect(json{{"claim", "nope"}}, "claim");
  json e;
  for (const auto& spec : c.cases(Size::smoke))
    if (spec.id.rfind("experiment/", 0) == 0) e = spec.params;
  REQUIRE(!e.is_null());
  json p = e;
  p["replicates"] = 1;
  expect(p, "replicates");
  p = e;
  p["s_d"] = -1;
  expect(p, "s_d");
  p = e;
  p["training"]["gd"]["max_steps"] = -5;
  expect(p, "training.gd");
}
