// diffbound merge: joins the results of the shards of one run (run --shard i/n) into one results file,
// as if the run had not been cut: cases in sweep order, check summaries recomputed from all the cases.
// Refuses files that are not parts of one run, with the reason. The accepted findings the shards were run
// with (their end records) are carried through: every VIOLATED case is marked again over the whole run, so
// that an entry none of whose cases is VIOLATED in any shard is reported as resolved.
#include <diffbound/app/commands.hpp>
#include <diffbound/app/findings.hpp>
#include <diffbound/app/records.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/app/runner.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/results/files.hpp>
#include <diffbound/results/version.hpp>

#include <diffbound/reports/report.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

namespace fs = std::filesystem;

struct Part {
  fs::path path;
  ResultsContent content;
  unsigned index = 1, count = 1;
};

std::string shard_name(const Part& p) { return fmt::format("shard {}/{}", p.index, p.count); }

/// Where the results of an input are: the file itself, or <folder>/results.jsonl.
fs::path results_path(const std::string& in) {
  const fs::path p(in);
  std::error_code ec;
  if (!fs::exists(p, ec)) throw std::invalid_argument("merge: " + in + ": no such file or folder");
  if (!fs::is_directory(p, ec)) return p;
  if (fs::exists(p / "results.jsonl", ec)) return p / "results.jsonl";
  if (fs::exists(p / "results.jsonl.partial", ec))
    throw std::invalid_argument("merge: " + in +
                                " holds an unfinished run (results.jsonl.partial); finish it with "
                                "'diffbound run --resume' and the same options first");
  throw std::invalid_argument("merge: " + in + ": no results.jsonl in this folder");
}

/// Which accepted findings a merge judges the cases by.
struct MergeFindings {
  std::string file;   ///< --findings FILE: this file instead of the shards' own
  bool none = false;  ///< --no-findings
};

/// The accepted findings the shards were run with; all shards must agree.
std::optional<AcceptedFindings> shards_findings(const std::vector<Part>& parts) {
  std::optional<AcceptedFindings> first;
  std::string first_json;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto f = findings_from_record(*parts[k].content.end, parts[k].path.string());
    const json j = parts[k].content.end->value(keys::findings, json());
    // The entries as the file states them (not their statuses, which are the shard's own).
    json entries = json::array();
    if (j.is_object())
      for (const auto& e : j.value(keys::entries, json::array()))
        entries.push_back(json{{keys::id, e.value(keys::id, json())},
                               {keys::check, e.value(keys::check, json())},
                               {keys::cases, e.value(keys::cases, json())},
                               {keys::verdict, e.value(keys::verdict, json())},
                               {keys::reason, e.value(keys::reason, json())},
                               {keys::docs, e.value(keys::docs, json())}});
    const std::string text = f ? entries.dump() : std::string("none");
    if (k == 0) {
      first = f;
      first_json = text;
    } else if (text != first_json) {
      throw std::invalid_argument("cannot merge: " + parts[0].path.string() + " and " + parts[k].path.string() +
                                  " were run with different accepted findings (" +
                                  (first ? first->file.string() : std::string("none")) + " and " +
                                  (f ? f->file.string() : std::string("none")) +
                                  "); merge with --findings FILE to judge all cases by one file");
    }
  }
  return first;
}

