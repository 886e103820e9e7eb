#include <diffbound/app/runner.hpp>
#include <diffbound/checks/falsify.hpp>

#include <diffbound/app/config.hpp>
#include <diffbound/app/progress.hpp>
#include <diffbound/app/records.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/results/files.hpp>
#include <diffbound/results/version.hpp>

#include <diffbound/checks/runtime.hpp>
#include <diffbound/numerics/random.hpp>

#include <fmt/format.h>
#include <boost/version.hpp>

#include <fnmatch.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace fs = std::filesystem;

bool RunOutcome::ok() const {
  for (const auto& c : checks)
    if (c.counts.violated > 0 || c.counts.failed > 0) return false;
  return true;
}

int RunOutcome::exit_status() const {
  bool violated = false, failed = false;
  for (const auto& c : checks) violated = violated || c.counts.violated > 0, failed = failed || c.counts.failed > 0;
  if (findings) violated = findings->fresh > 0;  // accepted findings do not fail the run
  return failed ? 3 : (violated ? 1 : 0);
}

unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? hc : 1;
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  return "unknown";
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

/// Runs one case, turning any exception into a failed result (the run goes on). A ParamError is
/// also reported through `param_error`: in a config run it means a bad user case and stops the run.
CaseResult run_one(const Check& check, const CaseSpec& spec, const RunContext& ctx, std::string* param_error) {
  const auto t0 = std::chrono::steady_clock::now();
  CaseResult r;
  try {
    r = check.run_case(spec, ctx);
  } catch (const std::exception& e) {
    if (param_error && dynamic_cast<const ParamError*>(&e)) *param_error = e.what();
    r = CaseResult{};
    r.check = check.id();
    r.case_id = spec.id;
    r.params = spec.params;
    r.scalar = ctx.scalar;
    r.precision_bits = ctx.precision_bits;
    r.seed = ctx.seed;
    r.bound_factor = ctx.bound_factor;
    r.mutant = ctx.mutant;
    r.verdict = Verdict::inconclusive;
    r.error = e.what();
    r.reason = std::string("the case failed to run: ") + e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// The cases of one check in this run's selection (before sharding).
struct Planned {
  const Check* check = nullptr;
  ScalarKind kind = ScalarKind::float64;
  std::vector<CaseSpec> specs;
  std::vector<std::string> origins;  ///< config runs: where each case comes from
};

}  // namespace

json build_metadata() {
  return json{
      {"program", "diffbound"},
      {"version", version::string},
      {"commit", version::commit},
      {"compiler", std::string("g++ ") + __VERSION__},
      {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
      {"mpfr", mpfr_get_version()},
      {"mpfi", mpfi_get_version()},
      {"machine", json{{"host", host_name()}, {"cpu", cpu_model()}, {"cores", std::thread::hardware_concurrency()}}},
      {"gemm", matrix_product_backend()}};
}

void parse_shard(const std::string& text, RunOptions& options) {
  auto bad = [&](const std::string& why) -> void { throw std::invalid_argument("--shard " + text + ": " + why); };
  const auto slash = text.find('/');
  if (slash == std::string::npos) bad("expected i/n, e.g. 2/8 for the second of eight shards");
  auto whole = [&](std::string_view s, unsigned long long& v) {
    if (s.empty() || s.size() > 12) return false;
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    return res.ec == std::errc() && res.ptr == s.data() + s.size();
  };
  unsigned long long i = 0, n = 0;
  const std::string_view all(text);
  if (!whole(all.substr(0, slash), i) || !whole(all.substr(slash + 1), n))
    bad("expected i/n with whole numbers, e.g. 2/8 for the second of eight shards");
  if (n < 1) bad("the number of shards must be at least 1");
  if (n > 100000) bad("the number of shards must be at most 100000");
  if (i < 1 || i > n) bad("the shard index must be between 1 and " + std::to_string(n));
  options.shard_index = static_cast<unsigned>(i);
  options.shard_count = static_cast<unsigned>(n);
}

namespace {

/// A form mutant switched on by the environment (docs/ci.md): DIFFBOUND_MUTANT=<check id>/<mutant id>, one
/// of the check's mutants (diffbound falsify --list). A testing aid for the regression gate.
struct MutantSwitch {
  std::string check, id;
};

MutantSwitch mutant_from_environment() {
  MutantSwitch m;
  if (const char* env = std::getenv("DIFFBOUND_MUTANT"); env && *env) {
    const std::string text(env);
    const auto slash = text.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == text.size())
      throw std::invalid_argument("DIFFBOUND_MUTANT: expected <check id>/<mutant id>, got '" + text + "'");
    m.check = text.substr(0, slash);
    m.id = text.substr(slash + 1);
    const Check* c = Registry::instance().find(m.check);
    if (c == nullptr) throw std::invalid_argument("DIFFBOUND_MUTANT: no check '" + m.check + "'");
    c->require_mutant(m.id);
  }
  return m;
}

/// A case of the plan: plan index, case index.
struct Slot {
  std::size_t pi, k;
};

/// What the run will do: the checks and their cases (from the registry or a config file), each in its
/// scalar kind, the whole selection and this shard's part of it.
struct Plan {
  std::vector<Planned> checks;
  std::optional<SweepConfig> config;
  std::vector<std::pair<const Check*, const CaseSpec*>> selection;
  std::vector<Slot> mine;
  const CaseSpec& spec(const Slot& s) const { return checks[s.pi].specs[s.k]; }
  std::pair<std::string, std::string> key(const Slot& s) const { return {checks[s.pi].check->id(), spec(s).id}; }
};

Plan make_plan(const RunOptions& options) {
  Plan plan;
  auto& checks = plan.checks;
  if (options.config) {
    plan.config = load_config(*options.config);
    const auto& entries = plan.config->entries;
    std::vector<bool> keep(entries.size(), options.patterns.empty());
    for (const auto& p : options.patterns) {
      bool any = false;
      for (std::size_t e = 0; e < entries.size(); ++e)
        if (fnmatch(p.c_str(), entries[e].check->id().c_str(), 0) == 0) keep[e] = any = true;
      if (!any) {
        std::string ids;
        for (const auto& e : entries) ids += (ids.empty() ? "" : ", ") + e.check->id();
        throw std::invalid_argument("no check of " + plan.config->file + " matches '" + p + "' (its checks: " + ids +
                                    ")");
      }
    }
    for (std::size_t e = 0; e < entries.size(); ++e)
      if (keep[e]) checks.push_back({entries[e].check, {}, entries[e].cases, entries[e].origins});
  } else {
    for (const Check* c : Registry::instance().select(options.patterns)) {
      checks.push_back({c, {}, c->cases(options.size), {}});
      // The falsifier stage: the worst case of a search of the check's hypothesis domain with the run's
      // seed and the domain's budget for this size (checks/falsify.hpp), run like any other case.
      if (options.falsify)
        for (auto& spec : falsify_cases(*c, options.size, options.seed)) checks.back().specs.push_back(std::move(spec));
    }
  }
  // Every check runs in its own scalar kind unless one is forced; validate the forced one.
  for (auto& p : checks) {
    const auto supported = p.check->scalar_kinds();
    p.kind = supported.front();
    if (options.scalar) {
      if (std::find(supported.begin(), supported.end(), *options.scalar) == supported.end())
        throw std::invalid_argument("check " + p.check->id() + " does not support the scalar kind " +
                                    to_string(*options.scalar));
      p.kind = *options.scalar;
    }
  }
  // The selection, its digest, and this shard's part of it.
  for (std::size_t pi = 0; pi < checks.size(); ++pi)
    for (std::size_t k = 0; k < checks[pi].specs.size(); ++k) {
      if (in_shard(plan.selection.size(), options.shard_index, options.shard_count)) plan.mine.push_back({pi, k});
      plan.selection.emplace_back(checks[pi].check, &checks[pi].specs[k]);
    }
  return plan;
}

/// The run record: the program and its build, the settings, the selection and the shard.
json make_run_record(const RunOptions& options, const Plan& plan, unsigned threads) {
  json run = build_metadata();
  run["type"] = "run";
  run["date"] = results::utc_time();
  run["size"] = to_string(options.size);
  run["scalar"] = options.scalar ? to_string(*options.scalar) : "auto";
  run["precision_bits"] = precision_bits_of(ScalarKind::mpfr);
  run["threads"] = threads;
  run["seed"] = options.seed;
  run["bound_factor"] = options.bound_factor;
  run["checks"] = json::array();
  for (const auto& p : plan.checks) run["checks"].push_back(p.check->id());
  run["selection"] = json{{"cases", plan.selection.size()}, {"digest", selection_digest(plan.selection)}};
  if (plan.config)
    run["config"] =
        json{{"file", plan.config->file}, {"format", plan.config->format}, {"description", plan.config->description}};
  if (options.shard_count > 1)
    run["shard"] = json{{"index", options.shard_index}, {"count", options.shard_count}, {"cases", plan.mine.size()}};
  if (const char* mutant = std::getenv("DIFFBOUND_MUTANT"); mutant && *mutant)
    run[keys::mutant] = mutant;  // a form mutant is switched on (docs/ci.md): part of the run's identity
  return run;
}

/// A finished case taken over by --resume.
struct Done {
  json record;
  CaseResult result;
};

/// What --resume takes over from an earlier run into the same folder with the same settings.
struct Resumed {
  std::map<std::pair<std::string, std::string>, Done> done;
  std::optional<ResultsContent> journal;  ///< the journal to continue, if there is one
};

/// Reads the earlier results file and journal in `final_path`'s folder; `run` becomes the earlier run's
/// record (its date). Throws std::invalid_argument when they are of another run.
Resumed resume_from(const fs::path& final_path, const fs::path& journal_path, const RunOptions& options,
                    const Plan& plan, json& run) {
  Resumed out;
  std::error_code ec;
  std::map<std::pair<std::string, std::string>, std::size_t> slot_of;
  for (std::size_t m = 0; m < plan.mine.size(); ++m) slot_of[plan.key(plan.mine[m])] = m;
  for (const fs::path& src : {final_path, journal_path}) {
    if (!fs::exists(src, ec)) continue;
    ResultsContent c;
    try {
      c = read_records(src);
    } catch (const std::invalid_argument& e) {
      // A journal killed before its first line was complete holds nothing to resume.
      if (src == journal_path && fs::file_size(src, ec) < 4096) {
        std::ifstream in(src);
        std::string first;
        if (!std::getline(in, first) || in.eof()) continue;
      }
      throw std::invalid_argument(std::string("--resume: ") + e.what());
    }
    const std::string diff = identity_difference(c.run, src.string(), run, "this run");
    if (!diff.empty())
      throw std::invalid_argument("--resume: " + diff + " (resume with the same settings, or choose another --out)");
    const json their_shard = c.run.value("shard", json()), our_shard = run.value("shard", json());
    auto shard_text = [](const json& s) {
      return s.is_null() ? std::string("unsharded")
                         : "shard " + s.value("index", json()).dump() + "/" + s.value("count", json()).dump();
    };
    if (shard_text(their_shard) != shard_text(our_shard))
      throw std::invalid_argument("--resume: " + src.string() + " is " + shard_text(their_shard) +
                                  " but this run is " + shard_text(our_shard) +
                                  " (resume with the same --shard, or choose another --out)");
    for (auto& rec : c.cases) {
      const auto key = std::make_pair(rec.at("check").get<std::string>(), rec.at("case").get<std::string>());
      const auto it = slot_of.find(key);
      if (it == slot_of.end()) continue;
      const Slot& slot = plan.mine[it->second];
      const Planned& p = plan.checks[slot.pi];
      const CaseSpec& spec = plan.spec(slot);
      CaseResult r;
      try {
        r = rec.get<CaseResult>();
      } catch (const std::exception&) {
        continue;  // not readable: run the case again
      }
      if (r.params != spec.params || r.seed != case_seed(options.seed, p.check->id(), spec.id) || r.scalar != p.kind)
        continue;
      out.done[key] = Done{std::move(rec), std::move(r)};
    }
    if (src == journal_path)
      out.journal = std::move(c);
    else
      run = c.run;  // keep the original run record (its date)
  }
  if (out.journal) run = out.journal->run;
  return out;
}

/// The results of the pending cases (in their order), run on a pool of threads; each finished case goes to
/// the journal at once. A failed write keeps the journal's complete records and throws; a ParamError of a
/// config case stops the run (ConfigError).
std::vector<std::optional<CaseResult>> run_pending(const RunOptions& options, const Plan& plan,
                                                   const std::vector<Slot>& pending, std::size_t resumed,
                                                   const MutantSwitch& mutant, unsigned threads, Journal& journal,
                                                   const fs::path& journal_path,
                                                   const std::function<void()>& remove_outputs) {
  std::vector<std::optional<CaseResult>> results(pending.size());
  std::deque<std::size_t> finished;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  unsigned alive = 0;
  std::string param_error_message;
  std::size_t written = 0;
  auto worker = [&] {
    const ThreadCacheRelease release_caches;
    for (;;) {
      const std::size_t i = stop ? pending.size() : next.fetch_add(1);
      if (i >= pending.size()) break;
      const Planned& p = plan.checks[pending[i].pi];
      const CaseSpec& spec = plan.spec(pending[i]);
      RunContext ctx;
      ctx.scalar = p.kind;
      ctx.precision_bits = precision_bits_of(p.kind);
      ctx.seed = case_seed(options.seed, p.check->id(), spec.id);
      ctx.size = options.size;
      ctx.bound_factor = options.bound_factor;
      if (p.check->id() == mutant.check) ctx.mutant = mutant.id;
      std::string param_error;
      CaseResult r = run_one(*p.check, spec, ctx, plan.config ? &param_error : nullptr);
      std::lock_guard<std::mutex> lock(mu);
      if (!param_error.empty()) {
        if (param_error_message.empty())
          param_error_message =
              plan.config->file + ": " + p.origins[pending[i].k] + ", case '" + spec.id + "': " + param_error;
        stop = true;
      }
      results[i] = std::move(r);
      finished.push_back(i);
      cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu);
    --alive;
    cv.notify_all();
  };
  {
    const bool sharded = options.shard_count > 1;
    Progress progress(options.progress, plan.mine.size(), resumed,
                      sharded ? fmt::format("shard {}/{}  ", options.shard_index, options.shard_count) : "");
    std::vector<std::jthread> pool;
    struct StopOnExit {
      std::atomic<bool>& stop;
      ~StopOnExit() { stop = true; }
    };
    const unsigned n_workers = static_cast<unsigned>(std::min<std::size_t>(threads, pending.size()));
    // Parallelism is the runner's (cases on threads); every GEMM runs on one thread, because OpenBLAS's
    // products change in the last bits with its thread count (docs/PERFORMANCE.md, tests/test_fast_paths.cpp).
    set_matrix_product_threads(1);
    alive = n_workers;
    for (unsigned t = 0; t < n_workers; ++t) pool.emplace_back(worker);
    const StopOnExit stop_on_exit{stop};  // on an exception: no new cases; the pool then joins
    try {
      for (;;) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, std::chrono::seconds(1), [&] { return !finished.empty() || alive == 0; });
        std::vector<std::size_t> batch(finished.begin(), finished.end());
        finished.clear();
        const bool over = alive == 0;
        lock.unlock();
        for (const std::size_t i : batch) {
          journal.append(case_record(*results[i]));
          ++written;
        }
        const std::size_t at = written < pending.size() ? written : pending.size() - 1;
        progress.update(written, pending.empty() ? std::string() : plan.checks[pending[at].pi].check->id(),
                        batch.empty());
        if (over) break;  // every worker has left, after handing in its last case
      }
    } catch (const std::runtime_error& e) {
      // A failed write (disk full, ...): the journal holds complete records only.
      stop = true;
      pool.clear();
      progress.finish();
      journal.close();
      if (written + resumed == 0) {
        remove_outputs();
        throw;
      }
      throw std::runtime_error(std::string(e.what()) + "; the " + std::to_string(written + resumed) +
                               " finished cases are kept in " + journal_path.string() +
                               ": make room and run again with --resume");
    }
  }
  if (!param_error_message.empty()) {
    journal.close();
    remove_outputs();
    throw ConfigError(param_error_message);
  }
  return results;
}

