// The program: list, run (smoke), results file layout, exit status, bad usage.
#include "cli_helpers.hpp"
#include "tolerances.hpp"

#include <catch2/catch.hpp>

using namespace diffbound::test;
using Catch::Matchers::Contains;

TEST_CASE("diffbound list shows the checks with their claims", "[cli][smoke]") {
  const auto r = run_diffbound("list");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("sampling.init"));
  CHECK_THAT(r.output, Contains("sampling.girsanov"));
  CHECK_THAT(r.output, Contains("PAPER.md §3.2"));
  const auto j = run_diffbound("list --json");
  CHECK(j.status == 0);
  const auto list = nlohmann::json::parse(j.output);
  REQUIRE(list.is_array());
  CHECK(list.size() >= 2);
}

TEST_CASE("diffbound run --size smoke: every interval case VERIFIED, results in case order", "[cli][smoke]") {
  TempDir dir("run-smoke");
  const auto r =
      run_diffbound("run sampling.init sampling.girsanov --size smoke --threads 2 --no-progress --out " + dir.str());
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Contains("nothing VIOLATED"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "results.jsonl.partial"));
  const auto lines = read_jsonl(dir.path() / "results.jsonl");
  REQUIRE(lines.size() > 3);
  CHECK(lines.front()["type"] == "run");
  CHECK(lines.front()["size"] == "smoke");
  CHECK(lines.front().contains("commit"));
  CHECK(lines.back()["type"] == "end");
  int cases = 0, checks = 0;
  for (const auto& l : lines) {
    if (l["type"] == "case") {
      ++cases;
      INFO(l.dump());
      // Every case is an interval proof: sampling.init's non-Gaussian laws too (the Gaussian mixtures' and the
      // Student-t's left sides are enclosed by interval quadrature).
      CHECK(l["verdict"] == "VERIFIED");
      CHECK(l["scalar"] == "mpfi");
      CHECK(l["precision_bits"].get<int>() >= 128);
      CHECK(l["margin"]["lo"].get<double>() > 0);
      for (const char* key : {"check", "case", "params", "measured", "bound", "seed", "seconds"})
        CHECK(l.contains(key));
    }
    if (l["type"] == "check") {
      ++checks;
      CHECK(l["counts"]["VIOLATED"] == 0);
      CHECK(l["claim"].contains("statement_tex"));
      CHECK(l["summary"]["figures"].size() >= 1);
    }
  }
  CHECK(checks == 2);
  CHECK(cases > 20);
}

TEST_CASE("results do not depend on the thread count", "[cli][smoke]") {
  TempDir one("threads-1"), two("threads-2");
  REQUIRE(run_diffbound("run sampling.girsanov --size smoke --threads 1 --no-progress --out " + one.str()).status == 0);
  REQUIRE(run_diffbound("run sampling.girsanov --size smoke --threads 2 --no-progress --out " + two.str()).status == 0);
  auto strip = [](std::vector<nlohmann::json> lines) {
    for (auto& l : lines) {
      l.erase("seconds"), l.erase("date"), l.erase("threads"), l.erase("wall_seconds");
    }
    return lines;
  };
  CHECK(strip(read_jsonl(one.path() / "results.jsonl")) == strip(read_jsonl(two.path() / "results.jsonl")));
}

TEST_CASE("double and mpfr runs give HOLDS, never VERIFIED", "[cli][smoke]") {
  for (const char* kind : {"double", "mpfr"}) {
    TempDir dir(std::string("scalar-") + kind);
    const auto r = run_diffbound(std::string("run sampling.init --size smoke --no-progress --scalar ") + kind +
                                 " --out " + dir.str());
    INFO(r.output);
    REQUIRE(r.status == 0);
    for (const auto& l : read_jsonl(dir.path() / "results.jsonl")) {
      if (l["type"] != "case") continue;
      INFO(l["case_id"]);
      CHECK(l["verdict"] != "VERIFIED");
      // The sweep's cases have room; the falsifier's case is tight (relative margin ~1e-17), and a floating
      // margin within its error estimate is INCONCLUSIVE.
      if (l.value("kind", "evidence") == "evidence") CHECK(l["verdict"] == "HOLDS");
    }
  }
}

TEST_CASE("bad usage: one clear message and exit status 2", "[cli][smoke]") {
  TempDir dir("bad");
  struct Bad {
    std::string args, message;
  };
  const Bad cases[] = {
      {"run no.such.check --out " + dir.str(), "no check matches 'no.such.check'"},
      {"run --size huge", "huge"},
      {"run --precision 3", "precision"},
      {"run --scalar float", "float"},
      {"frobnicate", "frobnicate"},
      {"", "subcommand"},
  };
  for (const auto& b : cases) {
    const auto r = run_diffbound(b.args);
    INFO("diffbound " << b.args << "\n" << r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Contains(b.message));
  }
  CHECK_FALSE(std::filesystem::exists(dir.path() / "results.jsonl"));
}

TEST_CASE("--help explains the commands", "[cli][smoke]") {
  const auto r = run_diffbound("--help");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("VERIFIED"));
  CHECK_THAT(r.output, Contains("run"));
  const auto rr = run_diffbound("run --help");
  CHECK(rr.status == 0);
  CHECK_THAT(rr.output, Contains("--size"));
  CHECK_THAT(rr.output, Contains("--precision"));
}

TEST_CASE("diffbound bound evaluates terms with provenance", "[cli][smoke]") {
  const auto r = run_diffbound("bound sampling.girsanov --set schedule.n_levels=280 --set score.c=0.9 --format json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.output);
  double total = 0, kl = 0, score = 0;
  for (const auto& t : j["terms"]) {
    CHECK(t["provenance"] == "derived");
    CHECK(t["claim"] == "sampling.girsanov");
    CHECK(t["constants"].is_array());
    if (t["name"] == "total") total = t["value"]["mid"];
    if (t["name"] == "measured_kl") kl = t["value"]["mid"];
    if (t["name"] == "score") score = t["value"]["mid"];
  }
  // PAPER §6.2: c = 0.9 at N = 280, EDM: 1.61e-2 <= 0.175.
  CHECK_PRINTED(total, 0.175, 3);
  CHECK_PRINTED(kl, 1.61e-2, 3);
  CHECK(score > 0);
  const auto csv = run_diffbound("bound sampling.init --format csv --scalar double");
  CHECK(csv.status == 0);
  CHECK_THAT(csv.output, Contains("name,value,lo,hi,provenance"));
  const auto bad = run_diffbound("bound sampling.init --set sigma_T=-1");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Contains("sigma_T"));
  const auto unknown = run_diffbound("bound no.such");
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.output, Contains("unknown bound 'no.such'"));
}
