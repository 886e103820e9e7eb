// The parameter schemas of the checks (checks/params.hpp, Check::parameters()): every built-in check
// declares one; its defaults are consistent; every case of every check at every size validates against it;
// an unknown key, a missing parameter and a value out of range are rejected naming the field; the
// falsifier's domains search inside the declared ranges and make points that validate.
#include "check_helpers.hpp"

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace diffbound;
using namespace diffbound::checks;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

/// The suite's checks: the whole registry apart from the tests' own checks (ids test.*). A new check is one of
/// them as soon as it registers, with nothing to add here (adding a check touches its claim header, its check
/// file, its test and its docs section only).
std::vector<std::string> built_in_checks() {
  std::vector<std::string> out;
  for (const Check* c : Registry::instance().all())
    if (c->id().rfind("test.", 0) != 0) out.push_back(c->id());
  return out;
}

/// The message of the ParamError `f` throws ("no error" when none; another exception fails the test).
template <class F>
std::string param_error(F&& f) {
  try {
    f();
  } catch (const ParamError& e) {
    return e.what();
  }
  return "no error";
}

/// A value just outside `p`'s range (the range is bounded on at least one side).
double outside(const ParamSpec& p) {
  if (p.lo) return p.lo_open ? *p.lo : *p.lo - 1;
  return p.hi_open ? *p.hi : *p.hi + 1;
}

}  // namespace

TEST_CASE("every built-in check declares its parameter schema", "[params][smoke]") {
  const auto built_in = built_in_checks();
  CHECK(built_in.size() >= 14);  // not-a-tolerance: the suite's 14 checks at the time of writing
  for (const auto& id : built_in) {
    INFO(id);
    const ParamSchema s = test::get_check(id).parameters();
    CHECK_FALSE(s.open);
    CHECK_FALSE(s.params.empty());
    for (const auto& p : s.params) {
      INFO(p.name);
      CHECK_FALSE(p.help.empty());
      // A name twice only for disjoint discriminator values.
      for (const auto& q : s.params)
        if (&q != &p && q.name == p.name) {
          REQUIRE_FALSE(p.only_for.empty());
          REQUIRE_FALSE(q.only_for.empty());
          for (const auto& v : p.only_for)
            CHECK(std::find(q.only_for.begin(), q.only_for.end(), v) == q.only_for.end());
        }
    }
  }
}

TEST_CASE("schema defaults, ranges, choices and discriminators are consistent", "[params][smoke]") {
  for (const auto& id : built_in_checks()) {
    const ParamSchema s = test::get_check(id).parameters();
    const ParamSpec* disc = s.discriminator.empty() ? nullptr : s.find(s.discriminator);
    INFO(id);
    if (!s.discriminator.empty()) {
      REQUIRE(disc);
      CHECK(disc->type == ParamSpec::Type::choice);
    }
    for (const auto& p : s.params) {
      INFO(p.name);
      if (p.lo && p.hi) CHECK(*p.lo <= *p.hi);
      if (p.lo || p.hi)
        CHECK((p.type == ParamSpec::Type::number || p.type == ParamSpec::Type::integer));
      if (p.type == ParamSpec::Type::choice) CHECK_FALSE(p.choices.empty());
      if (!p.default_value.is_null()) {
        CHECK_FALSE(p.optional);
        CHECK(param_error([&] { p.check_value(p.default_value, ""); }) == "no error");
        if (p.default_value.is_number()) CHECK(p.in_range(p.default_value.get<double>()));
        if (p.type == ParamSpec::Type::choice)
          CHECK(std::find(p.choices.begin(), p.choices.end(), p.default_value.get<std::string>()) != p.choices.end());
      }
      for (const auto& v : p.only_for) {
        REQUIRE(disc);
        CHECK(std::find(disc->choices.begin(), disc->choices.end(), v) != disc->choices.end());
      }
    }
  }
}

TEST_CASE("every case of every check at every size validates against its schema", "[params]") {
  for (const auto& id : built_in_checks()) {
    const Check& c = test::get_check(id);
    const ParamSchema s = c.parameters();
    for (Size size : {Size::smoke, Size::standard, Size::full}) {
      const auto cases = c.cases(size);
      CHECK_FALSE(cases.empty());
      for (const auto& spec : cases) {
        INFO(id << " " << to_string(size) << " " << spec.id);
        CHECK(param_error([&] { s.validate(spec.params); }) == "no error");
        CHECK(param_error([&] { c.validate(spec); }) == "no error");
      }
    }
  }
}

