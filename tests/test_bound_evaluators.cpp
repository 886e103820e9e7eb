// The bound evaluators (checks/bounds.hpp): each declares its claim, its parameters and its terms; the
// provenance of a term comes from the claim (never a string typed beside it), the parameters are validated
// against the schema, and the bound is the check's own code (the same value as run_case's bound).
#include "check_helpers.hpp"

#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/theory/provenance.hpp>
#include <diffbound/theory/sampling_bound.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

using namespace diffbound;
using namespace diffbound::checks;
using namespace diffbound::test;

namespace {

const BoundEvaluator& get_bound(const std::string& id) {
  const BoundEvaluator* b = BoundRegistry::instance().find(id);
  REQUIRE(b);
  return *b;
}

const BoundTerm& term_named(const std::vector<BoundTerm>& terms, const std::string& name) {
  for (const auto& t : terms)
    if (t.name == name) return t;
  FAIL("no term " << name);
  throw std::logic_error("unreachable");
}

/// The claim `id` a term belongs to: a registered check's, or sampling.bound's fitted shape (no check).
ClaimInfo claim_of(const std::string& id) {
  if (id == sampling_bound::claim().id) return sampling_bound::claim();
  const Check* owner = Registry::instance().find(id);
  REQUIRE(owner);
  return owner->claim();
}

RunContext mpfi_context() {
  RunContext ctx;
  ctx.scalar = ScalarKind::mpfi;
  ctx.precision_bits = precision_bits_of(ScalarKind::mpfi);
  return ctx;
}

}  // namespace

TEST_CASE("provenance_of_tag reads PAPER.md tags and takes the least certain part", "[bounds][provenance]") {
  CHECK(provenance_of_tag("[D✓]") == Provenance::derived);
  CHECK(provenance_of_tag("[D]") == Provenance::derived);
  CHECK(provenance_of_tag("[V-src]") == Provenance::paper);
  CHECK(provenance_of_tag("[V-code]") == Provenance::official_code);
  CHECK(provenance_of_tag("[S]") == Provenance::secondary);
  CHECK(provenance_of_tag("[R]") == Provenance::recalled);
  CHECK(provenance_of_tag("[UNKNOWN]") == Provenance::unknown_fitted);
  CHECK(provenance_of_tag("[S]/[D✓]") == Provenance::secondary);
  CHECK(provenance_of_tag("[D✓]/[S]") == Provenance::secondary);
  CHECK(provenance_of_tag("[S]/[R]") == Provenance::recalled);
  CHECK(provenance_of_tag("[D] [UNKNOWN]") == Provenance::unknown_fitted);
  CHECK_THROWS_AS(provenance_of_tag(""), std::invalid_argument);
  CHECK_THROWS_AS(provenance_of_tag("PAPER §3"), std::invalid_argument);
}

TEST_CASE("BoundTerm::of takes the claim's provenance weakened by its constants", "[bounds][provenance]") {
  ClaimInfo c;
  c.id = "test.claim";
  c.paper_tag = "[D✓]";
  c.constants = {{"C_x", "C_x", "fitted", Provenance::unknown_fitted, "[UNKNOWN]", "test"},
                 {"one_half", "1/2", "1/2", Provenance::derived, "[D✓]", "test"},
                 {"C_r", "C_r", "1", Provenance::recalled, "[R]", "test"}};
  const Quantity q = Quantity::of(1.0);
  const auto bare = BoundTerm::of(c, "bare", q, "no constant");
  CHECK(bare.provenance == "derived");
  CHECK(bare.paper_tag == "[D✓]");
  const auto half = BoundTerm::of(c, "half", q, "a derived constant", {"one_half"});
  CHECK(half.provenance == "derived");
  const auto recalled = BoundTerm::of(c, "recalled", q, "a recalled constant", {"one_half", "C_r"});
  CHECK(recalled.provenance == "recalled");
  CHECK(recalled.paper_tag == "[R]");
  const auto fitted = BoundTerm::of(c, "fitted", q, "a fitted constant", {"C_r", "C_x"});
  CHECK(fitted.provenance == "unknown: fitted");
  CHECK(fitted.paper_tag == "[UNKNOWN]");
  CHECK(fitted.constants == std::vector<std::string>{"C_r", "C_x"});
  CHECK(fitted.claim == "test.claim");
  // A statement less certain than its constants stays as uncertain as the statement.
  c.paper_tag = "[S]/[D✓]";
  CHECK(BoundTerm::of(c, "s", q, "secondary statement", {"one_half"}).provenance == "secondary");
  // A constant the claim does not declare is a bug of the evaluator.
  CHECK_THROWS_AS(BoundTerm::of(c, "bad", q, "undeclared", {"C_nope"}), std::logic_error);
  const auto d = BoundTerm::computed("m2", q, "a moment");
  CHECK(d.provenance == "derived");
  CHECK(d.paper_tag == "[D]");
}