/// The results file's content, composed from all the cases (run now or resumed) in plan order: the run
/// record, per check its cases, its judged fits and its check record, then the end record. Fills `outcome`'s
/// checks and findings.
std::string compose_results(const RunOptions& options, const Plan& plan, const json& run,
                            const std::vector<Slot>& pending, std::vector<std::optional<CaseResult>>& results,
                            const Resumed& resumed, std::chrono::steady_clock::time_point wall0,
                            RunOutcome& outcome) {
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> new_index;
  for (std::size_t i = 0; i < pending.size(); ++i) new_index[{pending[i].pi, pending[i].k}] = i;
  std::optional<FindingsTally> tally;
  if (options.findings) tally.emplace(*options.findings, options.shard_count > 1, to_string(options.size));
  std::string content = run.dump() + '\n';
  for (std::size_t pi = 0; pi < plan.checks.size(); ++pi) {
    std::vector<CaseResult> rs;
    for (const auto& m : plan.mine) {
      if (m.pi != pi) continue;
      const auto it = new_index.find({m.pi, m.k});
      json rec;
      if (it != new_index.end()) {
        rec = case_record(*results[it->second]);
        rs.push_back(*results[it->second]);
      } else {
        const Done& d = resumed.done.at(plan.key(m));
        rec = d.record;
        rs.push_back(d.result);
      }
      if (tally) tally->annotate(rec);
      content += rec.dump() + '\n';
    }
    CheckOutcome co;
    std::vector<CaseResult> fit_cases;
    json check_rec = check_record(*plan.checks[pi].check, plan.checks[pi].kind, rs, co, fit_cases);
    for (auto& fc : fit_cases) {  // the judged fits: cases of kind fit, after the check's own
      fc.seed = case_seed(options.seed, fc.check, fc.case_id);  // like every case: from the run's seed
      json rec = case_record(fc);
      if (tally) tally->annotate(rec);
      content += rec.dump() + '\n';
    }
    if (tally) check_rec[keys::findings] = tally->check_json(co.id);
    content += check_rec.dump() + '\n';
    outcome.checks.push_back(std::move(co));
  }
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  json end = end_record(outcome.checks, outcome.wall_seconds);
  if (outcome.resumed_cases > 0) end["resumed_cases"] = outcome.resumed_cases;
  if (tally) {
    end[keys::findings] = tally->end_json();
    outcome.findings = tally->outcome();
  }
  content += end.dump() + '\n';
  return content;
}

}  // namespace

