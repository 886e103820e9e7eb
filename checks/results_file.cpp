#include "results_file.hpp"

#include "version.hpp"

#include <diffbound/numerics/random.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace diffbound::checks {

namespace fs = std::filesystem;

const std::vector<std::string>& run_identity_keys() {
  static const std::vector<std::string> keys{"program", "version",      "commit", "compiler", "boost",
                                             "mpfr",    "mpfi",         "size",   "scalar",   "precision_bits",
                                             "seed",    "bound_factor", "checks", "selection"};
  return keys;
}

namespace {
std::string short_dump(const json& v) {
  std::string s = v.is_null() ? std::string("absent") : v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}
}  // namespace

std::string identity_difference(const json& a, const std::string& name_a, const json& b, const std::string& name_b) {
  for (const auto& key : run_identity_keys()) {
    const json va = a.value(key, json()), vb = b.value(key, json());
    if (va != vb) {
      std::string what = key;
      if (key == "selection") what = "the selection of cases (from --size, --config and the check patterns)";
      return what + " is " + short_dump(va) + " in " + name_a + " but " + short_dump(vb) + " in " + name_b;
    }
  }
  return {};
}

std::string selection_digest(const std::vector<std::pair<const Check*, const CaseSpec*>>& cases) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& [check, spec] : cases) {
    h = hash_name(check->id(), h);
    h = hash_name(spec->id, h ^ 0x1f);
    h = hash_name(spec->params.dump(), h ^ 0x2f);
  }
  return fmt::format("{:016x}", h);
}

namespace {
json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
}  // namespace

json counts_json(const Counts& c) {
  return json{{"VERIFIED", c.verified},         {"HOLDS", c.holds},   {"VIOLATED", c.violated},
              {"INCONCLUSIVE", c.inconclusive}, {"failed", c.failed}, {"cases", c.total()}};
}

json claim_json(const ClaimInfo& c) {
  json constants = json::array();
  for (const auto& k : c.constants)
    constants.push_back(json{{"name", k.name},
                             {"symbol_tex", k.symbol_tex},
                             {"value", k.value},
                             {"provenance", to_string(k.provenance)},
                             {"paper_tag", k.paper_tag},
                             {"source", k.source}});
  return json{{"id", c.id},
              {"title", c.title},
              {"statement", c.statement},
              {"statement_tex", c.statement_tex},
              {"source", c.source},
              {"paper_tag", c.paper_tag},
              {"assumptions", c.assumptions},
              {"constants", constants}};
}

json case_record(const CaseResult& r) {
  json j = r;
  j["version"] = version::string;
  j["commit"] = version::commit;
  return j;
}

json check_record(const Check& check, ScalarKind kind, const std::vector<CaseResult>& results, CheckOutcome& co) {
  co = CheckOutcome{};
  co.id = check.id();
  co.smallest_relative_margin = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : results) {
    co.counts.add(r);
    co.seconds += r.seconds;
    const double rm = r.relative_margin();
    if (std::isfinite(rm) && !(rm >= co.smallest_relative_margin)) {
      co.smallest_relative_margin = rm;
      co.worst_case = r.case_id;
    }
  }
  json summary;
  try {
    summary = check.summarize(results);
  } catch (const std::exception& e) {
    summary = Summary{};
    summary["error"] = std::string("summarize failed: ") + e.what();
    ++co.counts.failed;
  }
  return json{{"type", "check"},
              {"check", check.id()},
              {"claim", claim_json(check.claim())},
              {"scalar", to_string(kind)},
              {"precision_bits", precision_bits(kind)},
              {"counts", counts_json(co.counts)},
              {"smallest_relative_margin", number_or_null(co.smallest_relative_margin)},
              {"worst_case", co.worst_case},
              {"seconds", co.seconds},
              {"summary", summary}};
}

json end_record(const std::vector<CheckOutcome>& checks, double wall_seconds) {
  Counts total;
  for (const auto& c : checks) {
    total.verified += c.counts.verified, total.holds += c.counts.holds, total.violated += c.counts.violated;
    total.inconclusive += c.counts.inconclusive, total.failed += c.counts.failed;
  }
  return json{{"type", "end"}, {"wall_seconds", wall_seconds}, {"counts", counts_json(total)}};
}

