#include <diffbound/app/diff.hpp>

#include <diffbound/results/reader.hpp>
#include <diffbound/results/schema.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <ostream>
#include <stdexcept>
#include <tuple>

namespace diffbound::app {

namespace fs = std::filesystem;
using nlohmann::json;
namespace keys = results::keys;

namespace {

constexpr const char* kChangeNames[kChangeKinds] = {
    "verdict-worse", "new-finding",      "fit-worse",    "evidence-lost",  "removed-case", "margin-shrank",
    "value-moved",   "fit-changed",      "constant-changed", "kind-changed", "verdict-better", "new-case"};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Rank of a verdict: VERIFIED 0 < HOLDS 1 < INCONCLUSIVE 2 < VIOLATED 3 < failed 4.
int verdict_rank(const std::string& v) {
  if (v == "VERIFIED") return 0;
  if (v == "HOLDS") return 1;
  if (v == "VIOLATED") return 3;
  if (v == "failed") return 4;
  return 2;  // INCONCLUSIVE, or no verdict
}

double number(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kNaN;
}

std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The verdict of a case record, "failed" when it failed to run.
std::string case_verdict(const json& rec) {
  if (!text(rec, keys::error).empty()) return "failed";
  return text(rec, keys::verdict);
}

bool accepted_finding(const json& rec) {
  const auto it = rec.find(keys::finding);
  return it != rec.end() && it->is_object() && text(*it, keys::status) == keys::status_accepted;
}

std::string sci(double x) { return std::isfinite(x) ? fmt::format("{:.3e}", x) : std::string("-"); }

/// Whether a quantity ({lo, hi, mid}) moved between two records beyond its enclosures widened by the
/// cases' error estimates and a relative tolerance; `what` describes the move.
bool moved(const json& a, const json& b, double est_a, double est_b, double rel_tol, std::string& what) {
  if (!a.is_object() || !b.is_object()) return false;
  const double alo = number(a, keys::lo), ahi = number(a, keys::hi), blo = number(b, keys::lo),
               bhi = number(b, keys::hi);
  const double am = number(a, keys::mid), bm = number(b, keys::mid);
  if (!std::isfinite(alo) || !std::isfinite(ahi) || !std::isfinite(blo) || !std::isfinite(bhi)) return false;
  const double slack = rel_tol * std::max(std::fabs(am), std::fabs(bm));
  const double ea = std::isfinite(est_a) ? est_a : 0, eb = std::isfinite(est_b) ? est_b : 0;
  const bool apart = bhi + eb + slack < alo - ea || ahi + ea + slack < blo - eb;
  if (apart) what = fmt::format("{} -> {}", sci(am), sci(bm));
  return apart;
}

json meta_of(const RunFile& f) {
  const json& run = f.content.run;
  json sel = run.value(keys::selection, json::object());
  return json{{keys::file, f.path.string()},
              {keys::commit, run.value(keys::commit, json())},
              {keys::version, run.value(keys::version, json())},
              {keys::date, run.value(keys::date, json())},
              {keys::size, run.value(keys::size, json())},
              {keys::scalar, run.value(keys::scalar, json())},
              {keys::seed, run.value(keys::seed, json())},
              {keys::digest, sel.is_object() ? sel.value(keys::digest, json()) : json()},
              {keys::cases, f.content.cases.size()},
              {keys::mutant, run.value(keys::mutant, json())},
              {keys::shard, run.value(keys::shard, json())}};
}

/// A case: its check, its id and, for an id that a run holds more than once, which occurrence it is (0, 1, ...
/// in file order), so that repeated ids are matched one to one, in order.
struct CaseKey {
  std::string check, id;
  int nth = 0;
  bool operator<(const CaseKey& o) const { return std::tie(check, id, nth) < std::tie(o.check, o.id, o.nth); }
};

}  // namespace

const char* to_string(ChangeKind k) { return kChangeNames[static_cast<int>(k)]; }

std::set<ChangeKind> parse_fail_on(const std::string& list) {
  std::set<ChangeKind> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string word = list.substr(start, comma - start);
    word.erase(0, word.find_first_not_of(' '));
    word.erase(word.find_last_not_of(' ') + 1);
    if (word == "default") {
      const DiffOptions d;
      out.insert(d.fail_on.begin(), d.fail_on.end());
    } else if (word == "all") {
      for (int k = 0; k < kChangeKinds; ++k)
        if (static_cast<ChangeKind>(k) != ChangeKind::verdict_better) out.insert(static_cast<ChangeKind>(k));
    } else if (word == "none") {
    } else {
      int found = -1;
      for (int k = 0; k < kChangeKinds; ++k)
        if (word == kChangeNames[k]) found = k;
      if (found < 0 || static_cast<ChangeKind>(found) == ChangeKind::verdict_better) {
        std::string names;
        for (int k = 0; k < kChangeKinds; ++k)
          if (static_cast<ChangeKind>(k) != ChangeKind::verdict_better) names += std::string(", ") + kChangeNames[k];
        throw std::invalid_argument("--fail-on: unknown change '" + word + "' (use default, all, none" + names + ")");
      }
      out.insert(static_cast<ChangeKind>(found));
    }
    start = comma + 1;
  }
  return out;
}

