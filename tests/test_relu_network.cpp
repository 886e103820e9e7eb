// The ReLU score network, the DSM loss and GD (numerics/relu_network.hpp, dsm_loss.hpp,
// gradient_descent.hpp): analytic gradient against central differences at 256 bits, the batched loss
// against a per-sample reference written independently, double against MPFR, the Gauss–Newton product
// against finite differences of the residuals, and GD's diagnostics.
#include "param_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/semismoothness.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace diffbound;
using namespace diffbound::test;

namespace {

struct Setup {
  NetworkOptions net;
  DsmOptions loss;
  TrainingDataSpec data;
};

Setup small_setup(int m, int L, const std::string& residual, const std::string& output) {
  Setup s;
  s.net.width = m;
  s.net.depth = L;
  s.net.output_scaling = output;
  s.loss.samples = 3;
  s.loss.grid = ScheduleSpec::geometric(4, 0.05, 20.0);  // N = 3
  s.loss.residual = residual;
  s.data.family = "gaussian";
  s.data.gaussian.spectrum = "isotropic";
  s.data.gaussian.dimension = 2;
  s.data.gaussian.scale = 1.0;
  return s;
}

/// An independent, per-sample, loop-only evaluation of the loss (no Eigen products, no batching).
template <class Real>
Real reference_loss(const DsmProblem<Real>& pb, const ReluNetwork<Real>& net, const Params<Real>& W) {
  const int m = net.width();
  Real total(0);
  for (Eigen::Index p = 0; p < pb.P(); ++p) {
    const int j = static_cast<int>(p / pb.n);
    std::vector<Real> h(m), g(m);
    for (int a = 0; a < m; ++a) {
      Real s(0);
      for (Eigen::Index k = 0; k < pb.d_in; ++k) s += net.A(a, k) * pb.Z(k, p);
      h[a] = s > 0 ? s : Real(0);
    }
    for (const auto& Wl : W) {
      for (int a = 0; a < m; ++a) {
        Real s(0);
        for (int b = 0; b < m; ++b) s += Wl(a, b) * h[b];
        g[a] = s > 0 ? s : Real(0);
      }
      h = g;
    }
    Real sq(0);
    for (Eigen::Index r = 0; r < pb.d; ++r) {
      Real y(0);
      for (int a = 0; a < m; ++a) y += net.B(r, a) * h[a];
      // S = out(σ̄)·y; residual from its definition in dsm_loss.hpp.
      const Real S = (pb.net.output_scaling == "inverse_sigma" ? y / pb.sigma[j] : y);
      const Real res = pb.loss.residual == "sigma_scaled" ? Real(pb.sigma[j] * S + pb.Xi(r, p))
                                                          : Real(S + pb.Xi(r, p) / pb.sigma[j]);
      sq += res * res;
    }
    total += pb.c_n * pb.beta[j] * sq;
  }
  return total;
}

}  // namespace

TEST_CASE("analytic gradient matches central differences to 25+ digits at 256 bits", "[training][smoke]") {
  PrecisionScope prec(256);
  using R = mpfr_real;
  for (const auto& [residual, output] : {std::pair<std::string, std::string>{"sigma_scaled", "inverse_sigma"},
                                         {"score", "none"},
                                         {"sigma_scaled", "none"}}) {
    for (int L : {1, 3}) {
      INFO("residual " << residual << ", output " << output << ", L = " << L);
      const Setup s = small_setup(8, L, residual, output);
      const auto x0 = draw_data(s.data, s.loss.samples, 11);
      const auto pb = make_problem<R>(s.net, s.loss, x0, 12);
      const auto net = init_network<R>(s.net, pb.d_in, pb.d, 13);
      DsmObjective<R> obj(pb, net);
      // Move away from the initialisation so that no layer is special.
      const Params<R> W = axpy(net.W, R("0.05"), random_direction(net.W, 14));
      Params<R> grad = zeros_like(W);
      const R l0 = obj.value_and_gradient(W, grad);
      CHECK(l0 > 0);
      const R h("1e-30");
      for (std::uint64_t dir = 0; dir < 4; ++dir) {
        const Params<R> V = random_direction(W, 100 + dir);
        const R analytic = inner(grad, V);
        const R lp = obj.value(axpy(W, h, V));
        const R lm = obj.value(axpy(W, R(-h), V));
        const R fd = (lp - lm) / (2 * h);
        const double digits = -std::log10(mid_double(R(abs(fd - analytic) / abs(analytic))));
        INFO("direction " << dir << ": analytic " << to_text(analytic, 40) << ", fd " << to_text(fd, 40));
        CHECK(digits >= test::acceptance::gradient_fd_digits);
      }
    }
  }
}