TEST_CASE("every bound evaluator evaluates its defaults in double and mpfi", "[bounds]") {
  const auto all = BoundRegistry::instance().all();
  REQUIRE(all.size() >= 11);
  for (const BoundEvaluator* b : all) {
    INFO(b->id());
    // The claim is a check's: the evaluator is registered next to the check that holds the same claim.
    const Check* check = Registry::instance().find(b->id());
    REQUIRE(check);
    CHECK(check->claim().paper_tag == b->claim().paper_tag);
    const json defaults = b->defaults();
    CHECK_NOTHROW(b->parameters().validate(defaults));
    CHECK(b->parameter_help().size() == b->parameters().params.size());
    for (ScalarKind kind : {ScalarKind::float64, ScalarKind::mpfi}) {
      const auto terms = b->evaluate(defaults, kind);
      REQUIRE_FALSE(terms.empty());
      for (const auto& t : terms) {
        INFO(t.name);
        CHECK_FALSE(t.name.empty());
        CHECK_FALSE(t.description.empty());
        CHECK(std::isfinite(t.value.mid));
        // Provenance and tag agree: the provenance is the one the tag stands for.
        CHECK(to_string(provenance_of_tag(t.paper_tag)) == t.provenance);
        // A term of a claim names constants that claim declares (BoundTerm::of throws otherwise); the
        // claim may be another's (e.g. sampling.bound's fitted shape inside sampling.nongaussian).
        if (t.claim.empty()) {
          CHECK(t.constants.empty());
          CHECK(t.provenance == "derived");
        } else {
          const ClaimInfo owner = claim_of(t.claim);
          for (const auto& k : t.constants) {
            bool declared = false;
            for (const auto& ci : owner.constants) declared = declared || ci.name == k;
            CHECK(declared);
          }
        }
      }
    }
  }
}

TEST_CASE("a bad parameter of a bound is a ParamError naming the field", "[bounds]") {
  const auto& b = get_bound("sampling.init");
  json p = b.defaults();
  p["sigma_T"] = -1.0;
  CHECK_THROWS_WITH(b.evaluate(p, ScalarKind::float64), Catch::Contains("sigma_T"));
  CHECK_THROWS_AS(b.evaluate(p, ScalarKind::float64), ParamError);
  json q = b.defaults();
  q["sigma_t"] = 80.0;  // a misspelt key is refused, not ignored
  CHECK_THROWS_WITH(b.evaluate(q, ScalarKind::float64), Catch::Contains("sigma_t"));
  const auto& t = get_bound("training.linear_rate");
  json r = t.defaults();
  r["m"] = 2.5;  // an integer parameter
  CHECK_THROWS_AS(t.evaluate(r, ScalarKind::float64), ParamError);
}

TEST_CASE("an evaluator's bound is its check's run_case bound", "[bounds]") {
  // The evaluator calls the check's own bound code: in mpfi the enclosures are the same interval.
  const RunContext ctx = mpfi_context();
  SECTION("sampling.init") {
    const auto& b = get_bound("sampling.init");
    json p = b.defaults();
    p["data"]["dimension"] = 7;
    p["sigma_T"] = 3.5;
    const auto bound = term_named(b.evaluate(p, ScalarKind::mpfi), "bound").value;
    const auto r = get_check("sampling.init").run_case({"bound_evaluator", p}, ctx);
    REQUIRE(r.error.empty());
    REQUIRE(r.bound);
    CHECK(r.bound->lo == bound.lo);
    CHECK(r.bound->hi == bound.hi);
  }
  SECTION("sampling.girsanov") {
    const auto& b = get_bound("sampling.girsanov");
    json p = b.defaults();
    p["schedule"]["n_levels"] = 40;
    p["score"]["c"] = 0.9;
    const auto terms = b.evaluate(p, ScalarKind::mpfi);
    const auto total = term_named(terms, "total").value;
    const auto kl = term_named(terms, "measured_kl").value;
    const auto r = get_check("sampling.girsanov").run_case({"bound_evaluator", p}, ctx);
    REQUIRE(r.error.empty());
    REQUIRE(r.bound);
    REQUIRE(r.measured);
    CHECK(r.bound->lo == total.lo);
    CHECK(r.bound->hi == total.hi);
    CHECK(r.measured->lo == kl.lo);
    CHECK(r.measured->hi == kl.hi);
  }
}
