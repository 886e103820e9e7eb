// The falsifier (checks/falsify.hpp) and the power table (checks/power.hpp): the search reaches the tight
// spots of the sampling claims, is deterministic, its domains contain the known cases, its worst cases are
// ordinary cases of kind falsify, and the power table never kills a true claim.
#include "check_helpers.hpp"
#include "tolerances.hpp"

#include <diffbound/checks/falsify.hpp>
#include <diffbound/checks/fit_verdicts.hpp>
#include <diffbound/checks/power.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/numerics/random.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

using namespace diffbound;
using namespace diffbound::checks;
using diffbound::test::get_check;

namespace {
/// The point of a domain with the named values set (the others at u = 0).
std::vector<double> point_with(const Domain& d, const std::vector<std::pair<std::string, double>>& values) {
  std::vector<double> x;
  for (const auto& p : d.params) x.push_back(p.decode(0.0));
  for (const auto& [name, v] : values) {
    bool found = false;
    for (std::size_t i = 0; i < d.params.size(); ++i)
      if (d.params[i].name == name) x[i] = v, found = true;
    REQUIRE(found);
  }
  return x;
}
}  // namespace

TEST_CASE("domain coordinates: decode inverts encode for every scale", "[falsify][smoke]") {
  using S = DomainParam::Scale;
  const DomainParam lin{"x", S::linear, -1, 3, {}, ""}, lg{"y", S::log, 1e-10, 1e2, {}, ""},
      in{"n", S::integer, 2, 12, {}, ""}, li{"m", S::log_integer, 2, 64, {}, ""},
      ch{"c", S::choice, 0, 0, {"a", "b", "c"}, ""};
  for (double v : {-1.0, 0.0, 2.5, 3.0})
    CHECK_WITHIN_EPS(lin.decode(lin.encode(v)), v, test::budgets::linear_scale_round_trip);
  for (double v : {1e-10, 3e-4, 1e2}) CHECK_WITHIN_EPS(lg.decode(lg.encode(v)), v, test::budgets::log_scale_round_trip);
  for (double v = 2; v <= 12; ++v) CHECK(in.decode(in.encode(v)) == v);
  for (double v = 2; v <= 64; ++v) CHECK(li.decode(li.encode(v)) == v);
  for (double v = 0; v < 3; ++v) CHECK(ch.decode(ch.encode(v)) == v);
  CHECK(li.decode(0.0) == 2);
  CHECK(li.decode(1.0) == 64);
}

TEST_CASE("falsify sampling.girsanov: the default budget reaches the tight spot (relative margin < 1e-6)",
          "[falsify][smoke]") {
  WorkingPrecision precision(128);
  const auto& check = get_check("sampling.girsanov");
  FalsifyOptions o;  // the command's defaults: budget 600, seed 1
  const auto f = falsify(check, o);
  INFO(f.worst_case.params.dump());
  CHECK(f.evaluations <= o.budget + 1);
  CHECK(f.decided.kind == results::CaseKind::falsify);
  CHECK(f.worst_case.id.rfind("falsify/", 0) == 0);
  CHECK(f.decided.verdict == Verdict::verified);  // an interval proof: the claim holds there
  CHECK(f.decided.relative_margin() < test::acceptance::falsifier_target_margin);
  // Deterministic given seed and budget.
  const auto g = falsify(check, o);
  CHECK(g.worst_case.id == f.worst_case.id);
  CHECK(g.worst_case.params == f.worst_case.params);
  // The worst case is an ordinary case: run again, it is decided the same way (kind from its id).
  RunContext ctx;
  ctx.scalar = ScalarKind::mpfi;
  ctx.precision_bits = precision_bits_of(ScalarKind::mpfi);
  const auto r = check.run_case(f.worst_case, ctx);
  CHECK(r.kind == results::CaseKind::falsify);
  CHECK(r.verdict == f.decided.verdict);
  CHECK(f.config().at("checks").at(0).at("cases").at(0).at("params") == f.worst_case.params);
}

