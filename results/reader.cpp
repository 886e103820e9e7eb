#include <diffbound/results/reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace diffbound::results {

namespace fs = std::filesystem;

namespace {

/// Reads the fields of one JSON object, remembering (as "prefix.key") what is missing or mistyped.
class Fields {
 public:
  Fields(const json& j, std::vector<std::string>& missing, std::string prefix = "")
      : j_(j), missing_(missing), prefix_(std::move(prefix)) {}

  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }

  const json* get(const char* key, bool required) const {
    if (!has(key)) {
      if (required) missing_.push_back(prefix_ + key);
      return nullptr;
    }
    return &j_.at(key);
  }

  std::string str(const char* key, bool required = true) const {
    const json* v = get(key, required);
    if (!v || v->is_null()) return {};
    if (v->is_string()) return v->get<std::string>();
    wrong(key);
    return v->dump();
  }

  double number(const char* key, bool required = true) const {
    const json* v = get(key, required);
    if (!v) return nan;
    return to_number(*v, key);
  }

  std::optional<std::int64_t> integer(const char* key, bool required = true) const {
    const json* v = get(key, required);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_number_integer() || v->is_number_unsigned()) return v->get<std::int64_t>();
    if (v->is_number_float()) return static_cast<std::int64_t>(v->get<double>());
    wrong(key);
    return std::nullopt;
  }

  bool boolean(const char* key) const {
    const json* v = get(key, false);
    if (!v || v->is_null()) return false;
    if (v->is_boolean()) return v->get<bool>();
    wrong(key);
    return false;
  }

  std::vector<double> numbers(const char* key, bool required) const {
    std::vector<double> out;
    const json* v = get(key, required);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      wrong(key);
      return out;
    }
    bool bad = false;
    for (const auto& e : *v) {
      if (e.is_number())
        out.push_back(e.get<double>());
      else {
        if (!e.is_null()) bad = true;
        out.push_back(nan);
      }
    }
    if (bad) missing_.push_back(prefix_ + key + " (entries that are not numbers)");
    return out;
  }

  std::vector<std::string> strings(const char* key, bool required) const {
    std::vector<std::string> out;
    const json* v = get(key, required);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      wrong(key);
      return out;
    }
    for (const auto& e : *v) out.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    return out;
  }

  /// The array at key (empty when missing or not an array, with a note).
  const json& array(const char* key, bool required) const {
    static const json empty = json::array();
    const json* v = get(key, required);
    if (!v || v->is_null()) return empty;
    if (!v->is_array()) {
      wrong(key);
      return empty;
    }
    return *v;
  }

  double to_number(const json& v, const char* key) const {
    if (v.is_null()) return nan;
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      try {
        return std::stod(v.get<std::string>());
      } catch (const std::exception&) {
      }
    }
    wrong(key);
    return nan;
  }

  void wrong(const char* key) const { missing_.push_back(prefix_ + key + " (wrong type)"); }

 private:
  const json& j_;
  std::vector<std::string>& missing_;
  std::string prefix_;
};

std::optional<Quantity> read_quantity(const Fields& f, const char* key, bool required,
                                      std::vector<std::string>& missing) {
  const json* v = f.get(key, required);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) {
    f.wrong(key);
    return std::nullopt;
  }
  Fields q(*v, missing, std::string(key) + ".");
  Quantity out;
  out.lo = q.number(keys::lo);
  out.hi = q.number(keys::hi);
  out.mid = q.number(keys::mid);
  out.text = q.str(keys::text, false);
  return out;
}

RecordedCounts read_counts(const Fields& parent, const char* key, std::vector<std::string>& missing) {
  RecordedCounts c;
  const json* v = parent.get(key, true);
  if (!v || v->is_null()) return c;
  if (!v->is_object()) {
    parent.wrong(key);
    return c;
  }
  Fields f(*v, missing, std::string(key) + ".");
  c.verified = f.integer(keys::verified);
  c.holds = f.integer(keys::holds);
  c.violated = f.integer(keys::violated);
  c.inconclusive = f.integer(keys::inconclusive);
  c.failed = f.integer(keys::failed);
  c.cases = f.integer(keys::cases);
  return c;
}

