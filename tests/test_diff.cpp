// The diff of two runs (app/diff.hpp: `diffbound diff`, `run --baseline`): on results files written by
// real smoke runs of the program, and on copies of them edited record by record where a change must be
// planted (a verdict, a margin, a fit). Identical runs (timings and dates aside), verdict changes ranked
// by severity with the regressions first, accepted findings that never regress, margins that shrink
// beyond the tolerance, the exit statuses 0/1/2 (and 5 for run --baseline), diff.json read back by the
// results reader and shown in the report.
#include "cli_helpers.hpp"

#include <diffbound/app/diff.hpp>
#include <diffbound/reports/report.hpp>
#include <diffbound/results/reader.hpp>
#include <diffbound/results/schema.hpp>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <functional>
#include <sstream>

using namespace diffbound::test;
using namespace diffbound::app;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace keys = diffbound::results::keys;
using nlohmann::json;

namespace {

const std::string kSelection = "sampling.girsanov sampling.schedules sampling.order";

/// Two runs of the same code at smoke size, made once per test process: <dir>/a and <dir>/b.
const fs::path& runs() {
  static TempDir dir("diff-runs");
  static const bool made = [] {
    for (const char* name : {"a", "b"}) {
      const auto r = run_diffbound("run " + kSelection + " --size smoke --no-progress --no-report --out " +
                                   (dir.path() / name).string());
      INFO(r.output);
      REQUIRE(r.status == 0);
    }
    return true;
  }();
  (void)made;
  return dir.path();
}

void write_jsonl(const fs::path& p, const std::vector<json>& records) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  for (const auto& r : records) out << r.dump() << '\n';
}

/// A copy of the run in `from` (a folder) at `to`/results.jsonl, its records passed through `edit`.
fs::path edited(const fs::path& from, const fs::path& to, const std::function<void(std::vector<json>&)>& edit) {
  auto records = read_jsonl(from / "results.jsonl");
  edit(records);
  write_jsonl(to / "results.jsonl", records);
  return to;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

CommandResult diff(const fs::path& a, const fs::path& b, const std::string& options = "") {
  return run_diffbound("diff " + quote(a) + " " + quote(b) + " " + options);
}

/// Indices of the case records of `check` with verdict `verdict`.
std::vector<std::size_t> cases_with(const std::vector<json>& r, const std::string& check, const std::string& verdict) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r[i][keys::type] == keys::type_case && r[i][keys::check] == check && r[i][keys::verdict] == verdict)
      out.push_back(i);
  return out;
}

/// Indices of the case records marked as accepted findings.
std::vector<std::size_t> accepted_cases(const std::vector<json>& r) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r[i][keys::type] == keys::type_case && r[i].contains(keys::finding) &&
        r[i][keys::finding][keys::status] == keys::status_accepted)
      out.push_back(i);
  return out;
}

RunDiff diff_of(const fs::path& a, const fs::path& b, const DiffOptions& o = {}) {
  return diff_runs(read_run(a), read_run(b), o);
}

}  // namespace

