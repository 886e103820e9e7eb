// Sub-commands of the diffbound program. Each lives in its own checks/cmd_*.cpp file and registers
// itself, so adding a command touches no other file.
#pragma once

#include <diffbound/checks/check.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace diffbound::app {

class Command {
 public:
  virtual ~Command() = default;
  /// Declares the sub-command and its options on the program's CLI::App; returns the sub-command.
  virtual CLI::App* add(CLI::App& app) = 0;
  /// Runs the command after a successful parse; returns the exit status.
  virtual int run() = 0;
  /// Order in the help text (smaller first).
  virtual int order() const { return 100; }
};

/// The commands order themselves by order() (their names are CLI11's, which refuses a name twice).
struct CommandTraits {
  static std::string key(const Command&) { return {}; }
  static bool before(const Command& a, const Command& b) { return a.order() < b.order(); }
  static constexpr const char* kind = "command";
};

/// The program's commands, in the order of their help text (checks/registry.hpp).
class CommandRegistry final : public checks::RegistryOf<Command, CommandTraits> {
 public:
  static CommandRegistry& instance();
};

/// A CSV field (RFC 4180): quoted, with inner quotes doubled, when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);

}  // namespace diffbound::app

#define DIFFBOUND_REGISTER_COMMAND(Type) DIFFBOUND_REGISTER(::diffbound::app::CommandRegistry, Type)