CaseRecord read_case(const json& j, std::size_t line) {
  CaseRecord r;
  r.line = line;
  Fields f(j, r.missing);
  r.check = f.str(keys::check);
  r.id = f.str(keys::case_id);
  if (const json* p = f.get(keys::params, true)) r.params = *p;
  if (const std::string k = f.str(keys::kind, false); !k.empty()) r.kind = k;
  r.verdict = f.str(keys::verdict);
  r.reason = f.str(keys::reason, false);
  r.error = f.str(keys::error, false);
  const bool ran = r.error.empty();
  r.measured = read_quantity(f, keys::measured, ran, r.missing);
  r.bound = read_quantity(f, keys::bound, ran, r.missing);
  r.margin = read_quantity(f, keys::margin, ran, r.missing);
  r.relative_margin = f.number(keys::relative_margin, ran);
  r.error_estimate = f.number(keys::error_estimate, false);
  r.scalar = f.str(keys::scalar, false);
  r.precision_bits = f.integer(keys::precision_bits, false);
  r.seconds = f.number(keys::seconds, false);
  if (const json* m = f.get(keys::finding, false); m && !m->is_null()) {
    if (m->is_object()) {
      Fields mf(*m, r.missing, std::string(keys::finding) + ".");
      FindingMark mark;
      mark.status = mf.str(keys::status);
      const bool accepted = mark.status == keys::status_accepted;
      mark.id = mf.str(keys::id, accepted);
      mark.reason = mf.str(keys::reason, accepted);
      mark.docs = mf.str(keys::docs, accepted);
      r.finding = std::move(mark);
    } else {
      f.wrong(keys::finding);
    }
  }
  return r;
}

/// A "findings" object of counts ({accepted, new}) at `key`, if present.
std::optional<FindingCounts> read_finding_counts(const Fields& parent, std::vector<std::string>& missing) {
  const json* v = parent.get(keys::findings, false);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) {
    parent.wrong(keys::findings);
    return std::nullopt;
  }
  Fields f(*v, missing, std::string(keys::findings) + ".");
  FindingCounts c;
  c.accepted = f.integer(keys::accepted);
  c.fresh = f.integer(keys::new_findings);
  return c;
}

FindingsRecord read_findings_record(const Fields& parent, std::vector<std::string>& missing) {
  FindingsRecord out;
  const json* v = parent.get(keys::findings, false);
  if (!v || v->is_null()) return out;
  if (!v->is_object()) {
    parent.wrong(keys::findings);
    return out;
  }
  out.present = true;
  const std::string prefix = std::string(keys::findings) + ".";
  Fields f(*v, missing, prefix);
  out.file = f.str(keys::file, false);
  out.counts.accepted = f.integer(keys::accepted);
  out.counts.fresh = f.integer(keys::new_findings);
  out.resolved = f.integer(keys::resolved, false);
  std::size_t i = 0;
  for (const auto& e : f.array(keys::entries, true)) {
    Fields ef(e, missing, fmt::format("{}{}[{}].", prefix, keys::entries, i++));
    FindingEntry entry;
    entry.id = ef.str(keys::id);
    entry.check = ef.str(keys::check);
    entry.cases = ef.strings(keys::cases, false);
    entry.verdict = ef.str(keys::verdict, false);
    entry.reason = ef.str(keys::reason);
    entry.docs = ef.str(keys::docs);
    entry.status = ef.str(keys::status);
    entry.matched = ef.integer(keys::matched, false);
    entry.accepted = ef.integer(keys::accepted, false);
    out.entries.push_back(std::move(entry));
  }
  return out;
}

