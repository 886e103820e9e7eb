// diffbound advise: the advice logic (theory/design_schedule.hpp) and the command (checks/cmd_advise.cpp):
// candidates and recommendation, JSON/CSV/--out output, and one clear error per bad input.
#include "cli_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/theory/design_schedule.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace diffbound;
using namespace diffbound::test;
using Catch::Matchers::Contains;
namespace ds = diffbound::design_schedule;

TEST_CASE("advise: candidates, their bound terms and the recommendation", "[advise][smoke]") {
  for (double eta : {0.0, 0.01, 0.3}) {
    ds::AdviceInput in;
    in.dimension = 100, in.n_levels = 32, in.score.eta = eta;
    const auto adv = ds::advise(in);
    INFO("eta=" << eta << ": " << adv.reason);
    REQUIRE(adv.candidates.size() == 4);
    CHECK(adv.candidates[0].name == "edm_rho7");
    CHECK(adv.candidates[1].name == "geometric");
    CHECK(adv.candidates[2].name == "bound_optimal_rho");
    CHECK(adv.candidates[3].name == "free_form");
    for (const auto& c : adv.candidates) {
      CHECK_WITHIN_EPS(c.total, c.init + c.discretization + c.score, budgets::positive_sum(3));
      CHECK(c.sigma.size() == 32);
      CHECK(c.sigma.front() == 80.0);
      CHECK(c.sigma.back() == 0.002);
    }
    // The optimised candidates are no worse than the standard ones, the free form no worse than the ρ optimum.
    CHECK(adv.candidates[2].total <= std::min(adv.candidates[0].total, adv.candidates[1].total));
    CHECK(adv.candidates[3].total <= adv.candidates[2].total);
    // The recommendation is within the tolerance of the smallest valid bound.
    double best = 1e300;
    for (const auto& c : adv.candidates)
      if (c.step_condition) best = std::min(best, c.total);
    CHECK(adv.candidates[adv.recommended].total <= best * (1 + in.tolerance));
    CHECK_THAT(adv.reason, Contains(adv.candidates[adv.recommended].description));
  }
  // With eta = 0 the score term vanishes.
  ds::AdviceInput in;
  in.dimension = 10, in.n_levels = 16;
  for (const auto& c : ds::advise(in).candidates) CHECK(c.score == 0.0);
}

