// Schedules: endpoints, monotonicity, reference values (independent route), EDM's float64 formula,
// the ρ → ∞ limit, and the validation messages.
#include "tolerances.hpp"

#include <diffbound/theory/schedules.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace diffbound;
using namespace diffbound::test;

namespace {

std::vector<ScheduleSpec> all_families(int n) {
  return {ScheduleSpec::edm(n, 0.002, 80, 7),    ScheduleSpec::edm(n, 0.01, 50, 1.5),
          ScheduleSpec::geometric(n, 0.002, 80), ScheduleSpec::song_ve(n, 0.01, 50, 1e-5),
          ScheduleSpec::vp(n, 19.9, 0.1, 1e-3),  ScheduleSpec::user({3.0, 2.0, 0.5, 0.25, 0.1})};
}

struct ReferenceRow {
  std::string family;
  int n;
  std::string smin, smax, param;
  int i;
  std::string sigma;
};

std::vector<ReferenceRow> read_reference() {
  std::ifstream in(std::string(DIFFBOUND_TEST_DATA) + "/schedule_reference.csv");
  REQUIRE(in.good());
  std::vector<ReferenceRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    ReferenceRow r;
    std::string n, i;
    std::getline(ss, r.family, ',');
    std::getline(ss, n, ',');
    std::getline(ss, r.smin, ',');
    std::getline(ss, r.smax, ',');
    std::getline(ss, r.param, ',');
    std::getline(ss, i, ',');
    std::getline(ss, r.sigma, ',');
    r.n = std::stoi(n), r.i = std::stoi(i);
    rows.push_back(r);
  }
  return rows;
}

ScheduleSpec spec_of(const ReferenceRow& r) {
  if (r.family == "edm") return ScheduleSpec::edm(r.n, std::stod(r.smin), std::stod(r.smax), std::stod(r.param));
  if (r.family == "geometric") return ScheduleSpec::geometric(r.n, std::stod(r.smin), std::stod(r.smax));
  if (r.family == "song_ve")
    return ScheduleSpec::song_ve(r.n, std::stod(r.smin), std::stod(r.smax), std::stod(r.param));
  // vp: param = beta_d;beta_min;eps_s
  std::stringstream ss(r.param);
  std::string a, b, c;
  std::getline(ss, a, ';'), std::getline(ss, b, ';'), std::getline(ss, c, ';');
  return ScheduleSpec::vp(r.n, std::stod(a), std::stod(b), std::stod(c));
}

}  // namespace

TEMPLATE_TEST_CASE("schedules: endpoints and strict decrease", "[schedules][smoke]", double, mpfr_real, mpfi_real) {
  for (int n : {2, 3, 18, 257}) {
    for (const auto& spec : all_families(n)) {
      if (spec.kind == ScheduleKind::user && n != 2) continue;
      INFO(to_string(spec.kind) << " N=" << spec.n_levels);
      const auto s = noise_levels<TestType>(spec);
      REQUIRE(static_cast<int>(s.size()) == spec.n_levels);
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        INFO("level " << i);
        // Strictly decreasing; for intervals: the enclosures are disjoint and ordered.
        CHECK(lower_double(s[i]) > upper_double(s[i + 1]));
      }
      if (spec.kind == ScheduleKind::edm || spec.kind == ScheduleKind::geometric ||
          spec.kind == ScheduleKind::song_ve) {
        CHECK(mid_double(s.front()) == spec.sigma_max);
      }
      if (spec.kind == ScheduleKind::edm || spec.kind == ScheduleKind::geometric) {
        CHECK(mid_double(s.back()) == spec.sigma_min);
      }
    }
  }
}

TEMPLATE_TEST_CASE("schedules: reference values of an independent route (Python decimal, 80 digits)",
                   "[schedules][smoke]", double, mpfr_real) {
  // Budget: a few roundings in pow/exp/log, amplified by at most ρ = 7 (budgets::schedule_level).
  for (const auto& row : read_reference()) {
    INFO(row.family << " N=" << row.n << " i=" << row.i);
    const auto s = noise_levels<TestType>(spec_of(row));
    const TestType expected = parse_real<TestType>(row.sigma);
    CHECK_WITHIN_EPS(s[row.i], expected, budgets::schedule_level.eps_units);
  }
}

