#include <diffbound/checks/fit_verdicts.hpp>

#include <diffbound/numerics/fit.hpp>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace diffbound::checks {

using results::CaseKind;
using results::CaseResult;
using results::Fit;
using results::Quantity;


namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPower = 0.8;  // the power at which the detectable departure is stated

struct Tests {
  double p_violated = kNaN, p_holds = kNaN;  // raw one-sided p-values
  double margin = kNaN;                      // e − b̂, b̂ − e or s − |b̂ − e|
};

/// P(T ≥ t) and P(T ≤ t) for Student t with nu degrees of freedom; an exact fit (se = 0) gives t = ±inf.
double upper_tail(double t, double nu) {
  if (std::isnan(t)) return kNaN;
  if (t == std::numeric_limits<double>::infinity()) return 0;
  if (t == -std::numeric_limits<double>::infinity()) return 1;
  return boost::math::cdf(boost::math::complement(boost::math::students_t(nu), t));
}
double lower_tail(double t, double nu) { return upper_tail(-t, nu); }

/// (b̂ − c)/se, with an exact fit (se = 0) giving ±inf, or NaN when b̂ = c exactly.
double t_stat(double slope, double c, double se) {
  if (se > 0) return (slope - c) / se;
  if (slope == c) return kNaN;
  return slope > c ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

Tests tests_of(const Fit& f) {
  Tests t;
  const double nu = f.points - 2;
  if (f.points < 3 || !(f.slope_se >= 0) || !std::isfinite(f.slope) || !std::isfinite(f.expected)) return t;
  const double b = f.slope, e = f.expected, se = f.slope_se;
  if (f.rule == "at_most") {
    t.p_violated = upper_tail(t_stat(b, e, se), nu);
    t.p_holds = lower_tail(t_stat(b, e, se), nu);
    t.margin = e - b;
  } else if (f.rule == "at_least") {
    t.p_violated = lower_tail(t_stat(b, e, se), nu);
    t.p_holds = upper_tail(t_stat(b, e, se), nu);
    t.margin = b - e;
  } else if (f.rule == "close_to") {
    const double s = f.slack;
    const double above = upper_tail(t_stat(b, e + s, se), nu);  // H0 b <= e + s
    const double below = lower_tail(t_stat(b, e - s, se), nu);  // H0 b >= e - s
    t.p_violated = std::min(1.0, 2 * std::min(above, below));
    t.p_holds = std::max(lower_tail(t_stat(b, e + s, se), nu), upper_tail(t_stat(b, e - s, se), nu));
    t.margin = s - std::fabs(b - e);
  }
  return t;
}

/// The t quantile q with P(T ≥ q) = level (level in (0, 1)); +inf for level 0.
double quantile_upper(double level, double nu) {
  if (!(level > 0)) return std::numeric_limits<double>::infinity();
  if (level >= 1) return -std::numeric_limits<double>::infinity();
  return boost::math::quantile(boost::math::complement(boost::math::students_t(nu), level));
}

Quantity point(double x, const std::string& text) { return Quantity{x, x, x, text}; }

std::string short_number(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x) : std::string("n/a"); }

}  // namespace

