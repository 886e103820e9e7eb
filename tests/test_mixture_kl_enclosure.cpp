// The rigorous enclosure of sampling.init's left side for 1-D Gaussian mixtures
// (numerics/mixture_kl_enclosure.hpp): it must contain the closed form where there is one, stay rigorous when
// it runs out of subintervals, agree with the independent trapezoidal route, and be narrow when asked.
#include "tolerances.hpp"

#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/mixture_kl_enclosure.hpp>
#include <diffbound/numerics/nongaussian_data.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::test;

namespace {
/// KL(N(μ, s² + a) ‖ N(0, a)) = ½ [(s² + a)/a + μ²/a − 1 − ln((s² + a)/a)], in MPFR at 256 bits.
mpfr_real gaussian_init_kl(double mu, double s, double sigma_T) {
  const mpfr_real m = decimal<mpfr_real>(mu), sd = decimal<mpfr_real>(s), st = decimal<mpfr_real>(sigma_T);
  const mpfr_real a = st * st, v = sd * sd + a;
  return (v / a + m * m / a - 1 - log(v / a)) / 2;
}
bool contains(const mpfi_real& x, const mpfr_real& v) { return bmp::lower(x) <= v && v <= bmp::upper(x); }
}  // namespace

TEST_CASE("mixture KL enclosure contains the Gaussian closed form, refined or not", "[enclosure][smoke]") {
  const WorkingPrecision wp(256);
  struct Case {
    double mu, s, sigma_T;
  };
  for (const Case c : {Case{0.0, 1.0, 1.0}, Case{3.0, 1e-3, 0.1}, Case{-2.5, 0.5, 10.0}, Case{20.0, 1e-3, 1.0},
                       Case{0.3, 2.0, 80.0}}) {
    const mpfr_real exact = gaussian_init_kl(c.mu, c.s, c.sigma_T);
    INFO("mu " << c.mu << " s " << c.s << " sigma_T " << c.sigma_T << " exact " << to_text(mpfi_real(exact)));
    const auto fine = mixture_init_kl_enclosure({1.0}, {c.mu}, {c.s}, c.sigma_T, acceptance::enclosure_width_asked);
    INFO("refined: " << to_text(fine.kl) << " (" << fine.intervals << " intervals)");
    CHECK(fine.converged);
    CHECK(fine.width <= acceptance::enclosure_width_asked);
    CHECK(contains(fine.kl, exact));
    // Out of subintervals at once: wide, but still an enclosure.
    const auto coarse = mixture_init_kl_enclosure({1.0}, {c.mu}, {c.s}, c.sigma_T, 0.0, 64);
    INFO("coarse: " << to_text(coarse.kl));
    CHECK_FALSE(coarse.converged);
    CHECK(contains(coarse.kl, exact));
  }
}

TEST_CASE("mixture KL enclosure agrees with the trapezoidal route on separated modes", "[enclosure][smoke]") {
  const WorkingPrecision wp(128);
  struct Case {
    std::vector<double> w, m, s;
    double sigma_T;
  };
  const std::vector<Case> cases{{{0.5, 0.5}, {-3, 3}, {1e-3, 1e-3}, 1.0},
                                {{0.9, 0.1}, {0, 20}, {1e-3, 1e-3}, 3.0},
                                {{0.2, 0.5, 0.3}, {-6, 0, 9}, {0.5, 0.1, 1.0}, 1.0}};
  for (const auto& c : cases) {
    const auto law = mixture_1d(c.w, c.m, c.s);
    GridOptions opt;
    const double grid = init_kl_1d(law, c.sigma_T * c.sigma_T, opt.refined());
    const auto e = mixture_init_kl_enclosure(c.w, c.m, c.s, c.sigma_T, acceptance::enclosure_width_asked);
    INFO("sigma_T " << c.sigma_T << " grid " << grid << " enclosure " << to_text(e.kl) << " (" << e.intervals
                    << " intervals)");
    CHECK(e.converged);
    const double slack = acceptance::enclosure_vs_grid_rel * std::fabs(grid);
    CHECK(lower_double(e.kl) - slack <= grid);
    CHECK(grid <= upper_double(e.kl) + slack);
  }
}
