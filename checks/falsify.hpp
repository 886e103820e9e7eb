// The falsifier: searches a check's hypothesis domain (Check::domain) for the case with the smallest
// relative margin, as falsification tools for specifications do (S-TaLiRo, Breach: the margin is the
// robustness) and property-based testing tools shrink (Hypothesis, QuickCheck: a found case is made
// simple). No I/O; deterministic given the check, the seed, the budget and the mutant.
//
//   1. starts: a scrambled Sobol sequence (Boost.Random) interleaved with pseudo-random points, about
//      a third of the budget;
//   2. local search: Nelder-Mead on the transformed coordinates u in [0, 1]^n (log scales for log
//      parameters; schedules are simplex weights declared by the check), from the best distinct starts;
//   3. shrinking: coordinates set to their simplest values (fewer levels, the first choice, 0, round
//      numbers with 1, 2, 3 significant digits) while the margin stays within 25 % of the one found
//      (a violation stays a violation);
//   4. the shrunk case, with id falsify/..., decided by the check's own run_case in the decision scalar
//      (the check's default: an interval verdict for the sampling checks), with the seed the run gives
//      that case (case_seed of the seed, the check and the case id): the decision is the run's verdict,
//      and a check whose cases draw random numbers (training) is decided on a fresh draw.
//
// The search evaluates margins in MPFR when the check supports it (so that margins near 1e-12 are not
// rounding noise), else in the check's default scalar.
#pragma once

#include <diffbound/checks/check.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

struct FalsifyOptions {
  std::size_t budget = 600;                ///< evaluations of the margin (search and shrinking)
  std::uint64_t seed = 1;                  ///< the only source of randomness
  std::optional<ScalarKind> scalar;        ///< of the decision; empty: the check's default kind
  std::string mutant;                      ///< a form mutant of the claim (power table); empty: the claim
  std::string id_prefix = "falsify";       ///< case ids are <prefix>/<label>
  std::size_t shrink_budget_fraction = 8;  ///< 1/fraction of the budget is kept for shrinking
};

struct FalsifyResult {
  std::string check;
  std::size_t evaluations = 0, infeasible = 0;
  double found_margin = 0;    ///< relative margin of the best point of the search (search scalar)
  double shrunk_margin = 0;   ///< the same after shrinking
  std::vector<double> point;  ///< the shrunk point, one value per domain parameter
  CaseSpec worst_case;        ///< the shrunk case (id falsify/...)
  CaseResult decided;         ///< worst_case run by the check in the decision scalar (kind falsify)
  ScalarKind search_scalar = ScalarKind::mpfr;
  /// A ready-to-run config (`diffbound run --config FILE`) holding worst_case.
  json config() const;
};

/// Searches `check`'s domain; throws std::invalid_argument when the check declares none.
FalsifyResult falsify(const Check& check, const FalsifyOptions& options);

/// The falsifier's cases for the run stage at a size: the worst case of a search with the domain's
/// run budget for that size and `seed` (none when the check declares no domain or a zero budget).
std::vector<CaseSpec> falsify_cases(const Check& check, Size size, std::uint64_t seed);

/// Readable text of a point ("name=value name=value ..."), choices by name.
std::string point_text(const Domain& domain, const std::vector<double>& point);

}  // namespace diffbound::checks
