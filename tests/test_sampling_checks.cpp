// The sampling checks at smoke size, run through the registry: their verdicts, and the figures, fits and
// notes their summaries declare (sampling.order, .dimension, .schedules, .nongaussian), plus parameter errors.
#include "check_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/numerics/random.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace diffbound;
using namespace diffbound::checks;

namespace {

std::vector<CaseResult> run_all(const Check& check, Size size, ScalarKind kind) {
  std::vector<CaseResult> out;
  for (const auto& spec : check.cases(size)) {
    RunContext ctx;
    ctx.scalar = kind;
    ctx.precision_bits = precision_bits(kind);
    ctx.seed = case_seed(20240618, check.id(), spec.id);
    ctx.size = size;
    out.push_back(check.run_case(spec, ctx));
  }
  return out;
}

const Check& get(const std::string& id) { return test::get_check(id); }

const Fit* find_fit(const Summary& s, const std::string& prefix) {
  for (const auto& f : s.fits)
    if (f.name.rfind(prefix, 0) == 0) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("sampling.order (smoke): KL - KL_inf of order about -2, E_D about -1, the KL faster",
          "[sampling_checks][smoke]") {
  const Check& c = get("sampling.order");
  const auto res = run_all(c, Size::smoke, ScalarKind::mpfr);
  for (const auto& r : res) CHECK(r.verdict == Verdict::holds);
  const Summary s = c.summarize(res);
  int compared = 0;
  for (const auto& f : s.fits) {
    if (f.name.rfind("KL - KL_inf decays", 0) == 0) {
      INFO(f.name << " slope " << f.slope << " [" << f.slope_lo << ", " << f.slope_hi << "]");
      CHECK(f.outcome == "HOLDS");
      ++compared;
    } else if (f.name.rfind("KL - KL_inf,", 0) == 0) {
      CHECK(f.slope == Approx(-2).margin(test::acceptance::smoke_order_kl_slope));
    } else if (f.name.rfind("E_D,", 0) == 0) {
      CHECK(f.slope == Approx(-1).margin(test::acceptance::smoke_order_ed_slope));
    }
  }
  CHECK(compared >= 2);
  // The round-off table: the cancellation-free double stays within 1e-12 of MPFR.
  bool found = false;
  for (const auto& t : s.tables)
    if (t.id == "double_roundoff") {
      found = true;
      for (const auto& row : t.rows) CHECK(row[4].get<double>() < test::budgets::kl_cancellation_free_double.rel());
    }
  CHECK(found);
}

TEST_CASE("sampling.dimension (smoke): N*(d) found, below the bound's, sub-linear exponent",
          "[sampling_checks][smoke]") {
  const Check& c = get("sampling.dimension");
  const auto res = run_all(c, Size::smoke, ScalarKind::float64);
  for (const auto& r : res) {
    CHECK(r.verdict == Verdict::holds);
    if (r.params.contains("mixture") || r.params.contains("scale_mixture")) {
      // the non-product families: N*_G bracketed, below the derived bound's N*
      auto term = [&](const char* name) { return r.terms.at(name).at("mid").get<double>(); };
      CHECK(term("N_star_G_lo") <= term("N_star_G"));
      CHECK(term("N_star_G") <= term("N_star_G_hi"));
      CHECK(term("N_star_G_hi") < term("N_star_bound"));
      if (r.params.contains("scale_mixture"))  // the coupling lengthens N*_G against the same-covariance Gaussian
        CHECK(term("N_star_G") > term("N_star_G_same_covariance_gaussian"));
      continue;
    }
    // N* is the first N at or below the target: KL(N*) <= target < KL(N* - 1).
    const double target = r.params.at("target").get<double>();
    CHECK(r.terms.at("KL_at_Nstar").at("mid").get<double>() <= target);
    if (r.terms.contains("KL_at_Nstar_minus_1"))
      CHECK(r.terms.at("KL_at_Nstar_minus_1").at("mid").get<double>() > target);
  }
  const Summary s = c.summarize(res);
  const Fit* f = find_fit(s, "true N* vs d, isotropic/kappa_min");
  REQUIRE(f);
  CHECK(f->slope > test::acceptance::smoke_nstar_slope_lo);
  CHECK(f->slope < test::acceptance::smoke_nstar_slope_hi);
}

TEST_CASE("sampling.schedules (smoke): Table 2 cells and the crossover maps", "[sampling_checks][smoke]") {
  const Check& c = get("sampling.schedules");
  const auto res = run_all(c, Size::smoke, ScalarKind::mpfi);
  for (const auto& r : res) {
    const std::string cell = r.params.value("cell", "");
    // E_D + E_I: geometric better (deduced Table 2), proved. E_S with the noise-scale error: EDM better,
    // proved. E_S with the scaled-score error c: the encoded form prefers geometric — a finding, kept.
    if (cell == "E_D+E_I" || cell == "E_S(eps)")
      CHECK(r.verdict == Verdict::verified);
    else if (cell == "E_S(c)")
      CHECK(r.verdict == Verdict::violated);
    else
      CHECK((r.verdict == Verdict::verified || r.verdict == Verdict::holds || r.verdict == Verdict::inconclusive));
  }
  const Summary s = c.summarize(res);
  int heatmaps = 0;
  for (const auto& f : s.figures)
    if (f.kind == "heatmap") {
      ++heatmaps;
      REQUIRE(!f.series.empty());
      CHECK(f.series[0].z.size() == f.series[0].x.size());
    }
  CHECK(heatmaps >= 3);
  // PAPER §6.3.5: with the exact score EDM rho = 7 has the smaller true KL on the §6.1 example.
  bool edm_wins = false;
  for (const auto& t : s.tables)
    if (t.id.rfind("crossover_c_iso", 0) == 0)
      for (const auto& row : t.rows)
        if (row[0].get<double>() == 0.0) edm_wins = row[4] == "edm";
  CHECK(edm_wins);
}

TEST_CASE("sampling.nongaussian (smoke): all hold, 6+ digits, Monte Carlo agrees with the reduction",
          "[sampling_checks][smoke]") {
  const Check& c = get("sampling.nongaussian");
  const auto res = run_all(c, Size::smoke, ScalarKind::float64);
  REQUIRE(!res.empty());
  for (const auto& r : res) {
    INFO(r.case_id << " " << r.reason);
    CHECK(r.verdict == Verdict::holds);
    if (r.terms.contains("KL_digits")) CHECK(r.terms.at("KL_digits").at("mid").get<double>() >= 6);
    for (const auto& [k, v] : r.terms.items())
      if (k.rfind("z_", 0) == 0) CHECK(std::fabs(v.at("mid").get<double>()) < test::acceptance::mc_sigmas_many);
  }
}

TEST_CASE("sampling checks: parameter errors name the field", "[sampling_checks][smoke]") {
  using Catch::Matchers::Contains;
  auto error_of = [](const std::string& id, json params) {
    const Check& c = get(id);
    RunContext ctx;
    try {
      c.run_case({"custom", std::move(params)}, ctx);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  json p = get("sampling.bound").cases(Size::smoke).front().params;
  p["schedule"] = json{{"kind", "kappa_min"}, {"n_levels", 1}, {"sigma_min", 0.002}, {"sigma_max", 80}};
  CHECK_THAT(error_of("sampling.bound", p), Contains("schedule.n_levels"));
  p = get("sampling.bound").cases(Size::smoke).front().params;
  p["typo"] = 1;
  CHECK_THAT(error_of("sampling.bound", p), Contains("typo: unknown key"));
  p = get("sampling.nongaussian").cases(Size::smoke).front().params;
  p["law"]["kind"] = "cauchy";
  CHECK_THAT(error_of("sampling.nongaussian", p), Contains("law.kind: unknown 'cauchy'"));
  p = get("sampling.dimension").cases(Size::smoke).front().params;
  p["family"] = "linear";
  CHECK_THAT(error_of("sampling.dimension", p), Contains("family"));
  p = get("sampling.schedules").cases(Size::smoke).front().params;
  p["eta"] = 1.5;
  CHECK_THAT(error_of("sampling.schedules", p), Contains("eta"));
}

TEST_CASE("every check's case ids are unique at each size", "[checks][smoke]") {
  // Results, the diff against a baseline, --resume and the accepted findings all find a case by its id: two
  // cases of one check with the same id would be compared "in file order" at best.
  for (const Check* c : Registry::instance().all())
    for (const Size size : {Size::smoke, Size::standard, Size::full}) {
      std::set<std::string> seen;
      for (const auto& spec : c->cases(size)) {
        INFO(c->id() << " at size " << to_string(size) << ": " << spec.id);
        CHECK(seen.insert(spec.id).second);
      }
    }
}

TEST_CASE("sampling.schedules grid: judged against the derived bound, where the fitted shape fails (issue 15's case)",
          "[sampling_checks][smoke]") {
  // d = 1, data N(0, 6.19e-4), EDM rho = 15 with 3 levels 214.7 -> 62.4, exact score: kappa = 0.63 <= 1, inside the
  // fitted shape's hypotheses, and its committed constants give 0.0138 against a KL of 0.2465. The derived bound (3)
  // (0.5264, every constant explicit) holds by proof: VERIFIED in MPFI, with the fitted shape recorded below the KL.
  json p = get("sampling.schedules").cases(Size::smoke).front().params;
  json grid{{"kind", "grid"},
            {"model", "c"},
            {"data", {{"spectrum", "isotropic"}, {"dimension", 1}, {"scale", 6.19e-4}, {"mean", 0.0}}},
            {"schedule", {{"kind", "edm"}, {"n_levels", 3}, {"sigma_min", 62.4}, {"sigma_max", 214.7}, {"rho", 15}}},
            {"eta", 0.0},
            {"constants", p.at("constants")}};
  const Check& c = get("sampling.schedules");
  RunContext ctx;
  ctx.scalar = ScalarKind::mpfi, ctx.precision_bits = 128;
  WorkingPrecision precision(128);
  const CaseResult r = c.run_case({"issue15", grid}, ctx);
  INFO("KL " << r.measured->mid << ", derived bound " << r.bound->mid << ", fitted shape "
             << r.terms.at("B_fitted_shape").at("mid"));
  CHECK(r.verdict == Verdict::verified);
  CHECK(r.terms.at("kappa").at("mid").get<double>() <= 1.0);  // not-a-tolerance: the fitted shape's kappa_max
  CHECK(r.terms.at("B_fitted_shape").at("mid").get<double>() < r.measured->lo);  // the shape would be VIOLATED
}
