// Judged fits (checks/fit_verdicts.hpp): Holm's step-down adjustment against a hand computation, a family
// of one deciding exactly as the fit's 95 % interval, multiplicity turning a lone HOLDS into INCONCLUSIVE,
// the three rules, too few points, and the margin and error estimate agreeing with the verdict.
#include "tolerances.hpp"

#include <diffbound/checks/convergence.hpp>
#include <diffbound/checks/fit_verdicts.hpp>
#include <diffbound/numerics/fit.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace diffbound;
using namespace diffbound::checks;
using diffbound::results::CaseKind;
using diffbound::results::Fit;

namespace {

/// A judged fit as ConvergenceStudy::fit makes it: slope, standard error, points, the rule.
Fit judged_fit(const std::string& name, double slope, double se, int points, double expected, const std::string& rule,
               double slack = 0) {
  Fit f;
  f.name = name;
  f.slope = slope;
  f.slope_se = se;
  f.points = points;
  f.expected = expected;
  f.rule = rule;
  f.slack = slack;
  f.judged = true;
  f.comparison = rule;
  const auto [lo, hi] = LinearFit{slope, 0, se, 0, 0, 0, points}.slope_interval(f.confidence);
  f.slope_lo = lo, f.slope_hi = hi;
  return f;
}

/// The verdict rule of theory/judge.hpp in words: HOLDS iff margin > estimate, VIOLATED iff margin < -estimate.
void check_margin_agrees(const results::CaseResult& r) {
  REQUIRE(r.margin);
  const double m = r.margin->mid, e = r.error_estimate;
  INFO(r.case_id << ": margin " << m << ", estimate " << e << ", " << r.reason);
  if (r.verdict == Verdict::holds) CHECK(m > e);
  if (r.verdict == Verdict::violated) CHECK(m < -e);
  if (r.verdict == Verdict::inconclusive) CHECK(std::fabs(m) <= e);
}

}  // namespace

TEST_CASE("holm_adjust: the step-down adjustment by hand, in the input order", "[fit_verdicts][smoke]") {
  // Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04, raised to 0.06).
  const std::vector<double> adj = holm_adjust({0.01, 0.04, 0.03, 0.005});
  REQUIRE(adj.size() == 4);
  CHECK_WITHIN_EPS(adj[0], 0.03, 4);
  CHECK_WITHIN_EPS(adj[1], 0.06, 4);
  CHECK_WITHIN_EPS(adj[2], 0.06, 4);
  CHECK_WITHIN_EPS(adj[3], 0.02, 4);
  // NaN is a member of the family that is never rejected; adjusted p-values never exceed 1.
  const std::vector<double> with_nan = holm_adjust({0.6, std::nan(""), 0.001});
  CHECK(with_nan[1] == 1.0);
  CHECK(with_nan[0] == 1.0);
  CHECK_WITHIN_EPS(with_nan[2], 0.003, 4);
}

TEST_CASE("judge_fits: a family of one decides as the fit's 95 % interval does", "[fit_verdicts][smoke]") {
  // at_most 1: the interval's upper end decides HOLDS, its lower end VIOLATED.
  for (const double slope : {0.5, 0.9, 0.97, 1.0, 1.03, 1.1, 1.5}) {
    std::vector<Fit> fits{judged_fit("f", slope, 0.02, 8, 1.0, "at_most")};
    const Fit copy = fits[0];
    const auto cases = judge_fits("x.y", fits);
    REQUIRE(cases.size() == 1);
    const auto& r = cases[0];
    INFO("slope " << slope << ": [" << copy.slope_lo << ", " << copy.slope_hi << "] " << r.reason);
    CHECK(r.kind == CaseKind::fit);
    CHECK(r.case_id == "fit/f");
    const Verdict by_interval = copy.slope_hi < 1.0    ? Verdict::holds
                                : copy.slope_lo > 1.0 ? Verdict::violated
                                                      : Verdict::inconclusive;
    CHECK(r.verdict == by_interval);
    CHECK(fits[0].outcome == to_string(r.verdict));
    CHECK(fits[0].family_size == 1);
    check_margin_agrees(r);
  }
}

