#include <diffbound/app/commands.hpp>

#include <algorithm>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

CommandRegistry& CommandRegistry::instance() {
  static CommandRegistry r;
  return r;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace diffbound::app