Series read_series(const json& j, std::vector<std::string>& problems, std::size_t index, bool heatmap) {
  Series s;
  std::vector<std::string> missing;
  Fields f(j, missing);
  s.label = f.str(keys::label, false);
  s.role = f.str(keys::role, false);
  if (s.role.empty()) s.role = "other";
  s.x = f.numbers(keys::x, true);
  s.y = f.numbers(keys::y, true);
  s.y_lo = f.numbers(keys::y_lo, false);
  s.y_hi = f.numbers(keys::y_hi, false);
  s.z = f.numbers(keys::z, heatmap && index == 0);
  for (const auto& m : missing) problems.push_back(fmt::format("series {} ('{}'): {}", index + 1, s.label, m));
  return s;
}

Figure read_figure(const json& j, std::vector<std::string>& problems) {
  Figure fig;
  std::vector<std::string> missing;
  Fields f(j, missing);
  fig.id = f.str(keys::id);
  fig.kind = f.str(keys::kind, false);
  if (fig.kind.empty()) fig.kind = "xy";
  fig.title = f.str(keys::title);
  fig.xlabel = f.str(keys::xlabel);
  fig.ylabel = f.str(keys::ylabel);
  fig.zlabel = f.str(keys::zlabel, fig.kind == "heatmap");
  fig.caption = f.str(keys::caption, false);
  fig.logx = f.boolean(keys::logx);
  fig.logy = f.boolean(keys::logy);
  fig.logz = f.boolean(keys::logz);
  const json& series = f.array(keys::series, true);
  for (const auto& m : missing) problems.push_back("field " + m);
  std::size_t i = 0;
  for (const auto& s : series) {
    if (!s.is_object()) {
      problems.push_back(fmt::format("series {} is not an object", i + 1));
      ++i;
      continue;
    }
    fig.series.push_back(read_series(s, problems, i, fig.kind == "heatmap"));
    ++i;
  }
  return fig;
}

Table read_table(const json& j, std::vector<std::string>& missing, std::size_t index) {
  Table t;
  Fields f(j, missing, fmt::format("summary.tables[{}].", index));
  t.id = f.str(keys::id, false);
  t.title = f.str(keys::title, false);
  t.caption = f.str(keys::caption, false);
  t.columns = f.strings(keys::columns, true);
  for (const auto& row : f.array(keys::rows, true)) {
    std::vector<json> cells;
    if (row.is_array())
      for (const auto& c : row) cells.push_back(c);
    else
      cells.push_back(row);
    t.rows.push_back(std::move(cells));
  }
  return t;
}

Fit read_fit(const json& j, std::vector<std::string>& missing, std::size_t index) {
  Fit fit;
  Fields f(j, missing, fmt::format("summary.fits[{}].", index));
  fit.name = f.str(keys::name);
  fit.slope = f.number(keys::slope);
  fit.slope_lo = f.number(keys::slope_lo);
  fit.slope_hi = f.number(keys::slope_hi);
  fit.intercept = f.number(keys::intercept, false);
  fit.confidence = f.number(keys::confidence, false);
  fit.points = static_cast<int>(f.integer(keys::points, false).value_or(0));
  fit.expected = f.number(keys::expected, false);
  fit.comparison = f.str(keys::comparison, false);
  fit.outcome = f.str(keys::outcome);
  return fit;
}

