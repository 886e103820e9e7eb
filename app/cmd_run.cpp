// diffbound run: runs checks and writes results.jsonl, then the PDF report beside it.
#include <diffbound/app/commands.hpp>
#include <diffbound/app/diff.hpp>
#include <diffbound/app/findings.hpp>
#include <diffbound/app/progress.hpp>
#include <diffbound/app/runner.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/reports/report.hpp>

#include <unistd.h>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class RunCommand final : public Command {
 public:
  int order() const override { return 20; }
  CLI::App* add(CLI::App& app) override {
    auto* run = app.add_subcommand(
        "run",
        "Run checks and write <out>/results.jsonl (one JSON line per case, then one per check), then\n"
        "<out>/report.pdf (see 'diffbound report'; a failed report is reported but does not change the status).\n"
        "VIOLATED cases listed in the accepted findings (expected/findings.toml; --findings) are marked accepted.\n"
        "Exit status: 0 when no case is VIOLATED but the accepted findings and none failed to run; 1 when some\n"
        "case is VIOLATED and not accepted (a new finding, listed in the report); 3 when some case failed to\n"
        "run; 5 when nothing else is wrong but the run regressed against --baseline; 2 on bad usage; 4 on an\n"
        "error that stops the run (e.g. results that cannot be written).");
    run->add_option("checks", opt_.patterns, "Check ids or globs (e.g. 'sampling.*'); all checks when omitted.");
    run->add_option("--size", size_, "Sweep size: smoke (seconds), default, full (long).")
        ->check(CLI::IsMember({"smoke", "default", "full"}))
        ->capture_default_str();
    run->add_option("--scalar", scalar_,
                    "Scalar kind: auto (each check's own, interval where it can), double, mpfr or mpfi.")
        ->check(CLI::IsMember({"auto", "double", "mpfr", "mpfi"}))
        ->capture_default_str();
    run->add_option("--precision", opt_.precision_bits, "Bits of precision for mpfr and mpfi (at least 16).")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    run->add_option("--threads", opt_.threads, "Worker threads; 0 uses every core.")->capture_default_str();
    run->add_option("--out", opt_.out_dir, "Output folder (created if missing).")->capture_default_str();
    run->add_option("--seed", opt_.seed, "Base seed; every case derives its own from it and its id.")
        ->capture_default_str();
    // Running at scale (README "Running at scale"; runner.hpp).
    run->add_option("--config", config_,
                    "Run the cases of this sweep file (JSON, or TOML if it ends in .toml) "
                    "instead of the checks' own sweeps; see examples/sweep.json.");
    run->add_option("--shard", shard_,
                    "i/n: run only the i-th of n interleaved slices of the selected cases "
                    "(1 <= i <= n); join the shards with 'diffbound merge'.");
    run->add_flag("--resume", opt_.resume,
                  "Continue the unfinished run in --out: skip the cases its journal "
                  "(results.jsonl.partial) already holds. The settings must be the same.");
    run->add_option("--bound-factor", bound_factor_,
                    "TESTING AID (mutation tests): multiply every bound by F > 0 "
                    "before comparing; recorded in the results, never for real runs.");
    run->add_option("--findings", findings_,
                    "The accepted findings (TOML, see expected/findings.toml); default: expected/findings.toml of\n"
                    "the source tree this program was built in.");
    run->add_flag("--no-findings", no_findings_, "Accept no finding: every VIOLATED case makes the exit status 1.");
    run->add_option("--baseline", baseline_,
                    "Compare this run with an earlier one (a results folder or results.jsonl), as 'diffbound diff'\n"
                    "does: the changes are printed and written to <out>/diff.json (shown in the report); exit\n"
                    "status 5 on a regression (--fail-on).");
    add_diff_flags(*run, diff_flags_);
    run->add_flag("--progress", progress_, "Show a progress line on stderr (default: when stderr is a terminal).");
    run->add_flag("--no-progress", no_progress_, "Never show the progress line.");
    run->add_flag("--no-report", no_report_, "Do not write <out>/report.pdf.");
    run->add_flag("--no-falsify", no_falsify_,
                  "Skip the falsifier stage (each check's worst case of a search of its hypothesis domain, "
                  "ids falsify/...).");
    return run;
  }

  int run() override {
    opt_.size = size_from_string(size_);
    opt_.falsify = !no_falsify_;
    if (scalar_ != "auto") opt_.scalar = scalar_kind_from_string(scalar_);
    opt_.progress = no_progress_ ? false : (progress_ || progress_by_default());
    if (!config_.empty()) opt_.config = config_;
    if (!shard_.empty()) parse_shard(shard_, opt_);
    if (!bound_factor_.empty()) opt_.bound_factor = parse_bound_factor(bound_factor_);
    // The findings and the baseline are read before the run, so that a bad one stops it at once.
    if (no_findings_ && !findings_.empty())
      throw std::invalid_argument("--findings and --no-findings exclude each other");
    if (!no_findings_) {
      std::vector<std::string> known;
      for (const Check* c : Registry::instance().all()) known.push_back(c->id());
      const auto file = findings_.empty() ? default_findings_file() : std::optional<std::filesystem::path>(findings_);
      if (file)
        opt_.findings = load_findings(*file, known);
      else
        std::cerr << "note: no accepted findings (expected/findings.toml) beside this program; every VIOLATED case "
                     "counts as new (--findings FILE names one)\n";
    }
    const DiffOptions diff_options = diff_flags_.options();
    std::optional<RunFile> baseline;
    if (!baseline_.empty()) baseline = read_run(baseline_);
    const std::filesystem::path diff_file = std::filesystem::path(opt_.out_dir) / "diff.json";

    WorkingPrecision precision(opt_.precision_bits);
    const auto outcome = run_checks(opt_, std::cout);
    std::cout << "results: " << outcome.results_file.string() << '\n';
    bool regressed = false;
    std::error_code ec;
    if (baseline) {
      RunFile now{outcome.results_file, results::read_records(outcome.results_file)};
      const RunDiff d = diff_runs(*baseline, now, diff_options);
      std::cout << "diff against the baseline " << baseline->path.string() << ":\n";
      print_diff(d, std::cout);
      results::write_file_atomically(diff_file, diff_json(d).dump(1) + "\n");
      std::cout << "diff: " << diff_file.string() << '\n';
      regressed = d.regressions() > 0;
    } else if (std::filesystem::remove(diff_file, ec)) {
      std::cerr << "note: removed the stale " << diff_file.string() << " of an earlier run\n";
    }
    place_committed_power_table();  // with --no-report too: `diffbound report <out>` reads it later
    if (!no_report_) reports::report_after_run(opt_.out_dir, std::cout, std::cerr);
    const int status = outcome.exit_status();
    return status == 0 && regressed ? 5 : status;
  }

 private:
  /// The report's Power section reads <out>/power.json. A power table costs far more than the run (every
  /// mutant reruns the check and a refutation search), so a run does not measure one: unless
  /// `diffbound power --out <out>` measured one there, the committed table of the run's size
  /// (expected/power/<size>.json) is placed there, marked with where it came from; the report then says
  /// at which commit and date it was measured. A --config run gets none: the table is about the checks' own
  /// sweeps, not the config's cases.
  void place_committed_power_table() const {
    namespace fs = std::filesystem;
    const fs::path here = fs::path(opt_.out_dir) / "power.json";
    std::error_code ec;
    if (fs::is_regular_file(here, ec)) {
      std::ifstream in(here);
      const json old = json::parse(in, nullptr, false);
      if (!old.is_object() || !old.contains("committed_table")) return;  // measured here: keep it
    }
    const auto committed = config_.empty() ? default_power_file(size_) : std::nullopt;
    if (!committed) {
      if (fs::remove(here, ec)) std::cerr << "note: removed the committed power table of an earlier run\n";
      return;
    }
    std::ifstream in(*committed);
    json table = json::parse(in, nullptr, false);
    if (!table.is_object()) {
      std::cerr << "note: " << committed->string() << " is not a power table; the report has no Power section\n";
      return;
    }
    table["committed_table"] =
        fs::relative(*committed, committed->parent_path().parent_path().parent_path(), ec).generic_string();
    results::write_file_atomically(here, table.dump(1) + "\n");
  }

  RunOptions opt_;
  std::string size_ = "default", scalar_ = "auto";
  bool progress_ = false, no_progress_ = false, no_report_ = false, no_falsify_ = false;
  std::string config_, shard_, bound_factor_;
  std::string findings_, baseline_;
  bool no_findings_ = false;
  DiffFlags diff_flags_;

  static double parse_bound_factor(const std::string& text) {
    double f = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), f);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size())
      throw std::invalid_argument("--bound-factor " + text + ": not a number");
    if (!std::isfinite(f) || !(f > 0))
      throw std::invalid_argument("--bound-factor " + text + ": must be a finite positive number");
    return f;
  }
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::RunCommand)
