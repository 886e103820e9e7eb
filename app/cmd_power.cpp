// diffbound power: the power table of the checks (checks/power.hpp): per form mutant of a claim, whether
// the falsifier refutes it and whether the run at a size kills it; power = killed / refutable.
#include <diffbound/app/commands.hpp>
#include <diffbound/app/findings.hpp>
#include <diffbound/checks/power.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/results/files.hpp>
#include <diffbound/results/version.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
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
    sub->add_option("--budget", budget_,
                    "Evaluations of each refutation search; 0: each check's falsifier budget of the full-size run.")
        ->check(CLI::Range(0u, 100000000u))
        ->capture_default_str();
    sub->add_option("--threads", threads_, "Threads for the sweep cases (0: all cores).")->capture_default_str();
    sub->add_option("--precision", precision_, "Bits of precision for mpfr and mpfi.")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    sub->add_option("--out", out_, "Also write <out>/power.json (the report's Power section reads it).");
    sub->add_flag("--update", update_,
                  "With --out: keep the other checks' rows of an existing <out>/power.json of the same size and\n"
                  "replace only the rows measured now (each row keeps the commit and date it was measured at).");
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
    if (update_ && out_.empty()) throw std::invalid_argument("--update needs --out");
    // The table --update adds to, read and matched before the (long) measurement.
    const json previous = update_ ? previous_table(std::filesystem::path(out_) / "power.json") : json();
    std::vector<const Check*> checks;
    for (const Check* c : Registry::instance().select(ids_))
      if (!c->mutants().empty()) checks.push_back(c);
    // Where the table comes from: a committed table (expected/power/) is shown by the report of a later run
    // with this provenance, so that a reader can tell the measured commit from the run's own.
    json doc{{"size", size_},
             {"seed", seed_},
             {"refute_budget", budget_},
             {"program", "diffbound"},
             {"version", diffbound::version::string},
             {"commit", diffbound::version::commit},
             {"date", utc_time()},
             {"threads", o.threads},
             {"precision_bits", precision_},
             {"checks", json::array()}};
    std::size_t all_refutable = 0, all_killed = 0;
    bool claim_killed = false;
    std::cout << fmt::format("power of the {} run (seed {}; refutation: falsifier, budget {}, seed {})\n\n", size_,
                             seed_, budget_ > 0 ? std::to_string(budget_) : std::string("of each check's full run"),
                             seed_ + 1);
    for (const Check* c : checks) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto rows = measure_power(*c, o);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::size_t refutable = 0, killed = 0;
      const std::size_t budget = refutation_budget(*c, o);
      json jc{{"check", c->id()},           {"refute_budget", budget},
              {"seconds", secs},             {"commit", diffbound::version::commit},
              {"date", doc.at("date")},      {"mutants", json::array()}};
      std::cout << c->id() << fmt::format("  ({:.1f} s, refutation budget {})\n", secs, budget);
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
    std::cout << fmt::format(
        "overall power {}/{}{}\n", all_killed, all_refutable,
        all_refutable ? fmt::format(" = {:.0f} %", 100.0 * all_killed / all_refutable) : std::string());
    if (claim_killed) std::cout << "a true claim was killed: see the (claim) rows (a finding)\n";
    if (!out_.empty()) {
      std::filesystem::create_directories(out_);
      const auto path = std::filesystem::path(out_) / "power.json";
      if (update_) doc = updated_table(std::move(previous), std::move(doc));
      std::size_t refutable = 0, killed = 0;
      for (const auto& c : doc.at("checks"))
        refutable += c.value("refutable", std::size_t{0}), killed += c.value("killed", std::size_t{0});
      doc["refutable"] = refutable, doc["killed"] = killed;
      doc["power"] = refutable ? json(static_cast<double>(killed) / static_cast<double>(refutable)) : json(nullptr);
      write_file_atomically(path, doc.dump(1) + "\n");
      std::cout << "wrote " << path.string();
      if (update_) std::cout << fmt::format(" (all its checks: power {}/{})", killed, refutable);
      std::cout << '\n';
    }
    return claim_killed ? 1 : 0;
  }

 private:
  /// The table at `path` that --update adds to: null when there is none; it must be of this size and seed.
  json previous_table(const std::filesystem::path& path) const {
    std::ifstream in(path);
    if (!in) return json();
    json old = json::parse(in, nullptr, false);
    if (!old.is_object() || !old.contains("checks") || !old.at("checks").is_array())
      throw std::invalid_argument(path.string() + " is not a power table (--update needs one, or none)");
    const json mine{{"size", size_}, {"seed", seed_}};
    for (const char* key : {"size", "seed"})
      if (old.value(key, json()) != mine.at(key))
        throw std::invalid_argument(fmt::format("--update: {} has {} {}, this measurement {}", path.string(), key,
                                                old.value(key, json()).dump(), mine.at(key).dump()));
    return old;
  }

  /// `fresh`'s rows over those of `old` (rows of other checks kept, in the registry's order).
  static json updated_table(json old, json fresh) {
    if (old.is_null()) return fresh;
    std::map<std::string, json> rows;
    // The key first: json's operator= takes its argument by value, and the right side of `=` is evaluated
    // (moved from) before the left.
    for (json* table : {&old, &fresh})
      for (auto& c : table->at("checks")) {
        const std::string id = c.value("check", "");
        rows[id] = std::move(c);
      }
    fresh["checks"] = json::array();
    for (const Check* c : Registry::instance().all())
      if (auto it = rows.find(c->id()); it != rows.end()) fresh["checks"].push_back(std::move(it->second)), rows.erase(it);
    for (auto& [id, row] : rows) fresh["checks"].push_back(std::move(row));  // checks this build no longer has
    fresh["refute_budget"] = nullptr;  // per check now (each row's refute_budget)
    return fresh;
  }

  std::vector<std::string> ids_;
  std::string size_ = "default", out_;
  std::uint64_t seed_ = 20240618;
  std::size_t budget_ = 0;
  unsigned threads_ = 0, precision_ = 128;
  bool update_ = false;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::PowerCommand)