// ---------------------------------------------------------------------------------------------
// Reading

ResultsContent read_results(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path.string() + ": cannot read: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ResultsContent out;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    const bool last = nl == std::string::npos || nl + 1 == text.size();
    const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    json rec = json::parse(line, nullptr, false);
    const bool ok = nl != std::string::npos && !rec.is_discarded() && rec.is_object() && rec.contains("type") &&
                    rec.at("type").is_string();
    if (!ok) {
      if (line_no == 1 && !rec.is_discarded())
        throw std::invalid_argument(path.string() + ": not a diffbound results file (no run record on line 1)");
      if (last) {  // a killed run's last, cut-short line
        out.dropped_tail = true;
        break;
      }
      throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) +
                                  " is not a complete results record");
    }
    const std::string type = rec.at("type").get<std::string>();
    if (line_no == 1 && type != "run")
      throw std::invalid_argument(path.string() + ": not a diffbound results file (no run record on line 1)");
    if (type == "run") {
      if (line_no != 1)
        throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) + " is a second run record");
      out.run = std::move(rec);
    } else if (type == "case") {
      if (!rec.contains("check") || !rec.contains("case") || !rec.at("check").is_string() ||
          !rec.at("case").is_string())
        throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) +
                                    ": case record without check or case id");
      out.cases.push_back(std::move(rec));
    } else if (type == "check") {
      out.checks.push_back(std::move(rec));
    } else if (type == "end") {
      out.end = std::move(rec);
    } else {
      throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) + ": unknown record type '" +
                                  type + "'");
    }
    pos = nl + 1;
    out.good_bytes = pos;
  }
  if (out.run.is_null()) throw std::invalid_argument(path.string() + ": empty (no run record)");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {
std::string errno_text() { return std::strerror(errno); }

/// write() until done; false with errno set on failure.
bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (w == 0) {
      errno = ENOSPC;
      return false;
    }
    data += w, n -= static_cast<std::size_t>(w);
  }
  return true;
}
}  // namespace

void write_file_atomically(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp.string() + ": " + errno_text());
  std::string err;
  if (!write_all(fd, content.data(), content.size())) err = "writing " + tmp.string() + " failed: " + errno_text();
  if (err.empty() && ::fsync(fd) != 0) err = "writing " + tmp.string() + " failed: " + errno_text();
  if (::close(fd) != 0 && err.empty()) err = "writing " + tmp.string() + " failed: " + errno_text();
  if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0)
    err = "cannot move " + tmp.string() + " to " + path.string() + ": " + errno_text();
  if (!err.empty()) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(err);
  }
  // Make the rename itself durable.
  const int dfd =
      ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

bool FolderLock::acquire(const fs::path& dir) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open the folder " + dir.string() + ": " + errno_text());
  return ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
}

Journal::~Journal() { close(); }

void Journal::create(const fs::path& path, const json& run) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot write " + path.string() + ": " + errno_text());
  good_ = 0;
  append(run);
}

void Journal::reopen(const fs::path& path, std::uintmax_t good_bytes) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot write " + path.string() + ": " + errno_text());
  good_ = static_cast<long long>(good_bytes);
  if (::ftruncate(fd_, good_) != 0) throw std::runtime_error("cannot cut " + path.string() + ": " + errno_text());
}

void Journal::append(const json& record) {
  if (fd_ < 0) throw std::logic_error("journal is not open");
  const std::string line = record.dump() + '\n';
  if (!write_all(fd_, line.data(), line.size())) {
    const std::string reason = errno_text();
    // Leave complete records only: cut the partly written line (works on a full disk too).
    if (::ftruncate(fd_, good_) != 0) {
    }
    throw std::runtime_error("writing " + path_.string() + " failed: " + reason);
  }
  good_ += static_cast<long long>(line.size());
}

void Journal::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace diffbound::checks
