// full.error: the sampler with a trained network, by independent routes. The grid KL with the exact score
// against the exact Gaussian recursion; the network's score error by quadrature against Monte Carlo; the
// network as a score model against the loss's own residuals; the composed bound against sampling.bound's
// Gaussian forms; a smoke run of the check; parameter errors.
#include "check_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/numerics/dsm_loss.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/network_score.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/full_error.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::checks;

namespace {

const DataLaw kGauss = DataLaw::line({1.0}, {1.0}, {0.5});

json small_training(long steps, int width = 16) {
  return json{{"network", {{"width", width}, {"depth", 2}, {"input_normalisation", "raw"}}},
              {"loss", {{"grid", schedule_to_json(ScheduleSpec::geometric(5, 0.02, 80.0))}}},
              {"gd", {{"step_rel", 0.5}, {"max_steps", steps}}}};
}

const Check& get(const std::string& id) { return test::get_check(id); }

}  // namespace

TEST_CASE("full.error: grid KL with the exact score equals the exact Gaussian recursion", "[full_error][smoke]") {
  for (int n : {16, 64}) {
    const auto sigma = noise_levels<double>(ScheduleSpec::edm(n, 0.02, 80.0, 7.0));
    const SamplerEvaluation ev = evaluate_sampler_exact(kGauss, sigma);
    REQUIRE(ev.failure.empty());
    const auto data = make_gaussian<double>({0.25}, {1.0}, {1});
    const double exact = sampler_kl(data, variances(sigma), AffineScoreError<double>{1.0, 0.0});
    INFO("N = " << n << ": grid " << ev.kl << " (+- " << ev.kl_error << "), recursion " << exact);
    // The grid's own error estimate must cover the difference (with a factor 4 of slack for an estimate).
    CHECK(std::fabs(ev.kl - exact) <=
          test::acceptance::grid_estimate_slack * ev.kl_error + test::acceptance::grid_kl_floor_rel * exact);
    CHECK(ev.kl_error <= test::acceptance::grid_kl_resolution_rel * exact);
    // The exact score has no score error.
    for (double e : ev.eps_sq) CHECK(e == 0);
  }
}

TEST_CASE("full.error: the network's score error by quadrature agrees with Monte Carlo", "[full_error][smoke]") {
  const Eigen::MatrixXd x0 = draw_law(kGauss, 8, 11);
  const TrainedNetwork tn = train_network(small_training(60), x0, 12, 13);
  REQUIRE(tn.loss.size() == 61);
  CHECK(tn.loss.back() < tn.loss.front());
  for (double sigma : {0.05, 0.5, 5.0}) {
    const auto r = score_error_routes(kGauss, *tn.score, sigma, 20000, 77);
    INFO("sigma " << sigma << ": quadrature " << r[0] << ", MC " << r[1] << " +- " << r[2]);
    CHECK(std::fabs(r[0] - r[1]) <= test::acceptance::mc_sigmas * r[2]);
  }
}

TEST_CASE("full.error: the network as a score model equals the loss's residuals", "[full_error][smoke]") {
  // Independent route: DsmObjective's batched residuals r = κ(S + ξ/σ) give S at the training inputs.
  NetworkOptions no;
  no.width = 16;
  no.input_normalisation = "raw";
  DsmOptions lo;
  lo.grid = ScheduleSpec::geometric(4, 0.02, 80.0);
  const Eigen::MatrixXd x0 = draw_law(kGauss, 5, 3);
  const auto pb = make_problem<double>(no, lo, x0, 4);
  const auto net = init_network<double>(no, pb.d_in, pb.d, 5);
  DsmObjective<double> obj(pb, net);
  obj.value(net.W);
  NetworkScore model;
  model.net = net, model.W = net.W;
  for (Eigen::Index p = 0; p < pb.P(); ++p) {
    const int j = pb.level_of(p);
    const Eigen::Index i = p % pb.n;
    Eigen::MatrixXd x(1, 1), S;
    x(0, 0) = pb.X0(0, i) + pb.sigma[j] * pb.Xi(0, p);
    model.evaluate(x, pb.sigma[j], S);
    const double from_loss = (obj.residuals()(0, p) - pb.col_xi[p] * pb.Xi(0, p)) / pb.kappa[j];
    CHECK(test::rel_diff(S(0, 0), from_loss) <=
          test::budgets::batched_vs_reference.rel() *
              (1 + std::fabs(pb.col_xi[p] * pb.Xi(0, p) / (pb.kappa[j] * S(0, 0)))));
  }
}

