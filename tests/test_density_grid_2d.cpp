// The 2-D density propagation of full.error (numerics/density_grid_2d.hpp) by independent routes: the exact
// Gaussian recursion (a product law's KL is the sum of its coordinates'), a rotated mixture against the 1-D
// grid, folding maps (the kernel regime's deposit) against the recursion with |T'|, the quadratures against
// closed forms, and a trained network's sampler against Monte Carlo of the same sampler.
#include "tolerances.hpp"

#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/density_grid_2d.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/network_score.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/schedules.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::checks;
using namespace diffbound::test;

namespace {

IsoMixture gauss2(double m0, double m1, double sd) {
  IsoMixture f;
  f.d = 2;
  f.w = {1.0}, f.m = {{m0, m1}}, f.v = {sd * sd};
  return f;
}

std::vector<double> edm_variances(int n, double lo = 0.02, double hi = 80.0) {
  return variances(noise_levels<double>(ScheduleSpec::edm(n, lo, hi, 7.0)));
}

}  // namespace

TEST_CASE("2-D grid: a product Gaussian's KL equals the exact recursion (exact and scaled score)", "[grid2d][smoke]") {
  const IsoMixture f = gauss2(1.0, 0.5, 0.5);
  const auto data = make_gaussian<double>({0.25, 0.25}, {1.0, 0.5}, {1, 1});
  for (int n : {8, 32})
    for (double c : {1.0, 0.9}) {
      const auto a = edm_variances(n);
      const auto coarse = propagate_kl_2d(f, a, c), fine = propagate_kl_2d(f, a, c, GridOptions2d{}.refined());
      const double exact = sampler_kl(data, a, AffineScoreError<double>{c, 0.0});
      const double est = std::fabs(fine.kl - coarse.kl);
      INFO("N = " << n << ", c = " << c << ": grid " << fine.kl << " (coarse " << coarse.kl << "), exact " << exact
                  << "; kernel/narrow steps " << fine.kernel_steps << "/" << fine.narrow_steps);
      CHECK(std::fabs(fine.kl - exact) <=
            acceptance::grid_estimate_slack * est + acceptance::grid_kl_floor_rel * exact);
      CHECK(est <= acceptance::grid2d_kl_resolution_rel * exact);
      CHECK(std::fabs(fine.mass - 1) <= acceptance::grid2d_mass);
      CHECK(fine.kernel_steps > 0);
      CHECK(fine.narrow_steps > 0);
    }
}

TEST_CASE("2-D grid: a mixture on the diagonal equals its rotation, a 1-D mixture times a Gaussian",
          "[grid2d][smoke]") {
  // Components N(±(1, 1), 0.25 I): rotated by 45 degrees, N(±√2 e_1, 0.25 I); the sampler with the exact
  // score commutes with rotations, so the KL is the 1-D mixture's plus the 1-D Gaussian N(0, 0.25)'s.
  IsoMixture f;
  f.d = 2;
  f.w = {0.5, 0.5}, f.m = {{-1.0, -1.0}, {1.0, 1.0}}, f.v = {0.25, 0.25};
  const IsoMixture along = mixture_1d({0.5, 0.5}, {-std::sqrt(2.0), std::sqrt(2.0)}, {0.5, 0.5});
  const auto across = make_gaussian<double>({0.25}, {0.0}, {1});
  const auto a = edm_variances(16);
  const auto coarse = propagate_kl_2d(f, a, 1.0), fine = propagate_kl_2d(f, a, 1.0, GridOptions2d{}.refined());
  GridOptions o1;
  const double one_d = propagate_kl(along, a, 1.0, o1.refined()).kl;
  const double exact = one_d + sampler_kl(across, a, AffineScoreError<double>{1.0, 0.0});
  INFO("grid " << fine.kl << " (coarse " << coarse.kl << "), rotated route " << exact);
  CHECK(std::fabs(fine.kl - exact) <=
        acceptance::grid_estimate_slack * std::fabs(fine.kl - coarse.kl) + acceptance::grid2d_vs_1d_rel * exact);
}