Claim read_claim(const Fields& parent, std::vector<std::string>& missing) {
  Claim c;
  const json* v = parent.get(keys::claim, true);
  if (!v || !v->is_object()) {
    if (v) parent.wrong(keys::claim);
    return c;
  }
  c.present = true;
  Fields f(*v, missing, "claim.");
  c.id = f.str(keys::id, false);
  c.title = f.str(keys::title);
  c.statement = f.str(keys::statement, false);
  c.statement_tex = f.str(keys::statement_tex);
  c.source = f.str(keys::source);
  c.paper_tag = f.str(keys::paper_tag);
  c.assumptions = f.strings(keys::assumptions, true);
  std::size_t i = 0;
  for (const auto& k : f.array(keys::constants, true)) {
    Fields kf(k, missing, fmt::format("claim.constants[{}].", i++));
    Constant con;
    con.name = kf.str(keys::name);
    con.symbol_tex = kf.str(keys::symbol_tex, false);
    con.value = kf.str(keys::value, false);
    con.provenance = kf.str(keys::provenance);
    con.paper_tag = kf.str(keys::paper_tag, false);
    con.source = kf.str(keys::source, false);
    c.constants.push_back(std::move(con));
  }
  return c;
}

CheckRecord read_check(const json& j, std::size_t line) {
  CheckRecord r;
  r.line = line;
  Fields f(j, r.missing);
  r.id = f.str(keys::check);
  r.claim = read_claim(f, r.missing);
  r.scalar = f.str(keys::scalar, false);
  r.precision_bits = f.integer(keys::precision_bits, false);
  r.counts = read_counts(f, keys::counts, r.missing);
  if (const json* by = f.get(keys::counts_by_kind, false); by && by->is_object())
    for (auto it = by->begin(); it != by->end(); ++it) {
      Fields kf(*by, r.missing, std::string(keys::counts_by_kind) + ".");
      r.counts_by_kind[it.key()] = read_counts(kf, it.key().c_str(), r.missing);
    }
  r.smallest_relative_margin = f.number(keys::smallest_relative_margin);
  r.worst_case = f.str(keys::worst_case);
  r.seconds = f.number(keys::seconds, false);
  const json* s = f.get(keys::summary, true);
  if (s && s->is_object()) {
    r.has_summary = true;
    Fields sf(*s, r.missing, "summary.");
    std::size_t i = 0;
    for (const auto& fig : sf.array(keys::figures, false)) {
      if (fig.is_object()) {
        r.figure_problems.emplace_back();
        r.figures.push_back(read_figure(fig, r.figure_problems.back()));
      } else
        r.missing.push_back(fmt::format("summary.figures[{}] (not an object)", i));
      ++i;
    }
    i = 0;
    for (const auto& t : sf.array(keys::tables, false)) r.tables.push_back(read_table(t, r.missing, i++));
    i = 0;
    for (const auto& fit : sf.array(keys::fits, false)) r.fits.push_back(read_fit(fit, r.missing, i++));
    r.notes = sf.strings(keys::notes, false);
    r.summary_error = sf.str(keys::error, false);
  } else if (s) {
    f.wrong(keys::summary);
  }
  r.findings = read_finding_counts(f, r.missing);
  return r;
}

std::string short_text(const std::string& s, std::size_t n = 60) { return s.size() <= n ? s : s.substr(0, n) + "..."; }

}  // namespace

const CheckView* ResultsFile::find(const std::string& id) const {
  for (const auto& c : checks)
    if (c.id == id) return &c;
  return nullptr;
}

fs::path locate_results(const fs::path& in) {
  std::error_code ec;
  if (fs::is_regular_file(in, ec)) return in;
  if (fs::is_directory(in, ec)) {
    if (fs::is_regular_file(in / "results.jsonl", ec)) return in / "results.jsonl";
    if (fs::is_regular_file(in / "results.jsonl.partial", ec)) return in / "results.jsonl.partial";
    throw std::invalid_argument("no results.jsonl in " + in.string() + " (run 'diffbound run --out " + in.string() +
                                "' first)");
  }
  throw std::invalid_argument("no results at " + in.string() + " (expected a folder with results.jsonl, or the file)");
}

