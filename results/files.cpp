#include <diffbound/results/files.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace diffbound::results {

namespace fs = std::filesystem;

const std::vector<std::string>& run_identity_keys() {
  static const std::vector<std::string> identity{keys::program, keys::version,        keys::commit, keys::compiler,
                                                 keys::boost,   keys::mpfr,           keys::mpfi,   keys::size,
                                                 keys::scalar,  keys::precision_bits, keys::seed,   keys::bound_factor,
                                                 keys::checks,  keys::selection,      keys::mutant};
  return identity;
}

std::string utc_time(const char* format) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, format, &tm));
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
      if (key == keys::selection) what = "the selection of cases (from --size, --config and the check patterns)";
      return what + " is " + short_dump(va) + " in " + name_a + " but " + short_dump(vb) + " in " + name_b;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Reading

ResultsContent read_records(const fs::path& path) {
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
    const bool ok = nl != std::string::npos && !rec.is_discarded() && rec.is_object() && rec.contains(keys::type) &&
                    rec.at(keys::type).is_string();
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
    const std::string type = rec.at(keys::type).get<std::string>();
    if (line_no == 1 && type != keys::type_run)
      throw std::invalid_argument(path.string() + ": not a diffbound results file (no run record on line 1)");
    if (type == keys::type_run) {
      if (line_no != 1)
        throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) + " is a second run record");
      out.run = std::move(rec);
    } else if (type == keys::type_case) {
      if (!rec.contains(keys::check) || !rec.contains(keys::case_id) || !rec.at(keys::check).is_string() ||
          !rec.at(keys::case_id).is_string())
        throw std::invalid_argument(path.string() + ": line " + std::to_string(line_no) +
                                    ": case record without check or case id");
      out.cases.push_back(std::move(rec));
    } else if (type == keys::type_check) {
      out.checks.push_back(std::move(rec));
    } else if (type == keys::type_end) {
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
  // The temporary is named after the process, so that two writers of one path never share it.
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
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

}  // namespace diffbound::results
