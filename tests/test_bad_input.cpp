// Bad input, through the program: each malformed input gets one error line that names the field and
// the reason, a non-zero exit status, and leaves no output behind (the output folder is as it was).
//
// Read-only folders and full disks: the tests run as root, for whom file permissions do not stop a
// write. A read-only bind mount and a tmpfs of 16 KiB, each in a private mount namespace (unshare -m),
// make them real; where mounting is not allowed those two tests are skipped with a warning, and the
// table still covers unwritable folders (/proc, /sys) and a full disk (a journal that is a link to
// /dev/full, where every write fails with ENOSPC).
#include "scale_helpers.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>

using namespace diffbound::test;
using Catch::Matchers::Contains;

namespace {

const std::string kParams =
    R"({"data": {"spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0},
        "schedule": {"kind": "edm", "n_levels": 8, "sigma_min": 0.002, "sigma_max": 80, "rho": 7},
        "score": {"c": 1.0, "b": 0.0}})";

/// A one-case sampling.girsanov config with `from` replaced by `to` in its parameters.
std::string girsanov_config(const std::string& from = "", const std::string& to = "") {
  std::string p = kParams;
  if (!from.empty()) {
    const auto at = p.find(from);
    REQUIRE(at != std::string::npos);
    p.replace(at, from.size(), to);
  }
  return R"({"checks": [{"check": "sampling.girsanov", "cases": [{"id": "x", "params": )" + p + "}]}]}";
}

std::string sweep_config(const std::string& vary) {
  return R"({"checks": [{"check": "sampling.girsanov", "sweeps": [{"id": "s", "base": )" + kParams + R"(, "vary": )" +
         vary + "}]}]}";
}

struct Bad {
  std::string what;
  std::string args;                   ///< {cfg} {out} {dir} are replaced
  std::vector<std::string> expect;    ///< parts of the one error line
  std::optional<std::string> config;  ///< the text of {cfg}
  std::string cfg_name = "config.json";
  int status = 2;
  std::function<void(const fs::path& dir)> setup = nullptr;
  bool out_ends_empty = false;  ///< the output folder held only what the failed run replaces
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

/// Names and contents of the files of a folder (empty when it does not exist).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : files_in(dir))
    out[f] = fs::is_regular_file(dir / f) ? read_text(dir / f) : std::string("<other>");
  return out;
}

/// Runs one bad input; returns true when it behaved (for the count).
bool try_bad(const Bad& b, const fs::path& root, std::size_t n) {
  const fs::path dir = root / ("bad-" + std::to_string(n));
  fs::create_directories(dir);
  const fs::path cfg = dir / b.cfg_name, out = dir / "out";
  if (b.config) write_text(cfg, *b.config);
  if (b.setup) b.setup(dir);
  const bool out_existed = fs::exists(out);
  const auto before = snapshot(out);
  const std::string args =
      replace_all(replace_all(replace_all(b.args, "{cfg}", quote(cfg.string())), "{out}", quote(out.string())), "{dir}",
                  dir.string());
  const auto r = run_diffbound(args);
  const auto lines = message_lines(r.output);
  INFO("bad input " << n << ": " << b.what << "\n  diffbound " << args << "\n  exit " << r.status << "\n" << r.output);
  bool ok = true;
  auto expect = [&](bool c) {
    CHECK(c);
    ok = ok && c;
  };
  expect(r.status == b.status);
  expect(lines.size() == 1);
  for (const auto& e : b.expect) {
    const bool has = r.output.find(e) != std::string::npos;
    INFO("expected in the message: " << e);
    expect(has);
  }
  // No partial output: the output folder is as it was (absent, or with the same files).
  expect(fs::exists(out) == out_existed);
  expect(b.out_ends_empty ? files_in(out).empty() : snapshot(out) == before);
  return ok;
}

}  // namespace