TEST_CASE("an unknown key, a missing parameter and a value out of range are rejected naming the field",
          "[params][smoke]") {
  for (const auto& id : built_in_checks()) {
    const Check& c = test::get_check(id);
    const ParamSchema s = c.parameters();
    const auto cases = c.cases(Size::smoke);
    REQUIRE_FALSE(cases.empty());
    INFO(id);
    {
      CaseSpec bad = cases.front();
      bad.params["no_such_key"] = 1;
      const std::string e = param_error([&] { c.validate(bad); });
      CHECK_THAT(e, StartsWith("no_such_key: unknown key"));
      CHECK_THAT(e, Contains("known keys"));
    }
    // Every parameter with a range, in every case that it applies to: the first case per discriminator value.
    std::set<std::string> seen_kinds;
    for (const auto& spec : cases) {
      const std::string kind =
          s.discriminator.empty() ? "" : s.string(spec.params, s.discriminator);
      if (!seen_kinds.insert(kind).second) continue;
      for (const auto& p : s.params) {
        if (!s.applies(p, spec.params)) continue;
        INFO(spec.id << ": " << p.name);
        if (p.required()) {
          CaseSpec bad = spec;
          bad.params.erase(p.name);
          CHECK_THAT(param_error([&] { c.validate(bad); }), StartsWith(p.name + ": missing"));
        }
        if (p.lo || p.hi) {
          CaseSpec bad = spec;
          bad.params[p.name] = outside(p);
          const std::string e = param_error([&] { c.validate(bad); });
          CHECK_THAT(e, StartsWith(p.name + ": must"));
          CHECK_THAT(e, Contains("got"));
        }
        if (p.type == ParamSpec::Type::choice && p.name != s.discriminator) {
          CaseSpec bad = spec;
          bad.params[p.name] = "no_such_choice";
          CHECK_THAT(param_error([&] { c.validate(bad); }), StartsWith(p.name + ": expected"));
        }
      }
    }
  }
}

TEST_CASE("falsifier domains search inside the schemas and make points that validate", "[params][falsify][smoke]") {
  std::size_t compared = 0, points = 0;
  for (const auto& id : built_in_checks()) {
    const Check& c = test::get_check(id);
    const auto dom = c.domain();
    if (!dom) continue;
    const ParamSchema s = c.parameters();
    INFO(id);
    for (const auto& dp : dom->params) {
      if (dp.scale == DomainParam::Scale::choice) continue;  // a choice coordinate encodes its own labels
      bool named = false, inside = false;
      for (const auto& p : s.params)
        if (p.name == dp.name && (p.type == ParamSpec::Type::number || p.type == ParamSpec::Type::integer)) {
          named = true;
          inside = inside || (p.in_range(dp.decode(0.0)) && p.in_range(dp.decode(1.0)));
        }
      const double searched_lo = dp.decode(0.0), searched_hi = dp.decode(1.0);
      INFO(dp.name);
      CAPTURE(searched_lo, searched_hi);
      if (named) {
        CHECK(inside);
        ++compared;
      }
    }
    // The corners (every coordinate at u = 0 or 1; at most 2^12 of them) and the centre.
    const std::size_t n = dom->params.size(), corners = n <= 12 ? (std::size_t(1) << n) : 4096;
    for (std::size_t k = 0; k <= corners; ++k) {
      std::vector<double> x;
      for (std::size_t i = 0; i < n; ++i) {
        const double u = k == corners ? 0.5 : ((k * 2654435761u >> (i % 32)) & 1u) == 0 ? 0.0 : 1.0;
        x.push_back(dom->params[i].decode(n <= 12 && k < corners ? double((k >> i) & 1u) : u));
      }
      json p;
      try {
        p = dom->make(x);
      } catch (const ParamError&) {
        continue;  // infeasible (e.g. outside a constraint across coordinates): the search skips it
      }
      ++points;
      INFO(p.dump());
      CHECK(param_error([&] { s.validate(p); }) == "no error");
    }
  }
  CHECK(compared >= 5);
  CHECK(points > 0);
}
