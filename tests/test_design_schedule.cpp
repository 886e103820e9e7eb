// design.schedule (theory/design_schedule.hpp, checks/design_schedule.cpp): the ρ-family against EDM's and
// the geometric formulas, the bound terms against their closed forms, the optimisers against known optima
// and brute-force grids, and the check at smoke size.
#include "tolerances.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/gaussian_sampler_levels.hpp>
#include <diffbound/theory/design_schedule.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::test;
namespace ds = diffbound::design_schedule;

namespace {

DiagonalGaussian<double> iso(std::int64_t d, double lambda, double mu) {
  return make_gaussian<double>({lambda}, {mu}, {d});
}

/// Brute force: the smallest value of f on a dense grid in sqrt(t) (t = 1/ρ ∈ [0, 1]).
std::pair<double, double> grid_min(const ds::Objective& f, int points) {
  double best_t = 0, best = f(ds::FamilyParams{0.0, {}});
  for (int i = 1; i < points; ++i) {
    const double u = static_cast<double>(i) / (points - 1), t = u * u;
    const double v = f(ds::FamilyParams{t, {}});
    if (v < best) best = v, best_t = t;
  }
  return {best_t, best};
}

double true_kl(const DiagonalGaussian<double>& data, const std::vector<double>& sigma, const ds::ScoreError& s) {
  const auto a = variances(sigma);
  if (s.model == ds::ErrorModel::c) return sampler_kl(data, a, AffineScoreError<double>{1 - s.eta, 0.0});
  std::vector<double> bias(a.size() - 1);
  for (std::size_t k = 0; k < bias.size(); ++k) bias[k] = s.eta / sigma[k];
  return sampler_kl_levels(data, a, 1.0, bias);
}

}  // namespace

TEMPLATE_TEST_CASE("design.schedule: the rho-family is EDM at t = 1/rho and geometric at t = 0",
                   "[design_schedule][smoke]", double, mpfr_real) {
  using Real = TestType;
  PrecisionScope prec(128);
  for (int n : {3, 18, 257})
    for (double rho : {1.0, 3.0, 7.0, 16.0}) {
      const auto ours = ds::family_levels<Real>(n, 0.002, 80.0, ds::FamilyParams{1.0 / rho, {}});
      // EDM's formula at the same ρ: 1/rho as a double is what t is, so compare with ρ = 1/t exactly.
      const Real rho_exact = Real(1) / Real(1.0 / rho);
      const auto edm = edm_levels<Real>(n, decimal<Real>(0.002), decimal<Real>(80.0), rho_exact);
      REQUIRE(ours.size() == edm.size());
      for (std::size_t i = 0; i < ours.size(); ++i) {
        INFO("n=" << n << " rho=" << rho << " i=" << i);
        CHECK(error_in_eps(ours[i], edm[i]) <= budgets::rho_family_vs_edm.eps_units);
      }
    }
  const auto geo = geometric_levels<Real>(33, decimal<Real>(0.002), decimal<Real>(80.0));
  const auto ours = ds::family_levels<Real>(33, 0.002, 80.0, ds::FamilyParams{0.0, {}});
  for (std::size_t i = 0; i < geo.size(); ++i)
    CHECK(error_in_eps(ours[i], geo[i]) <= budgets::schedule_level.eps_units);
  // Continuity at t -> 0: t = 1e-9 is geometric up to t Λ² r(1 − r)/2 in ln σ (Λ = ln(σ_max/σ_min)).
  const double t_near = 1e-9, Lambda = std::log(80.0 / 0.002);
  const auto near = ds::family_levels<double>(33, 0.002, 80.0, ds::FamilyParams{t_near, {}});
  for (std::size_t i = 0; i < geo.size(); ++i)
    CHECK(rel_diff(near[i], mid_double(geo[i])) <=
          acceptance::rho_family_first_order(t_near, Lambda) + budgets::rho_family_vs_edm.rel());
}

