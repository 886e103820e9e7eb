// sampling.dimension's non-product family (numerics/mixture_fisher.hpp), each against an independent route:
// the Gaussian closed form of sampling.girsanov (K = 1), plain Monte Carlo of ‖∇log p_a‖² in full dimension
// with the mixture's own score (numerics/nongaussian_data.hpp), Monte Carlo of the path integrand along forward
// paths (numerics/path_monte_carlo.hpp), replicate tables for the band's coverage and a finer grid for the
// interpolation estimate.
#include "tolerances.hpp"

#include <diffbound/numerics/mixture_fisher.hpp>
#include <diffbound/numerics/path_monte_carlo.hpp>
#include <diffbound/theory/sampling_bound.hpp>
#include <diffbound/theory/sampling_dimension.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>

#include <boost/math/distributions/students_t.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace diffbound;
using namespace diffbound::test;

namespace {

constexpr double kSmin = 0.002, kTarget = 0.01, kVar = 0.25;

std::vector<double> kappa_min_variances(std::int64_t n, double smin, double smax) {
  std::vector<double> a;
  for_each_kappa_min_level(n, smin, smax, sampling_bound::kappa_min_kappa(n, smin, smax),
                           [&](double x) { a.push_back(x); });
  return a;
}

MixtureDiscretization::Value discretization(const MixtureFisherTable& t, const std::vector<double>& a) {
  MixtureDiscretization md(t);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) md.step(a[k], a[k + 1]);
  return md.value();
}

/// Plain Monte Carlo of J(a) = E‖∇log p_a(X_a)‖² in full dimension with the law's own score: the route
/// independent of the tables.
Estimate plain_fisher(const DLaw& law, double a, int draws, NormalSource& normal) {
  const DLaw::Level L(law, a);
  std::vector<double> x(static_cast<std::size_t>(law.dim())), s(x.size());
  Accumulator acc;
  for (int p = 0; p < draws; ++p) {
    law.sample(normal.engine(), normal, x.data());
    for (double& xi : x) xi += std::sqrt(a) * normal();
    L.score(x.data(), s.data());
    double r = 0;
    for (double si : s) r += si * si;
    acc.add(r);
  }
  return acc.get();
}

double t99(std::int64_t draws) {
  return boost::math::quantile(
      boost::math::complement(boost::math::students_t(static_cast<double>(draws - 1)), acceptance::band_tail));
}

}  // namespace

TEST_CASE("streamed kappa-minimal levels are the levels of kappa_min_levels", "[sampling][dimension][smoke]") {
  for (std::int64_t n : {2, 7, 64, 1000}) {
    const double smax = 300;
    const auto sigma = sampling_bound::kappa_min_levels(static_cast<int>(n), kSmin, smax);
    const auto a = kappa_min_variances(n, kSmin, smax);
    REQUIRE(a.size() == sigma.size());
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == sigma[k] * sigma[k]);
  }
}

TEST_CASE("mixture Girsanov route: K = 1 is the Gaussian closed form, and so is its N*_G",
          "[sampling][dimension][smoke]") {
  // One component N(m, v I_d): W vanishes identically (one component has no posterior spread), so the route is
  // ½ d Σ f(Δ_k/(v + a_k)), to be compared with sampling.girsanov's closed form for the same Gaussian.
  const int d = 16;
  const IsoMixture law = random_means_mixture(d, 1, kVar, 3);
  const double m2 = law.second_moment(), smax = sampling_dimension::sigma_max_for(m2, kTarget);
  const auto table = mixture_fisher_table(law, kSmin * kSmin, smax * smax, 33, 200, 11);
  for (std::size_t g = 0; g < table.size(); ++g) CHECK(table.W[g] == 0);
  std::vector<double> mean(law.m.front().begin(), law.m.front().end());
  const auto gauss = make_gaussian<double>(std::vector<double>(d, kVar), mean, std::vector<std::int64_t>(d, 1));
  auto exact = [&](std::int64_t n) {
    return m2 / (2 * smax * smax) +
           sampling_girsanov::bound(gauss, kappa_min_variances(n, kSmin, smax), AffineScoreError<double>{}).discretization;
  };
  auto route = [&](std::int64_t n) {
    return m2 / (2 * smax * smax) + discretization(table, kappa_min_variances(n, kSmin, smax)).total();
  };
  for (std::int64_t n : {8, 64, 512}) {
    const auto v = discretization(table, kappa_min_variances(n, kSmin, smax));
    CHECK(v.mixture == 0);
    CHECK(v.se == 0);
    CHECK(route(n) == Approx(exact(n)).epsilon(acceptance::girsanov_sum_two_routes_rel));
  }
  const std::int64_t n_exact = sampling_dimension::smallest_n(exact, kTarget, 1 << 22);
  const std::int64_t n_route = sampling_dimension::smallest_n(route, kTarget, 1 << 22);
  INFO("N*_G exact " << n_exact << " route " << n_route);
  CHECK(n_exact > 1000);
  CHECK(n_route == n_exact);
}

