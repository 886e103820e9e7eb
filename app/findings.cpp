#include <diffbound/app/findings.hpp>

#include <diffbound/results/schema.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fnmatch.h>
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace diffbound::app {

namespace fs = std::filesystem;
using nlohmann::json;
namespace keys = results::keys;

bool AcceptedFinding::matches(const std::string& check_id, const std::string& case_id) const {
  if (check_id != check) return false;
  for (const auto& p : cases)
    if (p == case_id || fnmatch(p.c_str(), case_id.c_str(), 0) == 0) return true;
  return false;
}

const AcceptedFinding* AcceptedFindings::accepting(const std::string& check, const std::string& case_id,
                                                   const std::string& verdict) const {
  for (const auto& e : entries)
    if (e.verdict == verdict && e.matches(check, case_id)) return &e;
  return nullptr;
}

namespace {

std::string where(const std::string& name, std::size_t k, const toml::node& n) {
  return fmt::format("{}: finding {} (line {})", name, k + 1, n.source().begin.line);
}

std::string text_field(const toml::table& t, const char* key, const std::string& at) {
  const toml::node* n = t.get(key);
  if (!n) throw std::invalid_argument(at + ": '" + key + "' is missing");
  const auto* s = n->as_string();
  if (!s) throw std::invalid_argument(at + ": '" + key + "' must be a string");
  std::string v = s->get();
  if (v.find_first_not_of(" \t\r\n") == std::string::npos) throw std::invalid_argument(at + ": '" + key + "' is empty");
  return v;
}

}  // namespace

AcceptedFindings parse_findings(const std::string& text, const std::string& name,
                                const std::vector<std::string>& known_checks) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    const auto& src = e.source().begin;
    throw std::invalid_argument(name + ": not valid TOML: line " + std::to_string(src.line) + ", column " +
                                std::to_string(src.column) + ": " + std::string(e.description()));
  }
  AcceptedFindings out;
  out.file = name;
  for (const auto& [k, v] : root)
    if (k.str() != "finding")
      throw std::invalid_argument(name + ": unknown key '" + std::string(k.str()) + "' (line " +
                                  std::to_string(v.source().begin.line) + "); the file holds [[finding]] tables");
  const toml::node* list = root.get("finding");
  if (!list) return out;  // no accepted finding: a valid file
  const auto* arr = list->as_array();
  if (!arr) throw std::invalid_argument(name + ": 'finding' must be an array of tables ([[finding]])");
  std::set<std::string> ids;
  static const std::set<std::string> allowed{"id", "check", "cases", "verdict", "reason", "docs", "sizes"};
  for (std::size_t k = 0; k < arr->size(); ++k) {
    const toml::node& node = *arr->get(k);
    const auto* t = node.as_table();
    if (!t) throw std::invalid_argument(where(name, k, node) + ": not a table");
    const std::string at = where(name, k, node);
    for (const auto& [key, v] : *t)
      if (!allowed.count(std::string(key.str())))
        throw std::invalid_argument(at + ": unknown key '" + std::string(key.str()) +
                                    "' (keys: id, check, cases, verdict, reason, docs, sizes)");
    AcceptedFinding f;
    f.id = text_field(*t, "id", at);
    if (!ids.insert(f.id).second) throw std::invalid_argument(at + ": the id '" + f.id + "' is used twice");
    f.check = text_field(*t, "check", at);
    if (!known_checks.empty() && std::find(known_checks.begin(), known_checks.end(), f.check) == known_checks.end())
      throw std::invalid_argument(at + ": no check '" + f.check + "' in this program ('diffbound list')");
    f.verdict = text_field(*t, "verdict", at);
    if (f.verdict != "VIOLATED")
      throw std::invalid_argument(at + ": verdict '" + f.verdict +
                                  "': only VIOLATED findings are accepted (the others never fail a run)");
    f.reason = text_field(*t, "reason", at);
    f.docs = text_field(*t, "docs", at);
    if (const toml::node* sz = t->get("sizes")) {
      const auto* a = sz->as_array();
      if (!a) throw std::invalid_argument(at + ": 'sizes' must be an array of sizes (smoke, default, full)");
      for (const auto& e : *a) {
        const auto* es = e.as_string();
        if (!es || (es->get() != "smoke" && es->get() != "default" && es->get() != "full"))
          throw std::invalid_argument(at + ": 'sizes' holds sizes: smoke, default or full");
        f.sizes.push_back(es->get());
      }
    }
    const toml::node* cases = t->get("cases");
    if (!cases) throw std::invalid_argument(at + ": 'cases' is missing");
    if (const auto* s = cases->as_string()) {
      f.cases.push_back(s->get());
    } else if (const auto* a = cases->as_array()) {
      for (const auto& c : *a) {
        const auto* cs = c.as_string();
        if (!cs) throw std::invalid_argument(at + ": 'cases' must hold strings (case ids or globs)");
        f.cases.push_back(cs->get());
      }
    } else {
      throw std::invalid_argument(at + ": 'cases' must be a string or an array of strings");
    }
    if (f.cases.empty()) throw std::invalid_argument(at + ": 'cases' is empty");
    for (const auto& c : f.cases)
      if (c.empty()) throw std::invalid_argument(at + ": 'cases' holds an empty string");
    out.entries.push_back(std::move(f));
  }
  return out;
}

