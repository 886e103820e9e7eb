// The records of a run that need the checks themselves (results/schema.hpp has the rest): the digest
// of a selection of cases, and a check's record with its summary.
#pragma once

#include <diffbound/checks/check.hpp>
#include <diffbound/results/schema.hpp>

#include <string>
#include <utility>
#include <vector>

namespace diffbound::app {

/// A digest (16 hex digits) of a selection of cases: check ids, case ids and parameters, in order.
std::string selection_digest(const std::vector<std::pair<const checks::Check*, const checks::CaseSpec*>>& cases);

/// The `check` record of a check from its cases, which it summarizes (a failure of summarize is
/// recorded in the summary, and counted as a failed case, not thrown); fills `outcome`. The judged fits
/// of the summary become cases of kind fit (checks/fit_verdicts.hpp), returned in `fit_cases` for the
/// caller to write before the check record, and counted in `outcome` with the check's own cases.
nlohmann::json check_record(const checks::Check& check, ScalarKind kind,
                            const std::vector<results::CaseResult>& results, results::CheckOutcome& outcome,
                            std::vector<results::CaseResult>& fit_cases);

}  // namespace diffbound::app
