// Running at scale, through the program: configs, shards run as separate processes and merged, a run
// killed with SIGKILL and resumed, reproducibility across runs, thread counts and shards, and a
// progress line that shows on a terminal and stays out of logs.
#include "scale_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/app/runner.hpp>
#include <diffbound/numerics/random.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

using namespace diffbound::test;
using Catch::Matchers::Contains;
using diffbound::app::run_checks;
using diffbound::app::RunOptions;

namespace {

const fs::path kExamples = fs::path(DIFFBOUND_SOURCE_DIR) / "examples";

/// A config whose 40 cases take a few seconds on one thread (Girsanov, 128 directions, N ≤ 320).
const char* kSlowConfig = R"({"checks": [{"check": "sampling.girsanov", "sweeps": [{"id": "pow128",
  "base": {"data": {"spectrum": "power_law", "dimension": 128, "scale": 1.0, "alpha": 1.0, "mean": 0.5},
           "schedule": {"kind": "edm", "n_levels": 8, "sigma_min": 0.002, "sigma_max": 80, "rho": 7},
           "score": {"c": 1.0, "b": 0.0}},
  "vary": {"schedule.rho": [7, 3], "schedule.n_levels": [64, 128, 192, 256, 320], "score.c": [1.0, 0.9, 1.1, 0.8]}}]}]})";

}  // namespace

TEST_CASE("run --config runs user cases of any check (examples/sweep.json)", "[scale][smoke]") {
  TempDir dir("config-run");
  const auto r =
      run_diffbound("run --config " + quote((kExamples / "sweep.json").string()) + " --no-progress --out " + dir.str());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto lines = read_jsonl(dir.path() / "results.jsonl");
  REQUIRE(lines.size() == 1 + 19 + 1 + 4 + 1 + 1);
  CHECK(lines[0]["config"]["file"] == (kExamples / "sweep.json").string());
  CHECK(lines[0]["selection"]["cases"] == 23);
  CHECK(lines[1]["case"] == "paper-6.2/c=0.9/N=280");
  CHECK(lines[2]["case"] == "d16/edm/n_levels=16/c=1");
  // PAPER §6.2: c = 0.9 at N = 280 (EDM): the sampler KL 1.61e-2 against the bound 0.175.
  CHECK_PRINTED(lines[1]["measured"]["mid"].get<double>(), 1.61e-2, 3);
  CHECK_PRINTED(lines[1]["bound"]["mid"].get<double>(), 0.175, 3);
  for (const auto& l : lines)
    if (l["type"] == "case") CHECK(l["verdict"] == "VERIFIED");
  // A pattern picks checks of the config; one that matches none of them is an error.
  TempDir only("config-only");
  const auto o = run_diffbound("run sampling.init --config " + quote((kExamples / "sweep.toml").string()) +
                               " --no-progress --out " + only.str());
  REQUIRE(o.status == 0);
  CHECK(read_jsonl(only.path() / "results.jsonl").size() == 1 + 4 + 1 + 1);
}

