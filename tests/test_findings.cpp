// Accepted findings (app/findings.hpp, expected/findings.toml): the parser and its errors, the matching
// of case ids, the classification of a run's VIOLATED cases into accepted and new and of the file's
// entries into occurring, resolved and not run, through the library and through real smoke runs of the
// program (run, merge), and the report's Findings section read back from the PDF.
#include "cli_helpers.hpp"

#include <diffbound/app/findings.hpp>
#include <diffbound/checks/check.hpp>
#include <diffbound/reports/report.hpp>
#include <diffbound/results/reader.hpp>
#include <diffbound/results/schema.hpp>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

using namespace diffbound::test;
using namespace diffbound::app;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace keys = diffbound::results::keys;
using nlohmann::json;

namespace {

const fs::path kSource = DIFFBOUND_SOURCE_DIR;
const fs::path kCommitted = kSource / "expected" / "findings.toml";

std::vector<std::string> registered_checks() {
  std::vector<std::string> out;
  for (const auto* c : diffbound::checks::Registry::instance().all()) out.push_back(c->id());
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

/// The message of the std::invalid_argument that parsing `text` throws ("" when it parses).
std::string parse_error(const std::string& text, const std::vector<std::string>& known = {}) {
  try {
    parse_findings(text, "f.toml", known);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

/// GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens.
std::string anchor_of(const std::string& heading) {
  std::string out;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_' || c >= 0x80)
      out += static_cast<char>(std::tolower(c));
    else if (c == ' ')
      out += '-';
  }
  return out;
}

const char* kGood = R"toml([[finding]]
id = "a"
check = "x.check"
cases = ["grid/*/E_S(c)", "exact/one"]
verdict = "VIOLATED"
reason = "explained"
docs = "docs/x.md#a"

[[finding]]
id = "b"
check = "x.check"
cases = "b/1"
verdict = "VIOLATED"
reason = "also explained"
docs = "docs/x.md#b"

[[finding]]
id = "c"
check = "y.check"
cases = ["c"]
verdict = "VIOLATED"
reason = "a third"
docs = "docs/y.md#c"
)toml";

json case_json(const std::string& check, const std::string& id, const std::string& verdict, double rm = 0.5) {
  return json{{keys::type, keys::type_case},
              {keys::check, check},
              {keys::case_id, id},
              {keys::verdict, verdict},
              {keys::relative_margin, rm}};
}

/// The case records of a results file.
std::vector<json> cases_of(const fs::path& results) {
  std::vector<json> out;
  for (const auto& r : read_jsonl(results))
    if (r[keys::type] == keys::type_case) out.push_back(r);
  return out;
}

std::size_t count_violated(const std::vector<json>& cases) {
  std::size_t n = 0;
  for (const auto& c : cases) n += c.value(keys::verdict, "") == "VIOLATED";
  return n;
}

}  // namespace

TEST_CASE("findings file: the committed file parses, names known checks and existing docs sections",
          "[findings][smoke]") {
  const AcceptedFindings f = load_findings(kCommitted, registered_checks());
  REQUIRE_FALSE(f.entries.empty());
  std::set<std::string> ids;
  for (const auto& e : f.entries) {
    INFO(e.id);
    CHECK(ids.insert(e.id).second);
    CHECK(e.verdict == "VIOLATED");
    CHECK_FALSE(e.reason.empty());
    CHECK_FALSE(e.cases.empty());
    // docs = path#anchor: the file exists and has a heading with that anchor.
    const auto hash = e.docs.find('#');
    REQUIRE(hash != std::string::npos);
    const fs::path doc = kSource / e.docs.substr(0, hash);
    REQUIRE(fs::is_regular_file(doc));
    const std::string anchor = e.docs.substr(hash + 1);
    bool found = false;
    std::istringstream in(read_text(doc));
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] == '#')
        found = found || anchor_of(line.substr(line.find_first_not_of("# "))) == anchor;
    CHECK(found);
  }
}