TEST_CASE("falsify sampling.bound: issue 15's counterexample lies in the domain; the derived bound holds there",
          "[falsify][smoke]") {
  WorkingPrecision precision(128);
  const auto& check = get_check("sampling.bound");
  const auto d = check.domain();
  REQUIRE(d);
  // d = 1, N(0, 6.19e-4), EDM rho = 15, N = 3, sigma 214.7 -> 62.4, exact score.
  const auto x = point_with(*d, {{"data.spectrum", 0},
                                 {"data.dimension", 1},
                                 {"data.scale", 6.19e-4},
                                 {"data.mean", 0},
                                 {"schedule.kind", 1},
                                 {"schedule.n_levels", 3},
                                 {"schedule.sigma_max", 214.7},
                                 {"schedule.log_span", std::log(214.7 / 62.4)},
                                 {"schedule.rho", 15},
                                 {"score.kind", 0},
                                 {"against", 0}});
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO(d->params[i].name);
    CHECK(x[i] >= d->params[i].decode(0.0));
    CHECK(x[i] <= d->params[i].decode(1.0));
  }
  const json p = d->make(x);
  CHECK(p.at("schedule").at("sigma_min") == 62.4);
  CHECK(p.at("schedule").at("sigma_max") == 214.7);
  CHECK(p.at("schedule").at("rho") == 15.0);
  CHECK(p.at("data").at("scale") == 6.19e-4);
  RunContext ctx;
  ctx.scalar = ScalarKind::mpfi;
  ctx.precision_bits = precision_bits_of(ScalarKind::mpfi);
  CHECK(check.run_case({"falsify/issue15", p}, ctx).verdict == Verdict::verified);
  // The search over the whole domain finds no violation of the derived bound.
  FalsifyOptions o;
  const auto f = falsify(check, o);
  INFO(f.worst_case.params.dump());
  CHECK(f.decided.verdict != Verdict::violated);
  CHECK(f.decided.relative_margin() >= 0);
}

TEST_CASE("mutants: an unknown mutant is an error; a dropped term is found and killed", "[falsify][smoke]") {
  WorkingPrecision precision(128);
  const auto& check = get_check("sampling.girsanov");
  FalsifyOptions o;
  o.mutant = "no_such_mutant";
  CHECK_THROWS_AS(falsify(check, o), std::invalid_argument);
  o.mutant = "drop_discretization";
  CHECK(falsify(check, o).decided.verdict == Verdict::violated);
}

TEST_CASE("power at smoke size: the claims are never killed; killed mutants are refutable", "[falsify][smoke]") {
  WorkingPrecision precision(128);
  PowerOptions o;
  o.size = Size::smoke;
  o.refute_budget = 600;
  o.threads = 2;
  for (const char* id : {"sampling.girsanov", "sampling.bound"}) {
    const auto rows = measure_power(get_check(id), o);
    REQUIRE(rows.size() >= 6);  // the claim and at least 5 mutants
    CHECK(rows.front().mutant.id.empty());
    CHECK_FALSE(rows.front().killed);
    CHECK_FALSE(rows.front().refutable);
    std::size_t killed = 0;
    for (const auto& r : rows) {
      INFO(id << " " << r.mutant.id);
      if (r.killed) CHECK(r.refutable);
      killed += r.killed;
    }
    CHECK(killed >= 3);
  }
}

namespace {
/// Whether the run at smoke size kills `mutant` (empty: the claim) as the power table decides
/// (checks/power.cpp): a sweep case VIOLATED, a judged fit of the sweep VIOLATED, or the falsifier stage's
/// case VIOLATED; every case with the seed the run gives it. Cases an accepted finding explains
/// (expected/findings.toml) are left out: they are VIOLATED for the claim too.
bool killed_at_smoke(const Check& check, const std::string& mutant, const std::vector<std::string>& findings = {}) {
  constexpr std::uint64_t kSeed = 20240618;
  const ScalarKind kind = check.scalar_kinds().front();
  std::vector<CaseResult> results;
  for (const auto& spec : check.cases(Size::smoke)) {
    if (std::find(findings.begin(), findings.end(), spec.id) != findings.end()) continue;
    RunContext ctx;
    ctx.scalar = kind;
    ctx.precision_bits = precision_bits_of(kind);
    ctx.seed = case_seed(kSeed, check.id(), spec.id);
    ctx.size = Size::smoke;
    ctx.mutant = mutant;
    results.push_back(check.run_case(spec, ctx));
    if (results.back().error.empty() && results.back().verdict == Verdict::violated) return true;
  }
  auto summary = check.summarize(results);
  for (const auto& f : judge_fits(check.id(), summary.fits))
    if (f.verdict == Verdict::violated) return true;
  FalsifyOptions o;
  o.budget = check.domain()->run_budget[0];
  o.seed = kSeed;
  o.mutant = mutant;
  return falsify(check, o).decided.verdict == Verdict::violated;
}
}  // namespace

