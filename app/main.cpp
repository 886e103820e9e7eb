// diffbound: the command-line program of the suite. The sub-commands live in checks/cmd_*.cpp.
#include <diffbound/app/commands.hpp>
#include <diffbound/results/version.hpp>

#include <iostream>
#include <map>

int main(int argc, char** argv) {
  using namespace diffbound::app;
  CLI::App app{
      "diffbound: checks the theory of arXiv 2406.12839 (Wang, He, Tao, NeurIPS 2024) by machine.\n"
      "Every bound is code, every bound is set against a measurement of the quantity it bounds, and every\n"
      "case ends in a verdict: VERIFIED (proved with interval arithmetic), HOLDS (floating margin beyond\n"
      "its error estimate), VIOLATED, or INCONCLUSIVE (with the reason).\n\n"
      "Examples:\n"
      "  diffbound list                                  the checks, their claims and sources\n"
      "  diffbound run                                   all checks at default size, results in ./out\n"
      "  diffbound run 'sampling.*' --size smoke         the sampling checks, small sweep\n"
      "  diffbound run sampling.girsanov --scalar double fast floating-point run (HOLDS at best)\n",
      "diffbound"};
  app.set_version_flag("--version", std::string(diffbound::version::string) + " (" + diffbound::version::commit + ")");
  app.require_subcommand(1);

  std::map<CLI::App*, Command*> by_app;
  std::string names;
  for (Command* c : CommandRegistry::instance().all_mutable()) {
    CLI::App* sub = c->add(app);
    by_app[sub] = c;
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }

  // An unknown first word is a mistyped command: say so, rather than "a subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const auto& [sub, cmd] : by_app) known = known || sub->get_name() == argv[1];
    if (!known) {
      std::cerr << "diffbound: unknown command '" << argv[1] << "' (commands: " << names
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
    for (const auto& [sub, cmd] : by_app)
      if (sub->parsed()) return cmd->run();
  } catch (const std::invalid_argument& e) {
    std::cerr << "diffbound: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    // 4, not 1: a run that could not finish (or write) must not look like a run with findings.
    std::cerr << "diffbound: error: " << e.what() << '\n';
    return 4;
  }
  return 0;
}