TEST_CASE("design.schedule: the warp is monotone, keeps the endpoints, and w = 0 is the identity",
          "[design_schedule][smoke]") {
  const ds::FamilyParams plain{0.1, {}}, zero{0.1, std::vector<double>(ds::kWarpDegree, 0.0)};
  CHECK(ds::family_levels<double>(40, 0.002, 80.0, plain) == ds::family_levels<double>(40, 0.002, 80.0, zero));
  // W(r) = r for equal coefficients (Bernstein reproduces linear functions), checked off the shortcut.
  const auto c = ds::warp_coefficients({0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  for (double r : {0.0, 0.13, 0.5, 0.77, 1.0})
    CHECK(ds::warp_value(c, r) == Approx(r).margin(budgets::bernstein_partition_of_unity.rel()));
  const ds::FamilyParams warped{0.2, {0.0, 3.0, -2.0, 1.0, -4.0, 2.5}};
  const auto s = ds::family_levels<double>(200, 0.002, 80.0, warped);
  CHECK(s.front() == 80.0);
  CHECK(s.back() == 0.002);
  CHECK(ds::strictly_decreasing(s));
}

TEST_CASE("design.schedule: the bound terms equal their closed forms", "[design_schedule][smoke]") {
  const auto data = make_gaussian<double>({1.0, 0.25, 0.01}, {0.5, 0.0, -1.0}, {3, 5, 7});
  const auto sigma = edm_levels<double>(24, 0.002, 80.0, 7.0);
  const auto a = variances(sigma);
  const double C_D = 0.3, C_S = 2.0, eta = 0.05;
  const auto g = sampling_bound::step_geometry(a);
  const double d = 15, m2 = 3 * (1.0 + 0.25) + 5 * 0.25 + 7 * (0.01 + 1.0);
  // eps model: E_S = C_S d η² Σ_k Δ_k/a_k.
  double s_eps = 0, s_c = 0;
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const double delta = a[k] - a[k + 1];
    s_eps += delta / a[k];
    s_c += delta * (3 / (1.0 + a[k]) + 5 / (0.25 + a[k]) + 7 / (0.01 + a[k]));
  }
  const auto be = ds::bound_terms(data, sigma, {ds::ErrorModel::eps, eta}, C_D, C_S);
  CHECK_WITHIN_EPS(be.init, m2 / (2 * 6400.0), budgets::init_term_closed_form);
  const double L = -std::log(a.back());
  CHECK_WITHIN_EPS(be.discretization, C_D * (d * g.kappa * g.kappa * 23 + g.kappa * (d * (1 + L) + m2)),
                   budgets::discretization_term_closed_form);
  CHECK_WITHIN_EPS(be.score, C_S * d * eta * eta * s_eps, 23 * budgets::score_sum_per_step);
  const auto bc = ds::bound_terms(data, sigma, {ds::ErrorModel::c, eta}, C_D, C_S);
  // (1 − c)² with 1 − c recovered from c = 1 − η: the rounding of c amplified by 2(1 − η)/η.
  CHECK_WITHIN_EPS(bc.score, C_S * eta * eta * s_c,
                   3 * 23 * budgets::score_sum_per_step.eps_units + budgets::one_minus_c_squared(eta).eps_units);
  CHECK(bc.discretization == be.discretization);
}

TEST_CASE("design.schedule: the optimisers find known optima", "[design_schedule][smoke]") {
  // A smooth objective with its minimum inside: t* = 0.3.
  const ds::Objective quad = [](const ds::FamilyParams& p) { return (p.t - 0.3) * (p.t - 0.3) + 1; };
  const auto o = ds::minimise_rho(quad);
  CHECK(o.params.t == Approx(0.3).margin(acceptance::brent_argument));
  // A minimum at the geometric end t = 0 (a boundary minimum).
  const ds::Objective edge = [](const ds::FamilyParams& p) { return p.t + 2; };
  CHECK(ds::minimise_rho(edge).params.t == 0.0);
  // The free form: t* = 0.2 and w_j* = j/10 (separable), from the identity.
  const ds::Objective sep = [](const ds::FamilyParams& p) {
    double v = (p.t - 0.2) * (p.t - 0.2);
    for (std::size_t j = 1; j < p.w.size(); ++j) v += (p.w[j] - 0.1 * j) * (p.w[j] - 0.1 * j);
    return v;
  };
  const auto f = ds::minimise_free(sep, ds::minimise_rho(sep));
  CHECK(f.params.t == Approx(0.2).margin(acceptance::brent_argument));
  for (std::size_t j = 1; j < f.params.w.size(); ++j)
    CHECK(f.params.w[j] == Approx(0.1 * j).margin(acceptance::brent_argument));
}

TEST_CASE("design.schedule: bound-optimal rho agrees with a brute-force grid and beats EDM rho=7 and geometric",
          "[design_schedule][smoke]") {
  const auto k_D = sampling_bound::committed_CD(), k_S = sampling_bound::committed_CS();
  for (const auto& data : {iso(1, 0.25, 1.0), iso(1000, 1.0, 0.0)})
    for (int n : {16, 64})
      for (const ds::ScoreError s : {ds::ScoreError{ds::ErrorModel::eps, 0.0}, ds::ScoreError{ds::ErrorModel::eps, 0.1},
                                     ds::ScoreError{ds::ErrorModel::c, 0.03}}) {
        INFO("d=" << data.dimension() << " n=" << n << " model=" << ds::to_string(s.model) << " eta=" << s.eta);
        const auto f = ds::bound_objective(data, n, 0.002, 80.0, s, k_D, k_S);
        const auto opt = ds::minimise_rho(f);
        const auto [t_grid, v_grid] = grid_min(f, 4001);
        CHECK(opt.value <= v_grid * (1 + acceptance::optimiser_vs_grid_rel));
        CHECK(opt.value == f(opt.params));  // the value is the objective at the parameters (the same evaluation)
        const double b7 = ds::bound_terms(data, edm_levels<double>(n, 0.002, 80.0, 7.0), s, k_D, k_S).total();
        const double bg = ds::bound_terms(data, geometric_levels<double>(n, 0.002, 80.0), s, k_D, k_S).total();
        CHECK(opt.value <= std::min(b7, bg) * (1 + budgets::bound_of_recomputed_levels.rel()));
        const auto free = ds::minimise_free(f, opt);
        CHECK(free.value <= opt.value);
      }
}

TEST_CASE("design.schedule: true-KL-optimal rho agrees with a dense grid, and KL <= bound for the candidates",
          "[design_schedule][smoke]") {
  const auto k_D = sampling_bound::committed_CD(), k_S = sampling_bound::committed_CS();
  const auto data = iso(1, 0.25, 1.0);
  for (const ds::ScoreError s : {ds::ScoreError{ds::ErrorModel::eps, 0.0}, ds::ScoreError{ds::ErrorModel::eps, 0.3},
                                 ds::ScoreError{ds::ErrorModel::c, 0.1}}) {
    INFO("model=" << ds::to_string(s.model) << " eta=" << s.eta);
    const int n = 32;
    const ds::Objective kl = [&](const ds::FamilyParams& p) {
      return true_kl(data, ds::family_levels<double>(n, 0.002, 80.0, p), s);
    };
    const auto opt = ds::minimise_rho(kl);
    const auto [t_grid, v_grid] = grid_min(kl, 4001);
    CHECK(opt.value <= v_grid * (1 + acceptance::optimiser_vs_grid_rel));
    // The grid's minimiser lies within one grid spacing of the optimiser's (unimodal here).
    CHECK(std::sqrt(opt.params.t) == Approx(std::sqrt(t_grid)).margin(acceptance::grid_minimiser_sqrt_t));
    const auto free = ds::minimise_free(kl, opt);
    CHECK(free.value <= opt.value);
    for (const auto& p : {opt.params, free.params, ds::FamilyParams{1.0 / 7, {}}, ds::FamilyParams{0.0, {}}}) {
      const auto sigma = ds::family_levels<double>(n, 0.002, 80.0, p);
      CHECK(true_kl(data, sigma, s) <= ds::bound_terms(data, sigma, s, k_D, k_S).total());
    }
  }
}

TEST_CASE("design.schedule check (smoke): optimum and candidate cases VERIFIED in MPFI, figures declared",
          "[design_schedule][smoke]") {
  using namespace diffbound::checks;
  const Check* c = Registry::instance().find("design.schedule");
  REQUIRE(c);
  PrecisionScope prec(128);
  std::vector<CaseResult> res;
  for (const auto& spec : c->cases(Size::smoke)) {
    RunContext ctx;
    ctx.scalar = ScalarKind::mpfi, ctx.precision_bits = 128;
    res.push_back(c->run_case(spec, ctx));
    INFO(spec.id << ": " << res.back().reason);
    CHECK(res.back().verdict == Verdict::verified);
  }
  REQUIRE(res.size() == 16);  // 2 x (optimum + 6 candidates) on the grid, the tight optimum and candidate cases
  const Summary s = c->summarize(res);
  int rho_figs = 0, level_figs = 0, maps = 0;
  for (const auto& f : s.figures) {
    rho_figs += f.id.rfind("optimal_rho_", 0) == 0;
    level_figs += f.id.rfind("levels_", 0) == 0;
    maps += f.kind == "heatmap";
  }
  CHECK(rho_figs == 1);
  CHECK(level_figs == 2);
  CHECK(maps == 2);
  CHECK_FALSE(s.notes.empty());
  // A subset of the cases (one candidate) summarises without the optimum cases.
  CHECK_NOTHROW(c->summarize({res.back()}));
}

TEST_CASE("design.schedule: parameter errors name the field", "[design_schedule][smoke]") {
  using namespace diffbound::checks;
  using Catch::Matchers::Contains;
  const Check* c = Registry::instance().find("design.schedule");
  REQUIRE(c);
  auto error_of = [&](json p) {
    try {
      c->validate({"custom", std::move(p)});
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const json base = c->cases(Size::smoke)[1].params;  // a candidate case
  json p = base;
  p["candidate"] = "cosine";
  CHECK_THAT(error_of(p), Contains("candidate"));
  p = base, p["eta"] = -1;
  CHECK_THAT(error_of(p), Contains("eta"));
  p = base, p["model"] = "x";
  CHECK_THAT(error_of(p), Contains("model"));
  p = base, p["n_levels"] = 2;
  CHECK_THAT(error_of(p), Contains("n_levels"));
  p = base, p["sigma_min"] = 100;
  CHECK_THAT(error_of(p), Contains("sigma_min"));
  p = base, p["typo"] = 1;
  CHECK_THAT(error_of(p), Contains("typo: unknown key"));
  p = base, p["model"] = "c", p["eta"] = 2;
  CHECK_THAT(error_of(p), Contains("eta"));
  CHECK(error_of(base) == "no error");
}
