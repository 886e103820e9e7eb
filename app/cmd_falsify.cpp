// diffbound falsify: searches a check's hypothesis domain for its tightest case (checks/falsify.hpp),
// decides the case by the check's own verdict rule and prints it as a ready-to-run config case.
#include <diffbound/app/commands.hpp>
#include <diffbound/checks/falsify.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/results/files.hpp>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class FalsifyCommand final : public Command {
 public:
  int order() const override { return 45; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand(
        "falsify",
        "Search a check's hypothesis domain for its tightest case (smallest relative margin), shrink it to a\n"
        "simple one and decide it by the check's own verdict rule.\n"
        "Examples:\n"
        "  diffbound falsify --list\n"
        "  diffbound falsify sampling.girsanov\n"
        "  diffbound falsify sampling.bound --budget 3000 --seed 7 --write worst.json\n"
        "  diffbound run --config worst.json");
    sub->add_option("ids", ids_, "Check ids or globs (see --list).");
    sub->add_flag("--list", list_, "List the checks with a declared domain, its parameters and mutants.");
    sub->add_option("--budget", budget_, "Evaluations of the margin (search and shrinking).")
        ->check(CLI::Range(1u, 100000000u))
        ->capture_default_str();
    sub->add_option("--seed", seed_, "Seed of the search (the only randomness).")->capture_default_str();
    sub->add_option("--scalar", scalar_, "Scalar of the decision: double, mpfr or mpfi (default: the check's own).")
        ->check(CLI::IsMember({"double", "mpfr", "mpfi"}));
    sub->add_option("--precision", precision_, "Bits of precision for mpfr and mpfi.")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    sub->add_option("--mutant", mutant_, "Search a form mutant of the claim instead (see --list; power table).");
    sub->add_option("--write", write_, "Write the worst case(s) as a config file for `diffbound run --config`.");
    return sub;
  }

  int run() override {
    WorkingPrecision precision(precision_);
    if (list_ || ids_.empty()) {
      for (const Check* c : Registry::instance().all()) {
        const auto d = c->domain();
        if (!d) {
          std::cout << c->id() << ": no domain declared\n";
          continue;
        }
        std::cout << c->id() << ": run budget " << d->run_budget[0] << "/" << d->run_budget[1] << "/"
                  << d->run_budget[2] << " (smoke/default/full)\n";
        for (const auto& h : d->constraints) std::cout << "  hypotheses: " << h << '\n';
        for (const auto& p : d->params) {
          std::string range = p.scale == DomainParam::Scale::choice ? "" : fmt::format("[{}, {}]", p.lo, p.hi);
          for (const auto& ch : p.choices) range += (range.empty() ? "{" : ", ") + ch;
          if (!p.choices.empty()) range += "}";
          std::cout << fmt::format("    {:<20} {:<13} {:<28} {}\n", p.name, DomainParam::scale_name(p.scale), range,
                                   p.help);
        }
        for (const auto& m : c->mutants())
          std::cout << fmt::format("  mutant {:<20} ({}) {}\n", m.id, m.form, m.description);
      }
      if (ids_.empty() && !list_) {
        std::cerr << "diffbound falsify: name a check (above), e.g. 'diffbound falsify sampling.girsanov'\n";
        return 2;
      }
      return 0;
    }
    FalsifyOptions o;
    o.budget = budget_;
    o.seed = seed_;
    if (!scalar_.empty()) o.scalar = scalar_kind_from_string(scalar_);
    o.mutant = mutant_;
    if (!mutant_.empty()) o.id_prefix = "falsify/mutant=" + mutant_;
    json config{{"description", "Worst cases found by diffbound falsify (seed " + std::to_string(seed_) + ", budget " +
                                    std::to_string(budget_) + ")"},
                {"checks", json::array()}};
    bool violated = false;
    for (const Check* c : Registry::instance().select(ids_)) {
      if (!c->domain()) throw std::invalid_argument("check " + c->id() + " declares no hypothesis domain (see --list)");
      const auto t0 = std::chrono::steady_clock::now();
      const FalsifyResult f = falsify(*c, o);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto& r = f.decided;
      std::cout << c->id() << (mutant_.empty() ? "" : " (mutant " + mutant_ + ")") << ": " << f.evaluations
                << " evaluations (" << f.infeasible << " infeasible), " << fmt::format("{:.1f}", secs) << " s\n"
                << fmt::format("  tightest relative margin found {:.6g}, after shrinking {:.6g} ({})\n", f.found_margin,
                               f.shrunk_margin, to_string(f.search_scalar))
                << "  point: " << point_text(*c->domain(), f.point) << '\n'
                << "  case " << r.case_id << "\n  decided in " << to_string(r.scalar) << ": " << to_string(r.verdict)
                << ", relative margin " << fmt::format("{:.6g}", r.relative_margin()) << '\n';
      if (!results::counts_as_evidence(r.kind))
        std::cout << "  kind " << results::to_string(r.kind)
                  << ": no point of the domain is evidence for this claim (its margin is algebra there); "
                     "the tightest such point is shown, counted apart\n";
      if (r.measured && r.bound)
        std::cout << "    measured " << r.measured->text << "\n    bound    " << r.bound->text << "\n    margin   "
                  << (r.margin ? r.margin->text : std::string("?")) << '\n';
      if (!r.reason.empty()) std::cout << "    " << r.reason << '\n';
      std::cout << "  config case: " << json{{"id", f.worst_case.id}, {"params", f.worst_case.params}}.dump() << '\n';
      violated = violated || r.verdict == Verdict::violated;
      config["checks"].push_back(f.config().at("checks").at(0));
    }
    if (!write_.empty()) {
      results::write_file_atomically(write_, config.dump(2) + "\n");
      std::cout << "wrote " << write_ << " (run it with: diffbound run --config " << write_ << ")\n";
    }
    return violated ? 1 : 0;
  }

 private:
  std::vector<std::string> ids_;
  std::string scalar_, mutant_, write_;
  std::size_t budget_ = 600;
  std::uint64_t seed_ = 1;
  unsigned precision_ = 128;
  bool list_ = false;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::FalsifyCommand)