TEST_CASE("bad input: one clear error naming the field, a non-zero exit, no output", "[bad-input][smoke]") {
  TempDir root("bad-input");
  const fs::path shards = root.path() / "shards";
  // Finished shards to merge (sampling.girsanov at smoke size: the cheapest smoke run, under 2 s), and
  // mismatched ones.
  auto shard = [&](const std::string& name, const std::string& extra) {
    const std::string check = extra.find("--config") == std::string::npos ? "sampling.girsanov " : "";
    const auto r =
        run_diffbound("run " + check + "--size smoke --no-progress --out " + (shards / name).string() + " " + extra);
    INFO(r.output);
    REQUIRE(r.status == 0);
    return (shards / name).string();
  };
  const std::string s1 = shard("s1", "--shard 1/2"), s2 = shard("s2", "--shard 2/2");
  const std::string seed = shard("seed", "--shard 2/2 --seed 9"), prec = shard("prec", "--shard 2/2 --precision 256");
  const std::string bf = shard("bf", "--shard 2/2 --bound-factor 2");
  const std::string mpfr = shard("mpfr", "--shard 2/2 --scalar mpfr"), of3 = shard("of3", "--shard 2/3");
  const fs::path other_cfg = shards / "other.json";
  // The same check with a selection of its own (two cases of 8 and 9 levels).
  std::string nine = kParams;
  const std::string eight_levels = "\"n_levels\": 8";
  nine.replace(nine.find(eight_levels), eight_levels.size(), "\"n_levels\": 9");
  write_text(other_cfg, R"({"checks": [{"check": "sampling.girsanov", "cases": [{"id": "a", "params": )" + kParams +
                            R"(}, {"id": "b", "params": )" + nine + "}]}]}");
  const std::string cfg2 = shard("cfg", "--shard 2/2 --config " + other_cfg.string());
  // A shard of another commit, a pair of shards of another build, an unfinished and a cut-short one.
  auto edited = [&](const std::string& name, const std::string& from, const std::function<void(std::string&)>& edit) {
    fs::create_directories(shards / name);
    std::string text = read_text(fs::path(from) / "results.jsonl");
    edit(text);
    write_text(shards / name / "results.jsonl", text);
    return (shards / name).string();
  };
  auto other_commit = [](std::string& t) {
    const auto at = t.find("\"commit\":\"");
    t.replace(t.find('"', at + 10), 0, "-other");
  };
  const std::string c2 = edited("commit2", s2, other_commit);
  const std::string c1 = edited("commit1", s1, other_commit);
  const std::string cut = edited("cut", s2, [](std::string& t) { t.resize(t.size() - 10); });
  // A shard of another size: the header is what merge compares (a default-size run would cost 10 s).
  const std::string size = edited("size", s2, [](std::string& t) {
    const std::string from = "\"size\":\"smoke\"";
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), "\"size\":\"default\"");
  });
  fs::create_directories(shards / "unfinished");
  fs::copy_file(fs::path(s2) / "results.jsonl", shards / "unfinished" / "results.jsonl.partial");
  const std::string unfinished = (shards / "unfinished").string();

  const std::vector<Bad> table{
      // ---- the config file itself
      {"config file missing", "run --config {dir}/nope.json --out {out}", {"nope.json", "no such file"}},
      {"config is a folder", "run --config {dir} --out {out}", {"it is a folder"}},
      {"empty config", "run --config {cfg} --out {out}", {"config.json: the file is empty"}, ""},
      {"blank config", "run --config {cfg} --out {out}", {"the file is empty"}, " \n\t\n"},
      {"not JSON at all", "run --config {cfg} --out {out}", {"not valid JSON", "line 1"}, "hello"},
      {"truncated JSON",
       "run --config {cfg} --out {out}",
       {"not valid JSON", "parse error at line 1"},
       girsanov_config().substr(0, 120)},
      {"JSON with NaN",
       "run --config {cfg} --out {out}",
       {"not valid JSON", "sigma_max"},
       girsanov_config("\"sigma_max\": 80", "\"sigma_max\": NaN")},
      {"JSON number overflow (Inf)",
       "run --config {cfg} --out {out}",
       {"not valid JSON", "number overflow", "1e999"},
       girsanov_config("\"sigma_max\": 80", "\"sigma_max\": 1e999")},
      {"top level is a list", "run --config {cfg} --out {out}", {"top level", "expected an object"}, "[1, 2]"},
      {"unknown top-level key",
       "run --config {cfg} --out {out}",
       {"config.json: check: unknown key"},
       R"({"check": "sampling.init", "checks": []})"},
      {"no checks list", "run --config {cfg} --out {out}", {"checks: missing"}, R"({"description": "x"})"},
      {"checks not a list",
       "run --config {cfg} --out {out}",
       {"checks: expected a list"},
       R"({"checks": {"check": "x"}})"},
      {"empty checks list", "run --config {cfg} --out {out}", {"checks: empty list"}, R"({"checks": []})"},
      {"unknown check id",
       "run --config {cfg} --out {out}",
       {"checks[0].check", "unknown check 'sampling.nope'", "known checks"},
       R"({"checks": [{"check": "sampling.nope", "size": "smoke"}]})"},
      {"entry without check",
       "run --config {cfg} --out {out}",
       {"checks[0].check: missing"},
       R"({"checks": [{"size": "smoke"}]})"},
      {"unknown key in an entry",
       "run --config {cfg} --out {out}",
       {"checks[0].case: unknown key", "cases"},
       R"({"checks": [{"check": "sampling.init", "case": []}]})"},
      {"entry without cases",
       "run --config {cfg} --out {out}",
       {"checks[0]: no cases"},
       R"({"checks": [{"check": "sampling.init"}]})"},
      {"bad size in an entry",
       "run --config {cfg} --out {out}",
       {"checks[0].size", "unknown size 'huge'"},
       R"({"checks": [{"check": "sampling.init", "size": "huge"}]})"},
      {"case without params",
       "run --config {cfg} --out {out}",
       {"checks[0].cases[0].params: missing"},
       R"({"checks": [{"check": "sampling.init", "cases": [{"id": "a"}]}]})"},
      {"unknown key in a case",
       "run --config {cfg} --out {out}",
       {"checks[0].cases[0].param: unknown key"},
       R"({"checks": [{"check": "sampling.init", "cases": [{"id": "a", "param": {}}]}]})"},
      {"duplicate case ids",
       "run --config {cfg} --out {out}",
       {"case id 'x'", "also given by checks[0].cases[0]"},
       replace_all(girsanov_config(), "}]}]}", "}, {\"id\": \"x\", \"params\": " + kParams + "}]}]}")},
      {"sweep without base",
       "run --config {cfg} --out {out}",
       {"checks[0].sweeps[0].base: missing"},
       R"({"checks": [{"check": "sampling.init", "sweeps": [{"vary": {"sigma_T": [1]}}]}]})"},
      {"empty list of values",
       "run --config {cfg} --out {out}",
       {"vary[\"schedule.n_levels\"]: empty list"},
       sweep_config(R"({"schedule.n_levels": []})")},
      {"values not a list",
       "run --config {cfg} --out {out}",
       {"vary[\"schedule.n_levels\"]", "expected a list of values"},
       sweep_config(R"({"schedule.n_levels": 8})")},
      {"tuple of the wrong length",
       "run --config {cfg} --out {out}",
       {"expected a list of 2 values"},
       sweep_config(R"({"schedule.sigma_min,schedule.sigma_max": [[0.1, 10, 3]]})")},
      {"varied path through a number",
       "run --config {cfg} --out {out}",
       {"vary[\"data.scale.x\"]", "not an object"},
       sweep_config(R"({"data.scale.x": [1]})")},
      // ---- the parameters of a case, read by its check
      {"sigma_min >= sigma_max",
       "run --config {cfg} --out {out}",
       {"case 'x'", "sigma_min (100) must be smaller than sigma_max (80)"},
       girsanov_config("\"sigma_min\": 0.002", "\"sigma_min\": 100")},
      {"N < 2",
       "run --config {cfg} --out {out}",
       {"case 'x'", "N must be at least 2", "got 1"},
       girsanov_config("\"n_levels\": 8", "\"n_levels\": 1")},
      {"N far too large",
       "run --config {cfg} --out {out}",
       {"schedule.n_levels", "out of range"},
       girsanov_config("\"n_levels\": 8", "\"n_levels\": 1e12")},
      {"N not a whole number",
       "run --config {cfg} --out {out}",
       {"schedule.n_levels: expected an integer, got 8.5"},
       girsanov_config("\"n_levels\": 8", "\"n_levels\": 8.5")},
      {"negative variance",
       "run --config {cfg} --out {out}",
       {"case 'x'", "scale", "non-negative", "-1"},
       girsanov_config("\"scale\": 0.25", "\"scale\": -1")},
      {"negative variance in a list",
       "run --config {cfg} --out {out}",
       {"data.lambda[1]: a variance must be non-negative, got -2"},
       girsanov_config(R"("spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0)",
                       R"("spectrum": "list", "lambda": [1, -2], "mu": [0, 0])")},
      {"means and variances of different lengths",
       "run --config {cfg} --out {out}",
       {"data.mu: has 1 entries but data.lambda has 2"},
       girsanov_config(R"("spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0)",
                       R"("spectrum": "list", "lambda": [1, 2], "mu": [0])")},
      {"dimension 0",
       "run --config {cfg} --out {out}",
       {"dimension must be at least 1, got 0"},
       girsanov_config("\"dimension\": 1", "\"dimension\": 0")},
      {"negative rho",
       "run --config {cfg} --out {out}",
       {"rho must be positive, got -7"},
       girsanov_config("\"rho\": 7", "\"rho\": -7")},
      {"user levels not decreasing",
       "run --config {cfg} --out {out}",
       {"level 2 (2) is not smaller than level 1 (1)"},
       girsanov_config(R"("kind": "edm", "n_levels": 8, "sigma_min": 0.002, "sigma_max": 80, "rho": 7)",
                       R"("kind": "user", "levels": [80, 1, 2])")},
      {"number given as a string",
       "run --config {cfg} --out {out}",
       {"schedule.sigma_max: expected a number, got string \"80\""},
       girsanov_config("\"sigma_max\": 80", "\"sigma_max\": \"80\"")},
      {"boolean for a number",
       "run --config {cfg} --out {out}",
       {"score.c: expected a number, got boolean"},
       girsanov_config("\"c\": 1.0", "\"c\": true")},
      {"object of the wrong type",
       "run --config {cfg} --out {out}",
       {"data: expected an object"},
       girsanov_config(R"("data": {"spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0})",
                       R"("data": 3)")},
      {"unknown schedule kind",
       "run --config {cfg} --out {out}",
       {"schedule.kind: unknown schedule 'edn'"},
       girsanov_config("\"kind\": \"edm\"", "\"kind\": \"edn\"")},
      {"unknown key in a parameter object",
       "run --config {cfg} --out {out}",
       {"schedule.rhoo: unknown key", "known keys"},
       girsanov_config("\"rho\": 7", "\"rho\": 7, \"rhoo\": 7")},
      {"unknown top-level parameter",
       "run --config {cfg} --out {out}",
       {"scor: unknown key"},
       girsanov_config("\"score\"", "\"scor\"")},
      {"missing parameter",
       "run --config {cfg} --out {out}",
       {"sigma_T: missing"},
       R"({"checks": [{"check": "sampling.init", "cases": [{"id": "a", "params": {"data": {"spectrum": "isotropic", "dimension": 2, "scale": 1.0}}}]}]})"},
      {"negative sigma_T",
       "run --config {cfg} --out {out}",
       {"sigma_T: must be positive, got -3"},
       R"({"checks": [{"check": "sampling.init", "cases": [{"id": "a", "params": {"data": {"spectrum": "isotropic", "dimension": 2, "scale": 1.0}, "sigma_T": -3}}]}]})"},
      {"TOML syntax error",
       "run --config {cfg} --out {out}",
       {"sweep.toml: not valid TOML: line 2"},
       "[[checks]]\ncheck = = 1\n",
       "sweep.toml"},
      {"TOML nan",
       "run --config {cfg} --out {out}",
       {"sweep.toml", "sigma_T: must be finite"},
       "[[checks]]\ncheck = \"sampling.init\"\n[[checks.cases]]\nparams.data = { spectrum = \"isotropic\", dimension = "
       "2, scale = 1.0 }\nparams.sigma_T = nan\n",
       "sweep.toml"},
      {"TOML inf",
       "run --config {cfg} --out {out}",
       {"sweep.toml", "data.scale: must be finite"},
       "[[checks]]\ncheck = \"sampling.init\"\n[[checks.cases]]\nparams.data = { spectrum = \"isotropic\", dimension = "
       "2, scale = -inf }\nparams.sigma_T = 1\n",
       "sweep.toml"},
      {"pattern matching no check of the config",
       "run sampling.girsanov --config {cfg} --out {out}",
       {"no check of", "matches 'sampling.girsanov'", "its checks: sampling.init"},
       R"({"checks": [{"check": "sampling.init", "size": "smoke"}]})"},
      // ---- the command line
      {"unknown check id", "run sampling.nope --out {out}", {"no check matches 'sampling.nope'"}},
      {"shard index 0", "run --shard 0/4 --out {out}", {"--shard 0/4", "between 1 and 4"}},
      {"shard index above the count", "run --shard 5/4 --out {out}", {"--shard 5/4", "between 1 and 4"}},
      {"zero shards", "run --shard 1/0 --out {out}", {"--shard 1/0", "at least 1"}},
      {"shard not i/n", "run --shard 2 --out {out}", {"--shard 2", "expected i/n"}},
      {"shard with letters", "run --shard a/b --out {out}", {"--shard a/b", "whole numbers"}},
      {"shard with three parts", "run --shard 1/2/3 --out {out}", {"--shard 1/2/3", "whole numbers"}},
      {"bound factor 0", "run --bound-factor 0 --out {out}", {"--bound-factor 0", "finite positive"}},
      {"bound factor negative", "run --bound-factor -2 --out {out}", {"--bound-factor -2", "finite positive"}},
      {"bound factor NaN", "run --bound-factor nan --out {out}", {"--bound-factor nan", "finite positive"}},
      {"bound factor not a number", "run --bound-factor two --out {out}", {"--bound-factor two", "not a number"}},
      {"unknown scalar kind", "run sampling.init --scalar float --out {out}", {"--scalar", "float"}},
      {"size unknown", "run --size huge --out {out}", {"--size", "huge"}},
      {"precision too small", "run --precision 3 --out {out}", {"--precision", "3"}},
      {"output is a file",
       "run sampling.init --size smoke --out {dir}/file",
       {"--out", "/file: exists and is not a folder"},
       std::nullopt,
       "config.json",
       2,
       [](const fs::path& d) { write_text(d / "file", "x"); }},
      {"output under /proc",
       "run sampling.init --size smoke --out /proc/self/diffbound-out",
       {"cannot create the output folder /proc/self/diffbound-out"},
       std::nullopt,
       "config.json",
       4},
      {"output under /sys",
       "run sampling.init --size smoke --out /sys/diffbound-out",
       {"cannot create the output folder /sys/diffbound-out"},
       std::nullopt,
       "config.json",
       4},
      {"full disk: the journal is /dev/full",
       "run sampling.init --size smoke --out {out}",
       {"results.jsonl.partial failed: No space left on device"},
       std::nullopt,
       "config.json",
       4,
       [](const fs::path& d) {
         fs::create_directories(d / "out");
         fs::create_symlink("/dev/full", d / "out" / "results.jsonl.partial");
       },
       true},
      {"resume with another seed",
       "run sampling.girsanov --size smoke --seed 5 --resume --out {out}",
       {"--resume", "seed is 20240618 in", "but 5 in this run"},
       std::nullopt,
       "config.json",
       2,
       [](const fs::path& d) {
         REQUIRE(
             run_diffbound("run sampling.girsanov --size smoke --no-progress --out " + (d / "out").string()).status ==
             0);
       }},
      {"resume of another shard",
       "run sampling.girsanov --size smoke --shard 2/2 --resume --out {out}",
       {"--resume", "is shard 1/2 but this run is shard 2/2"},
       std::nullopt,
       "config.json",
       2,
       [](const fs::path& d) {
         REQUIRE(
             run_diffbound("run sampling.girsanov --size smoke --shard 1/2 --no-progress --out " + (d / "out").string())
                 .status == 0);
       }},
      // ---- merge
      {"merge: a missing shard", "merge {out} " + s1, {"cannot merge: shard 2 of 2 missing"}},
      {"merge: overlapping shards", "merge {out} " + s1 + " " + s2 + " " + s2, {"both shard 2/2", "overlapping"}},
      {"merge: different seeds", "merge {out} " + s1 + " " + seed, {"cannot merge: seed is 20240618", "but 9"}},
      {"merge: different precisions", "merge {out} " + s1 + " " + prec, {"cannot merge: precision_bits is"}},
      {"merge: different sizes", "merge {out} " + s1 + " " + size, {"cannot merge: size is \"smoke\"", "\"default\""}},
      {"merge: mixed bound factors", "merge {out} " + s1 + " " + bf, {"cannot merge: bound_factor is 1.0", "but 2.0"}},
      {"merge: different scalars", "merge {out} " + s1 + " " + mpfr, {"cannot merge: scalar is \"auto\"", "\"mpfr\""}},
      {"merge: different shard counts",
       "merge {out} " + s1 + " " + of3,
       {"shard 1/2 but", "shard 2/3", "different numbers of shards"}},
      {"merge: different configs", "merge {out} " + s1 + " " + cfg2, {"cannot merge: the selection of cases"}},
      {"merge: different commits", "merge {out} " + s1 + " " + c2, {"cannot merge: commit is"}},
      {"merge: another build",
       "merge {out} " + c1 + " " + c2,
       {"cannot merge: the shards were computed by diffbound", "-other"}},
      {"merge: an unfinished shard", "merge {out} " + s1 + " " + unfinished, {"holds an unfinished run"}},
      {"merge: a shard cut short", "merge {out} " + s1 + " " + cut, {"is not a finished run"}},
      {"merge: not a results file",
       "merge {out} " + s1 + " {cfg}",
       {"config.json: not a diffbound results file"},
       R"({"checks": [{"check": "sampling.init", "size": "smoke"}]})"},
      {"merge: into one of its inputs", "merge " + s1 + " " + s1 + " " + s2, {"s1/results.jsonl is an input"}},
      {"merge: no such input", "merge {out} " + s1 + " {dir}/nothing", {"merge:", "nothing: no such file or folder"}},
  };
  std::size_t passed = 0;
  for (std::size_t i = 0; i < table.size(); ++i) passed += try_bad(table[i], root.path(), i + 1) ? 1 : 0;
  WARN("bad inputs tried: " << table.size() << ", handled as required: " << passed);
  CHECK(table.size() >= 30);
  CHECK(passed == table.size());
}