TEMPLATE_TEST_CASE("full.error: composed bound equals sampling.bound's Gaussian forms for an affine score",
                   "[full_error][smoke]", double, mpfr_real) {
  using Real = TestType;
  const auto data = make_gaussian<Real>({0.25}, {1.0}, {1});
  const auto a = variances(noise_levels<Real>(ScheduleSpec::edm(32, 0.02, 80.0, 7.0)));
  const Real c = decimal<Real>(0.9);
  std::vector<Real> eps;
  for (std::size_t k = 0; k + 1 < a.size(); ++k)
    eps.push_back((Real(1) - c) * (Real(1) - c) / (data.modes[0].lambda + a[k]));
  const Real CD = decimal<Real>(0.01), CS = decimal<Real>(4);
  const auto cb = full_error::composed_bound<Real>(a, Real(1), data.second_moment(), eps, CD, CS);
  const auto f = sampling_bound::gaussian_forms(data, a, AffineScoreError<Real>{c, Real(0)});
  const auto t = sampling_bound::apply_constants(f, CD, CS);
  CHECK(test::error_in_eps(cb.total(), t.total()) <= test::budgets::bound_per_step * a.size());
  CHECK(test::error_in_eps(cb.terms.score, t.score) <= test::budgets::bound_per_step * a.size());
}

TEST_CASE("full.error (smoke): every case judged, KL below the composed bound, figures declared",
          "[full_error][smoke]") {
  const Check& c = get("full.error");
  std::vector<CaseResult> res;
  for (const auto& spec : c.cases(Size::smoke)) {
    RunContext ctx;
    ctx.scalar = ScalarKind::float64;
    ctx.seed = case_seed(20240618, c.id(), spec.id);
    ctx.size = Size::smoke;
    res.push_back(c.run_case(spec, ctx));
  }
  REQUIRE(res.size() >= 3);
  for (const auto& r : res) {
    INFO(r.case_id << ": " << r.reason);
    REQUIRE(r.measured);
    CHECK(r.verdict == Verdict::holds);
    // The constant-free Girsanov right-hand side with the network's errors holds as well.
    CHECK(r.terms.at("girsanov_margin").at("mid").get<double>() > 0);
    // E_S is the score part: positive for a trained (inexact) network.
    CHECK(r.terms.at("E_S").at("mid").get<double>() > 0);
  }
  const Summary s = c.summarize(res);
  bool kl_vs_n = false;
  for (const auto& f : s.figures) kl_vs_n = kl_vs_n || f.id == "kl_vs_N";
  CHECK(kl_vs_n);
  CHECK(!s.notes.empty());
  // summarize copes with a subset (and with nothing).
  CHECK_NOTHROW(c.summarize({res.front()}));
  CHECK_NOTHROW(c.summarize({}));
}

TEST_CASE("full.error: bad parameters name the field", "[full_error][smoke]") {
  const Check& c = get("full.error");
  const auto base = c.cases(Size::smoke).front();
  auto expect = [&](json p, const std::string& field) {
    CaseSpec s{"bad", p};
    try {
      c.validate(s);
      FAIL("no error for " << p.dump());
    } catch (const ParamError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  json p = base.params;
  p["law"]["sds"] = {-1.0};
  expect(p, "law.sds");
  p = base.params;
  p["samples"] = 0;
  expect(p, "samples");
  p = base.params;
  p["typo"] = 1;
  expect(p, "typo");
  p = base.params;
  p["training"].erase("gd");
  expect(p, "training.gd");
  p = base.params;
  p["training"]["network"]["width"] = 0;
  expect(p, "training.network");
  p = base.params;
  p["schedule"]["sigma_min"] = 100.0;
  expect(p, "schedule");
}