TEST_CASE("shards run as separate processes merge into the results of the unsharded run", "[scale][smoke]") {
  TempDir dir("shards");
  // The sampling checks (about 500 smoke cases, judged fits, falsifier cases): enough to balance three shards
  // and to recompute check records from the cases; every check runs unsharded in the reproducibility test.
  const std::string common = " 'sampling.*' --size smoke --no-progress --seed 7";
  REQUIRE(completed(run_diffbound("run" + common + " --threads 2 --out " + (dir.path() / "whole").string()).status));
  // Three shards at the same time, as a job array would run them, with different thread counts.
  std::vector<std::future<CommandResult>> jobs;
  for (int i = 1; i <= 3; ++i)
    jobs.push_back(std::async(std::launch::async, [&, i] {
      return run_diffbound("run" + common + " --threads " + std::to_string(i % 2 + 1) + " --shard " +
                           std::to_string(i) + "/3 --out " + (dir.path() / ("shard-" + std::to_string(i))).string());
    }));
  std::vector<std::size_t> sizes;
  for (int i = 1; i <= 3; ++i) {
    const auto r = jobs[i - 1].get();
    INFO(r.output);
    REQUIRE(completed(r.status));
    CHECK_THAT(r.output, Contains("shard " + std::to_string(i) + "/3"));
    const auto lines = read_jsonl(dir.path() / ("shard-" + std::to_string(i)) / "results.jsonl");
    CHECK(lines.front()["shard"]["index"] == i);
    sizes.push_back(static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [](const auto& l) {
      // The planned cases (the sweep's and the falsifier's); judged fits come from each shard's summaries.
      return l["type"] == "case" && l.value("kind", "evidence") != "fit";
    })));
  }
  const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
  CHECK(*hi - *lo <= 1);  // balanced
  // Merge, in any order of the inputs.
  const auto m = run_diffbound("merge " + (dir.path() / "merged").string() + " " + (dir.path() / "shard-3").string() +
                               " " + (dir.path() / "shard-1/results.jsonl").string() + " " +
                               (dir.path() / "shard-2").string() + " --no-report");
  INFO(m.output);
  REQUIRE(completed(m.status));
  CHECK_THAT(m.output, Contains("merged 3 shards"));
  const auto whole = comparable(dir.path() / "whole" / "results.jsonl");
  const auto merged = comparable(dir.path() / "merged" / "results.jsonl");
  REQUIRE(whole.size() == merged.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    INFO("line " << i + 1);
    CHECK(whole[i] == merged[i]);  // cases in sweep order, check records recomputed from all the cases
  }
  const auto raw = read_jsonl(dir.path() / "merged" / "results.jsonl");
  CHECK(raw.front()["merged_from"].size() == 3);
  CHECK_FALSE(raw.front().contains("shard"));
  CHECK(files_in(dir.path() / "merged") == std::vector<std::string>{"results.jsonl"});
}

TEST_CASE("a run killed with SIGKILL resumes to the results of an uninterrupted run", "[scale][smoke]") {
  TempDir dir("kill");
  const fs::path cfg = dir.path() / "slow.json";
  write_text(cfg, kSlowConfig);
  const fs::path ref = dir.path() / "reference", out = dir.path() / "killed";
  REQUIRE(run_diffbound("run --config " + cfg.string() + " --no-report --no-progress --threads 2 --out " + ref.string())
              .status == 0);

  const pid_t pid = spawn_diffbound({"run", "--config", cfg.string(), "--threads", "1", "--out", out.string()});
  REQUIRE(pid > 0);
  const fs::path journal = out / "results.jsonl.partial";
  const auto t0 = std::chrono::steady_clock::now();
  while (complete_lines(journal) < 1 + 6 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Meanwhile, a second run into the same folder is turned away (the folder is locked), harmlessly.
  const auto second =
      run_diffbound("run --config " + cfg.string() + " --no-report --no-progress --out " + out.string());
  CHECK(second.status == 2);
  CHECK_THAT(second.output, Contains("another diffbound run is writing there"));
  CHECK(message_lines(second.output).size() == 1);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  CHECK_FALSE(fs::exists(out / "results.jsonl"));  // nothing under the final name
  const std::size_t journaled = complete_lines(journal) - 1;
  INFO("cases in the journal when killed: " << journaled);
  REQUIRE(journaled >= 6);
  REQUIRE(journaled < 40);
  // The kill may also cut a line short (a crash in the middle of a write): simulate one.
  {
    std::ofstream j(journal, std::ios::app | std::ios::binary);
    j << R"({"type":"case","check":"sampling.girsanov","case":"pow128/rho=7/n_lev)";
  }

  const auto r =
      run_split("run --config " + cfg.string() + " --no-report --threads 2 --resume --progress --out " + out.string(),
                dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.err, Contains("resuming: " + std::to_string(journaled) + " of 40 cases already done"));
  CHECK_THAT(r.err, Contains("(" + std::to_string(journaled) + " resumed)"));  // the progress line counts them
  CHECK_THAT(r.out, Contains(std::to_string(journaled) + " cases taken over"));
  CHECK(files_in(out) == std::vector<std::string>{"results.jsonl"});  // journal gone, no temporary left
  const auto a = comparable(ref / "results.jsonl"), b = comparable(out / "results.jsonl");
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("line " << i + 1);
    CHECK(a[i] == b[i]);
  }
  CHECK(read_jsonl(out / "results.jsonl").back()["resumed_cases"] == journaled);

  // Resuming a finished run reruns nothing and writes the same results again.
  const auto again = run_split(
      "run --config " + cfg.string() + " --no-report --resume --no-progress --out " + out.string(), dir.path());
  REQUIRE(again.status == 0);
  CHECK_THAT(again.err, Contains("resuming: 40 of 40 cases already done"));
  CHECK(comparable(out / "results.jsonl") == a);
}