AcceptedFindings load_findings(const fs::path& file, const std::vector<std::string>& known_checks) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("findings file " + file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_findings(text.str(), file.string(), known_checks);
}

std::optional<AcceptedFindings> findings_from_record(const json& end, const std::string& name) {
  const auto it = end.find(keys::findings);
  if (it == end.end() || !it->is_object()) return std::nullopt;
  const json& f = *it;
  AcceptedFindings out;
  out.file = f.value(keys::file, std::string());
  const json entries = f.value(keys::entries, json::array());
  if (!entries.is_array()) throw std::invalid_argument(name + ": the end record's findings.entries is not a list");
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const json& e = entries[k];
    auto field = [&](const char* key) {
      if (!e.is_object() || !e.contains(key) || !e.at(key).is_string())
        throw std::invalid_argument(fmt::format("{}: the end record's findings entry {} lacks '{}'", name, k + 1, key));
      return e.at(key).get<std::string>();
    };
    AcceptedFinding a;
    a.id = field(keys::id);
    a.check = field(keys::check);
    a.verdict = field(keys::verdict);
    a.reason = field(keys::reason);
    a.docs = field(keys::docs);
    for (const auto& s : e.value(keys::sizes, json::array()))
      if (s.is_string()) a.sizes.push_back(s.get<std::string>());
    const json cases = e.value(keys::cases, json());
    if (!cases.is_array() || cases.empty())
      throw std::invalid_argument(fmt::format("{}: the end record's findings entry {} lacks 'cases'", name, k + 1));
    for (const auto& c : cases) {
      if (!c.is_string())
        throw std::invalid_argument(
            fmt::format("{}: the end record's findings entry {} has a case that is not text", name, k + 1));
      a.cases.push_back(c.get<std::string>());
    }
    out.entries.push_back(std::move(a));
  }
  return out;
}

std::optional<fs::path> expected_file(const fs::path& relative) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  // The program is <build>/diffbound (or deeper, e.g. <build>/bin/diffbound): look in the folders above.
  fs::path dir = exe.parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path f = dir / "expected" / relative;
    if (fs::is_regular_file(f, ec)) return f;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

std::optional<fs::path> default_findings_file() { return expected_file("findings.toml"); }

std::optional<fs::path> default_power_file(const std::string& size) {
  return expected_file(fs::path("power") / (size + ".json"));
}

// ---------------------------------------------------------------------------------------------

FindingsTally::FindingsTally(const AcceptedFindings& findings, bool partial, std::string size)
    : findings_(findings),
      partial_(partial),
      size_(std::move(size)),
      matched_(findings.entries.size(), 0),
      accepted_(findings.entries.size(), 0) {}

