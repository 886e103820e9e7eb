// Sweep configs (checks/config.hpp): the sweep grammar, readable and stable case ids, JSON and TOML
// giving the same cases, and errors that name the place in the file.
#include <diffbound/app/config.hpp>

#include "scale_helpers.hpp"

#include <catch2/catch.hpp>

using namespace diffbound::checks;
using namespace diffbound::app;
using Catch::Matchers::Contains;

namespace {

const char* kGirsanovBase = R"({
  "data": {"spectrum": "isotropic", "dimension": 1, "scale": 0.25, "mean": 1.0},
  "schedule": {"kind": "edm", "n_levels": 8, "sigma_min": 0.002, "sigma_max": 80, "rho": 7},
  "score": {"c": 1.0, "b": 0.0}})";

std::vector<std::string> ids(const ConfigEntry& e) {
  std::vector<std::string> out;
  for (const auto& c : e.cases) out.push_back(c.id);
  return out;
}

}  // namespace

TEST_CASE("sweep grammar: cartesian product, first key slowest, readable ids", "[config][smoke]") {
  const std::string text =
      std::string(R"({"checks": [{"check": "sampling.girsanov", "sweeps": [{"id": "s", "base": )") + kGirsanovBase +
      R"(, "vary": {
      "schedule.n_levels": [8, 16],
      "score": {"exact": {"c": 1.0, "b": 0.0}, "biased": {"c": 1.1, "b": 0.01}},
      "schedule.sigma_min,schedule.sigma_max": [[0.002, 80], [0.01, 50]]}}]}]})";
  const auto cfg = parse_config(text, "t.json", false);
  REQUIRE(cfg.entries.size() == 1);
  const auto& e = cfg.entries[0];
  CHECK(e.check->id() == "sampling.girsanov");
  const std::vector<std::string> expected{
      "s/n_levels=8/exact/sigma_min=0.002,sigma_max=80",   "s/n_levels=8/exact/sigma_min=0.01,sigma_max=50",
      "s/n_levels=8/biased/sigma_min=0.002,sigma_max=80",  "s/n_levels=8/biased/sigma_min=0.01,sigma_max=50",
      "s/n_levels=16/exact/sigma_min=0.002,sigma_max=80",  "s/n_levels=16/exact/sigma_min=0.01,sigma_max=50",
      "s/n_levels=16/biased/sigma_min=0.002,sigma_max=80", "s/n_levels=16/biased/sigma_min=0.01,sigma_max=50"};
  CHECK(ids(e) == expected);
  // The values land at their paths; the rest of the base is kept.
  const auto& last = e.cases.back().params;
  CHECK(last["schedule"]["n_levels"] == 16);
  CHECK(last["schedule"]["sigma_min"] == 0.01);
  CHECK(last["schedule"]["sigma_max"] == 50);
  CHECK(last["schedule"]["rho"] == 7);
  CHECK(last["score"]["c"] == 1.1);
  CHECK(last["data"]["scale"] == 0.25);
  // Stable: parsing again gives the same cases.
  const auto again = parse_config(text, "t.json", false);
  for (std::size_t i = 0; i < e.cases.size(); ++i) {
    CHECK(again.entries[0].cases[i].id == e.cases[i].id);
    CHECK(again.entries[0].cases[i].params == e.cases[i].params);
  }
}