std::vector<CaseResult> judge_fits(const std::string& check_id, std::vector<Fit>& fits) {
  std::vector<std::size_t> judged;
  for (std::size_t i = 0; i < fits.size(); ++i)
    if (fits[i].judged) judged.push_back(i);
  const std::size_t k = judged.size();
  std::vector<Tests> tests;
  std::vector<double> pv, ph;
  for (std::size_t i : judged) {
    tests.push_back(tests_of(fits[i]));
    pv.push_back(tests.back().p_violated);
    ph.push_back(tests.back().p_holds);
  }
  const std::vector<double> pv_adj = holm_adjust(pv), ph_adj = holm_adjust(ph);

  std::vector<CaseResult> out;
  std::vector<std::string> ids;
  for (std::size_t j = 0; j < k; ++j) {
    Fit& f = fits[judged[j]];
    const Tests& t = tests[j];
    const double alpha = (1 - f.confidence) / 2;
    const double nu = f.points - 2;
    f.family_size = static_cast<int>(k);
    f.p_violated = pv_adj[j];
    f.p_holds = ph_adj[j];

    CaseResult r;
    r.check = check_id;
    std::string id = "fit/" + f.name;
    for (int n = 2; std::find(ids.begin(), ids.end(), id) != ids.end(); ++n) id = fmt::format("fit/{} #{}", f.name, n);
    ids.push_back(id);
    r.case_id = id;
    r.kind = CaseKind::fit;
    r.scalar = ScalarKind::float64;
    r.params = nlohmann::json{{"fit", f.name}, {"rule", f.rule}, {"expected", f.expected}, {"points", f.points}};
    if (f.rule == "close_to") r.params["slack"] = f.slack;

    const bool decidable = std::isfinite(t.margin) && !std::isnan(t.p_violated) && !std::isnan(t.p_holds);
    // Holm's effective level for this fit in each family: the test rejects iff p_raw < alpha · p_raw/p_adj.
    auto level = [&](double raw, double adj) { return adj > 0 ? alpha * raw / adj : alpha / static_cast<double>(k); };
    const double lv = decidable ? level(t.p_violated, pv_adj[j]) : kNaN;
    const double lh = decidable ? level(t.p_holds, ph_adj[j]) : kNaN;
    const bool two_sided_violation = f.rule == "close_to";  // p_violated doubles the smaller side
    const double qv = decidable ? quantile_upper(two_sided_violation ? lv / 2 : lv, nu) : kNaN;
    const double qh = decidable ? quantile_upper(lh, nu) : kNaN;

    if (!decidable) {
      r.verdict = Verdict::inconclusive;
      r.reason = f.points < 3 ? fmt::format("{} points: a slope with an interval needs at least 3", f.points)
                              : "the fit has no finite slope, standard error or expected value";
    } else if (pv_adj[j] < alpha) {
      r.verdict = Verdict::violated;
      r.reason = fmt::format("{}: slope {} [{}, {}] ({} points); Holm-adjusted p = {:.3g} < {:g} over {} judged fits",
                             f.comparison, short_number(f.slope), short_number(f.slope_lo), short_number(f.slope_hi),
                             f.points, pv_adj[j], alpha, k);
    } else if (ph_adj[j] < alpha) {
      r.verdict = Verdict::holds;
      r.reason = fmt::format("{}: slope {} [{}, {}] ({} points); Holm-adjusted p = {:.3g} < {:g} over {} judged fits",
                             f.comparison, short_number(f.slope), short_number(f.slope_lo), short_number(f.slope_hi),
                             f.points, ph_adj[j], alpha, k);
    } else {
      r.verdict = Verdict::inconclusive;
      r.reason = fmt::format(
          "{}: slope {} [{}, {}] ({} points) decides neither way at family-wise {:g} per side (Holm over {} judged "
          "fits: p = {:.3g} that it holds, {:.3g} that it fails)",
          f.comparison, short_number(f.slope), short_number(f.slope_lo), short_number(f.slope_hi), f.points, alpha, k,
          ph_adj[j], pv_adj[j]);
    }
    f.outcome = to_string(r.verdict);

    r.measured = Quantity{std::isfinite(f.slope_lo) ? f.slope_lo : kNaN, std::isfinite(f.slope_hi) ? f.slope_hi : kNaN,
                          f.slope, fmt::format("{:.6g}", f.slope)};
    r.bound = point(f.expected, f.rule == "close_to" ? fmt::format("{:g} +- {:g}", f.expected, f.slack)
                                                     : fmt::format("{:g}", f.expected));
    if (std::isfinite(t.margin)) r.margin = point(t.margin, fmt::format("{:.6g}", t.margin));
    // The estimate the verdict rule sees: q·se at the level of the test that decided (both when undecided),
    // so that margin > estimate for HOLDS, margin < −estimate for VIOLATED, |margin| <= estimate otherwise.
    if (decidable) {
      const double se = f.slope_se;
      r.error_estimate = r.verdict == Verdict::holds      ? qh * se
                         : r.verdict == Verdict::violated ? qv * se
                                                          : std::max(qh, qv) * se;
      // The departure beyond the claim's boundary each test detects with probability kPower at the level
      // a fit of the family is first tested at (alpha / k): (q_{alpha/k} + q_{1 - power}) se.
      f.detectable = (quantile_upper(alpha / static_cast<double>(k), nu) - quantile_upper(kPower, nu)) * se;
      r.terms["slope_se"] = point(se, fmt::format("{:.4g}", se));
      r.terms["p_violated_holm"] = point(f.p_violated, fmt::format("{:.4g}", f.p_violated));
      r.terms["p_holds_holm"] = point(f.p_holds, fmt::format("{:.4g}", f.p_holds));
      r.terms["detectable_departure"] = point(f.detectable, fmt::format("{:.4g}", f.detectable));
    }
    r.terms["family_size"] = point(static_cast<double>(k), std::to_string(k));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace diffbound::checks
