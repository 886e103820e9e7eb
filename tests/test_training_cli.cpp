// The training checks through the program: the smoke sweep runs without failures and declares its
// figures; the encoded forms evaluate with provenance.
#include "cli_helpers.hpp"

#include <catch2/catch.hpp>

using namespace diffbound::test;
using Catch::Matchers::Contains;

TEST_CASE("diffbound run 'training.*' --size smoke: no case fails, figures and data declared",
          "[cli][training][smoke]") {
  TempDir dir("training-smoke");
  const auto r = run_diffbound("run 'training.*' --size smoke --threads 2 --no-progress --out " + dir.str());
  INFO(r.output);
  REQUIRE((r.status == 0 || r.status == 1));  // 1: some held-out case VIOLATED (a finding, not an error)
  const auto lines = read_jsonl(dir.path() / "results.jsonl");
  int checks = 0, cases = 0, mpfr_cases = 0;
  for (const auto& l : lines) {
    if (l["type"] == "case") {
      ++cases;
      INFO(l.dump().substr(0, 2000));
      CHECK_FALSE(l.contains("error"));
      const bool verified_without_interval = l["verdict"] == "VERIFIED" && l["scalar"] != "mpfi";
      CHECK_FALSE(verified_without_interval);  // fitted constants are never VERIFIED
      if (l["scalar"] == "mpfr") {
        ++mpfr_cases;
        CHECK(l["precision_bits"].get<int>() >= 128);
      }
    }
    if (l["type"] == "check") {
      ++checks;
      INFO(l["check"]);
      CHECK(l["counts"]["failed"] == 0);
      CHECK(l["summary"]["figures"].size() >= 1);
      CHECK(l["summary"]["notes"].size() >= 1);
    }
  }
  CHECK(checks == 4);
  CHECK(cases >= 8);
  CHECK(mpfr_cases >= 2);  // the decades run and the semi-smoothness probes
}

TEST_CASE("diffbound bound evaluates the encoded training forms with provenance", "[cli][training][smoke]") {
  const auto r = run_diffbound("bound training.linear_rate --set m=128 --set C_rate=2");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Contains("rho_lower_bound"));
  CHECK_THAT(r.output, Contains("unknown: fitted"));
  const auto f = run_diffbound("bound training.floor --scalar mpfi --format json");
  INFO(f.output);
  REQUIRE(f.status == 0);
  const auto j = nlohmann::json::parse(f.output);
  bool found = false;
  for (const auto& t : j["terms"])
    if (t["name"] == "C_bar") {
      found = true;
      CHECK(t["value"]["hi"].get<double>() < 0);  // Remark 1: C-bar < 0, enclosed
    }
  CHECK(found);
  CHECK(run_diffbound("bound training.semismoothness --set m=0").status != 0);
}