TEST_CASE("diff: two runs of the same code are identical, whatever their dates and timings", "[diff][cli]") {
  const fs::path& d = runs();
  const auto r = diff(d / "a", d / "b");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("result: no regression; the runs are identical"));
  const RunDiff same = diff_of(d / "a", d / "b");
  CHECK(same.identical());
  CHECK(same.regressions() == 0);
  CHECK(same.changes.empty());
  CHECK(same.compared_cases == static_cast<std::int64_t>(read_run(d / "a").content.cases.size()));
  CHECK(same.compared_cases > 0);

  // Everything that depends on when and where a run ran, changed by hand: still identical.
  const fs::path t = edited(d / "b", d / "timed", [](std::vector<json>& recs) {
    for (auto& rec : recs) {
      if (rec[keys::type] == keys::type_run) {
        rec[keys::date] = "2031-01-01T00:00:00Z";
        rec[keys::threads] = 977;
        rec[keys::machine] = json{{"host", "elsewhere"}, {"cores", 977}};
      }
      if (rec.contains(keys::seconds)) rec[keys::seconds] = 123.25;
      if (rec.contains(keys::wall_seconds)) rec[keys::wall_seconds] = 4567.5;
    }
  });
  const auto timed = diff(d / "a", t);
  INFO(timed.output);
  CHECK(timed.status == 0);
  CHECK_THAT(timed.output, Contains("the runs are identical"));
  const auto j = diff(d / "a", t, "--format json");
  REQUIRE(j.status == 0);
  const json dj = json::parse(j.output);
  CHECK(dj[keys::type] == keys::type_diff);
  CHECK(dj[keys::identical] == true);
  CHECK(dj[keys::regressions] == 0);
  CHECK(dj[keys::cases][keys::compared] == same.compared_cases);
  // A file is accepted as well as a folder.
  CHECK(diff(d / "a" / "results.jsonl", d / "b").status == 0);

  // A case id that a run holds twice (sampling.bound's smoke sweep has such ids): occurrences are matched
  // in file order, so two runs that agree are identical; swapped, the values move.
  const auto base = read_jsonl(d / "a" / "results.jsonl");
  const auto verified = cases_with(base, "sampling.girsanov", "VERIFIED");
  REQUIRE_FALSE(verified.empty());
  const std::size_t k = verified[0];
  auto twice = [&](bool swapped) {
    return [=](std::vector<json>& recs) {
      json other = recs[k];
      json& m = other[keys::measured];
      for (const char* q : {keys::lo, keys::mid, keys::hi}) m[q] = m[q].get<double>() / 2;
      recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(k) + (swapped ? 0 : 1), other);
    };
  };
  const fs::path o2 = edited(d / "a", d / "twice-old", twice(false)),
                 n2 = edited(d / "b", d / "twice-new", twice(false)),
                 s2 = edited(d / "b", d / "twice-swapped", twice(true));
  const auto dup = diff(o2, n2);
  INFO(dup.output);
  CHECK(dup.status == 0);
  CHECK_THAT(dup.output, Contains("the runs are identical"));
  CHECK_THAT(dup.output, Contains("occurs 2 times in NEW; its occurrences are compared in file order"));
  const RunDiff swapped = diff_of(o2, s2);
  CHECK(swapped.changes.size() == 2);  // each occurrence against the other's values
  CHECK_FALSE(swapped.identical());
}

TEST_CASE("diff: verdict changes ranked by severity, regressions first, exit status 1", "[diff][cli]") {
  const fs::path& d = runs();
  const auto base = read_jsonl(d / "b" / "results.jsonl");
  const auto verified = cases_with(base, "sampling.girsanov", "VERIFIED");
  REQUIRE(verified.size() >= 3);
  const auto accepted = accepted_cases(base);
  REQUIRE_FALSE(accepted.empty());  // sampling.schedules' Table 2 cells (expected/findings.toml)
  // Three VERIFIED cases worsen by one, two and three ranks; an accepted finding improves.
  const fs::path w = edited(d / "b", d / "worse", [&](std::vector<json>& r) {
    r[verified[0]][keys::verdict] = "HOLDS";
    r[verified[1]][keys::verdict] = "INCONCLUSIVE";
    r[verified[2]][keys::verdict] = "VIOLATED";
    r[verified[2]][keys::finding] = json{{keys::status, keys::status_new}};
    r[accepted[0]][keys::verdict] = "HOLDS";
    r[accepted[0]].erase(keys::finding);
  });
  const auto out = diff(d / "a", w);
  INFO(out.output);
  CHECK(out.status == 1);
  CHECK_THAT(out.output, Contains("REGRESSIONS: 3"));
  CHECK_THAT(out.output, Contains("result: 3 regressions from OLD to NEW"));
  // The table names the cases, gravest first.
  const auto at = [&](std::size_t k) { return out.output.find(base[verified[k]][keys::case_id].get<std::string>()); };
  REQUIRE(at(0) != std::string::npos);
  CHECK(at(2) < at(1));
  CHECK(at(1) < at(0));

  const RunDiff rd = diff_of(d / "a", w);
  REQUIRE(rd.changes.size() == 4);
  CHECK(rd.regressions() == 3);
  const std::vector<std::string> order{"VIOLATED", "INCONCLUSIVE", "HOLDS"};
  for (std::size_t k = 0; k < 3; ++k) {
    INFO(k);
    CHECK(rd.changes[k].kind == ChangeKind::verdict_worse);
    CHECK(rd.changes[k].regression);
    CHECK(rd.changes[k].old_verdict == "VERIFIED");
    CHECK(rd.changes[k].new_verdict == order[k]);
    if (k > 0) CHECK(rd.changes[k].severity < rd.changes[k - 1].severity);
  }
  CHECK(rd.changes[3].kind == ChangeKind::verdict_better);
  CHECK_FALSE(rd.changes[3].regression);
  CHECK(rd.count(ChangeKind::verdict_worse) == 3);
  for (const auto& c : rd.checks)
    if (c.id == "sampling.girsanov") CHECK(c.regressions == 3);

  // What counts as a regression is the user's choice.
  CHECK(diff(d / "a", w, "--fail-on none").status == 0);
  CHECK(diff(d / "a", w, "--fail-on verdict-worse").status == 1);
  CHECK(diff(d / "a", w, "--fail-on fit-worse,new-finding").status == 0);

  // A real regression: the same cases with every bound scaled by 1/100 (the testing aid --bound-factor).
  const auto c = run_diffbound(
      "run sampling.girsanov --size smoke --no-progress --no-report --no-falsify "
      "--bound-factor 0.01 --out " +
      quote(d / "factor"));
  INFO(c.output);
  CHECK(c.status == 1);  // new findings
  const auto real = diff(d / "a", d / "factor");
  INFO(real.output);
  CHECK(real.status == 1);
  CHECK_THAT(real.output, Contains("note: bound_factor is 1.0 in OLD but 0.01 in NEW"));
  CHECK_THAT(real.output, Contains("note: not compared (NEW did not run them): sampling.order, sampling.schedules"));
  CHECK_THAT(real.output, Contains("verdict-worse    sampling.girsanov"));
}