TEST_CASE("schedules: MPFI levels enclose the reference values", "[schedules][smoke]") {
  PrecisionScope p(160);
  for (const auto& row : read_reference()) {
    INFO(row.family << " N=" << row.n << " i=" << row.i);
    const auto s = noise_levels<mpfi_real>(spec_of(row));
    // The reference is correct to 45 digits (≈ 150 bits): its truncation error is far below the
    // enclosure's width only if we widen by it; compare against [ref·(1 − 1e-44), ref·(1 + 1e-44)].
    const mpfr_real ref(row.sigma);
    const mpfr_real tol = abs(ref) * mpfr_real("1e-44");
    CHECK(upper_double(s[row.i]) >= mid_double(mpfr_real(ref - tol)));
    CHECK(mpfr_cmp(&s[row.i].backend().data()->left, mpfr_real(ref + tol).backend().data()) <= 0);
    CHECK(mpfr_cmp(&s[row.i].backend().data()->right, mpfr_real(ref - tol).backend().data()) >= 0);
  }
}

TEST_CASE("EDM defaults against the float64 formula of NVlabs/edm generate.py", "[schedules][smoke]") {
  // edm_sampler: t_i = (σ_max^{1/ρ} + i/(N−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, in float64 (PAPER §5.3).
  const int n = ScheduleDefaults::edm_num_steps;
  const double smin = ScheduleDefaults::edm_sigma_min, smax = ScheduleDefaults::edm_sigma_max,
               rho = ScheduleDefaults::edm_rho;
  const auto ours = noise_levels<double>(ScheduleSpec::edm(n, smin, smax, rho));
  for (int i = 0; i < n; ++i) {
    const double edm =
        std::pow(std::pow(smax, 1 / rho) + i / (n - 1.0) * (std::pow(smin, 1 / rho) - std::pow(smax, 1 / rho)), rho);
    INFO("i = " << i << " ours " << ours[i] << " edm " << edm);
    CHECK(rel_diff(ours[i], edm) <= budgets::schedule_level.eps_units * std::numeric_limits<double>::epsilon());
  }
  // Spot value (5 digits) of the EDM default grid.
  CHECK_PRINTED(ours[1], 57.586, 5);
  CHECK(ours[17] == 0.002);
}

TEST_CASE("EDM's rho -> infinity limit is the geometric schedule, at rate t(1-t)ln(smax/smin)^2/(2 rho)",
          "[schedules][smoke]") {
  PrecisionScope p(256);
  const int n = 33;
  const double smin = 0.002, smax = 80;
  const auto geo = noise_levels<mpfr_real>(ScheduleSpec::geometric(n, smin, smax));
  const mpfr_real L = log(mpfr_real(80) / mpfr_real("0.002"));
  double previous_gap = 1e300;
  for (double rho : {1e2, 1e3, 1e4, 1e5, 1e6}) {
    const auto edm = noise_levels<mpfr_real>(ScheduleSpec::edm(n, smin, smax, rho));
    double worst = 0, gap = 0;
    for (int i = 1; i + 1 < n; ++i) {
      const mpfr_real t = mpfr_real(i) / (n - 1);
      const mpfr_real lr = log(edm[i] / geo[i]);
      const mpfr_real first_order = t * (1 - t) * L * L / (2 * mpfr_real(rho));
      // The O(1/ρ) term is exact to O(1/ρ²): the scaled residual ρ²·|lr − first_order| stays bounded.
      worst = std::max(worst, mid_double(mpfr_real(abs(lr - first_order) * rho * rho)));
      gap = std::max(gap, mid_double(mpfr_real(abs(lr))));
    }
    INFO("rho " << rho << " max |ln(edm/geo)| " << gap << " scaled residual " << worst);
    CHECK(worst < acceptance::edm_second_order_in_inv_rho(mid_double(L)));
    CHECK(gap < previous_gap / 5);
    previous_gap = gap;
  }
}