RunOutcome run_checks(const RunOptions& options, std::ostream& out) {
  const auto wall0 = std::chrono::steady_clock::now();
  const unsigned threads = resolve_threads(options.threads);

  // ---- 1. The input, all of it checked before any file is touched ------------------------------
  if (!std::isfinite(options.bound_factor) || !(options.bound_factor > 0))
    throw std::invalid_argument("--bound-factor: must be a finite positive number, got " +
                                shortest_decimal(options.bound_factor));
  if (options.shard_count < 1 || options.shard_index < 1 || options.shard_index > options.shard_count)
    throw std::invalid_argument("--shard: the shard index must be between 1 and the number of shards");
  const MutantSwitch mutant = mutant_from_environment();
  const Plan plan = make_plan(options);
  json run = make_run_record(options, plan, threads);

  // The output folder.
  const fs::path& dir = options.out_dir;
  std::error_code ec;
  const bool dir_existed = fs::exists(dir, ec);
  if (dir_existed && !fs::is_directory(dir, ec))
    throw std::invalid_argument("--out " + dir.string() + ": exists and is not a folder");
  const fs::path final_path = dir / "results.jsonl";
  const fs::path journal_path = dir / "results.jsonl.partial";

  // --resume: the finished cases of an earlier run with the same settings.
  Resumed resumed;
  if (options.resume && dir_existed) resumed = resume_from(final_path, journal_path, options, plan, run);
  std::vector<Slot> pending;
  for (const auto& m : plan.mine)
    if (!resumed.done.count(plan.key(m))) pending.push_back(m);
  const std::size_t n_resumed = plan.mine.size() - pending.size();

  // ---- 2. The journal ------------------------------------------------------------------------
  if (!dir_existed) {
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create the output folder " + dir.string() + ": " + ec.message());
  }
  const std::function<void()> remove_outputs = [&] {
    std::error_code e2;
    fs::remove(journal_path, e2);
    if (!dir_existed) fs::remove(dir, e2);  // only if still empty
  };
  FolderLock folder_lock;
  if (!folder_lock.acquire(dir))
    throw std::invalid_argument("--out " + dir.string() +
                                ": another diffbound run is writing there (wait for it, or choose another --out)");
  const bool replacing = !options.resume && fs::exists(journal_path, ec);
  Journal journal;
  try {
    if (resumed.journal)
      journal.reopen(journal_path, resumed.journal->good_bytes);
    else
      journal.create(journal_path, run);
  } catch (const std::runtime_error&) {
    if (!resumed.journal) remove_outputs();
    throw;
  }
  if (replacing)
    std::cerr << "note: " << journal_path.string() << " of an unfinished run was replaced (--resume continues one)\n";
  if (options.resume) {
    if (n_resumed > 0)
      std::cerr << "resuming: " << n_resumed << " of " << plan.mine.size() << " cases already done in "
                << dir.string() << '\n';
    else
      std::cerr << "resuming: nothing to take over in " << dir.string() << ", running all " << plan.mine.size()
                << " cases\n";
  }

  // ---- 3. The cases left, on a pool of threads ---------------------------------------------------
  auto results =
      run_pending(options, plan, pending, n_resumed, mutant, threads, journal, journal_path, remove_outputs);

  // ---- 4. The results file, composed from all the cases, written whole -----------------------------
  RunOutcome outcome;
  outcome.resumed_cases = n_resumed;
  outcome.bound_factor = options.bound_factor;
  outcome.mutant = run.value(keys::mutant, "");
  if (options.shard_count > 1) outcome.shard = fmt::format("{}/{}", options.shard_index, options.shard_count);
  const std::string content = compose_results(options, plan, run, pending, results, resumed, wall0, outcome);
  journal.close();
  try {
    write_file_atomically(final_path, content);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(e.what()) + "; all cases are kept in " + journal_path.string() +
                             ": make room and run again with --resume");
  }
  fs::remove(journal_path, ec);
  outcome.results_file = final_path;
  print_summary(outcome, out);
  return outcome;
}