namespace {
bool can_unshare_mounts() {
  static const bool ok = run_shell("unshare -m sh -c 'mount -t tmpfs -o size=4k tmpfs /mnt'").status == 0;
  return ok;
}
}  // namespace

TEST_CASE("bad input: a read-only folder (read-only bind mount)", "[bad-input][smoke]") {
  if (!can_unshare_mounts()) {
    WARN("no private mount namespace here (unshare -m): read-only folder test skipped; /proc and /sys cover it");
    return;
  }
  TempDir dir("readonly");
  const std::string d = dir.str();
  const std::string mount = "mount --bind " + d + " " + d + " && mount -o remount,bind,ro " + d + " && ";
  const std::string prog = quote(DIFFBOUND_EXE) + " run sampling.init --size smoke --no-progress";
  for (const std::string& out : {d + "/out", d}) {
    const auto r = run_shell("unshare -m sh -c " + quote(mount + prog + " --out " + out));
    INFO(r.output);
    CHECK(r.status == 4);  // an error that stops the run, not a finding (1)
    CHECK(message_lines(r.output).size() == 1);
    CHECK_THAT(r.output, Contains("Read-only file system"));
    CHECK_THAT(r.output, Contains(out == d ? d + "/results.jsonl.partial" : d + "/out"));
    CHECK(files_in(dir.path()).empty());
  }
}