void FindingsTally::annotate(json& rec) {
  rec.erase(keys::finding);
  const std::string check = rec.value(keys::check, ""), id = rec.value(keys::case_id, "");
  const std::string verdict = rec.value(keys::verdict, "");
  auto& counts = by_check_[check];
  const AcceptedFinding* accepted = nullptr;
  for (std::size_t i = 0; i < findings_.entries.size(); ++i) {
    const auto& e = findings_.entries[i];
    if (!e.matches(check, id)) continue;
    ++matched_[i];
    if (verdict == e.verdict && !accepted) {
      accepted = &e;
      ++accepted_[i];
    }
  }
  if (verdict != "VIOLATED") return;
  if (accepted) {
    rec[keys::finding] = json{{keys::status, keys::status_accepted},
                              {keys::id, accepted->id},
                              {keys::reason, accepted->reason},
                              {keys::docs, accepted->docs}};
    ++counts.first;
  } else {
    rec[keys::finding] = json{{keys::status, keys::status_new}};
    ++counts.second;
    const json& rm = rec.value(keys::relative_margin, json());
    new_cases_.push_back({check, id, rm.is_number() ? rm.get<double>() : std::nan("")});
  }
}

std::string FindingsTally::entry_status(std::size_t i) const {
  if (accepted_[i] > 0) return keys::entry_occurs;
  if (matched_[i] == 0) return keys::entry_not_run;
  const auto& sizes = findings_.entries[i].sizes;
  if (!sizes.empty() && !size_.empty() && std::find(sizes.begin(), sizes.end(), size_) == sizes.end())
    return keys::entry_not_expected;
  return partial_ ? keys::entry_not_seen : keys::entry_resolved;
}

json FindingsTally::check_json(const std::string& check) const {
  const auto it = by_check_.find(check);
  const auto c = it == by_check_.end() ? std::pair<std::int64_t, std::int64_t>{0, 0} : it->second;
  return json{{keys::accepted, c.first}, {keys::new_findings, c.second}};
}

FindingsOutcome FindingsTally::outcome() const {
  FindingsOutcome o;
  o.file = findings_.file.string();
  for (const auto& [check, c] : by_check_) o.accepted += c.first, o.fresh += c.second;
  for (std::size_t i = 0; i < findings_.entries.size(); ++i) {
    o.entries.push_back({&findings_.entries[i], matched_[i], accepted_[i], entry_status(i)});
    if (o.entries.back().status == keys::entry_resolved) ++o.resolved;
  }
  o.new_cases = new_cases_;
  return o;
}

json FindingsTally::end_json() const {
  const FindingsOutcome o = outcome();
  json entries = json::array();
  for (const auto& e : o.entries)
    entries.push_back(json{{keys::id, e.finding->id},
                           {keys::check, e.finding->check},
                           {keys::cases, e.finding->cases},
                           {keys::verdict, e.finding->verdict},
                           {keys::reason, e.finding->reason},
                           {keys::docs, e.finding->docs},
                           {keys::sizes, e.finding->sizes},
                           {keys::status, e.status},
                           {keys::matched, e.matched},
                           {keys::accepted, e.accepted}});
  return json{{keys::file, o.file},
              {keys::accepted, o.accepted},
              {keys::new_findings, o.fresh},
              {keys::resolved, o.resolved},
              {keys::entries, entries}};
}

void print_findings(const FindingsOutcome& f, std::ostream& out) {
  if (!f.entries.empty()) {
    out << fmt::format("{:<36} {:<22} {:>8} {:>7}  {:<24} {}\n", "accepted finding (" + f.file + ")", "check",
                       "VIOLATED", "matched", "status", "reason explained in");
    for (const auto& e : f.entries)
      out << fmt::format("{:<36} {:<22} {:>8} {:>7}  {:<24} {}\n", e.finding->id, e.finding->check, e.accepted,
                         e.matched, e.status == keys::entry_resolved ? "RESOLVED: remove the entry" : e.status,
                         e.finding->docs);
  }
  const std::size_t shown = std::min<std::size_t>(f.new_cases.size(), 20);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& c = f.new_cases[i];
    out << "NEW FINDING " << c.check << " " << c.case_id
        << (std::isfinite(c.relative_margin) ? fmt::format(" (rel. margin {:.3e})", c.relative_margin) : std::string())
        << '\n';
  }
  if (f.new_cases.size() > shown)
    out << (f.new_cases.size() - shown) << " further new findings (results.jsonl: case records with finding.status "
        << '"' << keys::status_new << '"' << ")\n";
}

}  // namespace diffbound::app
