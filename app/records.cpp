#include <diffbound/app/records.hpp>
#include <diffbound/checks/fit_verdicts.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/numerics/random.hpp>

#include <fmt/format.h>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

std::string selection_digest(const std::vector<std::pair<const Check*, const CaseSpec*>>& cases) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& [check, spec] : cases) {
    h = hash_name(check->id(), h);
    h = hash_name(spec->id, h ^ 0x1f);
    h = hash_name(spec->params.dump(), h ^ 0x2f);
  }
  return fmt::format("{:016x}", h);
}

json check_record(const Check& check, ScalarKind kind, const std::vector<CaseResult>& results, CheckOutcome& co,
                  std::vector<CaseResult>& fit_cases) {
  fit_cases.clear();
  json summary;
  bool failed = false;
  try {
    Summary s = check.summarize(results);
    fit_cases = judge_fits(check.id(), s.fits);
    summary = s;
  } catch (const std::exception& e) {
    fit_cases.clear();
    summary = Summary{};
    summary[keys::error] = std::string("summarize failed: ") + e.what();
    failed = true;
  }
  std::vector<CaseResult> all = results;
  all.insert(all.end(), fit_cases.begin(), fit_cases.end());
  co = outcome_of(check.id(), all);
  if (failed) ++co.counts.failed;
  return results::check_record(check.claim(), kind, precision_bits_of(kind), co, summary);
}

}  // namespace diffbound::app
