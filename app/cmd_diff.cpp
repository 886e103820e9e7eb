// diffbound diff OLD NEW: what changed between two runs, and whether anything regressed (app/diff.hpp).
#include <diffbound/app/commands.hpp>
#include <diffbound/app/diff.hpp>
#include <diffbound/results/files.hpp>

#include <iostream>

namespace diffbound::app {

namespace {

namespace fs = std::filesystem;

class DiffCommand final : public Command {
 public:
  int order() const override { return 27; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand(
        "diff",
        "Compare two runs (results folders or results.jsonl files, merged shards included): per case and per\n"
        "check, new and removed cases, verdict changes ranked by severity (VERIFIED < HOLDS < INCONCLUSIVE <\n"
        "VIOLATED < failed), margins that shrank beyond a tolerance, values that moved beyond their enclosures\n"
        "and error estimates, changed fits and constants. A case that NEW marks as an accepted finding\n"
        "(expected/findings.toml) is never a regression.\n"
        "Changes: verdict-worse, new-finding, fit-worse, removed-case, margin-shrank, value-moved,\n"
        "fit-changed, constant-changed (regressions when named in --fail-on), verdict-better, new-case.\n"
        "Exit status: 0 when nothing regressed, 1 when something did, 2 on bad usage or unreadable runs.\n"
        "Example: diffbound diff base/ out/ --out out/diff.json   (then 'diffbound report --in out' shows it)");
    sub->add_option("old", old_, "The earlier run (the baseline): a results folder or results.jsonl.")->required();
    sub->add_option("new", new_, "The later run: a results folder or results.jsonl.")->required();
    sub->add_option("--format", format_, "table (for people) or json (diff.json, on stdout).")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
    sub->add_option("--out", out_,
                    "Also write the diff as JSON to this file (e.g. NEW/diff.json, which the report of NEW shows).");
    add_diff_flags(*sub, flags_);
    sub->add_option("--limit", limit_, "At most this many changes that are not regressions in the table (0: all).")
        ->capture_default_str();
    return sub;
  }

  int run() override {
    const DiffOptions options = flags_.options();
    const RunFile a = read_run(old_), b = read_run(new_);
    const RunDiff d = diff_runs(a, b, options);
    const auto j = diff_json(d);
    if (!out_.empty()) results::write_file_atomically(out_, j.dump(1) + "\n");
    if (format_ == "json")
      std::cout << j.dump(1) << '\n';
    else
      print_diff(d, std::cout, limit_);
    return d.regressions() > 0 ? 1 : 0;
  }

 private:
  fs::path old_, new_, out_;
  std::string format_ = "table";
  DiffFlags flags_;
  std::size_t limit_ = 20;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::DiffCommand)