TEST_CASE("diffbound advise --format json: parses and has the fields", "[advise][smoke]") {
  const auto r = run_diffbound("advise --dim 100 --levels 32 --score-error 0.05 --format json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.output);
  for (const char* k : {"input", "recommended", "reason", "candidates"}) CHECK(j.contains(k));
  CHECK(j["input"]["dimension"] == 100);
  CHECK_WITHIN_EPS(j["input"]["second_moment"].get<double>(), 100.0, budgets::roundings(1));  // 100·(0² + 1)
  REQUIRE(j["candidates"].size() == 4);
  bool found = false;
  for (const auto& c : j["candidates"]) {
    for (const char* k : {"name", "description", "rho", "terms", "kappa", "step_condition", "levels"})
      CHECK(c.contains(k));
    for (const char* k : {"E_I", "E_D", "E_S", "total"}) CHECK(c["terms"].contains(k));
    CHECK(c["levels"].size() == 32);
    found = found || c["name"] == j["recommended"];
  }
  CHECK(found);
  CHECK_WITHIN_EPS(j["candidates"][0]["rho"].get<double>(), 7.0, budgets::roundings(2));  // 1/(1/7)
  CHECK(j["candidates"][1]["rho"] == "inf");
}

TEST_CASE("diffbound advise: table, csv, spectrum and --out", "[advise][smoke]") {
  TempDir dir("advise");
  const auto t = run_diffbound("advise --dim 3072 --levels 18 --score-error 0.1");
  INFO(t.output);
  REQUIRE(t.status == 0);
  CHECK_THAT(t.output, Contains("recommended levels"));
  CHECK_THAT(t.output, Contains("edm_rho7"));
  const auto c = run_diffbound("advise --dim 8 --levels 18 --score-error 0.1 --format csv --no-free-form");
  REQUIRE(c.status == 0);
  CHECK_THAT(c.output, Contains("name,rho,E_I,E_D,E_S,total"));
  CHECK(std::count(c.output.begin(), c.output.end(), '\n') == 4);  // header + 3 candidates
  // A spectrum file (comments, commas, lines) and the c model; levels to CSV and JSON.
  const auto spec = dir.path() / "spec.txt";
  std::ofstream(spec) << "# variances\n1.0, 0.5\n0.25\n0.125 # last\n";
  const auto csv = dir.path() / "levels.csv", js = dir.path() / "levels.json";
  const auto s =
      run_diffbound("advise --spectrum-file '" + spec.string() +
                    "' --levels 20 --score-error 0.05 --score-model c --out '" + csv.string() + "' --format json");
  INFO(s.output);
  REQUIRE(s.status == 0);
  CHECK(nlohmann::json::parse(s.output)["input"]["dimension"] == 4);
  std::ifstream in(csv);
  std::string line;
  int rows = 0;
  std::getline(in, line);
  CHECK(line == "i,sigma");
  while (std::getline(in, line)) ++rows;
  CHECK(rows == 20);
  REQUIRE(
      run_diffbound("advise --spectrum 1,0.5,0.25 --levels 12 --score-error 0.01 --out '" + js.string() + "'").status ==
      0);
  std::ifstream jin(js);
  const auto lj = nlohmann::json::parse(jin);
  CHECK(lj["levels"].size() == 12);
  CHECK_FALSE(std::filesystem::exists(js.string() + ".partial"));
}

TEST_CASE("diffbound advise: bad inputs give one clear error naming the field, exit 2", "[advise][smoke]") {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"--levels 32 --score-error 0.1", "--dim"},
      {"--dim 0 --levels 32 --score-error 0.1", "--dim"},
      {"--dim 10 --levels 1 --score-error 0.1", "--levels"},
      {"--dim 10 --sigma-min 0 --score-error 0.1", "--sigma-min"},
      {"--dim 10 --sigma-min 100 --score-error 0.1", "--sigma-min"},
      {"--dim 10 --sigma-max nan --score-error 0.1", "--sigma-max"},
      {"--dim 10 --score-error -0.5", "--score-error"},
      {"--dim 10", "--score-error"},
      {"--dim 10 --score-error 2 --score-model c", "--score-error"},
      {"--dim 10 --score-error 0.1 --score-model x", "--score-model"},
      {"--spectrum 1,abc --score-error 0.1", "--spectrum"},
      {"--spectrum 1,-2 --score-error 0.1", "--spectrum"},
      {"--spectrum-file /nonexistent/file --score-error 0.1", "--spectrum-file"},
      {"--spectrum 1 --spectrum-file x --score-error 0.1", "--spectrum"},
      {"--dim 3 --spectrum 1,2 --score-error 0.1", "--dim"},
      {"--dim 10 --score-error 0.1 --variance -1", "--variance"},
      {"--dim 10 --score-error 0.1 --tolerance 2", "--tolerance"},
      {"--dim 10 --score-error 0.1 --format xml", "--format"},
  };
  for (const auto& [args, field] : bad) {
    const auto r = run_diffbound("advise " + args);
    INFO("advise " << args << "\n" << r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Contains(field));
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') <= 2);  // one message (+ a usage hint)
  }
  TempDir dir("advise-bad-out");
  const auto r =
      run_diffbound("advise --dim 10 --score-error 0.1 --out '" + (dir.path() / "no/such/dir/x.csv").string() + "'");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Contains("--out"));
}

TEST_CASE("diffbound advise --help explains the inputs", "[advise][smoke]") {
  const auto r = run_diffbound("advise --help");
  CHECK(r.status == 0);
  for (const char* k :
       {"--dim", "--levels", "--sigma-min", "--score-error", "--spectrum-file", "--format", "--out", "EDM rho = 7"})
    CHECK_THAT(r.output, Contains(k));
}