TEST_CASE("2-D grid: a folding map (det DT < 0) goes through the kernel regime's deposit", "[grid2d][smoke]") {
  // Score −((1.5 (x − μ)_1, (x − μ)_2)/(s² + a)): in the first coordinate T' = 1 − 1.5 Δ/(s² + a) < 0 on the
  // large steps, in the second T' > 0, so det DT < 0 (the map reverses orientation: a fold for the narrow
  // route, which needs an inverse with positive Jacobian). The law is a product and the score acts per
  // coordinate: the KL is the sum of the two coordinates' Gaussian recursions (c = 1.5 and c = 1).
  const IsoMixture f = gauss2(1.0, 0.5, 0.5);
  const auto a = edm_variances(6, 0.1, 10.0);
  auto score = [&](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
    const double V = 0.25 + a[k];
    S.resize(2, X.cols());
    S.row(0) = -1.5 * (X.row(0).array() - 1.0) / V;
    S.row(1) = -(X.row(1).array() - 0.5) / V;
  };
  const auto coarse = propagate_kl_model_2d(f, a, score),
             fine = propagate_kl_model_2d(f, a, score, GridOptions2d{}.refined());
  const double exact = sampler_kl(make_gaussian<double>({0.25}, {1.0}, {1}), a, AffineScoreError<double>{1.5, 0.0}) +
                       sampler_kl(make_gaussian<double>({0.25}, {0.5}, {1}), a, AffineScoreError<double>{1.0, 0.0});
  INFO("grid " << fine.kl << " (coarse " << coarse.kl << "), exact " << exact << ", folded steps "
               << fine.folded_steps);
  CHECK(fine.folded_steps > 0);
  CHECK(std::fabs(fine.kl - exact) <=
        acceptance::grid_estimate_slack * std::fabs(fine.kl - coarse.kl) + acceptance::grid2d_fold_floor_rel * exact);
  CHECK(std::fabs(fine.mass - 1) <= acceptance::grid2d_mass);
}

TEST_CASE("2-D quadratures: Fisher information, initialization KL and score error against closed forms",
          "[grid2d][smoke]") {
  const IsoMixture f = gauss2(1.0, 0.5, 0.5);
  for (double a : {1e-4, 0.3, 50.0, 6400.0}) {
    const double V = 0.25 + a;
    CHECK(fisher_information_2d(f, a) == Approx(2 / V).epsilon(acceptance::grid2d_quadrature_rel));
    // KL(N(μ, V I) ‖ N(0, a I)) = Σ_i ½ [V/a − 1 − ln(V/a) + μ_i²/a]; the quadrature is on the law's grid,
    // which resolves the prior N(0, a I) only for a not far below the law's variance (it is used at a_0).
    const double r = V / a;
    const double kl = 2 * 0.5 * (r - 1 - std::log(r)) + 0.5 * (1.0 + 0.25) / a;
    if (a >= 0.3) CHECK(init_kl_2d(f, a) == Approx(kl).epsilon(acceptance::grid2d_quadrature_rel));
    // The scaled score c ∇log p has E‖(c − 1)∇log p‖² = (1 − c)² J(a).
    const double c = 0.8;
    const double e = score_error_2d(f, a, [&](const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
      S = -c * (X.colwise() - Eigen::Vector2d(1.0, 0.5)) / V;
    });
    CHECK(e == Approx((1 - c) * (1 - c) * 2 / V).epsilon(acceptance::grid2d_quadrature_rel));
  }
}