TEST_CASE("training, full.error, design and nongaussian checks: domains, mutants, the claim not killed at smoke, a mutant killed",
          "[falsify][power]") {
  WorkingPrecision precision(128);
  struct Expect {
    const char* id;
    std::size_t min_mutants;
    const char* killed;  // a mutant the smoke run kills (nullptr: none does yet)
    std::vector<std::string> findings;
  };
  const std::vector<Expect> expect{
      {"training.floor", 5, "fisher_half", {}},  // by the tight case the falsifier found
      {"training.linear_rate", 5, "width_squared", {}},
      {"training.gradient_lower_bound", 5, "width_squared", {}},
      // The steps below and above the calibration band are held out: a remainder claimed of third order
      // (and a form growing slower than |D|^2: drop_quadratic, quadratic_sqrt) fails there.
      {"training.semismoothness", 5, "third_order", {}},
      {"full.error", 3, "score_per_step", {}},  // a mutant of the score term, which carries the bound
      {"design.schedule", 3, "geometric_always", {}},  // by the tight optimum case the falsifier found
      {"sampling.nongaussian", 5, "score_cubic", {}},  // by the tight Girsanov case the falsifier found
      {"design.weighting", 3, "monotone", {"bell/theory/D"}},  // finding weighting-theory-not-bell-on-d-scale
  };
  for (const auto& e : expect) {
    INFO(e.id);
    const auto& check = get_check(e.id);
    const auto domain = check.domain();
    REQUIRE(domain.has_value());
    CHECK_FALSE(domain->params.empty());
    CHECK_FALSE(domain->constraints.empty());
    CHECK(domain->run_budget[0] > 0);
    CHECK(domain->run_budget[1] > 0);
    const auto mutants = check.mutants();
    CHECK(mutants.size() >= e.min_mutants);
    bool listed = false;
    for (const auto& m : mutants) {
      CHECK_NOTHROW(check.require_mutant(m.id));
      CHECK_FALSE(m.form.empty());
      listed = listed || (e.killed && m.id == e.killed);
    }
    CHECK((listed || !e.killed));
    CHECK_THROWS_AS(check.require_mutant("no_such_mutant"), std::invalid_argument);
    CHECK_FALSE(killed_at_smoke(check, "", e.findings));
    if (e.killed) CHECK(killed_at_smoke(check, e.killed, e.findings));
  }
}

TEST_CASE("the other sampling checks declare a domain and at least 5 valid mutants", "[falsify][smoke]") {
  WorkingPrecision precision(128);
  for (const char* id :
       {"sampling.init", "sampling.order", "sampling.dimension", "sampling.schedules", "sampling.nongaussian"}) {
    INFO(id);
    const auto& check = get_check(id);
    const auto d = check.domain();
    REQUIRE(d);
    CHECK_FALSE(d->params.empty());
    CHECK_FALSE(d->constraints.empty());
    CHECK(d->run_budget[1] > 0);
    const auto mutants = check.mutants();
    CHECK(mutants.size() >= 5);
    // Every mutant id is accepted by the check's own code path, an unknown one is an error.
    const auto specs = check.cases(Size::smoke);
    REQUIRE_FALSE(specs.empty());
    const ScalarKind kind = check.scalar_kinds().front();
    RunContext ctx;
    ctx.scalar = kind;
    ctx.precision_bits = precision_bits_of(kind);
    for (const auto& m : mutants) {
      INFO(m.id);
      CHECK_NOTHROW(check.require_mutant(m.id));
      ctx.mutant = m.id;
      const auto r = check.run_case(specs.front(), ctx);
      CHECK(r.error.empty());
      CHECK(r.mutant == m.id);
    }
    ctx.mutant = "no_such_mutant";
    CHECK_THROWS_AS(check.run_case(specs.front(), ctx), std::invalid_argument);
    // The domain's points are cases the check runs (the falsifier's decoded point at u = 0.5).
    std::vector<double> x;
    for (const auto& p : d->params) x.push_back(p.decode(0.5));
    ctx.mutant.clear();
    const auto r = check.run_case({"falsify/mid", d->make(x)}, ctx);
    CHECK(r.error.empty());
  }
}