TEST_CASE("bad input: a full disk (16 KiB tmpfs) keeps complete records only, and resumes", "[bad-input][smoke]") {
  if (!can_unshare_mounts()) {
    WARN("no private mount namespace here (unshare -m): full-disk tmpfs test skipped; /dev/full covers it");
    return;
  }
  TempDir dir("fulldisk");
  const fs::path mnt = dir.path() / "mnt", keep = dir.path() / "keep";
  fs::create_directories(mnt), fs::create_directories(keep);
  const std::string prog =
      quote(DIFFBOUND_EXE) + " run sampling.girsanov --size smoke --no-progress --no-report --threads 2";
  REQUIRE(run_diffbound("run sampling.girsanov --size smoke --no-progress --out " + (dir.path() / "reference").string())
              .status == 0);
  const std::string m = mnt.string(), k = keep.string();
  const std::string script = "mount -t tmpfs -o size=16k tmpfs " + m + " && " +  //
                             "{ " + prog + " --out " + m + "/out > " + k + "/first.txt 2>&1; echo $? > " + k +
                             "/first.rc; } ; " +                                            //
                             "cp -r " + m + "/out " + k + "/after-failure 2>/dev/null; " +  //
                             "mount -o remount,size=4m " + m + " && " +                     //
                             "{ " + prog + " --resume --out " + m + "/out > " + k + "/second.txt 2>&1; echo $? > " + k +
                             "/second.rc; } ; " + "cp -r " + m + "/out " + k + "/final";
  const auto r = run_shell("unshare -m sh -c " + quote(script));
  INFO(r.output << read_text(keep / "first.txt") << read_text(keep / "second.txt"));
  // The failed run: exit 4 (an error, not a finding), one line naming the file and the reason, no
  // results file, no temporary.
  CHECK(read_text(keep / "first.rc") == "4\n");
  const auto first = read_text(keep / "first.txt");
  CHECK(message_lines(first).size() == 1);
  CHECK_THAT(first, Contains("results.jsonl.partial failed: No space left on device"));
  const auto left = files_in(keep / "after-failure");
  CHECK(std::find(left.begin(), left.end(), "results.jsonl") == left.end());
  CHECK(std::find(left.begin(), left.end(), "results.jsonl.tmp") == left.end());
  if (!left.empty()) {
    // What is kept is the journal, cut back to complete records, to resume from.
    CHECK_THAT(first, Contains("make room and run again with --resume"));
    const std::string journal = read_text(keep / "after-failure" / "results.jsonl.partial");
    CHECK(journal.back() == '\n');
    for (const auto& l : read_jsonl(keep / "after-failure" / "results.jsonl.partial")) CHECK(l.contains("type"));
  }
  // After making room, --resume finishes the run with the results of an undisturbed one.
  CHECK(read_text(keep / "second.rc") == "0\n");
  CHECK(files_in(keep / "final") == std::vector<std::string>{"results.jsonl"});
  CHECK(comparable(keep / "final" / "results.jsonl") == comparable(dir.path() / "reference" / "results.jsonl"));
}
