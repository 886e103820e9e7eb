// diffbound bound: evaluates an encoded bound's terms for given parameters and prints them with their
// provenance (table, JSON or CSV).
#include <diffbound/app/commands.hpp>
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>

#include <fmt/format.h>

#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class BoundCommand final : public Command {
 public:
  int order() const override { return 40; }
  CLI::App* add(CLI::App& app) override {
    auto* sub =
        app.add_subcommand("bound",
                           "Evaluate an encoded bound's terms for given parameters, with their provenance.\n"
                           "Examples:\n"
                           "  diffbound bound --list\n"
                           "  diffbound bound sampling.girsanov --set schedule.n_levels=256 --set score.c=0.9\n"
                           "  diffbound bound sampling.init --set data.dimension=1000 --scalar mpfi --format json");
    sub->add_option("id", id_, "The bound's id (see --list).");
    sub->add_flag("--list", list_, "List the bounds and their parameters with defaults.");
    sub->add_option("--set", sets_, "key.path=value: override one parameter (repeatable; value is JSON or a string).");
    sub->add_option("--params", params_json_, "All parameters as one JSON object (merged over the defaults).");
    sub->add_option("--scalar", scalar_, "double, mpfr or mpfi.")
        ->check(CLI::IsMember({"double", "mpfr", "mpfi"}))
        ->capture_default_str();
    sub->add_option("--precision", precision_, "Bits of precision for mpfr and mpfi.")
        ->check(CLI::Range(16u, 1u << 20))
        ->capture_default_str();
    sub->add_option("--format", format_, "table, json or csv.")
        ->check(CLI::IsMember({"table", "json", "csv"}))
        ->capture_default_str();
    return sub;
  }

  int run() override {
    auto& reg = BoundRegistry::instance();
    if (list_ || id_.empty()) {
      for (const auto* b : reg.all()) {
        std::cout << b->id() << "  " << b->title() << "\n  defaults: " << b->defaults().dump() << '\n';
        for (const auto& [name, help] : b->parameter_help()) std::cout << fmt::format("    {:<22} {}\n", name, help);
      }
      if (id_.empty() && !list_) {
        std::cerr << "diffbound bound: name a bound (above), e.g. 'diffbound bound "
                  << (reg.all().empty() ? "ID" : reg.all().front()->id()) << "'\n";
        return 2;
      }
      return 0;
    }
    const BoundEvaluator* b = reg.find(id_);
    if (!b) {
      std::string known;
      for (const auto* x : reg.all()) known += (known.empty() ? "" : ", ") + x->id();
      throw std::invalid_argument("unknown bound '" + id_ + "' (known bounds: " + known + ")");
    }
    json params = b->defaults();
    if (!params_json_.empty()) {
      const json given = json::parse(params_json_, nullptr, false);
      if (given.is_discarded() || !given.is_object()) throw ParamError("--params: not a JSON object");
      params.merge_patch(given);
    }
    for (const auto& s : sets_) {
      const auto eq = s.find('=');
      if (eq == std::string::npos) throw ParamError("--set " + s + ": expected key.path=value");
      set_json_path(params, s.substr(0, eq), s.substr(eq + 1));
    }
    WorkingPrecision precision(precision_);
    const ScalarKind kind = scalar_kind_from_string(scalar_);
    const auto terms = b->evaluate(params, kind);
    if (format_ == "json") {
      json out{{"bound", b->id()},
               {"params", params},
               {"scalar", to_string(kind)},
               {"precision_bits", precision_bits_of(kind)}};
      out["terms"] = json::array();
      for (const auto& t : terms)
        out["terms"].push_back(json{{"name", t.name},
                                    {"value", t.value},
                                    {"provenance", t.provenance},
                                    {"paper_tag", t.paper_tag},
                                    {"claim", t.claim},
                                    {"constants", t.constants},
                                    {"description", t.description}});
      std::cout << out.dump(2) << '\n';
    } else if (format_ == "csv") {
      std::cout << "name,value,lo,hi,provenance,paper_tag,description\n";
      for (const auto& t : terms)
        std::cout << fmt::format("{},{},{:.17g},{:.17g},{},{},{}\n", t.name, csv_field(t.value.text), t.value.lo,
                                 t.value.hi, csv_field(t.provenance), csv_field(t.paper_tag), csv_field(t.description));
    } else {
      std::cout << b->id() << ": " << b->title() << "\nparameters: " << params.dump() << "\nscalar: " << to_string(kind)
                << " (" << precision_bits_of(kind) << " bits)\n\n";
      std::cout << fmt::format("{:<18} {:<48} {:<16} {}\n", "term", "value", "provenance", "description");
      for (const auto& t : terms)
        std::cout << fmt::format("{:<18} {:<48} {:<16} {}\n", t.name, t.value.text, t.provenance + " " + t.paper_tag,
                                 t.description);
    }
    return 0;
  }

 private:
  std::string id_, params_json_, scalar_ = "mpfi", format_ = "table";
  std::vector<std::string> sets_;
  unsigned precision_ = 128;
  bool list_ = false;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::BoundCommand)