RunOutcome merge(const fs::path& out_dir, const std::vector<std::string>& inputs, const MergeFindings& mf,
                 std::ostream& out) {
  // ---- Read and check every input before writing anything ----------------------------------------
  std::vector<Part> parts;
  for (const auto& in : inputs) {
    Part p;
    p.path = results_path(in);
    p.content = read_records(p.path);
    if (!p.content.end || p.content.dropped_tail)
      throw std::invalid_argument("merge: " + p.path.string() + " is not a finished run (no end record)");
    // A shard's judged fits were fitted on its share of the cases: the merge judges them afresh.
    std::erase_if(p.content.cases,
                  [](const json& rec) { return rec.value(keys::kind, std::string()) == to_string(CaseKind::fit); });
    const json& shard = p.content.run.value("shard", json());
    if (shard.is_object()) {
      p.index = shard.value("index", 0u);
      p.count = shard.value("count", 0u);
      if (p.count < 1 || p.index < 1 || p.index > p.count)
        throw std::invalid_argument("merge: " + p.path.string() + ": bad shard record " + shard.dump());
    }
    parts.push_back(std::move(p));
  }
  const Part& first = parts.front();
  for (const auto& p : parts) {
    const std::string diff =
        identity_difference(first.content.run, first.path.string(), p.content.run, p.path.string());
    if (!diff.empty()) throw std::invalid_argument("cannot merge: " + diff);
  }
  const std::string their =
      fmt::format("{} (commit {})", first.content.run.value("version", "?"), first.content.run.value("commit", "?"));
  const std::string ours = fmt::format("{} (commit {})", version::string, version::commit);
  if (their != ours)
    throw std::invalid_argument("cannot merge: the shards were computed by diffbound " + their + " but this is " +
                                ours + "; merge with the program that ran them (the check summaries are recomputed)");

  // Shards: one count, each index once, none missing.
  const unsigned n = first.count;
  std::map<unsigned, const Part*> by_index;
  for (const auto& p : parts) {
    if (p.count != n)
      throw std::invalid_argument("cannot merge: " + first.path.string() + " is " + shard_name(first) + " but " +
                                  p.path.string() + " is " + shard_name(p) + " (different numbers of shards)");
    const auto [it, fresh] = by_index.emplace(p.index, &p);
    if (!fresh)
      throw std::invalid_argument("cannot merge: " + it->second->path.string() + " and " + p.path.string() +
                                  " are both " + shard_name(p) + " (overlapping shards)");
  }
  std::string missing;
  for (unsigned i = 1; i <= n; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    throw std::invalid_argument("cannot merge: shard" +
                                std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing + " of " +
                                std::to_string(n) + " missing");

  // Each shard holds exactly its slice; interleaved they give back the selection, in order.
  const json& selection = first.content.run.at("selection");
  const std::size_t total = selection.value("cases", std::size_t{0});
  for (const auto& [i, p] : by_index) {
    const std::size_t expected = total >= i ? (total - i) / n + 1 : 0;
    if (p->content.cases.size() != expected)
      throw std::invalid_argument("cannot merge: " + p->path.string() + " holds " +
                                  std::to_string(p->content.cases.size()) + " cases but " + shard_name(*p) + " of " +
                                  std::to_string(total) + " cases has " + std::to_string(expected));
  }
  std::vector<const json*> ordered;
  for (std::size_t g = 0; g < total; ++g)
    ordered.push_back(&by_index.at(static_cast<unsigned>(g % n + 1))->content.cases[g / n]);
  std::vector<CaseSpec> specs;
  std::vector<const Check*> owner;
  for (const json* rec : ordered) {
    const std::string id = rec->at("check").get<std::string>();
    const Check* c = Registry::instance().find(id);
    if (!c) throw std::invalid_argument("cannot merge: check " + id + " is not known to this program");
    specs.push_back({rec->at("case").get<std::string>(), rec->value("params", json::object())});
    owner.push_back(c);
  }
  std::vector<std::pair<const Check*, const CaseSpec*>> sel;
  for (std::size_t g = 0; g < specs.size(); ++g) sel.emplace_back(owner[g], &specs[g]);
  if (selection_digest(sel) != selection.value("digest", ""))
    throw std::invalid_argument("cannot merge: the shards' cases do not add up to the selection they were cut from");

  // The accepted findings: the shards' own (they must agree), another file, or none.
  std::optional<AcceptedFindings> findings;
  if (!mf.none) {
    if (!mf.file.empty()) {
      std::vector<std::string> known;
      for (const Check* c : Registry::instance().all()) known.push_back(c->id());
      findings = load_findings(mf.file, known);
    } else {
      findings = shards_findings(parts);
    }
  }

  // ---- Compose the merged file ---------------------------------------------------------------
  json run = first.content.run;
  // The precision of the run, for the check records (and any multiprecision work in summarize).
  const WorkingPrecision precision(run.value("precision_bits", 128u));
  run.erase("shard");
  run["merged_from"] = json::array();
  double wall = 0;
  for (const auto& [i, p] : by_index) {
    run["merged_from"].push_back(json{{"file", p->path.string()},
                                      {"shard", fmt::format("{}/{}", p->index, p->count)},
                                      {"date", p->content.run.value("date", "")},
                                      {"host", p->content.run.value("machine", json::object()).value("host", "")},
                                      {"threads", p->content.run.value("threads", 0)}});
    wall += p->content.end->value("wall_seconds", 0.0);
  }
  std::string content = run.dump() + '\n';
  RunOutcome outcome;
  std::optional<FindingsTally> tally;
  if (findings) tally.emplace(*findings, false, run.value(keys::size, std::string()));  // the whole run: an entry that no case still meets is resolved
  for (const auto& id_json : run.at("checks")) {
    const std::string id = id_json.get<std::string>();
    const Check* check = Registry::instance().find(id);
    if (!check) throw std::invalid_argument("cannot merge: check " + id + " is not known to this program");
    ScalarKind kind = check->scalar_kinds().front();
    for (const auto& rec : first.content.checks)
      if (rec.value("check", "") == id) kind = scalar_kind_from_string(rec.value("scalar", "double"));
    std::vector<CaseResult> rs;
    for (const json* rec : ordered)
      if (rec->at("check") == id) {
        json marked = *rec;
        if (tally)
          tally->annotate(marked);
        else
          marked.erase(keys::finding);  // --no-findings (or shards run without): no stale marks
        content += marked.dump() + '\n';
        rs.push_back(rec->get<CaseResult>());
      }
    CheckOutcome co;
    std::vector<CaseResult> fit_cases;
    json check_rec = check_record(*check, kind, rs, co, fit_cases);
    for (auto& fc : fit_cases) {
      fc.seed = case_seed(run.value(keys::seed, std::uint64_t{0}), fc.check, fc.case_id);
      json rec = case_record(fc);
      if (tally) tally->annotate(rec);
      content += rec.dump() + '\n';
    }
    if (tally) check_rec[keys::findings] = tally->check_json(co.id);
    content += check_rec.dump() + '\n';
    outcome.checks.push_back(std::move(co));
  }
  outcome.wall_seconds = wall;
  outcome.bound_factor = run.value("bound_factor", 1.0);
  outcome.mutant = run.value(keys::mutant, "");
  json end = end_record(outcome.checks, wall);
  if (tally) {
    end[keys::findings] = tally->end_json();
    outcome.findings = tally->outcome();
  }
  content += end.dump() + '\n';

  std::error_code ec;
  if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec))
    throw std::invalid_argument("merge: " + out_dir.string() + ": exists and is not a folder");
  const bool existed = fs::exists(out_dir, ec);
  for (const auto& p : parts)
    if (fs::exists(out_dir / "results.jsonl", ec) && fs::equivalent(p.path, out_dir / "results.jsonl", ec))
      throw std::invalid_argument("merge: " + p.path.string() +
                                  " is an input; write the merged results to another folder");
  fs::create_directories(out_dir, ec);
  if (ec) throw std::runtime_error("cannot create the output folder " + out_dir.string() + ": " + ec.message());
  FolderLock lock;
  if (!lock.acquire(out_dir))
    throw std::invalid_argument("merge: another diffbound process is writing to " + out_dir.string());
  try {
    write_file_atomically(out_dir / "results.jsonl", content);
  } catch (...) {
    if (!existed) fs::remove(out_dir, ec);
    throw;
  }
  outcome.results_file = out_dir / "results.jsonl";
  out << "merged " << parts.size() << " shard" << (parts.size() == 1 ? "" : "s") << " of " << total << " cases\n";
  print_summary(outcome, out);
  return outcome;
}