TEST_CASE("same inputs, same results: across runs, thread counts, seeds derived from the cases", "[scale][smoke]") {
  TempDir dir("repro");
  std::vector<std::vector<json>> runs;
  for (const char* threads : {"1", "3"}) {
    const fs::path out = dir.path() / (std::string("t") + threads + "-" + std::to_string(runs.size()));
    const auto r = run_diffbound(std::string("run --size smoke --no-progress --no-report --threads ") + threads +
                                 " --out " + out.string());
    INFO(r.output);
    REQUIRE(completed(r.status));
    runs.push_back(comparable(out / "results.jsonl"));
  }
  CHECK(runs[0] == runs[1]);
  // Every case records what reproduces it: version, commit, scalar, precision and its seed, which is
  // a function of the base seed, the check id and the case id only.
  const auto& run = runs[0].front();
  int cases = 0;
  for (const auto& l : runs[0]) {
    if (l["type"] != "case") continue;
    ++cases;
    INFO(l["check"] << " " << l["case"]);
    CHECK(l["version"] == run["version"]);
    CHECK(l["commit"] == run["commit"]);
    CHECK(l.contains("scalar"));
    CHECK(l["precision_bits"].get<int>() >= 53);
    CHECK(l["seed"].get<std::uint64_t>() == diffbound::case_seed(run["seed"].get<std::uint64_t>(),
                                                                 l["check"].get<std::string>(),
                                                                 l["case"].get<std::string>()));
  }
  CHECK(cases > 0);
}

TEST_CASE("progress: shown on a terminal, quiet in logs", "[scale][smoke]") {
  TempDir dir("progress");
  // Two sampling checks at smoke size (about 2 s of cases): the line is drawn at the start, every 200 ms and at
  // the end, so a run of a few seconds shows it (all sampling checks took 6 s a run, four runs here).
  const std::string run = "run sampling.bound sampling.dimension --size smoke --no-falsify --no-report";
  // stderr a file, as in CI: not a byte of progress.
  const auto quiet = run_split(run + " --out " + (dir.path() / "q").string(), dir.path());
  REQUIRE(completed(quiet.status));
  CHECK(quiet.err.empty());
  CHECK(quiet.out.find('\r') == std::string::npos);
  // Forced: one rewriting line, with the shard.
  const auto forced = run_split(run + " --progress --shard 2/3 --out " + (dir.path() / "f").string(), dir.path());
  REQUIRE(completed(forced.status));
  CHECK_THAT(forced.err, Contains("\rshard 2/3  "));
  CHECK_THAT(forced.err, Contains(" cases"));
  // On a terminal (script(1) gives the program a pseudo-terminal): shown; with TERM=dumb: quiet.
  if (run_shell("command -v script").status != 0) {
    WARN("script(1) not found: the terminal half of this test is skipped");
    return;
  }
  const std::string cmd = quote(DIFFBOUND_EXE) + " " + run + " --out " + (dir.path() / "t").string();
  const auto tty = run_shell("TERM=xterm script -qec " + quote(cmd) + " /dev/null");
  INFO(tty.output);
  CHECK(completed(tty.status));
  CHECK_THAT(tty.output, Contains("\x1b[K"));  // the line that rewrites itself
  CHECK_THAT(tty.output, Contains(" cases"));
  const auto dumb = run_shell("TERM=dumb script -qec " + quote(cmd) + " /dev/null");
  CHECK(completed(dumb.status));
  CHECK(dumb.output.find("\x1b[K") == std::string::npos);
}

