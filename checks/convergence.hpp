// Convergence tables in deal.II style (STYLE.md §2): the key (N, h, m, …), the measured error, the
// pairwise order against the previous row ('-' in the first), and a least-squares slope over the
// asymptotic rows with its confidence interval, compared with an expected exponent.
#pragma once

#include <diffbound/results/schema.hpp>

#include <diffbound/numerics/fit.hpp>

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace diffbound::checks {

/// How the fitted slope is held to the expected one.
enum class SlopeRule {
  at_most,   ///< slope ≤ expected (e.g. decays at least as fast as N^expected): the upper CI end decides
  at_least,  ///< slope ≥ expected: the lower CI end decides
  close_to,  ///< |slope − expected| ≤ slack
};

struct ConvergenceStudy {
  std::string name;  ///< e.g. "KL vs N, edm(rho=7), iso(d=1)"
  std::string key_label = "N";
  std::string value_label = "error";
  std::vector<double> key, value;
  std::size_t asymptotic_from = 0;  ///< first row used by the least-squares fit
  double expected = std::numeric_limits<double>::quiet_NaN();
  SlopeRule rule = SlopeRule::close_to;
  double slack = 0.2;  ///< for close_to
  double confidence = 0.95;

  /// The table: key, value, pairwise order ("-" first; positive for a decaying value, deal.II's
  /// convention), with the least-squares slope (negative for a decay) in the caption.
  Table table(const std::string& id) const {
    Table t;
    t.id = id;
    t.title = name;
    t.columns = {key_label, value_label, "order"};
    const auto orders = pairwise_orders(key, value);
    for (std::size_t i = 0; i < key.size(); ++i)
      t.rows.push_back({key[i], value[i], i == 0 ? nlohmann::json("-") : nlohmann::json(orders[i])});
    const Fit f = fit();
    t.caption = fmt::format(
        "pairwise order = log(e_(i-1)/e_i)/log(k_i/k_(i-1)); least-squares slope of log e on log k over "
        "rows {}..{}: {:.4f} [{:.4f}, {:.4f}] ({:.0f}% CI)",
        asymptotic_from + 1, key.size(), f.slope, f.slope_lo, f.slope_hi, 100 * confidence);
    return t;
  }

  /// Least-squares slope of log value on log key over the asymptotic rows, judged by the rule.
  Fit fit() const {
    std::vector<double> k(key.begin() + static_cast<long>(asymptotic_from), key.end());
    std::vector<double> v(value.begin() + static_cast<long>(asymptotic_from), value.end());
    Fit f;
    f.name = name;
    f.confidence = confidence;
    f.expected = expected;
    f.points = static_cast<int>(k.size());
    const LinearFit lf = loglog_fit(k, v);
    f.slope = lf.slope;
    f.intercept = lf.intercept;
    const auto [lo, hi] = lf.slope_interval(confidence);
    f.slope_lo = lo, f.slope_hi = hi;
    f.slope_se = f.points >= 3 ? lf.slope_se : std::numeric_limits<double>::quiet_NaN();
    if (std::isnan(expected)) {
      f.comparison = "no expected slope";
      f.outcome = "INCONCLUSIVE";
      return f;
    }
    // A rate or scaling claim: judged (a case of kind fit, Holm over the check's judged fits; the outcome
    // below is the unadjusted one, replaced by checks/fit_verdicts.cpp).
    f.judged = true;
    f.rule = rule == SlopeRule::at_most ? "at_most" : (rule == SlopeRule::at_least ? "at_least" : "close_to");
    f.slack = rule == SlopeRule::close_to ? slack : 0.0;
    switch (rule) {
      case SlopeRule::at_most:
        f.comparison = fmt::format("slope <= {:g}", expected);
        f.outcome = hi <= expected ? "HOLDS" : (lo > expected ? "VIOLATED" : "INCONCLUSIVE");
        break;
      case SlopeRule::at_least:
        f.comparison = fmt::format("slope >= {:g}", expected);
        f.outcome = lo >= expected ? "HOLDS" : (hi < expected ? "VIOLATED" : "INCONCLUSIVE");
        break;
      case SlopeRule::close_to:
        f.comparison = fmt::format("|slope - {:g}| <= {:g}", expected, slack);
        f.outcome = (lo >= expected - slack && hi <= expected + slack)
                        ? "HOLDS"
                        : ((hi < expected - slack || lo > expected + slack) ? "VIOLATED" : "INCONCLUSIVE");
        break;
    }
    return f;
  }
};

}  // namespace diffbound::checks
