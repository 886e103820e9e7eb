#include <diffbound/app/records.hpp>
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

json check_record(const Check& check, ScalarKind kind, const std::vector<CaseResult>& results, CheckOutcome& co) {
  co = outcome_of(check.id(), results);
  json summary;
  try {
    summary = check.summarize(results);
  } catch (const std::exception& e) {
    summary = Summary{};
    summary[keys::error] = std::string("summarize failed: ") + e.what();
    ++co.counts.failed;
  }
  return results::check_record(check.claim(), kind, precision_bits_of(kind), co, summary);
}

}  // namespace diffbound::app