TEST_CASE("mixture Fisher table: J against plain Monte Carlo of the score in full dimension (K = 8, d = 8)",
          "[sampling][dimension][smoke]") {
  const int d = 8;
  const IsoMixture law = random_means_mixture(d, 8, kVar, 5);
  const auto table = mixture_fisher_table(law, 1e-2, 1e2, 9, 20000, 17);
  const DLaw full(law, false, d);
  NormalSource normal(23);
  int within = 0;
  for (std::size_t g = 0; g < table.size(); ++g) {
    const double a = table.level(g);
    const auto ref = plain_fisher(full, a, 40000, normal);
    const double se = std::hypot(ref.se, table.standard_error_at(g));
    INFO("a = " << a << " table J " << table.fisher_at(g) << " plain MC " << ref.mean << " +- " << ref.se
                << ", W = " << table.W[g] << " +- " << table.standard_error_at(g));
    CHECK(std::fabs(table.fisher_at(g) - ref.mean) < acceptance::mc_sigmas * se);
    if (std::fabs(table.fisher_at(g) - ref.mean) < acceptance::mc_sigmas * se) ++within;
    // The non-Gaussian part is resolved: W is many standard errors away from 0 where the components meet.
    if (a >= 1 && a <= 10) CHECK(table.W[g] > acceptance::mc_sigmas * se);
  }
  CHECK(within == static_cast<int>(table.size()));
}

TEST_CASE("mixture discretization term: the band's coverage and the interpolation estimate (K = 8, d = 8)",
          "[sampling][dimension][smoke]") {
  const int d = 8;
  const IsoMixture law = random_means_mixture(d, 8, kVar, 5);
  const double m2 = law.second_moment(), smax = sampling_dimension::sigma_max_for(m2, kTarget);
  const double lo = kSmin * kSmin, hi = smax * smax;
  const auto a = kappa_min_variances(24, kSmin, smax);

  // Reference on the same grid with 40× the draws; 40 replicate tables with their 99% intervals.
  const int grid = 33;
  const auto ref = discretization(mixture_fisher_table(law, lo, hi, grid, 40000, 1), a);
  REQUIRE(ref.mixture != 0);
  int covered = 0;
  const int reps = 40;
  for (int r = 0; r < reps; ++r) {
    const auto v = discretization(mixture_fisher_table(law, lo, hi, grid, 1000, 100 + r), a);
    if (std::fabs(v.mixture - ref.mixture) <= t99(1000) * std::hypot(v.se, ref.se)) ++covered;
  }
  INFO("reference mixture part " << ref.mixture << " +- " << ref.se << "; covered " << covered << " of " << reps);
  // 99% intervals: fewer than 36 of 40 covering has probability 5e-5 if the standard errors are right.
  CHECK(covered >= acceptance::band_coverage_min_of_40);

  // The interpolation estimate (every second grid point) against a 4× finer grid.
  const auto fine = discretization(mixture_fisher_table(law, lo, hi, 4 * (grid - 1) + 1, 40000, 1), a);
  INFO("grid " << grid << ": " << ref.mixture << " (estimate " << ref.interpolation << "), 4x finer " << fine.mixture);
  CHECK(std::fabs(ref.mixture - fine.mixture) <=
        ref.interpolation + acceptance::mc_sigmas * std::hypot(ref.se, fine.se));

  // The whole right side against Monte Carlo of the path integrand along forward paths in full dimension.
  const auto paths = mc_path_terms<4>(DLaw(law, false, d), a, 1.0, 20000, 29);
  const double route = fine.total();
  INFO("route " << route << " (Gaussian part " << fine.gauss << ") path MC " << paths.path.mean << " +- "
                << paths.path.se);
  CHECK(std::fabs(route - paths.path.mean) <
        acceptance::mc_sigmas * std::hypot(paths.path.se, fine.se) + fine.interpolation);
}