ResultsFile parse_results(const std::string& text, const fs::path& name) {
  ResultsFile out;
  out.path = name;
  std::map<std::string, std::size_t> index;  // check id -> position in out.checks
  auto view = [&](const std::string& id) -> CheckView& {
    auto it = index.find(id);
    if (it != index.end()) return out.checks[it->second];
    index[id] = out.checks.size();
    out.checks.push_back(CheckView{id, std::nullopt, 0, {}, false});
    return out.checks.back();
  };

  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  const bool ends_with_newline = !text.empty() && text.back() == '\n';
  out.lines = lines.size();
  std::size_t unknown_types = 0, bad_lines = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t no = i + 1;
    const std::string& line = lines[i];
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      if (i + 1 == lines.size() && !ends_with_newline)
        out.problems.push_back(fmt::format(
            "The last line (line {}) is cut short: the run was interrupted or the file was truncated. It is "
            "ignored.",
            no));
      else if (++bad_lines <= 20)
        out.problems.push_back(fmt::format("Line {} is not valid JSON ({}); it is ignored.", no, e.what()));
      continue;
    }
    if (!j.is_object()) {
      if (++bad_lines <= 20) out.problems.push_back(fmt::format("Line {} is not a JSON object; it is ignored.", no));
      continue;
    }
    const std::string type =
        j.contains(keys::type) && j[keys::type].is_string() ? j[keys::type].get<std::string>() : "";
    if (type == keys::type_run) {
      if (out.run_present)
        out.problems.push_back(fmt::format("Line {} is a second run record; the first one is shown.", no));
      else {
        out.run = j;
        out.run_present = true;
        if (j.contains(keys::checks) && j[keys::checks].is_array())
          for (const auto& c : j[keys::checks])
            if (c.is_string()) view(c.get<std::string>()).listed_in_run = true;
      }
    } else if (type == keys::type_case) {
      CaseRecord r = read_case(j, no);
      const std::string id = r.check.empty() ? "(no check id)" : r.check;
      view(id).cases.push_back(out.cases.size());
      out.cases.push_back(std::move(r));
    } else if (type == keys::type_check) {
      CheckRecord r = read_check(j, no);
      CheckView& v = view(r.id.empty() ? "(no check id)" : r.id);
      if (v.record) ++v.extra_records;
      v.record = std::move(r);
    } else if (type == keys::type_end) {
      out.end.present = true;
      Fields f(j, out.end.missing);
      out.end.wall_seconds = f.number(keys::wall_seconds);
      out.end.counts = read_counts(f, keys::counts, out.end.missing);
      if (const json* by = f.get(keys::counts_by_kind, false); by && by->is_object())
        for (auto it = by->begin(); it != by->end(); ++it) {
          Fields kf(*by, out.end.missing, std::string(keys::counts_by_kind) + ".");
          out.end.counts_by_kind[it.key()] = read_counts(kf, it.key().c_str(), out.end.missing);
        }
      out.end.findings = read_findings_record(f, out.end.missing);
    } else {
      if (++unknown_types <= 20)
        out.problems.push_back(type.empty() ? fmt::format("Line {} has no \"type\" field; it is ignored.", no)
                                            : fmt::format("Line {} has the unknown record type \"{}\"; it is ignored.",
                                                          no, short_text(type)));
    }
  }
  if (bad_lines > 20) out.problems.push_back(fmt::format("{} more lines that are not JSON objects.", bad_lines - 20));
  if (unknown_types > 20) out.problems.push_back(fmt::format("{} more records of unknown type.", unknown_types - 20));
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) out.problems.push_back("The results file is empty.");
  if (!out.run_present)
    out.problems.push_back("The file has no run record: the run's metadata (commit, date, size, ...) is unknown.");
  if (!out.end.present)
    out.problems.push_back(
        "The file has no end record: the run did not finish (or the file was cut), so the wall time and the "
        "run's totals are unknown; checks without a check record have no counts.");
  if (out.path.filename() == "results.jsonl.partial")
    out.problems.push_back("The report was made from results.jsonl.partial: the run had not finished.");
  for (const auto& c : out.checks) {
    if (!c.record && !c.cases.empty())
      out.problems.push_back(
          fmt::format("Check {} has {} case record{} but no check record (its run did not finish): no counts, figures "
                      "or claim.",
                      c.id, c.cases.size(), c.cases.size() == 1 ? "" : "s"));
    if (!c.record && c.cases.empty() && c.listed_in_run)
      out.problems.push_back(
          fmt::format("Check {} is named in the run record but the file holds nothing of it.", c.id));
    if (c.extra_records > 0)
      out.problems.push_back(
          fmt::format("Check {} has {} check records; the last one is shown.", c.id, c.extra_records + 1));
  }
  return out;
}