TEST_CASE("2-D grid: the sampler with a trained network agrees with its Monte Carlo simulation", "[grid2d][smoke]") {
  const DataLaw law{{0.5, 0.5}, {{-1.0, -1.0}, {1.0, 1.0}}, {0.5, 0.5}};
  const json training{{"network", {{"width", 16}, {"depth", 2}, {"input_normalisation", "raw"}}},
                      {"loss", {{"grid", schedule_to_json(ScheduleSpec::geometric(5, 0.05, 10.0))}}},
                      {"gd", {{"step_rel", 0.5}, {"max_steps", 200}}}};
  const TrainedNetwork tn = train_network(training, draw_law(law, 16, 5), 6, 7);
  IsoMixture f;
  f.d = 2;
  f.w = law.weights, f.m = law.means, f.v = {0.25, 0.25};
  const auto sigma = noise_levels<double>(ScheduleSpec::edm(12, 0.05, 10.0, 7.0));
  const auto a = variances(sigma);
  auto fn = [&](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) { tn.score->evaluate(X, sigma[k], S); };
  const auto coarse = propagate_kl_model_2d(f, a, fn), g = propagate_kl_model_2d(f, a, fn, GridOptions2d{}.refined());
  // Monte Carlo of the same sampler: Y_0 ~ N(0, a_0 I), Y ← Y + Δ S(Y) + √Δ Z.
  const int M = 200000;
  NormalSource rng(99);
  Eigen::MatrixXd Y(2, M), S;
  for (Eigen::Index i = 0; i < M; ++i) Y(0, i) = std::sqrt(a[0]) * rng(), Y(1, i) = std::sqrt(a[0]) * rng();
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const double delta = a[k] - a[k + 1];
    tn.score->evaluate(Y, sigma[k], S);
    Y += delta * S;
    for (Eigen::Index i = 0; i < M; ++i) Y(0, i) += std::sqrt(delta) * rng(), Y(1, i) += std::sqrt(delta) * rng();
  }
  const Eigen::Vector2d mean = Y.rowwise().mean();
  const Eigen::ArrayXd r2 = Y.colwise().squaredNorm().transpose().array();
  const double second = r2.mean();
  const double se_second = std::sqrt((r2 - second).square().sum() / (M - 1) / M);
  const double se0 = std::sqrt((Y.row(0).array() - mean(0)).square().sum() / (M - 1) / M);
  const double se1 = std::sqrt((Y.row(1).array() - mean(1)).square().sum() / (M - 1) / M);
  INFO("grid mean (" << g.mean[0] << ", " << g.mean[1] << "), E|Y|^2 " << g.second << "; MC (" << mean(0) << ", "
                     << mean(1) << "), " << second << " +- " << se_second << "; KL " << g.kl);
  // The ReLU network's kinks make the pushed-forward density discontinuous: the narrow route's trapezoidal
  // rule then loses mass at first order in h, within the two-resolution difference the checks report.
  CHECK(std::fabs(g.mass - 1) <=
        acceptance::first_order_refinement * std::fabs(g.mass - coarse.mass) + acceptance::grid2d_mass);
  CHECK(std::fabs(g.mean[0] - mean(0)) <= test::acceptance::mc_sigmas * se0);
  CHECK(std::fabs(g.mean[1] - mean(1)) <= test::acceptance::mc_sigmas * se1);
  CHECK(std::fabs(g.second - second) <= test::acceptance::mc_sigmas * se_second);
  CHECK(g.kl > 0);
  // The network's score error in 2-D: grid quadrature against Monte Carlo.
  for (double s : {0.1, 1.0, 5.0}) {
    const auto r = score_error_routes(law, *tn.score, s, 40000, 31);
    INFO("sigma " << s << ": quadrature " << r[0] << ", MC " << r[1] << " +- " << r[2]);
    CHECK(std::fabs(r[0] - r[1]) <= test::acceptance::mc_sigmas * r[2]);
  }
}

TEST_CASE("2-D law parameters: means as pairs, errors name the field", "[grid2d][smoke]") {
  const DataLaw l = law_from_json(json::parse(R"({"weights": [1], "means": [[1, 0.5]], "sds": [0.5]})"));
  CHECK(l.dimension() == 2);
  CHECK(l.label() == "gauss2d(m=(1,0.5),s=0.5)");
  CHECK(law_to_json(l) == json::parse(R"({"weights": [1.0], "means": [[1.0, 0.5]], "sds": [0.5]})"));
  // 1-D laws keep their numbers-only form (and so their seeds and case ids).
  CHECK(law_to_json(DataLaw::line({1.0}, {1.0}, {0.5})).dump() == R"({"means":[1.0],"sds":[0.5],"weights":[1.0]})");
  auto bad = [](const char* text, const std::string& field) {
    try {
      (void)law_from_json(json::parse(text));
      FAIL("no error for " << text);
    } catch (const ParamError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  bad(R"({"weights": [1], "means": [[1, 0.5, 2]], "sds": [0.5]})", "law.means");
  bad(R"({"weights": [1, 1], "means": [[1, 0.5], [1]], "sds": [0.5, 0.5]})", "law.means");
  bad(R"({"weights": [1, 1], "means": [[1, 0.5], 2], "sds": [0.5, 0.5]})", "law.means");
  bad(R"({"weights": [1], "means": [["a", 0.5]], "sds": [0.5]})", "law.means");
}
