// Running the diffbound program from tests: exit status and combined output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace diffbound::test {

struct CommandResult {
  int status;
  std::string output;
};

/// Runs `diffbound <args>` through the shell, capturing stdout and stderr together.
inline CommandResult run_diffbound(const std::string& args) {
  // Appended piece by piece: GCC 12's -Warray-bounds misfires on the chain of + when the build path (in
  // DIFFBOUND_EXE) is just too long for the small-string buffer (e.g. a worktree's build-dev).
  std::string cmd = "'";
  cmd += DIFFBOUND_EXE;
  cmd += "' ";
  cmd += args;
  cmd += " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

/// A fresh folder for one test, removed at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() / ("diffbound-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// The JSON lines of a results file.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

/// The text of a PDF (pdftotext; `layout`: keep table rows on one line each, else flowing paragraphs).
inline std::string pdf_text(const std::filesystem::path& pdf, bool layout) {
  std::string quoted = "'";
  for (char c : pdf.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const std::string cmd = std::string("pdftotext ") + (layout ? "-layout " : "") + quoted + " - 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "pdftotext could not be started";
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

/// `s` without white space (a PDF's text breaks lines where the layout wants).
inline std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

}  // namespace diffbound::test