TEST_CASE("batched loss equals a per-sample reference, in double and MPFR", "[training][smoke]") {
  PrecisionScope prec(128);
  const Setup s = small_setup(16, 2, "sigma_scaled", "inverse_sigma");
  const auto x0 = draw_data(s.data, s.loss.samples, 21);
  auto run = [&]<class R>() {
    const auto pb = make_problem<R>(s.net, s.loss, x0, 22);
    const auto net = init_network<R>(s.net, pb.d_in, pb.d, 23);
    DsmObjective<R> obj(pb, net);
    const Params<R> W = axpy(net.W, R(0.1), random_direction(net.W, 24));
    const R batched = obj.value(W);
    const R reference = reference_loss(pb, net, W);
    CHECK_WITHIN_EPS(batched, reference, test::budgets::batched_vs_reference.eps_units);
    // Level losses add up to the loss.
    R sum(0);
    for (const auto& v : obj.level_losses()) sum += v;
    CHECK_WITHIN_EPS(sum, batched, pb.N * test::budgets::level_losses_sum_per_level);
    return mid_double(batched);
  };
  const double d = run.operator()<double>();
  const double m = run.operator()<mpfr_real>();
  CHECK(test::rel_diff(d, m) <= test::budgets::batched_vs_reference.eps_units * std::numeric_limits<double>::epsilon());
}

TEST_CASE("Gauss-Newton product equals J^T Q J V from finite differences of the residuals", "[training][smoke]") {
  PrecisionScope prec(256);
  using R = mpfr_real;
  const Setup s = small_setup(8, 2, "score", "none");
  const auto x0 = draw_data(s.data, s.loss.samples, 31);
  const auto pb = make_problem<R>(s.net, s.loss, x0, 32);
  const auto net = init_network<R>(s.net, pb.d_in, pb.d, 33);
  DsmObjective<R> obj(pb, net);
  const Params<R> W = axpy(net.W, R("0.05"), random_direction(net.W, 34));
  const Params<R> U = random_direction(W, 35), V = random_direction(W, 36);
  obj.value(W);
  Params<R> gn = zeros_like(W);
  obj.gauss_newton(W, V, gn);
  const R lhs = inner(U, gn);
  // J_R X by central differences of the residuals; ⟨U, GN V⟩ = Σ_p 2 c_n β_p ⟨J_R U, J_R V⟩_p.
  const R h("1e-30");
  auto jr = [&](const Params<R>& X) {
    obj.value(axpy(W, h, X));
    Mat<R> rp = obj.residuals();
    obj.value(axpy(W, R(-h), X));
    Mat<R> rm = obj.residuals();
    return Mat<R>((rp - rm) / (2 * h));
  };
  const Mat<R> ju = jr(U), jv = jr(V);
  R rhs(0);
  for (Eigen::Index p = 0; p < ju.cols(); ++p) rhs += 2 * pb.col_weight[p] * ju.col(p).dot(jv.col(p));
  const double digits = -std::log10(mid_double(R(abs(lhs - rhs) / abs(rhs))));
  INFO("GN " << to_text(lhs, 30) << " vs fd " << to_text(rhs, 30));
  CHECK(digits >= test::acceptance::gauss_newton_fd_digits);
}