TEST_CASE("judge_fits: the rules, multiplicity, and too few points", "[fit_verdicts][smoke]") {
  // Alone, slope 0.93 with se 0.02 on 8 points holds at_most 1 (upper end 0.979); in a family of 20 the
  // Holm level 0.025/20 needs t > 4.7 (the observed t is 3.5): INCONCLUSIVE.
  std::vector<Fit> alone{judged_fit("a", 0.93, 0.02, 8, 1.0, "at_most")};
  CHECK(judge_fits("x.y", alone)[0].verdict == Verdict::holds);
  std::vector<Fit> family;
  for (int i = 0; i < 20; ++i) family.push_back(judged_fit("a" + std::to_string(i), 0.93, 0.02, 8, 1.0, "at_most"));
  const auto many = judge_fits("x.y", family);
  REQUIRE(many.size() == 20);
  for (const auto& r : many) {
    CHECK(r.verdict == Verdict::inconclusive);
    check_margin_agrees(r);
  }
  CHECK(family[0].family_size == 20);
  CHECK(family[0].p_holds > alone[0].p_holds);
  CHECK(family[0].detectable > alone[0].detectable);

  // at_least and close_to, both ways; a fit with 2 points; an unjudged fit is left alone and is no case.
  Fit unjudged;
  unjudged.name = "descriptive";
  unjudged.outcome = "as before";
  std::vector<Fit> mixed{judged_fit("ge holds", -0.5, 0.05, 10, -1.0, "at_least"),
                         judged_fit("ge fails", -1.5, 0.05, 10, -1.0, "at_least"),
                         judged_fit("near holds", -2.02, 0.01, 10, -2.0, "close_to", 0.15),
                         judged_fit("near fails", -1.5, 0.01, 10, -2.0, "close_to", 0.15),
                         judged_fit("near unsure", -2.14, 0.03, 10, -2.0, "close_to", 0.15),
                         judged_fit("two points", -2.0, 0.0, 2, -2.0, "close_to", 0.15),
                         unjudged};
  const auto rs = judge_fits("x.y", mixed);
  REQUIRE(rs.size() == 6);
  CHECK(rs[0].verdict == Verdict::holds);
  CHECK(rs[1].verdict == Verdict::violated);
  CHECK(rs[2].verdict == Verdict::holds);
  CHECK(rs[3].verdict == Verdict::violated);
  CHECK(rs[4].verdict == Verdict::inconclusive);
  CHECK(rs[5].verdict == Verdict::inconclusive);
  for (std::size_t i = 0; i < 5; ++i) check_margin_agrees(rs[i]);
  CHECK(mixed[6].outcome == "as before");
  CHECK(mixed[6].family_size == 0);
  for (const auto& r : rs) CHECK(r.verdict != Verdict::verified);  // a statistic is never a proof
}

TEST_CASE("judge_fits: ConvergenceStudy's fits are judged; an exact fit decides without noise",
          "[fit_verdicts][smoke]") {
  ConvergenceStudy st;
  st.name = "e ~ N^-2";
  st.key = {4, 8, 16, 32, 64};
  for (double n : st.key) st.value.push_back(3 / (n * n));
  st.expected = -2.0, st.rule = SlopeRule::close_to, st.slack = 0.1;
  std::vector<Fit> fits{st.fit()};
  CHECK(fits[0].judged);
  CHECK(fits[0].rule == "close_to");
  const auto rs = judge_fits("x.y", fits);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].verdict == Verdict::holds);
  st.expected = -1.0;  // the same data against a wrong order
  std::vector<Fit> wrong{st.fit()};
  CHECK(judge_fits("x.y", wrong)[0].verdict == Verdict::violated);
}