class MergeCommand final : public Command {
 public:
  int order() const override { return 25; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand(
        "merge",
        "Join the results of the shards of one run ('run --shard i/n') into OUT/results.jsonl, as if the run had\n"
        "not been cut (cases in sweep order, check summaries recomputed from all cases). Refuses shards of\n"
        "different runs (version, commit, size, scalar, precision, seed, bound factor, selection of cases),\n"
        "overlapping or missing shards, and unfinished ones.\n"
        "The VIOLATED cases are judged by the accepted findings the shards were run with (their end records;\n"
        "--findings FILE for another file, --no-findings for none), over the whole run.\n"
        "Exit status: 0 when no case is VIOLATED but the accepted findings and none failed, 1 when some case\n"
        "is VIOLATED and not accepted (a new finding), 3 when some case failed, 2 when the inputs do not merge,\n"
        "4 when the merged results cannot be written.\n"
        "Example: diffbound merge results shard-1 shard-2 shard-3 shard-4");
    sub->add_option("out", out_, "Output folder of the merged results (created if missing).")->required();
    sub->add_option("inputs", inputs_, "Results of the shards: results.jsonl files or the folders holding them.")
        ->required();
    sub->add_flag("--no-report", no_report_, "Do not draw the report of the merged results.");
    sub->add_option("--findings", findings_.file,
                    "Judge the VIOLATED cases by this accepted-findings file (TOML) instead of the shards' own.");
    sub->add_flag("--no-findings", findings_.none, "Accept no finding: every VIOLATED case makes the exit status 1.");
    return sub;
  }
  int run() override {
    if (findings_.none && !findings_.file.empty())
      throw std::invalid_argument("--findings and --no-findings exclude each other");
    const auto outcome = merge(out_, inputs_, findings_, std::cout);
    std::cout << "results: " << outcome.results_file.string() << '\n';
    if (!no_report_) reports::report_after_run(outcome.results_file.parent_path(), std::cout, std::cerr);
    return outcome.exit_status();
  }

 private:
  fs::path out_;
  std::vector<std::string> inputs_;
  bool no_report_ = false;
  MergeFindings findings_;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::MergeCommand)