TEST_CASE("diff: an accepted finding is never a regression, a new one is", "[diff][cli]") {
  const fs::path& d = runs();
  const auto base = read_jsonl(d / "a" / "results.jsonl");
  const auto accepted = accepted_cases(base);
  REQUIRE_FALSE(accepted.empty());
  // OLD without the accepted cases: in NEW they are new cases, VIOLATED and accepted.
  const fs::path old = edited(d / "a", d / "old-without", [&](std::vector<json>& r) {
    for (auto it = accepted.rbegin(); it != accepted.rend(); ++it)
      r.erase(r.begin() + static_cast<std::ptrdiff_t>(*it));
  });
  const auto fresh = diff(old, d / "b");
  INFO(fresh.output);
  CHECK(fresh.status == 0);
  CHECK_THAT(fresh.output, Contains("result: no regression"));
  CHECK_THAT(fresh.output, Contains("(accepted finding)"));
  const RunDiff rd = diff_of(old, d / "b");
  CHECK(rd.count(ChangeKind::new_case) == static_cast<std::int64_t>(accepted.size()));
  CHECK(rd.count(ChangeKind::new_finding) == 0);
  for (const auto& c : rd.changes) CHECK(c.accepted);

  // The same cases, not accepted in NEW: new findings, regressions.
  const fs::path unaccepted = edited(d / "b", d / "unaccepted", [&](std::vector<json>& r) {
    for (std::size_t i : accepted) r[i][keys::finding] = json{{keys::status, keys::status_new}};
  });
  const auto bad = diff(old, unaccepted);
  INFO(bad.output);
  CHECK(bad.status == 1);
  CHECK(diff_of(old, unaccepted).count(ChangeKind::new_finding) == static_cast<std::int64_t>(accepted.size()));

  // A case that HOLDS in OLD and is an accepted finding in NEW: reported as worse, not a regression.
  const fs::path held = edited(d / "a", d / "held", [&](std::vector<json>& r) {
    for (std::size_t i : accepted) r[i][keys::verdict] = "HOLDS", r[i].erase(keys::finding);
  });
  const auto worse = diff(held, d / "b");
  INFO(worse.output);
  CHECK(worse.status == 0);
  const RunDiff wd = diff_of(held, d / "b");
  CHECK(wd.count(ChangeKind::verdict_worse) == static_cast<std::int64_t>(accepted.size()));
  CHECK(wd.regressions() == 0);
}