ResultsFile read_results(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_results(buf.str(), file);
}

json recorded_counts_json(const RecordedCounts& c) {
  auto v = [](const std::optional<std::int64_t>& x) { return x ? json(*x) : json(nullptr); };
  return json{{keys::verified, v(c.verified)},         {keys::holds, v(c.holds)},   {keys::violated, v(c.violated)},
              {keys::inconclusive, v(c.inconclusive)}, {keys::failed, v(c.failed)}, {keys::cases, v(c.cases)}};
}

// ---------------------------------------------------------------------------------------------
// diff.json

namespace {

DiffRun read_diff_run(const Fields& parent, const char* key, std::vector<std::string>& missing) {
  DiffRun r;
  const json* v = parent.get(key, true);
  if (!v || !v->is_object()) {
    if (v) parent.wrong(key);
    return r;
  }
  Fields f(*v, missing, std::string(key) + ".");
  r.file = f.str(keys::file);
  r.commit = f.str(keys::commit, false);
  r.date = f.str(keys::date, false);
  r.size = f.str(keys::size, false);
  r.mutant = f.str(keys::mutant, false);
  r.cases = f.integer(keys::cases, false);
  return r;
}

/// {"verdict": ..., "relative_margin": ...} of one side of a change.
void read_change_side(const json& j, const char* key, std::string& verdict, double& margin,
                      std::vector<std::string>& missing, const std::string& prefix) {
  Fields f(j, missing, prefix);
  const json* v = f.get(key, true);
  if (!v || !v->is_object()) {
    if (v) f.wrong(key);
    return;
  }
  Fields s(*v, missing, prefix + key + ".");
  verdict = s.str(keys::verdict, false);
  margin = s.number(keys::relative_margin, false);
}

std::map<std::string, std::int64_t> read_change_counts(const Fields& f, const char* key) {
  std::map<std::string, std::int64_t> out;
  const json* v = f.get(key, true);
  if (!v || !v->is_object()) {
    if (v) f.wrong(key);
    return out;
  }
  for (const auto& [name, n] : v->items())
    if (n.is_number_integer() || n.is_number_unsigned()) out[name] = n.get<std::int64_t>();
  return out;
}

}  // namespace

