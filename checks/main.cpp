// diffbound: the command-line program of the suite.
#include "check.hpp"
#include "runner.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <unistd.h>

namespace {

using namespace diffbound;
using namespace diffbound::checks;

int cmd_list(bool as_json) {
  const auto all = Registry::instance().all();
  if (as_json) {
    json out = json::array();
    for (const Check* c : all) {
      const auto claim = c->claim();
      out.push_back(json{{"id", claim.id}, {"title", claim.title}, {"statement", claim.statement},
                         {"source", claim.source}, {"paper_tag", claim.paper_tag}});
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format("{:<26} {:<7} {}\n", "id", "tag", "claim (source)");
  for (const Check* c : all) {
    const auto claim = c->claim();
    std::cout << fmt::format("{:<26} {:<7} {}\n{:<26} {:<7} {}\n{:<26} {:<7} ({})\n", claim.id, claim.paper_tag,
                             claim.title, "", "", claim.statement, "", "", claim.source);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "diffbound: checks the theory of arXiv 2406.12839 (Wang, He, Tao, NeurIPS 2024) by machine.\n"
      "Every bound is code, every bound is set against a measurement of the quantity it bounds, and every\n"
      "case ends in a verdict: VERIFIED (proved with interval arithmetic), HOLDS (floating margin beyond\n"
      "its error estimate), VIOLATED, or INCONCLUSIVE (with the reason).\n\n"
      "Examples:\n"
      "  diffbound list                                  the checks, their claims and sources\n"
      "  diffbound run                                   all checks at default size, results in ./results\n"
      "  diffbound run 'sampling.*' --size smoke         the sampling checks, small sweep\n"
      "  diffbound run sampling.girsanov --scalar double fast floating-point run (HOLDS at best)\n",
      "diffbound"};
  app.set_version_flag("--version", std::string(version::string) + " (" + version::commit + ")");
  app.require_subcommand(1);

  bool list_json = false;
  auto* list = app.add_subcommand("list", "List the checks: id, PAPER.md tag, claim and source.");
  list->add_flag("--json", list_json, "Print the list as JSON.");

  RunOptions opt;
  std::string size = "default", scalar = "auto";
  bool progress = false, no_progress = false;
  auto* run = app.add_subcommand(
      "run", "Run checks and write <out>/results.jsonl (one JSON line per case, then one per check).\n"
             "Exit status: 0 when no case is VIOLATED and none failed to run, 1 otherwise, 2 on bad usage.");
  run->add_option("checks", opt.patterns, "Check ids or globs (e.g. 'sampling.*'); all checks when omitted.");
  run->add_option("--size", size, "Sweep size: smoke (seconds), default, full (long).")
      ->check(CLI::IsMember({"smoke", "default", "full"}))
      ->capture_default_str();
  run->add_option("--scalar", scalar,
                  "Scalar kind: auto (each check's own, interval where it can), double, mpfr or mpfi.")
      ->check(CLI::IsMember({"auto", "double", "mpfr", "mpfi"}))
      ->capture_default_str();
  run->add_option("--precision", opt.precision_bits, "Bits of precision for mpfr and mpfi (at least 16).")
      ->check(CLI::Range(16u, 1u << 20))
      ->capture_default_str();
  run->add_option("--threads", opt.threads, "Worker threads; 0 uses every core.")->capture_default_str();
  run->add_option("--out", opt.out_dir, "Output folder (created if missing).")->capture_default_str();
  run->add_option("--seed", opt.seed, "Base seed; every case derives its own from it and its id.")
      ->capture_default_str();
  run->add_flag("--progress", progress, "Show a progress line on stderr (default: when stderr is a terminal).");
  run->add_flag("--no-progress", no_progress, "Never show the progress line.");

  if (argc > 1 && argv[1][0] != '-') {
    const std::string cmd = argv[1];
    bool known = false;
    std::string names;
    for (const auto* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == cmd;
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "diffbound: unknown command '" << cmd << "' (commands: " << names
                << ")\nRun 'diffbound --help' for usage.\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "diffbound: " << e.what() << "\nRun 'diffbound --help' for usage.\n";
    return 2;
  }

  try {
    if (list->parsed()) return cmd_list(list_json);
    if (run->parsed()) {
      opt.size = size_from_string(size);
      if (scalar != "auto") opt.scalar = scalar_kind_from_string(scalar);
      opt.progress = no_progress ? false : (progress || isatty(STDERR_FILENO));
      PrecisionScope precision(opt.precision_bits);
      const auto outcome = run_checks(opt, std::cout);
      std::cout << "results: " << outcome.results_file.string() << '\n';
      return outcome.ok() ? 0 : 1;
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "diffbound: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "diffbound: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
