#include <diffbound/checks/fit_verdicts.hpp>
#include <diffbound/checks/power.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/numerics/random.hpp>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

namespace diffbound::checks {

namespace {

/// Index of the first sweep case (in sweep order) that is VIOLATED evidence with `mutant`, or npos. When
/// it is npos every case has run, and `results` holds them all (in sweep order) for the judged fits. Cases
/// whose id is in `skip` (VIOLATED for the claim itself: an accepted finding) cannot tell a mutant from the
/// claim and do not count.
std::size_t first_violated(const Check& check, const std::vector<CaseSpec>& specs, const std::string& mutant,
                           ScalarKind kind, std::uint64_t seed, unsigned threads, std::vector<CaseResult>& results,
                           const std::set<std::string>& skip) {
  results.assign(specs.size(), CaseResult{});
  constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
  std::atomic<std::size_t> next{0}, found{npos};
  auto worker = [&] {
    const ThreadCacheRelease release_caches;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= specs.size() || i > found.load()) return;  // every case before `found` is still run
      RunContext ctx;
      ctx.scalar = kind;
      ctx.precision_bits = precision_bits_of(kind);
      ctx.seed = case_seed(seed, check.id(), specs[i].id);  // as the run seeds the case (app/runner.cpp)
      ctx.mutant = mutant;
      bool violated = false;
      try {
        CaseResult r = check.run_case(specs[i], ctx);
        violated = r.error.empty() && r.verdict == Verdict::violated && results::counts_as_evidence(r.kind) &&
                   !skip.count(specs[i].id);
        results[i] = std::move(r);
      } catch (const std::exception& e) {
        results[i].check = check.id(), results[i].case_id = specs[i].id, results[i].error = e.what();
        results[i].mutant = mutant;
      }
      if (!violated) continue;
      std::size_t cur = found.load();
      while (i < cur && !found.compare_exchange_weak(cur, i)) {
      }
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  pool.clear();
  return found.load();
}

/// Whether the claim itself is VIOLATED at a falsifier's decided case (the same parameters, the same seed,
/// the same scalar): such a case cannot tell the mutant from the claim, as a sweep case VIOLATED for the
/// claim cannot (the claim's own domain is not always free of violations: training.semismoothness).
bool claim_violated_at(const Check& check, const FalsifyResult& f, std::uint64_t seed) {
  RunContext ctx;
  ctx.scalar = f.decided.scalar;
  ctx.precision_bits = precision_bits_of(ctx.scalar);
  ctx.seed = case_seed(seed, check.id(), f.worst_case.id);  // as falsify() decided the mutant's case
  try {
    const CaseResult r = check.run_case(f.worst_case, ctx);
    return r.error.empty() && r.verdict == Verdict::violated;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::size_t refutation_budget(const Check& check, const PowerOptions& options) {
  const auto domain = check.domain();
  if (!domain) return 0;
  return options.refute_budget > 0 ? options.refute_budget
                                   : domain->run_budget[static_cast<std::size_t>(Size::full)];
}

std::vector<MutantPower> measure_power(const Check& check, const PowerOptions& options) {
  std::vector<MutantInfo> rows{{"", "the claim", "the claim as stated (must never be killed)"}};
  for (const auto& m : check.mutants()) rows.push_back(m);
  const auto specs = check.cases(options.size);
  const ScalarKind kind = check.scalar_kinds().front();
  const auto domain = check.domain();
  std::vector<MutantPower> out;
  // Cases and judged fits VIOLATED for the claim itself (accepted findings, e.g. a Table 2 cell that fails)
  // cannot tell a mutant from the claim: collected on the claim's row, skipped on the mutants' rows.
  std::set<std::string> claim_violated;
  for (const auto& m : rows) {
    MutantPower p;
    p.check = check.id();
    p.mutant = m;
    p.sweep_cases = specs.size();
    std::vector<CaseResult> sweep;
    const bool is_claim = m.id.empty();
    const std::size_t i = first_violated(check, specs, m.id, kind, options.seed, options.threads, sweep,
                                         claim_violated);
    if (i < specs.size() && !is_claim) {
      p.killed = p.killed_by_sweep = true, p.killed_by = specs[i].id;
    }
    if (is_claim && i < specs.size()) {
      // The claim's whole sweep, every VIOLATED case (the early stop above ran only up to the first).
      for (std::size_t j = 0; j < specs.size(); ++j) {
        if (sweep[j].case_id.empty()) {
          RunContext ctx;
          ctx.scalar = kind;
          ctx.precision_bits = precision_bits_of(kind);
          ctx.seed = options.seed;
          try {
            sweep[j] = check.run_case(specs[j], ctx);
          } catch (const std::exception& e) {
            sweep[j].check = check.id(), sweep[j].case_id = specs[j].id, sweep[j].error = e.what();
          }
        }
        const auto& r = sweep[j];
        if (r.error.empty() && r.verdict == Verdict::violated && results::counts_as_evidence(r.kind))
          claim_violated.insert(specs[j].id);
      }
    }
    if (is_claim || i >= specs.size()) {
      // The judged fits of the whole sweep (a rate claimed faster, an exponent claimed smaller) are the run's
      // other way to kill a mutant.
      auto summary = check.summarize(sweep);
      for (const auto& f : judge_fits(check.id(), summary.fits))
        if (f.verdict == Verdict::violated) {
          if (is_claim) claim_violated.insert(f.case_id);
          if (claim_violated.count(f.case_id) && !is_claim) continue;
          if (!p.killed) p.killed = p.killed_by_sweep = true, p.killed_by = f.case_id;
        }
    }
    if (is_claim) {
      // The claim is killed by a VIOLATED case or fit that is not an accepted finding (sweep order).
      auto kills = [&](const std::string& id) {
        return claim_violated.count(id) && !(options.accepted && options.accepted(check.id(), id));
      };
      p.killed = p.killed_by_sweep = false, p.killed_by.clear();
      for (const auto& spec : specs)
        if (kills(spec.id)) {
          p.killed = p.killed_by_sweep = true, p.killed_by = spec.id;
          break;
        }
      if (!p.killed)
        for (const auto& id : claim_violated)
          if (kills(id)) {
            p.killed = p.killed_by_sweep = true, p.killed_by = id;
            break;
          }
    }
    if (domain) {
      FalsifyOptions o;
      o.seed = options.seed;
      o.mutant = m.id;
      o.id_prefix = m.id.empty() ? "falsify" : "falsify/mutant=" + m.id;
      const std::size_t stage_budget = domain->run_budget[static_cast<std::size_t>(options.size)];
      if (!p.killed && stage_budget > 0) {
        o.budget = stage_budget;
        const auto stage = falsify(check, o);
        if (stage.decided.verdict == Verdict::violated) {
          if (!m.id.empty() && claim_violated_at(check, stage, o.seed))
            p.note = "the run's falsifier case " + stage.worst_case.id + " is VIOLATED for the claim too (no kill)";
          else
            p.killed = true, p.killed_by = stage.worst_case.id;
        }
      }
      o.budget = refutation_budget(check, options);
      o.seed = options.seed + 1;  // a search apart from the run's stage
      auto refutation = falsify(check, o);
      // A case of the run that kills the mutant refutes it too.
      bool refuted = refutation.decided.verdict == Verdict::violated;
      if (refuted && !m.id.empty() && claim_violated_at(check, refutation, o.seed)) {
        refuted = false;
        if (!p.note.empty()) p.note += "; ";
        p.note += "the refutation's case is VIOLATED for the claim too (no refutation)";
      }
      p.refutable = p.killed || refuted;
      p.refutation = std::move(refutation);
    } else {
      p.refutable = p.killed;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace diffbound::checks