DiffFile parse_diff(const std::string& text, const fs::path& name) {
  DiffFile d;
  d.path = name;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    d.problems.push_back(name.string() + " is not valid JSON; the comparison with the baseline is not shown.");
    return d;
  }
  if (!j.is_object() || j.value(keys::type, json()) != keys::type_diff) {
    d.problems.push_back(name.string() + " is not a diff (no \"type\": \"diff\"); it is not shown.");
    return d;
  }
  d.parsed = true;
  Fields f(j, d.missing);
  d.old_run = read_diff_run(f, keys::old_run, d.missing);
  d.new_run = read_diff_run(f, keys::new_run, d.missing);
  if (const json* o = f.get(keys::options, true); o && o->is_object()) {
    Fields of(*o, d.missing, std::string(keys::options) + ".");
    d.fail_on = of.strings(keys::fail_on, true);
    d.margin_tolerance = of.number(keys::margin_tolerance, false);
    d.value_tolerance = of.number(keys::value_tolerance, false);
  } else if (o) {
    f.wrong(keys::options);
  }
  if (const json* v = f.get(keys::identical, true); v && v->is_boolean()) d.identical = v->get<bool>();
  d.regressions = f.integer(keys::regressions);
  if (const json* c = f.get(keys::cases, false); c && c->is_object()) {
    Fields cf(*c, d.missing, std::string(keys::cases) + ".");
    d.compared = cf.integer(keys::compared, false);
    d.exactly_equal = cf.integer(keys::exactly_equal, false);
  }
  d.counts = read_change_counts(f, keys::counts);
  d.differences = f.strings(keys::differences, false);
  d.not_compared = f.strings(keys::not_compared, false);
  std::size_t i = 0;
  for (const auto& c : f.array(keys::checks, true)) {
    const std::string prefix = fmt::format("{}[{}].", keys::checks, i++);
    Fields cf(c, d.missing, prefix);
    DiffCheckRow row;
    row.check = cf.str(keys::check);
    row.cases_old = cf.integer(keys::cases_old, false);
    row.cases_new = cf.integer(keys::cases_new, false);
    row.regressions = cf.integer(keys::regressions, false);
    row.changes = read_change_counts(cf, keys::changes);
    if (const json* o = cf.get(keys::old_run, false); o && o->is_object())
      row.min_old = Fields(*o, d.missing, prefix + keys::old_run + ".").number(keys::smallest_relative_margin, false);
    if (const json* n = cf.get(keys::new_run, false); n && n->is_object())
      row.min_new = Fields(*n, d.missing, prefix + keys::new_run + ".").number(keys::smallest_relative_margin, false);
    d.checks.push_back(std::move(row));
  }
  i = 0;
  for (const auto& c : f.array(keys::changes, true)) {
    const std::string prefix = fmt::format("{}[{}].", keys::changes, i++);
    Fields cf(c, d.missing, prefix);
    DiffChange ch;
    ch.change = cf.str(keys::change);
    ch.check = cf.str(keys::check);
    ch.case_id = cf.str(keys::case_id, false);
    ch.name = cf.str(keys::name, false);
    ch.detail = cf.str(keys::detail, false);
    ch.regression = cf.boolean(keys::regression);
    ch.accepted = cf.boolean(keys::accepted);
    ch.severity = cf.integer(keys::severity, false);
    read_change_side(c, keys::old_run, ch.old_verdict, ch.old_relative_margin, d.missing, prefix);
    read_change_side(c, keys::new_run, ch.new_verdict, ch.new_relative_margin, d.missing, prefix);
    d.changes.push_back(std::move(ch));
  }
  return d;
}

DiffFile read_diff(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_diff(buf.str(), file);
}

bool is_evidence_kind(const std::string& kind) {
  for (int i = 0; i < kCaseKinds; ++i)
    if (kind == to_string(static_cast<CaseKind>(i))) return counts_as_evidence(static_cast<CaseKind>(i));
  return false;
}

RecordedCounts evidence_counts(const RecordedCounts& all, const std::map<std::string, RecordedCounts>& by_kind) {
  if (by_kind.empty()) return all;
  RecordedCounts e;
  auto add = [](std::optional<std::int64_t>& to, const std::optional<std::int64_t>& v) {
    if (v) to = to.value_or(0) + *v;
  };
  for (const auto& [kind, c] : by_kind) {
    if (!is_evidence_kind(kind)) continue;
    add(e.verified, c.verified), add(e.holds, c.holds), add(e.violated, c.violated);
    add(e.inconclusive, c.inconclusive), add(e.failed, c.failed), add(e.cases, c.cases);
  }
  for (auto* v : {&e.verified, &e.holds, &e.violated, &e.inconclusive, &e.failed, &e.cases})
    if (!*v) *v = 0;
  return e;
}

std::int64_t kind_cases(const std::map<std::string, RecordedCounts>& by_kind, const std::string& kind) {
  const auto it = by_kind.find(kind);
  return it == by_kind.end() ? 0 : it->second.cases.value_or(0);
}

}  // namespace diffbound::results