TEST_CASE("findings file: a good file, and each malformed input named by line and key", "[findings][smoke]") {
  const AcceptedFindings f = parse_findings(kGood, "good.toml", {"x.check", "y.check"});
  REQUIRE(f.entries.size() == 3);
  CHECK(f.file.string() == "good.toml");
  CHECK(f.entries[0].id == "a");
  CHECK(f.entries[0].cases == std::vector<std::string>{"grid/*/E_S(c)", "exact/one"});
  CHECK(f.entries[1].cases == std::vector<std::string>{"b/1"});  // one string is a list of one
  CHECK(f.entries[2].reason == "a third");
  CHECK(f.entries[2].docs == "docs/y.md#c");
  CHECK(parse_findings("# nothing accepted\n", "empty.toml").entries.empty());

  const std::string entry =
      "[[finding]]\nid = \"a\"\ncheck = \"x.check\"\ncases = [\"c\"]\nverdict = \"VIOLATED\"\nreason = \"r\"\n"
      "docs = \"d\"\n";  // 7 lines
  auto without = [&](const std::string& key) {
    std::string out;
    std::istringstream in(entry);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(key + " =", 0) != 0) out += line + "\n";
    return out;
  };
  auto with = [&](const std::string& key, const std::string& value) {
    std::string out;
    std::istringstream in(entry);
    for (std::string line; std::getline(in, line);)
      out += (line.rfind(key + " =", 0) == 0 ? key + " = " + value : line) + "\n";
    return out;
  };
  struct Bad {
    std::string text;
    std::vector<std::string> says;
  };
  const std::vector<Bad> bad{
      {"[[finding]\nid = \"a\"\n", {"f.toml", "not valid TOML", "line 1"}},
      {entry + "reason = \"again\"\n", {"f.toml", "not valid TOML", "line 8"}},  // a key set twice
      {"title = \"x\"\n" + entry, {"f.toml", "unknown key 'title'", "line 1"}},
      {"finding = 3\n", {"'finding' must be an array of tables"}},
      {without("reason"), {"finding 1 (line 1)", "'reason' is missing"}},
      {without("docs"), {"finding 1 (line 1)", "'docs' is missing"}},
      {without("cases"), {"finding 1 (line 1)", "'cases' is missing"}},
      {without("id"), {"finding 1 (line 1)", "'id' is missing"}},
      {with("verdict", "\"HOLDS\""), {"finding 1", "verdict 'HOLDS'", "only VIOLATED"}},
      {with("reason", "\"   \""), {"finding 1", "'reason' is empty"}},
      {with("id", "5"), {"finding 1", "'id' must be a string"}},
      {with("cases", "[]"), {"finding 1", "'cases' is empty"}},
      {with("cases", "[1, 2]"), {"finding 1", "'cases' must hold strings"}},
      {with("cases", "[\"\"]"), {"finding 1", "'cases' holds an empty string"}},
      {with("cases", "{ a = 1 }"), {"finding 1", "'cases' must be a string or an array of strings"}},
      {entry + "reasons = \"typo\"\n", {"finding 1 (line 1)", "unknown key 'reasons'"}},
      {entry + "\n" + entry, {"finding 2 (line 9)", "the id 'a' is used twice"}},
  };
  for (const auto& b : bad) {
    INFO(b.text);
    const std::string e = parse_error(b.text);
    INFO(e);
    REQUIRE_FALSE(e.empty());
    for (const auto& s : b.says) CHECK_THAT(e, Contains(s));
  }
  // A check id this program does not have, when the list of checks is given.
  CHECK_THAT(parse_error(with("check", "\"x.nope\""), {"x.check"}),
             Contains("finding 1 (line 1)") && Contains("no check 'x.nope'"));
  CHECK(parse_error(with("check", "\"x.nope\"")).empty());  // without the list, any id
  // A file that cannot be read.
  CHECK_THROWS_WITH(load_findings(kSource / "expected" / "no-such.toml"), Contains("cannot be read"));
}

