// diffbound run: runs checks and writes results.jsonl, then the PDF report beside it.
#include <diffbound/app/commands.hpp>
#include <diffbound/app/progress.hpp>
#include <diffbound/app/runner.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/reports/report.hpp>

#include <unistd.h>
#include <charconv>
#include <cmath>
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
        "Exit status: 0 when no case is VIOLATED and none failed to run; 1 when some case is VIOLATED (a\n"
        "finding, listed in the report); 3 when some case failed to run; 2 on bad usage; 4 on an error that\n"
        "stops the run (e.g. results that cannot be written).");
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
    WorkingPrecision precision(opt_.precision_bits);
    const auto outcome = run_checks(opt_, std::cout);
    std::cout << "results: " << outcome.results_file.string() << '\n';
    if (!no_report_) reports::report_after_run(opt_.out_dir, std::cout, std::cerr);
    return outcome.exit_status();
  }

 private:
  RunOptions opt_;
  std::string size_ = "default", scalar_ = "auto";
  bool progress_ = false, no_progress_ = false, no_report_ = false, no_falsify_ = false;
  std::string config_, shard_, bound_factor_;

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