TEST_CASE("sampling.init: Gaussian cases are identities, laws that are not Gaussian are evidence that can fail",
          "[falsify][smoke]") {
  WorkingPrecision precision(128);
  const auto& check = get_check("sampling.init");
  const auto specs = check.cases(Size::standard);
  auto find = [&](const std::string& id) {
    const auto it = std::find_if(specs.begin(), specs.end(), [&](const CaseSpec& c) { return c.id == id; });
    REQUIRE(it != specs.end());
    return *it;
  };
  RunContext ctx;
  ctx.scalar = ScalarKind::mpfi;
  ctx.precision_bits = 128;
  const auto gauss = check.run_case(find("iso(d=1)/sigma_T=1"), ctx);
  CHECK(gauss.verdict == Verdict::verified);
  CHECK(gauss.kind == results::CaseKind::identity);

  const auto spec = find("law/two_points(+-3)/sigma_T=1");
  const auto r = check.run_case(spec, ctx);
  INFO(r.reason);
  CHECK(r.kind == results::CaseKind::evidence);
  // A Gaussian mixture in MPFI: the left side is enclosed by interval quadrature, so the case is a proof.
  CHECK(r.verdict == Verdict::verified);
  CHECK(r.scalar == ScalarKind::mpfi);
  REQUIRE(r.measured);
  // An independent route: point masses at ±3, KL = −μ²/(2a) + E log cosh(μX/a), X ~ N(μ, a), by the
  // trapezoidal rule in z = (X − μ)/√a (log cosh y = |y| + log1p(e^{−2|y|}) − ln 2).
  const double mu = 3, a = 1;
  double e = 0;
  const int n = 24000;
  const double h = 24.0 / n;
  for (int i = 0; i <= n; ++i) {
    const double z = -12 + i * h, y = mu * (mu + std::sqrt(a) * z) / a;
    const double lc = std::fabs(y) + std::log1p(std::exp(-2 * std::fabs(y))) - std::log(2.0);
    e += (i == 0 || i == n ? 0.5 : 1.0) * h * std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi) * lc;
  }
  const double closed = -mu * mu / (2 * a) + e;
  const double tol = test::acceptance::two_point_closed_form_rel * mu * mu / (2 * a);
  CHECK(std::fabs(r.measured->mid - closed) <= tol);
  CHECK(r.measured->lo - tol <= closed);  // the enclosure contains the independent value
  CHECK(closed <= r.measured->hi + tol);
  // In double the same case is the trapezoidal rule at two resolutions: HOLDS at best.
  RunContext in_double = ctx;
  in_double.scalar = ScalarKind::float64, in_double.precision_bits = 53;
  CHECK(check.run_case(spec, in_double).verdict == Verdict::holds);
  // The bound is m2^2/(2 a) = 4.5 (+ the tiny variance); a quarter of it is refuted here.
  ctx.mutant = "init_quarter";
  CHECK(check.run_case(spec, ctx).verdict == Verdict::violated);
  ctx.mutant = "drop_trace";  // the mean of ±3 is 0: nothing is left of the bound
  CHECK(check.run_case(spec, ctx).verdict == Verdict::violated);
}

TEST_CASE("power at smoke size of the five other sampling checks: claim never killed and some mutant killed",
          "[falsify][power]") {
  WorkingPrecision precision(128);
  PowerOptions o;
  o.size = Size::smoke;
  o.refute_budget = 40;  // a short refutation search: a kill by the smoke run is a refutation already
  o.threads = 2;
  for (const char* id :
       {"sampling.init", "sampling.order", "sampling.dimension", "sampling.schedules", "sampling.nongaussian"}) {
    const auto& check = get_check(id);
    // The accepted finding of sampling.schedules (expected/findings.toml): the Table 2 E_S cell under the scaled
    // score is VIOLATED for the claim itself.
    o.accepted = [](const std::string& c, const std::string& case_id) {
      return c == "sampling.schedules" && case_id.rfind("table2/", 0) == 0 &&
             case_id.size() >= 7 && case_id.compare(case_id.size() - 7, 7, "/E_S(c)") == 0;
    };
    const auto rows = measure_power(check, o);
    REQUIRE(rows.size() >= 6);
    CHECK(rows.front().mutant.id.empty());
    INFO(id << " claim killed by " << rows.front().killed_by);
    CHECK_FALSE(rows.front().killed);
    CHECK_FALSE(rows.front().refutable);
    std::size_t killed = 0;
    for (const auto& r : rows) {
      INFO(id << " " << r.mutant.id << " killed by " << r.killed_by);
      if (r.killed) CHECK(r.refutable);
      killed += r.killed;
    }
    CHECK(killed >= 1);
  }
}
