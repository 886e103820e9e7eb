// diffbound list: the checks, their claims and sources; `diffbound list ID...`: their parameters too.
#include <diffbound/app/commands.hpp>
#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>

#include <fmt/format.h>

#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

/// The range column: the interval of a number/integer, the choices of a choice.
std::string range_or_choices(const ParamSpec& p) {
  if (p.type != ParamSpec::Type::choice) return p.range_text();
  std::string out;
  for (const auto& c : p.choices) out += (out.empty() ? "" : "|") + c;
  return out;
}

/// The check's parameter schema as a table: name, type, default, range (or choices), help.
void print_parameters(const Check& c) {
  const ParamSchema s = c.parameters();
  if (s.open) {
    std::cout << "  (no parameter schema declared)\n";
    return;
  }
  std::cout << fmt::format("  {:<24} {:<8} {:<10} {:<24} {}\n", "parameter", "type", "default", "range", "help");
  for (const auto& p : s.params) {
    std::string help = p.help;
    if (!p.only_for.empty()) {
      std::string kinds;
      for (const auto& k : p.only_for) kinds += (kinds.empty() ? "" : "|") + k;
      help += " [" + s.discriminator + " " + kinds + "]";
    }
    std::cout << fmt::format("  {:<24} {:<8} {:<10} {:<24} {}\n", p.name, ParamSpec::type_name(p.type),
                             p.default_text(), range_or_choices(p), help);
  }
}

class ListCommand final : public Command {
 public:
  int order() const override { return 10; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand("list",
                                   "List the checks: id, PAPER.md tag, claim and source; with check ids (or globs), "
                                   "their case parameters too (name, type, default, range, help).");
    sub->add_option("ids", ids_, "Check ids or globs whose parameters to list (e.g. sampling.init, 'training.*').");
    sub->add_flag("--json", as_json_, "Print the list as JSON.");
    return sub;
  }
  int run() override {
    const auto all = Registry::instance().select(ids_);
    if (as_json_) {
      json out = json::array();
      for (const Check* c : all) {
        const auto claim = c->claim();
        json e{{"id", claim.id},
               {"title", claim.title},
               {"statement", claim.statement},
               {"source", claim.source},
               {"paper_tag", claim.paper_tag}};
        if (!ids_.empty()) e["parameters"] = schema_to_json(c->parameters());
        out.push_back(std::move(e));
      }
      std::cout << out.dump(2) << '\n';
      return 0;
    }
    std::cout << fmt::format("{:<26} {:<10} {}\n", "id", "tag", "claim (source)");
    for (const Check* c : all) {
      const auto claim = c->claim();
      std::cout << fmt::format("{:<26} {:<10} {}\n{:<26} {:<10} {}\n{:<26} {:<10} ({})\n", claim.id, claim.paper_tag,
                               claim.title, "", "", claim.statement, "", "", claim.source);
      if (!ids_.empty()) print_parameters(*c);
    }
    return 0;
  }

 private:
  bool as_json_ = false;
  std::vector<std::string> ids_;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::ListCommand)