TEST_CASE("VP and Song VE levels follow their definitions", "[schedules][smoke]") {
  PrecisionScope p(200);
  const auto vp = noise_levels<mpfr_real>(ScheduleSpec::vp(5, 19.9, 0.1, 1e-3));
  // t_0 = 1: σ = sqrt(exp(19.9/2 + 0.1) − 1)
  CHECK_WITHIN_EPS(vp[0], mpfr_real(sqrt(exp(mpfr_real("19.9") / 2 + mpfr_real("0.1")) - 1)), budgets::vp_level);
  const auto song = noise_levels<mpfr_real>(ScheduleSpec::song_ve(5, 0.01, 50, 1e-5));
  CHECK_WITHIN_EPS(song[4], mpfr_real(mpfr_real("0.01") * pow(mpfr_real(5000), mpfr_real("1e-5"))),
                   budgets::song_level);
  // Song's levels are geometric (constant ratio).
  CHECK_WITHIN_EPS(mpfr_real(song[1] / song[2]), mpfr_real(song[2] / song[3]), budgets::song_ratio);
}

TEST_CASE("schedule validation names the parameter and the reason", "[schedules][smoke]") {
  auto message = [](const ScheduleSpec& s) {
    try {
      validate(s);
    } catch (const ScheduleError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(message(ScheduleSpec::edm(18, 80, 0.002, 7)),
             Contains("sigma_min (80) must be smaller than sigma_max (0.002)"));
  CHECK_THAT(message(ScheduleSpec::geometric(18, 1, 1)), Contains("must be smaller"));
  CHECK_THAT(message(ScheduleSpec::edm(1, 0.002, 80, 7)), Contains("at least 2"));
  CHECK_THAT(message(ScheduleSpec::edm(0, 0.002, 80, 7)), Contains("got 0"));
  CHECK_THAT(message(ScheduleSpec::edm(18, 0.002, 80, 0)), Contains("rho must be positive"));
  CHECK_THAT(message(ScheduleSpec::edm(18, 0.002, 80, -1)), Contains("rho must be positive"));
  CHECK_THAT(message(ScheduleSpec::edm(18, std::nan(""), 80, 7)), Contains("sigma_min must be a finite number"));
  CHECK_THAT(message(ScheduleSpec::geometric(18, 0.002, INFINITY)), Contains("sigma_max must be a finite number"));
  CHECK_THAT(message(ScheduleSpec::geometric(18, -1, 80)), Contains("sigma_min must be positive"));
  CHECK_THAT(message(ScheduleSpec::song_ve(18, 0.01, 50, 1.0)), Contains("eps_t must lie in [0, 1)"));
  CHECK_THAT(message(ScheduleSpec::vp(18, 19.9, 0.1, 0.0)), Contains("eps_s must lie in (0, 1)"));
  CHECK_THAT(message(ScheduleSpec::vp(18, -1, 0.1, 1e-3)), Contains("beta_d must be non-negative"));
  CHECK_THAT(message(ScheduleSpec::user({1.0, 2.0})), Contains("level 1 (2) is not smaller than level 0 (1)"));
  CHECK_THAT(message(ScheduleSpec::user({1.0, 1.0})), Contains("strictly decreasing"));
  CHECK_THAT(message(ScheduleSpec::user({1.0, -0.5})), Contains("is not positive"));
  CHECK_THAT(message(ScheduleSpec::user({1.0, 0.0})), Contains("is not positive"));
  CHECK_THAT(message(ScheduleSpec::user({1.0})), Contains("at least 2 entries"));
  CHECK_THAT(message(ScheduleSpec::user({1.0, std::nan("")})), Contains("not a finite number"));
  CHECK(message(ScheduleSpec::edm(18, 0.002, 80, 7)) == "no error");
  CHECK_THROWS_AS(noise_levels<double>(ScheduleSpec::edm(18, 80, 0.002, 7)), ScheduleError);
}