DiffOptions DiffFlags::options() const {
  DiffOptions o;
  o.fail_on = parse_fail_on(fail_on);
  o.margin_tolerance = margin_tolerance;
  o.value_tolerance = value_tolerance;
  return o;
}

void add_diff_flags(CLI::App& sub, DiffFlags& flags) {
  sub.add_option("--fail-on", flags.fail_on,
                 "What counts as a regression: comma-separated change names, or default (verdict-worse,\n"
                 "new-finding, fit-worse), all, none.")
      ->capture_default_str();
  sub.add_option("--margin-tolerance", flags.margin_tolerance,
                 "A relative margin (bound - measured)/|bound| that falls by more than this has shrunk.")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub.add_option("--value-tolerance", flags.value_tolerance,
                 "Relative slack, beyond enclosures and error estimates, before a value has moved.")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

RunFile read_run(const fs::path& in) {
  std::error_code ec;
  if (!fs::exists(in, ec)) throw std::invalid_argument(in.string() + ": no such file or folder");
  fs::path file = in;
  if (fs::is_directory(in, ec)) {
    file = in / "results.jsonl";
    if (!fs::exists(file, ec)) {
      if (fs::exists(in / "results.jsonl.partial", ec))
        throw std::invalid_argument(in.string() +
                                    " holds an unfinished run (results.jsonl.partial); finish it with "
                                    "'diffbound run --resume' first");
      throw std::invalid_argument(in.string() + ": no results.jsonl in this folder");
    }
  }
  RunFile f;
  f.path = file;
  f.content = results::read_records(file);
  if (!f.content.end || f.content.dropped_tail)
    throw std::invalid_argument(file.string() + " is not a finished run (no end record)");
  return f;
}

std::int64_t RunDiff::regressions() const {
  return std::count_if(changes.begin(), changes.end(), [](const Change& c) { return c.regression; });
}

std::int64_t RunDiff::count(ChangeKind k) const {
  return std::count_if(changes.begin(), changes.end(), [k](const Change& c) { return c.kind == k; });
}

bool RunDiff::identical() const { return changes.empty() && exactly_equal == compared_cases && not_compared.empty(); }

RunDiff diff_runs(const RunFile& old_run, const RunFile& new_run, const DiffOptions& options) {
  RunDiff d;
  d.options = options;
  d.old_meta = meta_of(old_run);
  d.new_meta = meta_of(new_run);
  for (const char* key :
       {keys::size, keys::scalar, keys::precision_bits, keys::seed, keys::bound_factor, keys::mutant, keys::config}) {
    const json a = old_run.content.run.value(key, json()), b = new_run.content.run.value(key, json());
    if (a != b)
      d.differences.push_back(fmt::format("{} is {} in OLD but {} in NEW", key, a.is_null() ? "absent" : a.dump(),
                                          b.is_null() ? "absent" : b.dump()));
  }
  const bool new_is_shard = new_run.content.run.contains(keys::shard);
  if (new_is_shard) d.differences.push_back("NEW is one shard of a run: cases of other shards are not compared");

  // The checks, in NEW's order, then those only in OLD.
  std::map<std::string, std::size_t> index;
  auto check_of = [&](const std::string& id) -> CheckDiff& {
    const auto it = index.find(id);
    if (it != index.end()) return d.checks[it->second];
    index[id] = d.checks.size();
    d.checks.push_back(CheckDiff{});
    d.checks.back().id = id;
    return d.checks.back();
  };
  std::set<std::string> new_ran;  // the checks NEW selected
  for (const auto& id : new_run.content.run.value(keys::checks, json::array()))
    if (id.is_string()) new_ran.insert(id.get<std::string>()), check_of(id.get<std::string>()).in_new = true;
  // The keys of the cases of a run, in file order; a case id that occurs more than once is said in a note.
  auto keys_of = [&](const std::vector<json>& cases, const char* run) {
    std::vector<CaseKey> out;
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const auto& rec : cases) {
      const std::string check = text(rec, keys::check), id = text(rec, keys::case_id);
      const int nth = seen[{check, id}]++;
      out.push_back({check, id, nth});
    }
    for (const auto& [k, n] : seen)
      if (n > 1)
        d.differences.push_back(
            fmt::format("case id {} of {} occurs {} times in {}; its occurrences are compared in "
                        "file order",
                        k.second, k.first, n, run));
    return out;
  };
  const std::vector<CaseKey> old_keys = keys_of(old_run.content.cases, "OLD"),
                             new_keys = keys_of(new_run.content.cases, "NEW");
  std::map<CaseKey, const json*> old_cases, new_cases;
  for (std::size_t i = 0; i < old_keys.size(); ++i) old_cases[old_keys[i]] = &old_run.content.cases[i];
  for (std::size_t i = 0; i < new_keys.size(); ++i) {
    const json& rec = new_run.content.cases[i];
    const std::string check = new_keys[i].check;
    new_cases[new_keys[i]] = &rec;
    auto& cd = check_of(check);
    cd.in_new = true;
    ++cd.cases_new;
  }
  for (const auto& rec : old_run.content.cases) {
    auto& cd = check_of(text(rec, keys::check));
    cd.in_old = true;
    ++cd.cases_old;
  }
  for (const auto& rec : old_run.content.checks) {
    const std::string id = text(rec, keys::check);
    if (index.count(id)) d.checks[index[id]].min_old = number(rec, keys::smallest_relative_margin);
  }
  for (const auto& rec : new_run.content.checks) {
    const std::string id = text(rec, keys::check);
    if (index.count(id)) d.checks[index[id]].min_new = number(rec, keys::smallest_relative_margin);
  }
  for (const auto& cd : d.checks)
    if (cd.in_old && !new_ran.count(cd.id) && !cd.in_new) d.not_compared.push_back(cd.id);

  auto add = [&](Change c) {
    c.regression = !c.accepted && options.fail_on.count(c.kind) > 0;
    auto& cd = check_of(c.check);
    ++cd.counts[static_cast<int>(c.kind)];
    if (c.regression) ++cd.regressions;
    d.changes.push_back(std::move(c));
  };

  // ---- Cases in both, and cases only in NEW -------------------------------------------------------
  for (std::size_t i = 0; i < new_keys.size(); ++i) {
    const json& rec = new_run.content.cases[i];
    const CaseKey& key = new_keys[i];
    const std::string nv = case_verdict(rec);
    const double nrm = number(rec, keys::relative_margin);
    const auto it = old_cases.find(key);
    if (it == old_cases.end()) {
      Change c;
      c.check = key.check, c.case_id = key.id, c.new_verdict = nv, c.new_relative_margin = nrm;
      c.accepted = accepted_finding(rec);
      c.kind = (nv == "failed" || (nv == "VIOLATED" && !c.accepted)) ? ChangeKind::new_finding : ChangeKind::new_case;
      c.severity = c.kind == ChangeKind::new_finding ? 10 * verdict_rank(nv) : 0;
      c.detail = c.kind == ChangeKind::new_finding ? (nv == "failed" ? "new case, failed to run" : "new case, VIOLATED")
                                                   : "new case, " + nv;
      add(std::move(c));
      continue;
    }
    const json& old = *it->second;
    ++d.compared_cases;
    const std::string ov = case_verdict(old);
    const double orm = number(old, keys::relative_margin);
    const double oest = number(old, keys::error_estimate), nest = number(rec, keys::error_estimate);
    const int orank = verdict_rank(ov), nrank = verdict_rank(nv);
    auto same_text = [&](const char* k) {
      const json a = old.value(k, json()), b = rec.value(k, json());
      return a == b;
    };
    if (ov == nv && same_text(keys::measured) && same_text(keys::bound) && same_text(keys::margin) &&
        same_text(keys::relative_margin))
      ++d.exactly_equal;

    std::vector<Change> found;
    auto make = [&](ChangeKind k, int severity, std::string detail) {
      Change c;
      c.kind = k, c.check = key.check, c.case_id = key.id, c.old_verdict = ov, c.new_verdict = nv;
      c.old_relative_margin = orm, c.new_relative_margin = nrm, c.severity = severity, c.detail = std::move(detail);
      c.accepted = accepted_finding(rec);
      found.push_back(std::move(c));
    };
    if (nrank > orank) make(ChangeKind::verdict_worse, 100 + 10 * (nrank - orank) + nrank, ov + " -> " + nv);
    // A case that stops counting as evidence (it became an identity or a calibration case) takes its verdict out
    // of the table: a gate must not let that pass unseen.
    const std::string okind = old.value(keys::kind, std::string("evidence")),
                      nkind = rec.value(keys::kind, std::string("evidence"));
    if (okind != nkind) {
      const bool lost = results::is_evidence_kind(okind) && !results::is_evidence_kind(nkind);
      make(lost ? ChangeKind::evidence_lost : ChangeKind::kind_changed, lost ? 60 : 5,
           "kind " + okind + " -> " + nkind);
    }
    if (nrank < orank) make(ChangeKind::verdict_better, 0, ov + " -> " + nv);
    if (nrank <= orank && std::isfinite(orm) && std::isfinite(nrm) && orm - nrm > options.margin_tolerance)
      make(ChangeKind::margin_shrank, 50, fmt::format("relative margin fell by {:.3e}", orm - nrm));
    std::string what;
    for (const char* q : {keys::measured, keys::bound}) {
      const auto oq = old.find(q), nq = rec.find(q);
      if (oq != old.end() && nq != rec.end() && moved(*oq, *nq, oest, nest, options.value_tolerance, what)) {
        make(ChangeKind::value_moved, 20, std::string(q) + " moved " + what);
        break;
      }
    }
    if (found.empty()) continue;
    // One change per case: the gravest regression, else the gravest change.
    std::stable_sort(found.begin(), found.end(), [&](const Change& a, const Change& b) {
      const bool ra = options.fail_on.count(a.kind) > 0 && !a.accepted,
                 rb = options.fail_on.count(b.kind) > 0 && !b.accepted;
      if (ra != rb) return ra;
      return a.severity > b.severity;
    });
    add(std::move(found.front()));
  }

  // ---- Cases only in OLD ------------------------------------------------------------------------------
  if (!new_is_shard)
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      const json& rec = old_run.content.cases[i];
      const CaseKey& key = old_keys[i];
      if (new_cases.count(key) || !new_ran.count(key.check)) continue;
      Change c;
      c.kind = ChangeKind::removed_case, c.check = key.check, c.case_id = key.id;
      c.old_verdict = case_verdict(rec), c.old_relative_margin = number(rec, keys::relative_margin);
      c.severity = 40, c.detail = "case not in NEW (was " + c.old_verdict + ")";
      add(std::move(c));
    }

  // ---- Check records: fits and constants ---------------------------------------------------------
  std::map<std::string, const json*> old_checks;
  for (const auto& rec : old_run.content.checks) old_checks[text(rec, keys::check)] = &rec;
  for (const auto& rec : new_run.content.checks) {
    const std::string id = text(rec, keys::check);
    const auto it = old_checks.find(id);
    if (it == old_checks.end()) continue;
    const json& old = *it->second;
    auto fits_of = [](const json& r) {
      std::map<std::string, json> out;
      const json summary = r.value(keys::summary, json::object());
      if (summary.is_object())
        for (const auto& f : summary.value(keys::fits, json::array()))
          if (f.is_object()) out[text(f, keys::name)] = f;
      return out;
    };
    const auto of = fits_of(old), nf = fits_of(rec);
    for (const auto& [name, f] : nf) {
      Change c;
      c.check = id, c.name = name, c.new_verdict = text(f, keys::outcome);
      const auto o = of.find(name);
      if (o == of.end()) {
        c.kind = ChangeKind::fit_changed, c.detail = "new fit, slope " + sci(number(f, keys::slope));
        add(std::move(c));
        continue;
      }
      c.old_verdict = text(o->second, keys::outcome);
      const double olo = number(o->second, keys::slope_lo), ohi = number(o->second, keys::slope_hi);
      const double nlo = number(f, keys::slope_lo), nhi = number(f, keys::slope_hi);
      const std::string slopes = fmt::format("slope {} [{}, {}] -> {} [{}, {}]", sci(number(o->second, keys::slope)),
                                             sci(olo), sci(ohi), sci(number(f, keys::slope)), sci(nlo), sci(nhi));
      const int orank = verdict_rank(c.old_verdict), nrank = verdict_rank(c.new_verdict);
      if (!c.old_verdict.empty() && !c.new_verdict.empty() && nrank > orank) {
        c.kind = ChangeKind::fit_worse, c.severity = 100 + 10 * (nrank - orank) + nrank;
        c.detail = c.old_verdict + " -> " + c.new_verdict + "; " + slopes;
      } else if ((nrank < orank) || (std::isfinite(olo) && std::isfinite(nhi) && (nhi < olo || nlo > ohi))) {
        c.kind = ChangeKind::fit_changed, c.severity = 10;
        c.detail = (nrank < orank ? c.old_verdict + " -> " + c.new_verdict + "; " : std::string()) + slopes;
      } else {
        continue;
      }
      add(std::move(c));
    }
    for (const auto& [name, f] : of)
      if (!nf.count(name)) {
        Change c;
        c.kind = ChangeKind::fit_changed, c.check = id, c.name = name, c.old_verdict = text(f, keys::outcome);
        c.detail = "fit not in NEW";
        add(std::move(c));
      }
    auto constants_of = [](const json& r) {
      std::map<std::string, std::string> out;
      const json claim = r.value(keys::claim, json::object());
      if (claim.is_object())
        for (const auto& k : claim.value(keys::constants, json::array()))
          if (k.is_object()) out[text(k, keys::name)] = k.value(keys::value, json()).dump();
      return out;
    };
    const auto oc = constants_of(old), nc = constants_of(rec);
    for (const auto& [name, v] : nc) {
      const auto o = oc.find(name);
      if (o != oc.end() && o->second == v) continue;
      Change c;
      c.kind = ChangeKind::constant_changed, c.check = id, c.name = name, c.severity = 5;
      c.detail = o == oc.end() ? "new constant " + v : o->second + " -> " + v;
      add(std::move(c));
    }
    for (const auto& [name, v] : oc)
      if (!nc.count(name)) {
        Change c;
        c.kind = ChangeKind::constant_changed, c.check = id, c.name = name, c.severity = 5;
        c.detail = "constant not in NEW (was " + v + ")";
        add(std::move(c));
      }
  }

  std::stable_sort(d.changes.begin(), d.changes.end(), [](const Change& a, const Change& b) {
    if (a.regression != b.regression) return a.regression;
    return a.severity > b.severity;
  });
  return d;
}

