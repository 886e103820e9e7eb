// diffbound list: the checks, their claims and sources.
#include <diffbound/app/commands.hpp>
#include <diffbound/checks/check.hpp>

#include <fmt/format.h>

#include <iostream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

class ListCommand final : public Command {
 public:
  int order() const override { return 10; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand("list", "List the checks: id, PAPER.md tag, claim and source.");
    sub->add_flag("--json", as_json_, "Print the list as JSON.");
    return sub;
  }
  int run() override {
    const auto all = Registry::instance().all();
    if (as_json_) {
      json out = json::array();
      for (const Check* c : all) {
        const auto claim = c->claim();
        out.push_back(json{{"id", claim.id},
                           {"title", claim.title},
                           {"statement", claim.statement},
                           {"source", claim.source},
                           {"paper_tag", claim.paper_tag}});
      }
      std::cout << out.dump(2) << '\n';
      return 0;
    }
    std::cout << fmt::format("{:<26} {:<10} {}\n", "id", "tag", "claim (source)");
    for (const Check* c : all) {
      const auto claim = c->claim();
      std::cout << fmt::format("{:<26} {:<10} {}\n{:<26} {:<10} {}\n{:<26} {:<10} ({})\n", claim.id, claim.paper_tag,
                               claim.title, "", "", claim.statement, "", "", claim.source);
    }
    return 0;
  }

 private:
  bool as_json_ = false;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::ListCommand)