void print_summary(const RunOutcome& outcome, std::ostream& out) {
  // The verdict columns count the cases that are evidence about the claim (kinds evidence, falsify and
  // fit); identities (sanity checks) and calibration cases are counted apart, with their own
  // VIOLATED/failed cases named in brackets: they are never evidence, but a broken identity is a bug.
  // The judged fits (rates and scalings, kind fit) are evidence, counted in the verdict columns; the
  // column "fits" says how many of them there are, with their VIOLATED in brackets.
  out << fmt::format("{:<30} {:>6} {:>9} {:>6} {:>9} {:>13} {:>7} {:>9} {:>9} {:>12} {:>14} {:>9}\n", "check",
                     "cases", "VERIFIED", "HOLDS", "VIOLATED", "INCONCLUSIVE", "failed", "fits", "identity",
                     "calibration", "min rel.margin", "seconds");
  auto apart = [](const Counts& c) {
    const std::int64_t n = c.total() + (c.failed > c.total() ? c.failed - c.total() : 0);
    if (n == 0) return std::string("-");
    std::string s = std::to_string(n);
    if (c.violated > 0 || c.failed > 0) s += fmt::format(" ({}V,{}F)", c.violated, c.failed);
    return s;
  };
  for (const auto& c : outcome.checks) {
    const Counts e = c.evidence();
    out << fmt::format("{:<30} {:>6} {:>9} {:>6} {:>9} {:>13} {:>7} {:>9} {:>9} {:>12} {:>14} {:>9.2f}\n", c.id,
                       e.total(), e.verified, e.holds, e.violated, e.inconclusive, e.failed,
                       apart(c.by_kind[static_cast<int>(CaseKind::fit)]),
                       apart(c.by_kind[static_cast<int>(CaseKind::identity)]),
                       apart(c.by_kind[static_cast<int>(CaseKind::calibration)]),
                       std::isfinite(c.smallest_relative_margin) ? fmt::format("{:.3e}", c.smallest_relative_margin)
                                                                 : std::string("-"),
                       c.seconds);
  }
  std::size_t violated = 0, failed = 0;
  for (const auto& c : outcome.checks) violated += c.counts.violated, failed += c.counts.failed;
  if (outcome.findings) print_findings(*outcome.findings, out);
  std::string verdict = "nothing VIOLATED, nothing failed";
  if (violated > 0 || failed > 0)
    verdict =
        fmt::format("{} VIOLATED ({}), {}", violated,
                    violated > 0 ? "findings: each is listed with its reason in the report's appendix" : "none",
                    failed > 0 ? fmt::format("{} FAILED TO RUN (see the errors above)", failed) : "nothing failed");
  if (outcome.findings && violated == 0 && outcome.findings->resolved == 0)
    verdict = fmt::format(
        "nothing VIOLATED (0 findings accepted, 0 new), {}",
        failed > 0 ? fmt::format("{} FAILED TO RUN (see the errors above)", failed) : std::string("nothing failed"));
  else if (outcome.findings)  // "N findings accepted, M new": the line a CI log is read by
    verdict = fmt::format(
        "{} VIOLATED: {} findings accepted, {} new{}; {}", violated, outcome.findings->accepted,
        outcome.findings->fresh,
        outcome.findings->resolved > 0
            ? fmt::format(", {} accepted no longer occurring (resolved)", outcome.findings->resolved)
            : std::string(),
        failed > 0 ? fmt::format("{} FAILED TO RUN (see the errors above)", failed) : std::string("nothing failed"));
  out << fmt::format("wall time {:.2f} s; {}\n", outcome.wall_seconds, verdict);
  if (!outcome.shard.empty())
    out << "shard " << outcome.shard << " of the selected cases (join the shards with 'diffbound merge')\n";
  if (outcome.resumed_cases > 0)
    out << outcome.resumed_cases << " cases taken over from the unfinished run (--resume)\n";
  if (outcome.bound_factor != 1.0)
    out << "BOUND FACTOR " << shortest_decimal(outcome.bound_factor)
        << ": a testing aid; every bound was multiplied by it, so these verdicts are not about the paper's bounds\n";
  if (!outcome.mutant.empty())
    out << "MUTANT " << outcome.mutant
        << " (DIFFBOUND_MUTANT): a testing aid; a check's bound was deliberately weakened (docs/ci.md)\n";
}

}  // namespace diffbound::app
