#include <diffbound/app/commands.hpp>

#include <algorithm>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

CommandRegistry& CommandRegistry::instance() {
  static CommandRegistry r;
  return r;
}

bool CommandRegistry::add(std::unique_ptr<Command> c) {
  commands_.push_back(std::move(c));
  std::stable_sort(commands_.begin(), commands_.end(),
                   [](const auto& a, const auto& b) { return a->order() < b->order(); });
  return true;
}

}  // namespace diffbound::app