TEST_CASE("diff: margins that shrink beyond the tolerance, values that move, fits and constants", "[diff][cli]") {
  const fs::path& d = runs();
  const auto base = read_jsonl(d / "b" / "results.jsonl");
  const auto verified = cases_with(base, "sampling.girsanov", "VERIFIED");
  REQUIRE(verified.size() >= 2);
  const double tol = DiffOptions{}.margin_tolerance;
  auto shrink = [&](const std::string& name, double by) {
    return edited(d / "b", d / name, [&](std::vector<json>& r) {
      json& c = r[verified[0]];
      c[keys::relative_margin] = c[keys::relative_margin].get<double>() - by;
    });
  };
  const fs::path beyond = shrink("shrunk", 2 * tol), within = shrink("within", tol / 2);
  const RunDiff b = diff_of(d / "a", beyond);
  REQUIRE(b.count(ChangeKind::margin_shrank) == 1);
  CHECK(b.changes[0].case_id == base[verified[0]][keys::case_id]);
  CHECK_FALSE(b.changes[0].regression);  // not counted by default
  CHECK_FALSE(b.identical());
  CHECK(diff_of(d / "a", within).count(ChangeKind::margin_shrank) == 0);
  CHECK(diff_of(d / "a", beyond, DiffOptions{.margin_tolerance = 3 * tol}).count(ChangeKind::margin_shrank) == 0);
  const auto b0 = diff(d / "a", beyond);
  INFO(b0.output);
  CHECK(b0.status == 0);
  CHECK_THAT(b0.output, Contains("margin-shrank"));
  CHECK_THAT(b0.output, Contains("result: no regression (") && Contains("1 changes not counted as regressions"));
  CHECK(diff(d / "a", beyond, "--fail-on margin-shrank").status == 1);
  CHECK(diff(d / "a", beyond, "--fail-on default,margin-shrank").status == 1);
  CHECK(diff(d / "a", beyond, "--fail-on margin-shrank --margin-tolerance " + std::to_string(3 * tol)).status == 0);

  // A measured value moved far outside its enclosure; a fit's outcome worsened; a constant changed; a case removed.
  std::size_t fit_check = 0, constant_check = 0;
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (base[i][keys::type] != keys::type_check) continue;
    const json fits = base[i][keys::summary].value(keys::fits, json::array());
    if (!fits.empty() && fits[0][keys::outcome] != "VIOLATED" && fit_check == 0) fit_check = i;
    if (!base[i][keys::claim].value(keys::constants, json::array()).empty() && constant_check == 0) constant_check = i;
  }
  REQUIRE(fit_check > 0);       // sampling.order's fitted orders in N
  REQUIRE(constant_check > 0);  // a claim with constants
  const fs::path moved = edited(d / "b", d / "moved", [&](std::vector<json>& r) {
    json& m = r[verified[1]][keys::measured];
    for (const char* k : {keys::lo, keys::mid, keys::hi}) m[k] = m[k].get<double>() * 2 + 1;
    r[fit_check][keys::summary][keys::fits][0][keys::outcome] = "VIOLATED";
    json& k = r[constant_check][keys::claim][keys::constants][0];
    k[keys::value] = k[keys::value].dump() + " (changed)";
    r.erase(r.begin() + static_cast<std::ptrdiff_t>(verified[0]));
  });
  const RunDiff m = diff_of(d / "a", moved);
  CHECK(m.count(ChangeKind::value_moved) == 1);
  CHECK(m.count(ChangeKind::fit_worse) == 1);
  CHECK(m.count(ChangeKind::constant_changed) == 1);
  CHECK(m.count(ChangeKind::removed_case) == 1);
  CHECK(m.regressions() == 1);  // the fit only, by default
  CHECK(m.changes[0].kind == ChangeKind::fit_worse);
  CHECK(diff(d / "a", moved).status == 1);
  CHECK(diff(d / "a", moved, "--fail-on none").status == 0);
  const auto all = diff(d / "a", moved, "--fail-on all --format json");
  CHECK(all.status == 1);
  CHECK(json::parse(all.output)[keys::regressions] == 4);
}

