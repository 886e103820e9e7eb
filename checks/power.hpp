// The power table (issue 15, STYLE.md §5 "mutation testing"): for each form mutant of a claim
// (Check::mutants), whether it is refutable (the falsifier finds a case of the hypothesis domain where
// the mutant is VIOLATED by the check's own verdict rule) and whether the run at a size kills it (some
// sweep case, a judged fit of the sweep's summary, or the falsifier stage's case, VIOLATED). Power =
// killed / refutable. The claim itself is measured the same way and must never be killed. No I/O.
#pragma once

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/falsify.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

struct PowerOptions {
  Size size = Size::standard;        ///< the run whose power is measured (sweep + falsifier stage)
  std::uint64_t seed = 20240618;     ///< the run's seed (falsifier stage) and the refutation search's
  /// Evaluations of each refutation search (`power --budget`); 0: the check's own falsifier budget of the
  /// full-size run (its longest search, sized to what one evaluation of the check costs).
  std::size_t refute_budget = 3000;
  unsigned threads = 1;
  /// Whether a VIOLATED case of a check is an accepted finding (expected/findings.toml): such a case does not
  /// kill the claim. Cases VIOLATED for the claim never kill a mutant (they cannot tell the two apart).
  std::function<bool(const std::string& check, const std::string& case_id)> accepted;
};

struct MutantPower {
  std::string check;
  MutantInfo mutant;  ///< id "" for the claim itself
  bool refutable = false;
  std::optional<FalsifyResult> refutation;  ///< the refutation search's worst case (shown when refutable)
  bool killed = false;
  std::string killed_by;  ///< the first VIOLATED case of the run (sweep order, then the falsifier stage)
  bool killed_by_sweep = false;
  std::size_t sweep_cases = 0;
  /// Why a falsifier case VIOLATED for the mutant neither kills nor refutes it (VIOLATED for the claim too).
  std::string note;
};

/// The evaluations of `check`'s refutation searches under `options` (0 when it declares no domain).
std::size_t refutation_budget(const Check& check, const PowerOptions& options);

/// The claim (first row, mutant id "") and every mutant of `check`.
std::vector<MutantPower> measure_power(const Check& check, const PowerOptions& options);

}  // namespace diffbound::checks
