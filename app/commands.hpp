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

class CommandRegistry {
 public:
  static CommandRegistry& instance();
  bool add(std::unique_ptr<Command> c);
  const std::vector<std::unique_ptr<Command>>& all() const { return commands_; }

 private:
  std::vector<std::unique_ptr<Command>> commands_;
};

/// A CSV field (RFC 4180): quoted, with inner quotes doubled, when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s);

}  // namespace diffbound::app

#define DIFFBOUND_REGISTER_COMMAND(Type)                                                                               \
  namespace {                                                                                                          \
  const bool DIFFBOUND_CONCAT(diffbound_command_,                                                                      \
                              __COUNTER__) = ::diffbound::app::CommandRegistry::instance().add(std::make_unique<Type>()); \
  }