TEST_CASE("findings: case ids are matched exactly or as globs, within their check", "[findings][smoke]") {
  AcceptedFinding f;
  f.check = "sampling.schedules";
  f.cases = {"table2/*/E_S(c)", "exact/d=1", "grid/N=?"};
  CHECK(f.matches("sampling.schedules", "table2/edm/d=4/E_S(c)"));  // '*' also spans '/'
  CHECK(f.matches("sampling.schedules", "table2//E_S(c)"));
  CHECK_FALSE(f.matches("sampling.schedules", "table2/edm/E_S(eps)"));
  CHECK_FALSE(f.matches("sampling.schedules", "table2/edm/E_S(c)/more"));
  CHECK(f.matches("sampling.schedules", "exact/d=1"));
  CHECK_FALSE(f.matches("sampling.schedules", "exact/d=10"));
  CHECK(f.matches("sampling.schedules", "grid/N=8"));
  CHECK_FALSE(f.matches("sampling.schedules", "grid/N=16"));  // '?' is one character
  CHECK_FALSE(f.matches("sampling.order", "exact/d=1"));      // another check
  AcceptedFindings all;
  all.entries = {f};
  CHECK(all.accepting("sampling.schedules", "exact/d=1", "VIOLATED") == &all.entries[0]);
  CHECK(all.accepting("sampling.schedules", "exact/d=1", "INCONCLUSIVE") == nullptr);
  CHECK(all.accepting("sampling.schedules", "other", "VIOLATED") == nullptr);
}

TEST_CASE("findings: VIOLATED cases accepted or new, entries occurring, resolved or not run", "[findings][smoke]") {
  const AcceptedFindings f = parse_findings(kGood, "good.toml");
  SECTION("a whole run") {
    FindingsTally tally(f, false);
    std::vector<json> recs{case_json("x.check", "grid/edm/E_S(c)", "VIOLATED", -0.25),  // a: accepted
                           case_json("x.check", "grid/geo/E_S(c)", "HOLDS"),            // a: matched only
                           case_json("x.check", "b/1", "VERIFIED"),                     // b: resolved
                           case_json("x.check", "z", "VIOLATED", -0.5),                 // new
                           case_json("z.check", "c", "VIOLATED", -1)};                  // c is for y.check: new
    recs[1][keys::finding] = json{{keys::status, keys::status_new}};  // a stale mark of an earlier judgement
    for (auto& r : recs) tally.annotate(r);
    CHECK(recs[0][keys::finding] == json({{keys::status, keys::status_accepted},
                                          {keys::id, "a"},
                                          {keys::reason, "explained"},
                                          {keys::docs, "docs/x.md#a"}}));
    CHECK_FALSE(recs[1].contains(keys::finding));  // HOLDS: no mark, the stale one removed
    CHECK_FALSE(recs[2].contains(keys::finding));
    CHECK(recs[3][keys::finding] == json({{keys::status, keys::status_new}}));
    CHECK(recs[4][keys::finding] == json({{keys::status, keys::status_new}}));
    CHECK(tally.check_json("x.check") == json({{keys::accepted, 1}, {keys::new_findings, 1}}));
    CHECK(tally.check_json("z.check") == json({{keys::accepted, 0}, {keys::new_findings, 1}}));
    CHECK(tally.check_json("y.check") == json({{keys::accepted, 0}, {keys::new_findings, 0}}));
    const FindingsOutcome o = tally.outcome();
    CHECK(o.accepted == 1);
    CHECK(o.fresh == 2);
    CHECK(o.resolved == 1);
    REQUIRE(o.entries.size() == 3);
    CHECK(o.entries[0].status == keys::entry_occurs);
    CHECK(o.entries[0].matched == 2);
    CHECK(o.entries[0].accepted == 1);
    CHECK(o.entries[1].status == keys::entry_resolved);
    CHECK(o.entries[2].status == keys::entry_not_run);
    REQUIRE(o.new_cases.size() == 2);
    CHECK(o.new_cases[0].case_id == "z");
    const json end = tally.end_json();
    CHECK(end[keys::file] == "good.toml");
    CHECK(end[keys::resolved] == 1);
    CHECK(end[keys::entries][1][keys::status] == keys::entry_resolved);
    CHECK(end[keys::entries][0][keys::cases] == json({"grid/*/E_S(c)", "exact/one"}));
    std::ostringstream table;
    print_findings(o, table);
    CHECK_THAT(table.str(), Contains("RESOLVED: remove the entry") && Contains("NEW FINDING x.check z (rel. margin") &&
                                Contains("NEW FINDING z.check c"));
    // The end record round-trips into the findings a merge judges by.
    const auto back = findings_from_record(json{{keys::findings, end}}, "end");
    REQUIRE(back);
    REQUIRE(back->entries.size() == 3);
    CHECK(back->entries[0].cases == f.entries[0].cases);
    CHECK(back->entries[1].reason == f.entries[1].reason);
    CHECK_FALSE(findings_from_record(json::object(), "end"));
    json broken = end;
    broken[keys::entries][0].erase(keys::docs);
    CHECK_THROWS_WITH(findings_from_record(json{{keys::findings, broken}}, "shard.jsonl"),
                      Contains("shard.jsonl") && Contains("lacks 'docs'"));
  }
  SECTION("sizes: an entry expected at other sizes is not expected here, not resolved") {
    AcceptedFindings g = f;
    g.entries[1].sizes = {"default", "full"};
    FindingsTally at_smoke(g, false, "smoke"), at_default(g, false, "default");
    for (FindingsTally* t : {&at_smoke, &at_default}) {
      json r = case_json("x.check", "b/1", "INCONCLUSIVE");
      t->annotate(r);
    }
    CHECK(at_smoke.outcome().entries[1].status == keys::entry_not_expected);
    CHECK(at_smoke.outcome().resolved == 0);
    CHECK(at_default.outcome().entries[1].status == keys::entry_resolved);
    // The sizes travel through the end record (merge) and are parsed from the file, checked.
    const auto back = findings_from_record(json{{keys::findings, at_smoke.end_json()}}, "end");
    REQUIRE(back);
    CHECK(back->entries[1].sizes == g.entries[1].sizes);
    const std::string with_sizes = "[[finding]]\nid = \"s\"\ncheck = \"x.check\"\ncases = [\"a\"]\nverdict = "
                                   "\"VIOLATED\"\nreason = \"r\"\ndocs = \"d\"\nsizes = [\"default\"]\n";
    CHECK(parse_findings(with_sizes, "s.toml").entries[0].sizes == std::vector<std::string>{"default"});
    std::string bad = with_sizes;
    bad.replace(bad.find("[\"default\"]"), 11, "[\"huge\"]");
    CHECK_THROWS_WITH(parse_findings(bad, "s.toml"), Contains("'sizes' holds sizes"));
  }
  SECTION("a shard: an entry without a VIOLATED case is not seen, not resolved") {
    FindingsTally tally(f, true);
    json r = case_json("x.check", "b/1", "HOLDS");
    tally.annotate(r);
    const FindingsOutcome o = tally.outcome();
    CHECK(o.entries[1].status == keys::entry_not_seen);
    CHECK(o.resolved == 0);
  }
}