TEST_CASE("diff: a case that stops counting as evidence is a regression, other kind changes are not", "[diff][cli]") {
  const fs::path& d = runs();
  const auto base = read_jsonl(d / "b" / "results.jsonl");
  const auto verified = cases_with(base, "sampling.girsanov", "VERIFIED");
  REQUIRE(verified.size() >= 2);
  // Same verdicts, margins and values: only the kind moves (evidence -> identity; evidence -> falsify).
  const fs::path kinds = edited(d / "b", d / "kinds", [&](std::vector<json>& r) {
    r[verified[0]][keys::kind] = "identity";
    r[verified[1]][keys::kind] = "falsify";
  });
  const RunDiff k = diff_of(d / "a", kinds);
  CHECK(k.count(ChangeKind::evidence_lost) == 1);
  CHECK(k.count(ChangeKind::kind_changed) == 1);
  CHECK(k.regressions() == 1);
  CHECK_FALSE(k.identical());
  REQUIRE_FALSE(k.changes.empty());
  CHECK(k.changes[0].kind == ChangeKind::evidence_lost);
  CHECK(k.changes[0].case_id == base[verified[0]][keys::case_id]);
  CHECK_THAT(k.changes[0].detail, Contains("evidence -> identity"));
  const auto out = diff(d / "a", kinds);
  INFO(out.output);
  CHECK(out.status == 1);
  CHECK_THAT(out.output, Contains("evidence-lost"));
  CHECK(diff(d / "a", kinds, "--fail-on verdict-worse").status == 0);
  // The reverse (an identity becoming evidence) is a change, not a regression.
  CHECK(diff_of(kinds, d / "a").regressions() == 0);
  CHECK(diff_of(kinds, d / "a").count(ChangeKind::kind_changed) == 2);
}

TEST_CASE("diff: bad input gets one clear message and exit status 2", "[diff][cli]") {
  const fs::path& d = runs();
  TempDir dir("diff-bad");
  const fs::path& t = dir.path();
  fs::create_directories(t / "empty");
  fs::create_directories(t / "unfinished");
  fs::copy_file(d / "a" / "results.jsonl", t / "unfinished" / "results.jsonl.partial");
  auto lines = read_jsonl(d / "a" / "results.jsonl");
  write_jsonl(t / "cut" / "results.jsonl", std::vector<json>(lines.begin(), lines.end() - 1));
  {
    std::ofstream(t / "garbage.jsonl") << lines[0].dump() << "\nnot json\n" << lines.back().dump() << "\n";
    std::ofstream(t / "norun.jsonl") << lines[1].dump() << "\n" << lines.back().dump() << "\n";
  }
  const std::vector<std::pair<std::string, std::string>> bad{
      {quote(t / "nowhere") + " " + quote(d / "a"), "no such file or folder"},
      {quote(d / "a") + " " + quote(t / "empty"), "no results.jsonl in this folder"},
      {quote(d / "a") + " " + quote(t / "unfinished"), "holds an unfinished run"},
      {quote(d / "a") + " " + quote(t / "cut"), "is not a finished run (no end record)"},
      {quote(t / "garbage.jsonl") + " " + quote(d / "a"), "line 2"},
      {quote(t / "norun.jsonl") + " " + quote(d / "a"), "norun.jsonl"},
      {quote(d / "a") + " " + quote(d / "b") + " --fail-on verdict-worse,bogus", "unknown change 'bogus'"},
      {quote(d / "a") + " " + quote(d / "b") + " --margin-tolerance -1", "margin-tolerance"},
      {quote(d / "a"), "new is required"},
  };
  for (const auto& [args, says] : bad) {
    const auto r = run_diffbound("diff " + args);
    INFO(args << "\n" << r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Contains(says));
  }
  // run --baseline reads the baseline first: a bad one stops the run before anything is written.
  const auto r = run_diffbound("run sampling.init --size smoke --no-progress --no-report --baseline " +
                               quote(t / "cut") + " --out " + quote(t / "run"));
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Contains("is not a finished run"));
  CHECK_FALSE(fs::exists(t / "run" / "results.jsonl"));
}

