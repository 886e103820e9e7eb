// The PL ratio μ = ‖∇L̄‖²/(L̄ − L*) and the adversarial search over a ball (numerics/pl_search.hpp; issue 16,
// item 6): the gradient of μ that the search descends along, in double as the search uses it, against central
// differences of μ at 256 bits; and the search against random directions on a ball where a point with a much
// smaller μ is known to exist (a late point of the GD path from the ball's centre).
#include "param_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/numerics/pl_search.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace diffbound;
using namespace diffbound::test;

namespace {

struct PlTestSetup {
  NetworkOptions net;
  DsmOptions loss;
  TrainingDataSpec data;
};

PlTestSetup pl_test_setup(int m) {
  PlTestSetup s;
  s.net.width = m;
  s.net.depth = 2;
  s.loss.samples = 3;
  s.loss.grid = ScheduleSpec::geometric(3, 0.05, 20.0);  // N = 2
  s.data.family = "gaussian";
  s.data.gaussian.spectrum = "isotropic";
  s.data.gaussian.dimension = 2;
  s.data.gaussian.scale = 1.0;
  return s;
}

}  // namespace

TEST_CASE("the PL ratio's gradient (double, as the ball search uses it) matches 256-bit central differences",
          "[training][pl_search][smoke]") {
  PrecisionScope prec(256);
  using R = mpfr_real;
  const PlTestSetup s = pl_test_setup(12);
  const auto x0 = draw_data(s.data, s.loss.samples, 21);
  const auto pbd = make_problem<double>(s.net, s.loss, x0, 22);
  const auto netd = init_network<double>(s.net, pbd.d_in, pbd.d, 23);
  const auto pbr = make_problem<R>(s.net, s.loss, x0, 22);
  const auto netr = init_network<R>(s.net, pbr.d_in, pbr.d, 23);
  DsmObjective<double> objd(pbd, netd);
  DsmObjective<R> objr(pbr, netr);
  // A point away from the initialisation (no layer special), the same in both precisions.
  const Params<double> W = axpy(netd.W, 0.05, random_direction(netd.W, 24));
  const Params<R> Wr = convert_params<R>(W);
  PlRatioProbe<double> pd(objd, W);
  PlRatioProbe<R> pr(objr, Wr);
  Params<double> G = zeros_like(W);
  const double mu = pd.ratio_and_gradient(W, G, 1e-6);
  const R mu_r = pr.ratio(Wr);
  CHECK(mu > 0);
  CHECK(mid_double(mu_r) > 0);
  // The same gradient in MPFR (a step of 1e-30 for the Hessian-vector product) must agree to many digits.
  Params<R> Gr = zeros_like(Wr);
  pr.ratio_and_gradient(Wr, Gr, 1e-30);
  const R h("1e-30");
  for (std::uint64_t dir = 0; dir < 4; ++dir) {
    const Params<R> V = random_direction(Wr, 300 + dir);
    const R fd = (pr.ratio(axpy(Wr, h, V)) - pr.ratio(axpy(Wr, R(-h), V))) / (2 * h);
    const double fd_d = mid_double(fd);
    const double analytic_d = mid_double(inner(convert_params<R>(G), V));
    const R analytic_r = inner(Gr, V);
    INFO("direction " << dir << ": fd " << to_text(fd, 30) << ", double " << analytic_d << ", mpfr "
                      << to_text(analytic_r, 30));
    CHECK(std::fabs(analytic_d - fd_d) <= test::acceptance::pl_ratio_gradient_double_rel * std::fabs(fd_d));
    const double digits = -std::log10(mid_double(R(abs(fd - analytic_r) / abs(fd))));
    CHECK(digits >= test::acceptance::pl_ratio_gradient_mpfr_digits);
  }
}

TEST_CASE("the ball search finds a smaller PL ratio than random directions where one is known to exist",
          "[training][pl_search][smoke]") {
  // A wide network (m = 256 against nNd = 16 targets): GD is lazy, and late on its path the residual lies
  // along the slow modes of the tangent kernel, where μ is far below its value at the initialisation.
  PlTestSetup s = pl_test_setup(256);
  s.loss.samples = 2;
  s.data.gaussian.dimension = 4;
  const auto x0 = draw_data(s.data, s.loss.samples, 31);
  const auto pb = make_problem<double>(s.net, s.loss, x0, 32);
  const auto net = init_network<double>(s.net, pb.d_in, pb.d, 33);
  DsmObjective<double> obj(pb, net);
  const double lmax = gauss_newton_lambda_max(obj, net.W, 40, 34);
  Trainer<double> tr(obj, net.W, 1.0 / lmax);
  // The path point with the smallest μ (while the loss is far above round-off) and the path's radius ω:
  // the ball of radius ω around θ⁰ contains that point, so a point with μ ≤ μ_known exists in it.
  Params<double> known = net.W;
  double mu_known = std::numeric_limits<double>::infinity(), omega = 0, l0 = 0;
  for (int k = 0; k < 300; ++k) {
    const Params<double> theta = tr.params();
    const double l = mid_double(tr.step());
    if (k == 0) l0 = l;
    if (l < test::acceptance::pl_test_loss_floor * l0) break;
    const double mu = tr.last_grad_norm_sq() / l;
    if (mu < mu_known) mu_known = mu, known = theta;
    Params<double> diff = theta;
    for (std::size_t i = 0; i < diff.size(); ++i) diff[i] -= net.W[i];
    omega = std::max(omega, spectral_size(diff));
  }
  PlRatioProbe<double> probe(obj, net.W);
  const double mu_init = probe.ratio(net.W);
  INFO("mu at theta0 " << mu_init << ", smallest on the path " << mu_known << ", omega " << omega);
  REQUIRE(mu_known < test::acceptance::pl_path_decrease * mu_init);  // the known point is much smaller

  PlSearchOptions o;
  o.radius = omega;
  o.random_starts = 4;
  o.iterations = 30;
  o.seed = 35;
  const PlSearchResult res = search_pl_ratio(obj, net.W, o);
  INFO("search min " << res.min_ratio << " from " << res.min_label << ", random-start min " << res.min_random_ratio);
  // Random directions at radius ω do not find the small values (they move the residual off the slow modes)...
  CHECK(res.min_random_ratio > mu_known);
  // ... the descent does: it beats every random direction, and reaches the known point's order (it stalls
  // 2.3x above it here: see acceptance::pl_search_vs_known).
  CHECK(res.min_ratio < test::acceptance::pl_search_vs_random * res.min_random_ratio);
  CHECK(res.min_ratio < test::acceptance::pl_search_vs_known * mu_known);
  // What it reports is evaluated at a point of the ball, not predicted.
  Params<double> d = res.minimiser;
  for (std::size_t l = 0; l < d.size(); ++l) d[l] -= net.W[l];
  CHECK(spectral_size(d) <= omega);
  CHECK_WITHIN_EPS(probe.ratio(res.minimiser), res.min_ratio, test::budgets::pl_ratio_reevaluation);
}