namespace {

/// ½ N(0, 0.25 I_d) + ½ N(0, 4 I_d): sampling.dimension's scale-mixture family.
IsoMixture scale_law(int d) {
  IsoMixture law;
  law.d = d;
  for (double v : {0.25, 4.0}) {
    law.w.push_back(0.5);
    law.m.emplace_back(static_cast<std::size_t>(d), 0.0);
    law.v.push_back(v);
  }
  return law;
}

}  // namespace

TEST_CASE("scale-mixture Fisher table: J at d = 1 against the trapezoidal rule of p'^2/p in x",
          "[sampling][dimension][smoke]") {
  // An independent route: J(a) = ∫ p_a'(x)²/p_a(x) dx on the line, where the table integrates over the radius's
  // chi^2_1 law with the posterior's variance of 1/(v + a).
  const IsoMixture law = scale_law(1);
  const auto table = scale_mixture_fisher_table(law, 1e-3, 1e3, 13, 2001);
  for (std::size_t g = 0; g < table.size(); ++g) {
    const double a = table.level(g), big = std::sqrt(4.0 + a) * 60;
    const int n = 40000;
    const double h = 2 * big / n;
    double J = 0;
    for (int i = 0; i <= n; ++i) {
      const double x = -big + h * i;
      double p = 0, dp = 0;
      for (double v : law.v) {
        const double V = v + a, phi = 0.5 * std::exp(-0.5 * x * x / V) / std::sqrt(2 * M_PI * V);
        p += phi, dp -= phi * x / V;
      }
      if (p > 0) J += (i == 0 || i == n ? 0.5 : 1.0) * h * dp * dp / p;
    }
    INFO("a = " << a << ": table J " << table.fisher_at(g) << " (W " << table.W[g] << " +- " << table.W_error[g]
                << "), direct " << J);
    CHECK(std::fabs(table.fisher_at(g) - J) <= table.W_error[g] + acceptance::direct_fisher_rel * J);
    // The posterior spread is resolved where the components meet: W is a visible share of the exact part.
    if (a >= 0.1 && a <= 10) CHECK(table.W[g] > acceptance::scale_mixture_w_share_min * table.exact_fisher(a));
  }
}

TEST_CASE("scale-mixture Fisher table: J against plain Monte Carlo of the score in d = 64, and its error estimate",
          "[sampling][dimension][smoke]") {
  const int d = 64;
  const IsoMixture law = scale_law(d);
  const auto table = scale_mixture_fisher_table(law, 1e-2, 1e2, 9, 2001);
  const DLaw full(law, false, d);
  NormalSource normal(29);
  for (std::size_t g = 0; g < table.size(); ++g) {
    const double a = table.level(g);
    const auto ref = plain_fisher(full, a, 20000, normal);
    INFO("a = " << a << " table J " << table.fisher_at(g) << " plain MC " << ref.mean << " +- " << ref.se);
    CHECK(std::fabs(table.fisher_at(g) - ref.mean) < acceptance::mc_sigmas * ref.se + table.W_error[g]);
  }
  // The error estimate is conservative: a coarse rule's estimate covers its distance to a fine rule's value,
  // and shrinks with the number of points.
  const auto coarse = scale_mixture_fisher_table(law, 1e-2, 1e2, 9, 101);
  for (std::size_t g = 0; g < table.size(); ++g) {
    INFO("a = " << table.level(g) << ": coarse W " << coarse.W[g] << " +- " << coarse.W_error[g] << ", fine "
                << table.W[g] << " +- " << table.W_error[g]);
    CHECK(std::fabs(coarse.W[g] - table.W[g]) <= coarse.W_error[g] + table.W_error[g]);
    CHECK(table.W_error[g] <= coarse.W_error[g]);
  }
  // At the check's largest default dimension the posterior switches sharply in the radius: the check's 2001
  // points against 16001, on the check's range of levels.
  const IsoMixture wide = scale_law(1024);
  const auto used = scale_mixture_fisher_table(wide, 4e-6, 3e5, 17, 2001);
  const auto ref = scale_mixture_fisher_table(wide, 4e-6, 3e5, 17, 16001);
  for (std::size_t g = 0; g < used.size(); ++g) {
    INFO("d = 1024, a = " << used.level(g) << ": W " << used.W[g] << " +- " << used.W_error[g] << ", 16001 points "
                          << ref.W[g] << " +- " << ref.W_error[g]);
    CHECK(std::fabs(used.W[g] - ref.W[g]) <= used.W_error[g] + ref.W_error[g]);
  }
}
