// diffbound report: the PDF report of a results file (reports/report.hpp), with the figures' data as
// CSV and a JSON summary beside it. Reads the results only; the registry is consulted for check ids
// alone, to mark checks this build does not know.
#include <diffbound/app/commands.hpp>
#include <diffbound/results/version.hpp>

#include <diffbound/reports/report.hpp>

#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class ReportCommand final : public Command {
 public:
  int order() const override { return 30; }
  CLI::App* add(CLI::App& app) override {
    auto* cmd = app.add_subcommand(
        "report",
        "Write the PDF report of a run from its results file alone: title page with the run's metadata,\n"
        "verdict table, one section per check (claim, assumptions, constants with provenance, figures,\n"
        "tables, fits, notes, worst cases), appendix of VIOLATED / INCONCLUSIVE / failed cases. Beside the\n"
        "PDF: <check>--<figure>.csv for every figure and summary.json. Needs gnuplot and pdflatex.\n"
        "Exit status: 0 when the PDF is written (whatever the verdicts), 4 when it is not, 2 on bad usage.");
    cmd->add_option("--in", in_, "Results folder (holding results.jsonl) or the results file itself.")
        ->capture_default_str();
    cmd->add_option("--out", out_, "The PDF to write (default: report.pdf beside the results file).");
    cmd->add_flag("--strict-tex", strict_,
                  "Fail when a claim's LaTeX statement does not compile (default: show it as text, with a note).");
    cmd->add_flag("--keep-work", keep_, "Keep the temporary folder (LaTeX source and log, plots) and print its path.");
    cmd->add_option("--appendix-limit", appendix_limit_, "At most this many cases per check in the appendix (0: all).")
        ->capture_default_str();
    return cmd;
  }

  int run() override {
    reports::ReportOptions opt;
    opt.in = in_;
    opt.out = out_;
    opt.strict_tex = strict_;
    opt.keep_work = keep_;
    opt.appendix_limit = appendix_limit_;
    opt.program_version = std::string(version::string) + ", " + version::commit;
    for (const Check* c : Registry::instance().all()) opt.known_checks.push_back(c->id());
    const auto outcome = reports::write_report(opt);  // std::invalid_argument (no results) -> exit 2
    reports::print_outcome(outcome, std::cout, std::cerr);
    return outcome.ok ? 0 : 4;
  }

 private:
  std::string in_ = "out", out_;
  bool strict_ = false, keep_ = false;
  std::size_t appendix_limit_ = 2000;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::ReportCommand)
