// Point verdicts never contradict the interval verdict (issue 15, part 3): random falsifier-style cases of
// every sampling check that computes in the three scalar kinds, each run in double, in MPFR at 64 bits and
// in MPFI at 256 bits. A contradiction is HOLDS against an enclosure below 0, or VIOLATED against one above
// 0; INCONCLUSIVE is always allowed. The ranges are wide and log-uniform, and a third of the cases sit in
// the tight corner of issue 15 (one or two steps from a large level to a small one, near point masses,
// mean 0), where the double margin loses most of its digits to cancellation.
//
// Tagged hidden ([.]) so that Catch's discovery skips it; ctest runs it once as point_verdicts (label
// point_verdicts), about 30 s on one core.
#include <check_helpers.hpp>

#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace diffbound::test {
namespace {

using checks::CaseSpec;
using checks::RunContext;
using nlohmann::json;

/// Random cases per check (the issue asks for at least 1000).
constexpr int kCasesPerCheck = 1000;
/// Precision of the MPFR point kind under test (low, to stress it) and of the reference enclosures.
constexpr unsigned kRunBits = 128;  // diffbound run's default working precision
constexpr unsigned kMpfrBits = 64;
constexpr unsigned kReferenceBits = 256;

struct Gen {
  std::mt19937_64 rng;
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
  double log_uniform(double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool coin(double p = 0.5) { return uniform(0, 1) < p; }
  /// Rounded to 4 significant digits, as a falsifier's shrunk case would be (and as a config file holds).
  static double round4(double x) {
    if (x == 0) return 0;
    const double e = std::pow(10.0, std::floor(std::log10(std::fabs(x))) - 3);
    return std::round(x / e) * e;
  }

  /// Data: a list spectrum of 1 to 4 directions, or near point masses with mean 0 (tight corner).
  json data(bool tight) {
    const int d = tight ? 1 : integer(1, 4);
    json lambda = json::array(), mu = json::array();
    for (int i = 0; i < d; ++i) {
      lambda.push_back(round4(tight ? log_uniform(1e-9, 1e-3) : log_uniform(1e-8, 1e3)));
      mu.push_back(tight || coin(0.3) ? 0.0 : round4((coin() ? 1 : -1) * log_uniform(1e-3, 30)));
    }
    return json{{"spectrum", "list"}, {"lambda", lambda}, {"mu", mu}};
  }
  /// Noise levels, decreasing: one or two steps across many decades (tight), or 2 to 24 levels.
  std::vector<double> levels(bool tight) {
    const int n = tight ? integer(2, 3) : integer(2, 24);
    const double top = tight ? log_uniform(10, 1e3) : log_uniform(1e-2, 1e3);
    const double bottom = tight ? log_uniform(1e-4, 1e-2) : top * log_uniform(1e-6, 0.5);
    std::vector<double> s{round4(top)};
    for (int k = 1; k < n - 1; ++k) s.push_back(round4(top * std::pow(bottom / top, uniform(0, 1))));
    s.push_back(round4(bottom));
    std::sort(s.rbegin(), s.rend());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    if (s.size() < 2) s = {round4(top), round4(top) / 2};
    return s;
  }
  json schedule(bool tight) { return json{{"kind", "user"}, {"levels", levels(tight)}}; }
  json constants() {
    return json{{"C_D", round4(log_uniform(1e-3, 1.0))}, {"C_S", round4(log_uniform(0.1, 2.0))}, {"kappa_max", 1.0}};
  }
};

/// One generator per check: a random case's parameters.
struct Family {
  std::string check;
  std::function<json(Gen&, bool tight)> params;
};

std::vector<Family> families() {
  return {
      {"sampling.girsanov",
       [](Gen& g, bool tight) {
         const bool exact = tight || g.coin(0.4);
         return json{{"data", g.data(tight)},
                     {"schedule", g.schedule(tight)},
                     {"score",
                      {{"name", "random"},
                       {"c", exact ? 1.0 : Gen::round4(g.uniform(0.5, 1.5))},
                       {"b", exact || g.coin() ? 0.0 : Gen::round4(g.log_uniform(1e-6, 0.3))}}}};
       }},
      {"sampling.init",
       [](Gen& g, bool tight) {
         return json{{"data", g.data(tight)},
                     {"sigma_T", Gen::round4(tight ? g.log_uniform(10, 1e4) : g.log_uniform(1e-2, 1e4))}};
       }},
      {"sampling.bound",
       [](Gen& g, bool tight) {
         const bool exact = tight || g.coin(0.5);
         const bool disc = exact && g.coin(0.5);
         return json{{"sweep", "random"},
                     {"data", g.data(tight)},
                     {"schedule", g.schedule(tight)},
                     {"score",
                      {{"name", "random"},
                       {"c", exact ? 1.0 : Gen::round4(g.uniform(0.5, 1.5))},
                       {"b", 0.0},
                       {"eps_bias", exact ? 0.0 : Gen::round4(g.log_uniform(1e-4, 0.3))}}},
                     {"against", disc ? "discretization" : "kl"}};
       }},
      {"sampling.order",
       [](Gen& g, bool tight) {
         return json{{"data", g.data(tight)},
                     {"schedule", g.schedule(tight)},
                     {"constants", g.constants()},
                     {"double_routes", false}};
       }},
      {"sampling.schedules",
       [](Gen& g, bool tight) {
         const double smax = Gen::round4(g.log_uniform(1, 1e3));
         const double smin = Gen::round4(smax * (tight ? g.log_uniform(1e-7, 1e-4) : g.log_uniform(1e-6, 0.3)));
         const int n = tight ? g.integer(2, 3) : g.integer(2, 24);
         json schedule{{"kind", "geometric"}, {"n_levels", n}, {"sigma_min", smin}, {"sigma_max", smax}};
         if (g.coin()) schedule["kind"] = "edm", schedule["rho"] = Gen::round4(g.uniform(1, 15));
         return json{{"kind", "grid"},
                     {"model", g.coin() ? "c" : "eps"},
                     {"data", g.data(tight)},
                     {"schedule", schedule},
                     {"eta", tight ? 0.0 : Gen::round4(g.uniform(0, 0.5))},
                     {"constants", g.constants()}};
       }},
  };
}

bool contradicts(Verdict point, Verdict interval) {
  const bool point_true = point == Verdict::holds || point == Verdict::verified;
  const bool interval_true = interval == Verdict::verified || interval == Verdict::holds;
  return (point_true && interval == Verdict::violated) || (point == Verdict::violated && interval_true);
}

/// A case as the runner runs it: the working precision `bits` set for the whole run (a double case's
/// MPFI re-evaluation uses it), the case's own precision 53 bits for double.
results::CaseResult run(const checks::Check& c, const CaseSpec& spec, ScalarKind kind, unsigned bits) {
  const checks::WorkingPrecision p(bits);
  RunContext ctx;
  ctx.scalar = kind;
  ctx.precision_bits = kind == ScalarKind::float64 ? 53 : bits;
  return c.run_case(spec, ctx);
}

struct Tally {
  int cases = 0, skipped = 0, contradictions = 0, reevaluated = 0, inconclusive = 0, violated = 0;
  std::vector<std::string> examples;
};

void compare_kinds(const checks::Check& c, const CaseSpec& spec, const results::CaseResult& reference, ScalarKind kind,
                   unsigned bits, Tally& t) {
  const auto r = run(c, spec, kind, bits);
  if (!r.error.empty()) return;
  if (r.data.contains("reevaluated")) ++t.reevaluated;
  if (r.verdict == Verdict::inconclusive) ++t.inconclusive;
  if (r.verdict == Verdict::violated) ++t.violated;
  if (contradicts(r.verdict, reference.verdict)) {
    ++t.contradictions;
    if (t.examples.size() < 5)
      t.examples.push_back(std::string(to_string(kind)) + " " + to_string(r.verdict) + " vs MPFI " +
                           to_string(reference.verdict) + ": " + spec.params.dump() + " margin " +
                           (r.margin ? r.margin->text : "?") + " estimate " + std::to_string(r.error_estimate) +
                           " / enclosure " + (reference.margin ? reference.margin->text : "?"));
  }
}

}  // namespace

TEST_CASE("Point verdicts never contradict the interval verdict on random tight cases",
          "[.][point_verdicts][sampling]") {
  for (const auto& fam : families()) {
    const auto& check = get_check(fam.check);
    Gen g{std::mt19937_64(0x9e3779b97f4a7c15ULL ^ std::hash<std::string>{}(fam.check))};
    Tally dbl, mpfr;
    int ran = 0, reference_violated = 0;
    for (int i = 0; i < kCasesPerCheck; ++i) {
      const bool tight = i % 3 == 0;
      const CaseSpec spec{"random/" + std::to_string(i), fam.params(g, tight)};
      results::CaseResult ref;
      try {
        check.validate(spec);
        ref = run(check, spec, ScalarKind::mpfi, kReferenceBits);
      } catch (const checks::ParamError& e) {
        if (dbl.skipped == 0) dbl.examples.push_back(std::string("first rejected case: ") + e.what());
        ++dbl.skipped;  // outside what the check accepts (e.g. a schedule it rejects)
        continue;
      }
      if (!ref.error.empty()) continue;
      ++ran;
      if (ref.verdict == Verdict::violated) ++reference_violated;
      compare_kinds(check, spec, ref, ScalarKind::float64, kRunBits, dbl);
      compare_kinds(check, spec, ref, ScalarKind::mpfr, kMpfrBits, mpfr);
    }
    INFO(fam.check << ": " << ran << " cases run (" << dbl.skipped << " rejected by validate), " << reference_violated
                   << " VIOLATED by interval; double: " << dbl.reevaluated << " re-evaluated, " << dbl.inconclusive
                   << " INCONCLUSIVE; MPFR " << kMpfrBits << " bits: " << mpfr.reevaluated << " re-evaluated, "
                   << mpfr.inconclusive << " INCONCLUSIVE");
    std::string examples;
    for (const auto& e : dbl.examples) examples += e + "\n";
    for (const auto& e : mpfr.examples) examples += e + "\n";
    INFO(examples);
    CHECK(ran >= kCasesPerCheck * 9 / 10);
    CHECK(dbl.contradictions == 0);
    CHECK(mpfr.contradictions == 0);
    WARN(fam.check << ": " << ran << " cases, " << reference_violated << " VIOLATED by interval; double "
                   << dbl.reevaluated << " re-evaluated / " << dbl.inconclusive << " INCONCLUSIVE / "
                   << dbl.contradictions << " contradictions; MPFR " << mpfr.reevaluated << " / " << mpfr.inconclusive
                   << " / " << mpfr.contradictions);
  }
}

TEST_CASE("Issue 15's tight girsanov case is not VIOLATED in double", "[point_verdicts][sampling]") {
  // One step from a large level to a small one on a near point mass with mean 0 (issue 15's corner:
  // 140 -> 0.0015, lambda = 2.6e-6): the bound is tight to ~1e-11 relative, and the plain double margin
  // is -2.2e-7, far below minus its a-priori estimate (~5e-13): a true inequality called VIOLATED.
  const auto& check = get_check("sampling.girsanov");
  const CaseSpec spec{"issue15",
                      json{{"data", {{"spectrum", "isotropic"}, {"dimension", 1}, {"scale", 2.6e-6}, {"mean", 0.0}}},
                           {"schedule", {{"kind", "user"}, {"levels", {140.0, 0.0015}}}},
                           {"score", {{"name", "exact"}, {"c", 1.0}, {"b", 0.0}}}}};
  const auto ref = run(check, spec, ScalarKind::mpfi, kReferenceBits);
  REQUIRE(ref.verdict == Verdict::verified);
  const auto d = run(check, spec, ScalarKind::float64, 53);
  INFO("double: " << d.margin->text << " " << d.data.dump() << "; MPFI " << ref.margin->text);
  CHECK(d.verdict == Verdict::inconclusive);  // the double margin is within its (now rigorous) estimate
  // The re-evaluation is what decided it (this test fails without it): the plain double margin lay
  // below minus its a-priori estimate, i.e. the plain rule said VIOLATED.
  REQUIRE(d.data.contains("reevaluated"));
  const double point = d.data["reevaluated"]["point_margin"].get<double>();
  const double a_priori = d.data["reevaluated"]["a_priori_estimate"].get<double>();
  CHECK(judge_estimate(point, a_priori).verdict == Verdict::violated);
  const auto m = run(check, spec, ScalarKind::mpfr, kMpfrBits);
  CHECK(m.verdict != Verdict::violated);
}

}  // namespace diffbound::test