json diff_json(const RunDiff& d) {
  json fail_on = json::array();
  for (const auto k : d.options.fail_on) fail_on.push_back(to_string(k));
  json counts = json::object();
  for (int k = 0; k < kChangeKinds; ++k) counts[kChangeNames[k]] = d.count(static_cast<ChangeKind>(k));
  json checks = json::array();
  for (const auto& c : d.checks) {
    json j{{keys::check, c.id},
           {keys::cases_old, c.cases_old},
           {keys::cases_new, c.cases_new},
           {keys::regressions, c.regressions},
           {keys::old_run, json{{keys::smallest_relative_margin, results::number_or_null(c.min_old)}}},
           {keys::new_run, json{{keys::smallest_relative_margin, results::number_or_null(c.min_new)}}}};
    json per = json::object();
    for (int k = 0; k < kChangeKinds; ++k) per[kChangeNames[k]] = c.counts[k];
    j[keys::changes] = per;
    checks.push_back(j);
  }
  json changes = json::array();
  for (const auto& c : d.changes) {
    json j{{keys::change, to_string(c.kind)},
           {keys::check, c.check},
           {keys::regression, c.regression},
           {keys::severity, c.severity},
           {keys::detail, c.detail}};
    if (!c.case_id.empty()) j[keys::case_id] = c.case_id;
    if (!c.name.empty()) j[keys::name] = c.name;
    if (c.accepted) j[keys::accepted] = true;
    j[keys::old_run] = json{{keys::verdict, c.old_verdict.empty() ? json() : json(c.old_verdict)},
                            {keys::relative_margin, results::number_or_null(c.old_relative_margin)}};
    j[keys::new_run] = json{{keys::verdict, c.new_verdict.empty() ? json() : json(c.new_verdict)},
                            {keys::relative_margin, results::number_or_null(c.new_relative_margin)}};
    changes.push_back(j);
  }
  return json{{keys::type, keys::type_diff},
              {keys::old_run, d.old_meta},
              {keys::new_run, d.new_meta},
              {keys::options, json{{keys::fail_on, fail_on},
                                   {keys::margin_tolerance, d.options.margin_tolerance},
                                   {keys::value_tolerance, d.options.value_tolerance}}},
              {keys::identical, d.identical()},
              {keys::regressions, d.regressions()},
              {keys::cases, json{{keys::compared, d.compared_cases}, {keys::exactly_equal, d.exactly_equal}}},
              {keys::counts, counts},
              {keys::differences, d.differences},
              {keys::not_compared, d.not_compared},
              {keys::checks, checks},
              {keys::changes, changes}};
}