TEST_CASE("findings through the program: run and merge mark, count and judge real smoke runs", "[findings][cli]") {
  TempDir dir("findings-cli");
  const fs::path d = dir.path();
  // The committed file's entry for sampling.schedules, an entry for a check whose cases all hold
  // (sampling.init: resolved when it runs) and the committed design.weighting entry (not run here).
  const AcceptedFindings committed = load_findings(kCommitted);
  const AcceptedFinding* schedules = nullptr;
  for (const auto& e : committed.entries)
    if (e.check == "sampling.schedules") schedules = &e;
  REQUIRE(schedules != nullptr);
  const std::string file =
      read_text(kCommitted) +
      "\n[[finding]]\nid = \"init-all\"\ncheck = \"sampling.init\"\ncases = [\"*\"]\n"
      "verdict = \"VIOLATED\"\nreason = \"a test entry\"\ndocs = \"docs/checks/sampling.md#samplinginit\"\n";
  write_text(d / "findings.toml", file);
  const std::string sel = "run sampling.schedules sampling.init --size smoke --no-progress --no-report ";

  const auto r = run_diffbound(sel + "--findings " + (d / "findings.toml").string() + " --out " + (d / "a").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto cases = cases_of(d / "a" / "results.jsonl");
  const std::size_t violated = count_violated(cases);
  REQUIRE(violated > 0);  // the Table 2 score-term cells under the scaled-score model (docs/checks/sampling.md)
  CHECK_THAT(r.output, Contains(fmt::format("{} VIOLATED: {} findings accepted, 0 new, 1 accepted no longer occurring "
                                            "(resolved); nothing failed",
                                            violated, violated)));
  CHECK_THAT(r.output, Contains("RESOLVED: remove the entry"));
  for (const auto& c : cases) {
    INFO(c.dump());
    if (c[keys::verdict] == "VIOLATED") {
      CHECK(c[keys::finding][keys::status] == keys::status_accepted);
      CHECK(c[keys::finding][keys::id] == schedules->id);
      CHECK(schedules->matches(c[keys::check].get<std::string>(), c[keys::case_id].get<std::string>()));
    } else {
      CHECK_FALSE(c.contains(keys::finding));
    }
  }
  const auto lines = read_jsonl(d / "a" / "results.jsonl");
  const json& end = lines.back();
  REQUIRE(end[keys::type] == keys::type_end);
  CHECK(end[keys::findings][keys::accepted] == violated);
  CHECK(end[keys::findings][keys::new_findings] == 0);
  CHECK(end[keys::findings][keys::resolved] == 1);
  std::map<std::string, std::string> status;
  for (const auto& e : end[keys::findings][keys::entries])
    status[e[keys::id].get<std::string>()] = e[keys::status].get<std::string>();
  CHECK(status[schedules->id] == keys::entry_occurs);
  CHECK(status["init-all"] == keys::entry_resolved);
  CHECK(status["weighting-theory-not-bell-on-d-scale"] == keys::entry_not_run);
  for (const auto& l : lines)
    if (l[keys::type] == keys::type_check && l[keys::check] == "sampling.schedules")
      CHECK(l[keys::findings] == json({{keys::accepted, violated}, {keys::new_findings, 0}}));

  // Without the entry that explains them, the same cases are new findings: exit status 1.
  write_text(d / "other.toml",
             "[[finding]]\nid = \"init-all\"\ncheck = \"sampling.init\"\ncases = [\"*\"]\n"
             "verdict = \"VIOLATED\"\nreason = \"r\"\ndocs = \"d\"\n");
  const auto n = run_diffbound(sel + "--findings " + (d / "other.toml").string() + " --out " + (d / "n").string());
  INFO(n.output);
  CHECK(n.status == 1);
  CHECK_THAT(n.output, Contains(fmt::format("{} VIOLATED: 0 findings accepted, {} new", violated, violated)));
  CHECK_THAT(n.output, Contains("NEW FINDING sampling.schedules table2/"));
  const auto none = run_diffbound(sel + "--no-findings --out " + (d / "none").string());
  CHECK(none.status == 1);
  for (const auto& c : cases_of(d / "none" / "results.jsonl")) CHECK_FALSE(c.contains(keys::finding));
  // A malformed findings file stops the run before anything is written (exit 2).
  write_text(d / "bad.toml", "[[finding]]\nid = \"x\"\n");
  const auto bad = run_diffbound(sel + "--findings " + (d / "bad.toml").string() + " --out " + (d / "bad").string());
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Contains("bad.toml: finding 1 (line 1): 'check' is missing"));
  CHECK_FALSE(fs::exists(d / "bad" / "results.jsonl"));

  {  // merge carries the shards' findings through, judged over the whole run
    const std::string f = " --findings " + (d / "findings.toml").string();
    for (int i = 1; i <= 2; ++i) {
      const auto s = run_diffbound(sel + f + " --shard " + std::to_string(i) + "/2 --out " +
                                   (d / ("s" + std::to_string(i))).string());
      INFO(s.output);
      CHECK(s.status == 0);
    }
    // In a shard no entry is resolved: its cases may be in the other shard.
    CHECK(read_jsonl(d / "s1" / "results.jsonl").back()[keys::findings][keys::resolved] == 0);
    const auto m = run_diffbound("merge --no-report " + (d / "m").string() + " " + (d / "s1").string() + " " +
                                 (d / "s2").string());
    INFO(m.output);
    CHECK(m.status == 0);
    CHECK_THAT(m.output, Contains(fmt::format("{} VIOLATED: {} findings accepted, 0 new", violated, violated)));
    const auto merged = read_jsonl(d / "m" / "results.jsonl");
    CHECK(merged.back()[keys::findings] == end[keys::findings]);  // as the unsharded run said
    std::vector<json> marks_whole, marks_merged;
    for (const auto& c : cases) marks_whole.push_back(c.value(keys::finding, json()));
    for (const auto& c : cases_of(d / "m" / "results.jsonl")) marks_merged.push_back(c.value(keys::finding, json()));
    CHECK(marks_whole == marks_merged);
    // The merged file is the unsharded one for `diffbound diff`.
    const auto same = run_diffbound("diff " + (d / "a").string() + " " + (d / "m").string());
    INFO(same.output);
    CHECK(same.status == 0);
    CHECK_THAT(same.output, Contains("the runs are identical"));
    // --no-findings: no marks, every VIOLATED case counts (exit 1); --findings: judged by another file.
    const auto mn = run_diffbound("merge --no-report --no-findings " + (d / "mn").string() + " " + (d / "s1").string() +
                                  " " + (d / "s2").string());
    CHECK(mn.status == 1);
    for (const auto& c : cases_of(d / "mn" / "results.jsonl")) CHECK_FALSE(c.contains(keys::finding));
    const auto mo = run_diffbound("merge --no-report --findings " + (d / "other.toml").string() + " " +
                                  (d / "mo").string() + " " + (d / "s1").string() + " " + (d / "s2").string());
    CHECK(mo.status == 1);
    CHECK_THAT(mo.output, Contains(fmt::format("0 findings accepted, {} new", violated)));
    // Shards run with different findings do not merge silently.
    const auto s3 =
        run_diffbound(sel + "--findings " + (d / "other.toml").string() + " --shard 2/2 --out " + (d / "s3").string());
    const auto mixed = run_diffbound("merge --no-report " + (d / "mx").string() + " " + (d / "s1").string() + " " +
                                     (d / "s3").string());
    CHECK(mixed.status == 2);
    CHECK_THAT(mixed.output, Contains("were run with different accepted findings"));
  }

  {  // the report lists the accepted findings, the new ones and the resolved entries
    diffbound::reports::ReportOptions opt;
    opt.in = d / "a";
    const auto o = diffbound::reports::write_report(opt);
    INFO(o.error);
    REQUIRE(o.ok);
    const std::string text = pdf_text(o.pdf, false), flat = squeeze(text);
    CHECK_THAT(flat, Contains(squeeze(fmt::format("Every VIOLATED case is an accepted finding ({} cases)", violated))));
    CHECK_THAT(flat, Contains("Findings"));
    CHECK_THAT(flat, Contains(squeeze(fmt::format("{} accepted, 0 new; 1 entry resolved.", violated))));
    CHECK_THAT(flat, Contains(squeeze(schedules->id)));
    CHECK_THAT(flat, Contains("RESOLVED"));
    CHECK_THAT(flat, Contains("Nonewfinding"));
    CHECK_THAT(flat, Contains("init-all:its"));
    CHECK_THAT(flat, Contains("docs/checks/sampling.md#samplingschedules"));
    CHECK_THAT(flat, Contains("VIOLATED,INCONCLUSIVEandfailedcases") &&
                         Contains("accepted:"));  // the appendix marks the cases
    const auto summary = json::parse(read_text(d / "a" / "summary.json"));
    CHECK(summary[keys::findings][keys::accepted] == violated);
    CHECK(summary[keys::findings][keys::resolved] == 1);
    // The run with new findings: listed by case.
    opt.in = d / "n";
    const auto on = diffbound::reports::write_report(opt);
    REQUIRE(on.ok);
    const std::string nflat = squeeze(pdf_text(on.pdf, false));
    CHECK_THAT(
        nflat,
        Contains(squeeze(fmt::format("{} new findings (VIOLATED cases no accepted finding explains)", violated))));
    CHECK_THAT(nflat, Contains("newfinding"));
  }
}