TEST_CASE("the Slurm job-array example runs its shards and merges them (with a stand-in sbatch)", "[scale][smoke]") {
  TempDir dir("slurm");
  const fs::path bin = dir.path() / "bin";
  fs::create_directories(bin);
  // sbatch, reduced to what the example uses: runs the array tasks one after the other, then --wrap.
  write_text(bin / "sbatch", R"(#!/usr/bin/env bash
array=""; wrap=""; export_spec=""
while [ $# -gt 0 ]; do
  case "$1" in
    --array=*) array=${1#--array=} ;;
    --wrap=*) wrap=${1#--wrap=} ;;
    --export=*) export_spec=${1#--export=} ;;
    --*) ;;
    *) break ;;
  esac
  shift
done
IFS=, read -ra kv <<< "$export_spec"
for x in "${kv[@]}"; do [ "$x" = ALL ] || export "$x"; done
# As on a cluster, the merge job's own exit status (1: findings) does not make the submission fail.
if [ -n "$wrap" ]; then s=0; bash -c "$wrap" >&2 || s=$?; [ "$s" -le 1 ] || exit 1; echo 2; exit 0; fi
for i in $(seq "${array%-*}" "${array#*-}"); do
  SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$@" >&2 || exit 1
done
echo "1;cluster"
)");
  fs::permissions(bin / "sbatch", fs::perms::owner_all);
  const fs::path out = dir.path() / "run";
  const auto r = run_shell("PATH=" + quote(bin.string()) + ":$PATH DIFFBOUND=" + quote(DIFFBOUND_EXE) + " bash " +
                           quote((kExamples / "slurm_array.sh").string()) + " 3 " + quote(out.string()) +
                           " 'sampling.*' --size smoke --seed 11");
  INFO(r.output);
  REQUIRE(completed(r.status));
  CHECK_THAT(r.output, Contains("submitted: array job 1 (3 shards), merge job 2"));
  for (int i = 1; i <= 3; ++i) CHECK(fs::exists(out / ("shard-" + std::to_string(i)) / "results.jsonl"));
  REQUIRE(completed(
      run_diffbound("run 'sampling.*' --size smoke --seed 11 --no-progress --out " + (dir.path() / "whole").string())
          .status));
  CHECK(comparable(out / "merged" / "results.jsonl") == comparable(dir.path() / "whole" / "results.jsonl"));
}

// ---- A check that reads its parameters only in run_case (no validate()): the late path ---------------

#include <diffbound/app/runner.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>

namespace {
/// measured = x ≤ bound = 2x, exact: a well-behaved check for the test program only, whose parameter
/// errors surface when the case runs (as for a check that does not override validate()).
class LateParams final : public diffbound::checks::Check {
 public:
  diffbound::ClaimInfo claim() const override {
    return {
        "test.late_params", "x <= 2x (test only)", "x <= 2x", "x \\le 2x", "tests/test_scale.cpp", "[test]", {}, {}};
  }
  std::vector<diffbound::checks::CaseSpec> cases(diffbound::checks::Size) const override {
    return {{"x=1", {{"x", 1}}}, {"x=3", {{"x", 3}}}};
  }
  diffbound::checks::CaseResult run_case(const diffbound::checks::CaseSpec& spec,
                                         const diffbound::checks::RunContext& ctx) const override {
    using namespace diffbound::checks;
    reject_unknown_keys(spec.params, "", {"x"});
    const double x = get_number(spec.params, "x", "");
    if (!(x > 0)) throw ParamError("x: must be positive, got " + diffbound::shortest_decimal(x));
    CaseResult r = start_result(*this, spec, ctx);
    with_scalar(ctx.scalar,
                [&]<class Real>() { r.compare(diffbound::decimal<Real>(x), Real(2 * diffbound::decimal<Real>(x))); });
    return r;
  }
};
}  // namespace
DIFFBOUND_REGISTER_CHECK(LateParams)

TEST_CASE("a parameter error found only when the case runs stops a config run and leaves nothing", "[scale][smoke]") {
  using namespace diffbound::checks;
  TempDir dir("late");
  const fs::path cfg = dir.path() / "late.json";
  std::string cases = R"({"id": "a", "params": {"x": 1}})";
  for (int i = 0; i < 20; ++i) cases += R"(, {"id": "ok)" + std::to_string(i) + R"(", "params": {"x": 2}})";
  write_text(cfg, R"({"checks": [{"check": "test.late_params", "cases": [)" + cases +
                      R"(, {"id": "b", "params": {"x": -1}}]}]})");
  RunOptions o;
  o.config = cfg;
  o.out_dir = dir.path() / "out";
  o.threads = 2;
  std::ostringstream out;
  CHECK_THROWS_WITH(run_checks(o, out),
                    Contains("late.json: checks[0].cases[21], case 'b': x: must be positive, got -1"));
  CHECK_FALSE(fs::exists(dir.path() / "out"));
  CHECK(out.str().empty());
  // The same check on good cases runs, and is held to its bound like any other.
  write_text(cfg, R"({"checks": [{"check": "test.late_params", "cases": [{"params": {"x": 5}}]}]})");
  const auto outcome = run_checks(o, out);
  CHECK(outcome.ok());
  CHECK(outcome.checks.at(0).counts.verified == 1);
}