namespace {

std::string run_line(const json& m) {
  auto s = [&](const char* k) {
    const json v = m.value(k, json());
    return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string("?") : v.dump();
  };
  std::string line = fmt::format("{} (commit {}, {}, size {}, {} cases)", s(keys::file), s(keys::commit), s(keys::date),
                                 s(keys::size), s(keys::cases));
  if (m.value(keys::mutant, json()).is_string()) line += ", MUTANT " + s(keys::mutant);
  return line;
}

void print_change(const Change& c, std::ostream& out) {
  std::string margins;
  if (std::isfinite(c.old_relative_margin) || std::isfinite(c.new_relative_margin))
    margins = fmt::format("  rel.margin {} -> {}", sci(c.old_relative_margin), sci(c.new_relative_margin));
  out << fmt::format("  {:<16} {:<22} {}  {}{}{}\n", to_string(c.kind), c.check,
                     c.case_id.empty() ? "fit/constant '" + c.name + "'" : c.case_id, c.detail, margins,
                     c.accepted ? "  (accepted finding)" : "");
}

}  // namespace

void print_diff(const RunDiff& d, std::ostream& out, std::size_t limit) {
  out << "old: " << run_line(d.old_meta) << "\nnew: " << run_line(d.new_meta) << '\n';
  for (const auto& s : d.differences) out << "note: " << s << '\n';
  if (!d.not_compared.empty()) {
    std::string ids;
    for (const auto& id : d.not_compared) ids += (ids.empty() ? "" : ", ") + id;
    out << "note: not compared (NEW did not run them): " << ids << '\n';
  }
  out << fmt::format("{:<30} {:>6} {:>6} {:>7} {:>7} {:>6} {:>8} {:>8} {:>7} {:>6} {:>6} {:>7}  {}\n", "check", "old",
                     "new", "worse", "better", "added", "removed", "margin-", "moved", "fits", "kind", "REGR.",
                     "min rel.margin old -> new");
  for (const auto& c : d.checks) {
    auto n = [&](ChangeKind k) { return c.counts[static_cast<int>(k)]; };
    out << fmt::format("{:<30} {:>6} {:>6} {:>7} {:>7} {:>6} {:>8} {:>8} {:>7} {:>6} {:>6} {:>7}  {} -> {}\n", c.id,
                       c.cases_old, c.cases_new, n(ChangeKind::verdict_worse), n(ChangeKind::verdict_better),
                       n(ChangeKind::new_case) + n(ChangeKind::new_finding), n(ChangeKind::removed_case),
                       n(ChangeKind::margin_shrank), n(ChangeKind::value_moved),
                       n(ChangeKind::fit_worse) + n(ChangeKind::fit_changed) + n(ChangeKind::constant_changed),
                       n(ChangeKind::evidence_lost) + n(ChangeKind::kind_changed), c.regressions, sci(c.min_old),
                       sci(c.min_new));
  }
  std::string counted;
  for (const auto k : d.options.fail_on) counted += (counted.empty() ? "" : ", ") + std::string(to_string(k));
  const std::int64_t regressions = d.regressions();
  if (regressions > 0) {
    out << "REGRESSIONS: " << regressions << " (counted as regressions: " << (counted.empty() ? "none" : counted)
        << ")\n";
    for (const auto& c : d.changes)
      if (c.regression) print_change(c, out);
  }
  const std::size_t others = d.changes.size() - static_cast<std::size_t>(regressions);
  if (others > 0) {
    const std::size_t shown = limit == 0 ? others : std::min(others, limit);
    out << "other changes (not counted as regressions): " << others;
    if (shown < others) out << "; the first " << shown << " (all of them: --limit 0, or --format json)";
    out << '\n';
    std::size_t k = 0;
    for (const auto& c : d.changes)
      if (!c.regression && k++ < shown) print_change(c, out);
  }
  if (regressions > 0)
    out << fmt::format("result: {} regression{} from OLD to NEW\n", regressions, regressions == 1 ? "" : "s");
  else if (d.identical())
    out << fmt::format(
        "result: no regression; the runs are identical ({} cases: the same verdicts, margins and values to the last "
        "digit)\n",
        d.compared_cases);
  else
    out << fmt::format("result: no regression ({} cases compared, {} changes not counted as regressions)\n",
                       d.compared_cases, others);
}

}  // namespace diffbound::app