TEST_CASE("config: explicit cases, built-in cases by size, repeated entries, ambiguous short names",
          "[config][smoke]") {
  const std::string text =
      std::string(R"({"checks": [
      {"check": "sampling.girsanov", "cases": [{"params": )") +
      kGirsanovBase + R"(}, {"id": "mine", "params": )" + kGirsanovBase + R"(}]},
      {"check": "sampling.init", "size": "smoke"},
      {"check": "sampling.girsanov", "sweeps": [{"base": )" +
      kGirsanovBase +
      R"(, "vary": {"data.scale": [0.5], "score.b": [0.1], "data.mean": [0, 2], "score.c": [0.9]}}]}]})";
  const auto cfg = parse_config(text, "t.json", false);
  REQUIRE(cfg.entries.size() == 2);  // the two girsanov entries are one
  CHECK(cfg.entries[0].check->id() == "sampling.girsanov");
  CHECK(ids(cfg.entries[0]) ==
        std::vector<std::string>{"case-1", "mine", "scale=0.5/b=0.1/mean=0/c=0.9", "scale=0.5/b=0.1/mean=2/c=0.9"});
  CHECK(cfg.entries[1].check->id() == "sampling.init");
  const auto builtin = Registry::instance().find("sampling.init")->cases(Size::smoke);
  REQUIRE(cfg.entries[1].cases.size() == builtin.size());
  CHECK(cfg.entries[1].cases[0].id == builtin[0].id);
  // Two varied paths ending in the same key are named in full.
  const std::string amb = std::string(R"({"checks": [{"check": "sampling.girsanov", "sweeps": [{"base": )") +
                          kGirsanovBase + R"(, "vary": {"score.b": [0.1], "data.b": [1]}}]}]})";
  CHECK_THROWS_WITH(parse_config(amb, "a.json", false), Contains("case 'score.b=0.1/data.b=1': data.b: unknown key"));
  // A sweep without "vary" is one case, named after the sweep.
  const std::string one = std::string(R"({"checks": [{"check": "sampling.girsanov", "sweeps": [{"base": )") +
                          kGirsanovBase + R"(}, {"id": "named", "base": )" + kGirsanovBase + R"(}]}]})";
  CHECK(ids(parse_config(one, "o.json", false).entries[0]) == std::vector<std::string>{"sweep-1", "named"});
}

TEST_CASE("config: TOML and JSON describe the same cases (examples/sweep.*)", "[config][smoke]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(DIFFBOUND_SOURCE_DIR) / "examples";
  const auto j = load_config(dir / "sweep.json");
  const auto t = load_config(dir / "sweep.toml");
  CHECK(j.format == "json");
  CHECK(t.format == "toml");
  CHECK(j.description == t.description);
  REQUIRE(j.entries.size() == t.entries.size());
  for (std::size_t e = 0; e < j.entries.size(); ++e) {
    CHECK(j.entries[e].check == t.entries[e].check);
    REQUIRE(j.entries[e].cases.size() == t.entries[e].cases.size());
    for (std::size_t k = 0; k < j.entries[e].cases.size(); ++k) {
      INFO(j.entries[e].cases[k].id);
      CHECK(j.entries[e].cases[k].id == t.entries[e].cases[k].id);
      CHECK(j.entries[e].cases[k].params == t.entries[e].cases[k].params);
    }
  }
  // The varied keys keep their order in the TOML file (toml++ sorts tables; the reader does not).
  CHECK(t.entries[0].cases[1].id == "d16/edm/n_levels=16/c=1");
  CHECK(t.entries[0].cases.back().id == "d16/geometric/n_levels=256/c=0.9");
}

TEST_CASE("config: TOML NaN and infinity are named, not silently used", "[config][smoke]") {
  const std::string toml = R"(
[[checks]]
check = "sampling.init"
[[checks.cases]]
id = "x"
params.data = { spectrum = "isotropic", dimension = 1, scale = 0.25, mean = 1.0 }
params.sigma_T = nan
)";
  CHECK_THROWS_WITH(parse_config(toml, "n.toml", true),
                    Contains("n.toml: checks[0].cases[0], case 'x': sigma_T: must be finite"));
  std::string inf = toml;
  inf.replace(inf.find("sigma_T = nan"), 13,
              "sigma_T = 1.0\n[[checks.cases]]\nid = \"y\"\nparams.data = { spectrum = \"isotropic\", dimension = 1, "
              "scale = inf, mean = 1.0 }\nparams.sigma_T = 2.0");
  CHECK_THROWS_WITH(parse_config(inf, "i.toml", true), Contains("case 'y': data.scale: must be finite"));
  CHECK_THROWS_WITH(parse_config("[[checks]]\ncheck = \"sampling.init\"\nsize = 1979-05-27\n", "d.toml", true),
                    Contains("dates and times are not parameters"));
  CHECK_THROWS_WITH(parse_config("[[checks]\n", "s.toml", true), Contains("s.toml: not valid TOML: line 1"));
}

TEST_CASE("set_path creates objects on the way and refuses to go through a number", "[config][smoke]") {
  json j = json::object();
  set_path(j, "a.b.c", 3);
  CHECK(j == json::parse(R"({"a": {"b": {"c": 3}}})"));
  set_path(j, "a.b", json::object({{"d", 1}}));
  CHECK(j == json::parse(R"({"a": {"b": {"d": 1}}})"));
  CHECK_THROWS_WITH(set_path(j, "a.b.d.e", 1), Contains("not an object"));
  CHECK_THROWS_WITH(set_path(j, "a..b", 1), Contains("empty key"));
}