TEST_CASE("run --baseline: the CI answer in one command, diff.json read back and shown in the report",
          "[diff][cli][report]") {
  const fs::path& d = runs();
  TempDir dir("diff-baseline");
  const fs::path& t = dir.path();
  // Double instead of intervals: VERIFIED cases can only HOLD, a regression that is no new finding (5).
  const auto r = run_diffbound(
      "run sampling.girsanov --size smoke --no-progress --no-report --scalar double "
      "--baseline " +
      quote(d / "a") + " --out " + quote(t / "double"));
  INFO(r.output);
  CHECK(r.status == 5);
  CHECK_THAT(r.output, Contains("diff against the baseline"));
  CHECK_THAT(r.output, Contains("verdict-worse    sampling.girsanov"));
  REQUIRE(fs::is_regular_file(t / "double" / "diff.json"));

  // diff.json through the results reader: what the report shows.
  const auto df = diffbound::results::read_diff(t / "double" / "diff.json");
  INFO(fmt::format("{}", fmt::join(df.missing, ", ")));
  CHECK(df.parsed);
  CHECK(df.missing.empty());
  CHECK(df.problems.empty());
  const RunDiff rd = diff_of(d / "a", t / "double");
  REQUIRE(df.regressions);
  CHECK(*df.regressions == rd.regressions());
  CHECK(*df.regressions > 0);
  CHECK(df.identical == false);
  CHECK(df.old_run.size == "smoke");
  CHECK(df.new_run.file == (t / "double" / "results.jsonl").string());
  REQUIRE(df.changes.size() == rd.changes.size());
  CHECK(df.changes[0].regression);
  CHECK(df.changes[0].change == "verdict-worse");
  CHECK(df.changes[0].old_verdict == "VERIFIED");
  CHECK(df.changes[0].new_verdict == "HOLDS");
  CHECK(df.counts.at("verdict-worse") == rd.count(ChangeKind::verdict_worse));
  CHECK(df.fail_on == std::vector<std::string>{"verdict-worse", "new-finding", "fit-worse", "evidence-lost"});
  CHECK(df.not_compared == std::vector<std::string>{"sampling.order", "sampling.schedules"});
  CHECK(diffbound::results::parse_diff("not json").problems.size() == 1);
  CHECK_FALSE(diffbound::results::parse_diff("{\"type\": \"run\"}").parsed);

  diffbound::reports::ReportOptions opt;
  opt.in = t / "double";
  const auto o = diffbound::reports::write_report(opt);
  INFO(o.error);
  REQUIRE(o.ok);
  const std::string text = pdf_text(o.pdf, false), flat = squeeze(text);
  CHECK_THAT(flat, Contains(squeeze(fmt::format("Against the baseline: {} regressions.", rd.regressions()))));
  CHECK_THAT(flat, Contains("Againstthebaseline"));
  CHECK_THAT(flat, Contains(squeeze(fmt::format("{} regressions from OLD to NEW.", rd.regressions()))));
  CHECK_THAT(flat, Contains("Regressions"));
  CHECK_THAT(flat, Contains("verdict-worse"));
  CHECK_THAT(flat, Contains("Notcompared(NEWdidnotrunthem):sampling.order,sampling.schedules"));
  const auto summary = json::parse(std::ifstream(t / "double" / "summary.json"));
  CHECK(summary["diff"][keys::regressions] == rd.regressions());

  // The same selection and code against the baseline: green, identical; a later run without --baseline
  // removes the stale diff.json.
  const auto g = run_diffbound("run " + kSelection + " --size smoke --no-progress --baseline " + quote(d / "a") +
                               " --out " + quote(t / "green"));
  INFO(g.output);
  CHECK(g.status == 0);
  CHECK_THAT(g.output, Contains("result: no regression; the runs are identical"));
  const std::string green = squeeze(pdf_text(t / "green" / "report.pdf", false));
  CHECK_THAT(green, Contains("Againstthebaseline:identical."));
  CHECK_THAT(green, Contains("Noregression:therunsareidentical"));
  const auto again =
      run_diffbound("run sampling.init --size smoke --no-progress --no-report --out " + quote(t / "green"));
  CHECK(again.status == 0);
  CHECK_FALSE(fs::exists(t / "green" / "diff.json"));
}