TEST_CASE("GD decreases the loss with consistent diagnostics; double and MPFR paths agree", "[training][smoke]") {
  PrecisionScope prec(128);
  const Setup s = small_setup(32, 2, "sigma_scaled", "inverse_sigma");
  const auto x0 = draw_data(s.data, s.loss.samples, 41);
  GdOptions go;
  go.max_steps = 60;
  go.distance_every = 10;
  auto run = [&]<class R>() {
    const auto pb = make_problem<R>(s.net, s.loss, x0, 42);
    const auto net = init_network<R>(s.net, pb.d_in, pb.d, 43);
    DsmObjective<R> obj(pb, net);
    const auto pbd = make_problem<double>(s.net, s.loss, x0, 42);
    const auto netd = init_network<double>(s.net, pbd.d_in, pbd.d, 43);
    DsmObjective<double> objd(pbd, netd);
    const double lmax = gauss_newton_lambda_max(objd, netd.W, 40, 44);
    Trainer<R> tr(obj, net.W, R(0.5 * 2.0 / lmax));
    GdPath path = run_gd(tr, go);
    // The recorded gradient norm is that of the gradient the step used.
    CHECK_WITHIN_EPS(tr.last_grad_norm_sq(), inner(tr.gradient(), tr.gradient()), test::budgets::grad_norm_sq_recorded);
    return path;
  };
  const GdPath pd = run.operator()<double>();
  const GdPath pm = run.operator()<mpfr_real>();
  REQUIRE(pd.loss.size() == 61);
  CHECK(pd.loss.back() < test::acceptance::gd_loss_reduction * pd.loss.front());
  REQUIRE(pd.distance_step.size() == 7);
  for (std::size_t r = 0; r < pd.distance_step.size(); ++r)
    for (std::size_t l = 0; l < pd.distance_spectral[r].size(); ++l) {
      CHECK(pd.distance_spectral[r][l] >= 0);
      CHECK(pd.distance_spectral[r][l] <=
            pd.distance_frobenius[r][l] * (1 + test::budgets::spectral_vs_frobenius.rel()));
    }
  CHECK(pd.distance_spectral.front()[0] == 0.0);
  // Same path in double and MPFR up to double's round-off amplified over 60 steps.
  for (std::size_t k = 0; k < pd.loss.size(); ++k)
    CHECK_WITHIN_EPS(pd.loss[k], pm.loss[k], test::budgets::gd_path_double_vs_mpfr);
}

TEST_CASE("the semi-smoothness remainder is quadratic for small perturbations (MPFR)", "[training][smoke]") {
  PrecisionScope prec(128);
  using R = mpfr_real;
  const Setup s = small_setup(8, 2, "sigma_scaled", "inverse_sigma");
  const auto x0 = draw_data(s.data, s.loss.samples, 51);
  const auto pb = make_problem<R>(s.net, s.loss, x0, 52);
  const auto net = init_network<R>(s.net, pb.d_in, pb.d, 53);
  DsmObjective<R> obj(pb, net);
  RemainderProbe<R> probe(obj, net.W);
  probe.set_point(net.W);
  Params<R> V = random_direction(net.W, 54);
  normalise_spectral(V);
  // R(s) = c s² exactly while no activation changes sign: R(s)/s² is constant to many digits.
  const R r1 = probe.remainder(V, R("1e-10")), r2 = probe.remainder(V, R("1e-12"));
  const double q1 = mid_double(R(r1 / R("1e-20"))), q2 = mid_double(R(r2 / R("1e-24")));
  INFO("R/s^2 at 1e-10: " << q1 << ", at 1e-12: " << q2);
  CHECK(std::fabs(q1 - q2) <= test::acceptance::remainder_quadratic_rel * std::fabs(q1));
}

TEST_CASE("population floor: Gaussian closed form agrees with Monte Carlo of the score", "[training][smoke]") {
  // A one-component isotropic mixture is the Gaussian N(mu, lambda I): E||sigma s + xi||^2 = d lambda/(lambda +
  // sigma^2).
  EqualWeightMixture law;
  law.means = Eigen::MatrixXd::Zero(3, 1);
  law.means(0, 0) = 1.0;
  law.variances = Eigen::VectorXd::Constant(1, 0.5);
  for (double sigma : {0.1, 1.0, 10.0}) {
    const McEstimate e = mc_scaled_floor(law, sigma, 40000, 61, mixture_drawer(law));
    const double exact = 3 * 0.5 / (0.5 + sigma * sigma);
    INFO("sigma " << sigma << ": MC " << e.mean << " +- " << e.std_error << ", exact " << exact);
    CHECK(std::fabs(e.mean - exact) <= test::acceptance::mc_sigmas * e.std_error);
  }
  // The empirical law of distinct points: at tiny noise the posterior is certain and the floor is ~0.
  Eigen::MatrixXd pts(2, 3);
  pts << 0, 1, 2, 0, 1, -1;
  const EqualWeightMixture emp = empirical_law(pts);
  // Points >= 1 apart at noise 1e-3: the wrong-posterior mass is below exp(-1e5); what is left is the
  // rounding of (x - x_k)/sigma, about 8 eps |x_k|/sigma per coordinate.
  const double sigma = 1e-3, eps = std::numeric_limits<double>::epsilon();
  const double roundoff = 2 * std::pow(8 * eps * 2 / sigma, 2);
  CHECK(mc_scaled_floor(emp, sigma, 2000, 62, mixture_drawer(emp)).mean <= roundoff);
}
