// Helpers of the running-at-scale tests: separate stdout/stderr, files, results compared apart from
// timings and shard metadata, background processes.
#pragma once

#include "cli_helpers.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <csignal>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace diffbound::test {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// A run that went through: 0 (nothing VIOLATED) or 1 (findings VIOLATED; whole-suite runs include the
/// documented findings of sampling.schedules), but not 2 (usage) nor 3 (a case failed to run).
inline bool completed(int status) { return status == 0 || status == 1; }

struct SplitResult {
  int status;
  std::string out, err;
};

/// Runs `diffbound <args>` with stdout and stderr captured apart (stderr is a file: not a terminal).
inline SplitResult run_split(const std::string& args, const fs::path& scratch) {
  const fs::path o = scratch / "stdout.txt", e = scratch / "stderr.txt";
  const std::string cmd = quote(DIFFBOUND_EXE) + " " + args + " >" + quote(o.string()) + " 2>" + quote(e.string());
  const int raw = std::system(cmd.c_str());
  SplitResult r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_text(o), read_text(e)};
  fs::remove(o), fs::remove(e);
  return r;
}

/// Runs a shell command, output (stdout and stderr) captured together.
inline CommandResult run_shell(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

/// The lines of a program's output that carry a message (blank lines and CLI11's usage hint aside).
inline std::vector<std::string> message_lines(const std::string& output) {
  std::vector<std::string> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.rfind("Run 'diffbound --help'", 0) == 0) continue;
    out.push_back(line);
  }
  return out;
}

/// A results file with what may differ between equivalent runs removed: timings (seconds, date,
/// wall_seconds), threads, and the metadata of shards, merges and resumes.
inline std::vector<json> comparable(const fs::path& p) {
  auto lines = read_jsonl(p);
  for (auto& l : lines)
    for (const char* key : {"seconds", "date", "threads", "wall_seconds", "shard", "merged_from", "resumed_cases"})
      l.erase(key);
  return lines;
}

/// Names of the files in a folder (empty when it does not exist).
inline std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// Starts `diffbound <args...>` in the background (stdout and stderr to /dev/null); returns its pid.
inline pid_t spawn_diffbound(const std::vector<std::string>& args) {
  std::vector<std::string> all{DIFFBOUND_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, DIFFBOUND_EXE, &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

/// Number of complete lines in a file.
inline std::size_t complete_lines(const fs::path& p) {
  const std::string t = read_text(p);
  return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
}

}  // namespace diffbound::test
