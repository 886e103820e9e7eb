// diffbound power: the power table of the checks (checks/power.hpp): per form mutant of a claim, whether
// the falsifier refutes it and whether the run at a size kills it; power = killed / refutable.
#include <diffbound/app/commands.hpp>
#include <diffbound/app/findings.hpp>
#include <diffbound/checks/power.hpp>
#include <diffbound/checks/runtime.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class PowerCommand final : public Command {
 public:
  int order() const override { return 46; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand(
        "power",
        "The power table: for each form mutant of a claim (a wrong variant: dropped term, smaller exponent,\n"
        "derived constant halved, ...), whether the falsifier refutes it and whether the run kills it.\n"
        "Examples:\n"
        "  diffbound power\n"
        "  diffbound power 'sampling.*' --size smoke --out out");
    sub->add_option("ids", ids_, "Check ids or globs (default: every check with mutants).");
    sub->add_option("--size", size_, "The run whose power is measured: smoke, default or full.")
        ->check(CLI::IsMember({"smoke", "default", "full"}))
        ->capture_default_str();
    sub->add_option("--seed", seed_, "The run's seed (the falsifier stage); the refutation uses seed + 1.")
        ->capture_default_str();
    sub->add_option("--budget", budget_, "Evaluations of each refutation search.")
        ->check(CLI::Range(1u, 100000000u))
        ->capture_default_str();
    sub->add_option("--threads", threads_, "Threads for the sweep cases (0: all cores).")->capture_default_str();
    sub->add_option("--precision", precision_, "Bits of precision for mpfr and mpfi.")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    sub->add_option("--out", out_, "Also write <out>/power.json (the report's Power section reads it).");
    return sub;
  }

  int run() override {
    WorkingPrecision precision(precision_);
    PowerOptions o;
    o.size = size_from_string(size_);
    o.seed = seed_;
    o.refute_budget = budget_;
    o.threads = threads_ == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads_;
    // The accepted findings of this build: a VIOLATED case they accept does not kill a claim.
    if (const auto file = default_findings_file()) {
      auto findings = std::make_shared<AcceptedFindings>(load_findings(*file));
      o.accepted = [findings](const std::string& check, const std::string& case_id) {
        return findings->accepting(check, case_id, "VIOLATED") != nullptr;
      };
    }
    std::vector<const Check*> checks;
    for (const Check* c : Registry::instance().select(ids_))
      if (!c->mutants().empty()) checks.push_back(c);
    json doc{{"size", size_}, {"seed", seed_}, {"refute_budget", budget_}, {"checks", json::array()}};
    std::size_t all_refutable = 0, all_killed = 0;
    bool claim_killed = false;
    std::cout << fmt::format("power of the {} run (seed {}; refutation: falsifier, budget {}, seed {})\n\n", size_,
                             seed_, budget_, seed_ + 1);
    for (const Check* c : checks) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto rows = measure_power(*c, o);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::size_t refutable = 0, killed = 0;
      json jc{{"check", c->id()}, {"mutants", json::array()}};
      std::cout << c->id() << fmt::format("  ({:.1f} s)\n", secs);
      for (const auto& p : rows) {
        const bool claim = p.mutant.id.empty();
        std::string refuted = "-";
        json jr{{"mutant", claim ? "(claim)" : p.mutant.id},
                {"form", p.mutant.form},
                {"description", p.mutant.description},
                {"refutable", p.refutable},
                {"killed", p.killed},
                {"killed_by", p.killed_by},
                {"killed_by_sweep", p.killed_by_sweep},
                {"note", p.note}};
        if (p.refutation) {
          const auto& r = p.refutation->decided;
          refuted = fmt::format("{} rel. margin {:.3g}", to_string(r.verdict), r.relative_margin());
          jr["search"] = json{{"case", p.refutation->worst_case.id},
                              {"params", p.refutation->worst_case.params},
                              {"verdict", to_string(r.verdict)},
                              {"relative_margin", number_or_null(r.relative_margin())}};
        }
        if (claim) {
          claim_killed = claim_killed || p.killed;
          std::cout << fmt::format("  {:<22} {:<30} search: {}; run: {}\n", "(claim)", "", refuted,
                                   p.killed ? "KILLED by " + p.killed_by + " (a finding)" : "not killed");
        } else {
          refutable += p.refutable, killed += p.killed && p.refutable;
          std::cout << fmt::format("  {:<22} {:<30} refutable: {:<3}  killed: {:<3}  search: {}\n", p.mutant.id,
                                   p.mutant.form, p.refutable ? "yes" : "no", p.killed ? "yes" : "no", refuted);
          if (p.refutable && p.refutation && p.refutation->decided.verdict == Verdict::violated)
            std::cout << "      refuted by " << p.refutation->worst_case.id << "  "
                      << p.refutation->worst_case.params.dump() << '\n';
          if (p.killed) std::cout << "      killed by " << p.killed_by << '\n';
          if (!p.note.empty()) std::cout << "      note: " << p.note << '\n';
          if (!p.refutable)
            std::cout << "      not refuted: no case of the domain found where the mutant fails (the claim is not "
                         "sharper than the mutant there)\n";
        }
        jc["mutants"].push_back(jr);
      }
      jc["refutable"] = refutable, jc["killed"] = killed;
      jc["power"] = refutable ? json(static_cast<double>(killed) / static_cast<double>(refutable)) : json(nullptr);
      std::cout << fmt::format("  power {}/{}{}\n\n", killed, refutable,
                               refutable ? fmt::format(" = {:.0f} %", 100.0 * killed / refutable) : std::string());
      all_refutable += refutable, all_killed += killed;
      doc["checks"].push_back(jc);
    }
    doc["refutable"] = all_refutable, doc["killed"] = all_killed;
    doc["power"] =
        all_refutable ? json(static_cast<double>(all_killed) / static_cast<double>(all_refutable)) : json(nullptr);
    std::cout << fmt::format(
        "overall power {}/{}{}\n", all_killed, all_refutable,
        all_refutable ? fmt::format(" = {:.0f} %", 100.0 * all_killed / all_refutable) : std::string());
    if (claim_killed) std::cout << "a true claim was killed: see the (claim) rows (a finding)\n";
    if (!out_.empty()) {
      std::filesystem::create_directories(out_);
      const auto path = std::filesystem::path(out_) / "power.json";
      std::ofstream f(path);
      f << doc.dump(1) << '\n';
      if (!f) throw std::runtime_error("cannot write " + path.string());
      std::cout << "wrote " << path.string() << '\n';
    }
    return claim_killed ? 1 : 0;
  }

 private:
  std::vector<std::string> ids_;
  std::string size_ = "default", out_;
  std::uint64_t seed_ = 20240618;
  std::size_t budget_ = 3000;
  unsigned threads_ = 0, precision_ = 128;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::PowerCommand)
