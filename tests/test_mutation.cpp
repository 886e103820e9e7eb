// Sound verdicts, by mutation: every registered check's bound is scaled by a factor F (RunContext::
// bound_factor, applied inside CaseResult::compare, so no check is touched). The factors come from the
// measured/bound ratios of an unmutated run at smoke size:
//   * F below every ratio: each mutated claim "measured ≤ F·bound" is false, and no case may say
//     VERIFIED or HOLDS (an interval check must say VIOLATED: the enclosures prove it);
//   * F between two ratios: the cases above it are false claims, the ones below true ones;
//   * F above every ratio (with room): each mutated claim is true by more than its error estimate, and
//     every case must say VERIFIED or HOLDS.
// The loop runs over the registry, so a check added later is covered without editing this file.
//
// And Arb-style containment along the verdict path (STYLE.md §4): per case, the enclosures at 128 and
// 256 bits overlap, the 1024-bit MPFR value lies inside them, and decisive verdicts agree with it.
#include <diffbound/checks/check.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/numerics/random.hpp>

#include "tolerances.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

using namespace diffbound;
using namespace diffbound::checks;

namespace {

/// Every smoke case of a check at a bound factor, run in parallel like the runner does.
std::vector<CaseResult> run_smoke(const Check& c, ScalarKind kind, double factor) {
  const auto specs = c.cases(Size::smoke);
  std::vector<CaseResult> out(specs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    const ThreadCacheRelease release_caches;  // like the runner's workers (no leak under LeakSanitizer)
    for (;;) {
      const std::size_t i = next++;
      if (i >= specs.size()) return;
      RunContext ctx;
      ctx.scalar = kind;
      ctx.precision_bits = precision_bits(kind);
      ctx.seed = case_seed(20240618, c.id(), specs[i].id);
      ctx.size = Size::smoke;
      ctx.bound_factor = factor;
      try {
        out[i] = c.run_case(specs[i], ctx);
      } catch (const std::exception& e) {
        out[i].check = c.id(), out[i].case_id = specs[i].id, out[i].error = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(2u, std::thread::hardware_concurrency()); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return out;
}

bool positive(const CaseResult& r) { return r.verdict == Verdict::verified || r.verdict == Verdict::holds; }

/// A case whose mutation can be judged: it ran, and its measured value and bound are enclosed in (0, ∞).
bool testable(const CaseResult& r) {
  // Outside the claim's hypotheses the claim says nothing: such cases are INCONCLUSIVE at any factor.
  return r.error.empty() && r.hypotheses_hold && r.measured && r.bound && r.measured->lo > 0 && r.bound->lo > 0 &&
         std::isfinite(r.measured->hi) && std::isfinite(r.bound->hi);
}

double pow2_below(double x) { return std::ldexp(1.0, static_cast<int>(std::floor(std::log2(x)))); }
double pow2_above(double x) { return std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(x)))); }

struct Tally {
  int false_claims = 0, caught_violated = 0, caught_inconclusive = 0, true_claims = 0, accepted = 0;
};

/// Runs a check at factor F and holds every testable case to the truth of "measured ≤ F·bound",
/// decided from the unmutated run's enclosures (outward-rounded doubles; F·b in double is exact for a
/// power of two and within 2 ulp otherwise, hence the relative slack).
void mutate(const Check& c, ScalarKind kind, const std::vector<CaseResult>& base, double F, Tally& t) {
  const auto res = run_smoke(c, kind, F);
  REQUIRE(res.size() == base.size());
  const double slack = 4 * std::numeric_limits<double>::epsilon();
  const bool dyadic = F == pow2_below(F);
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (!testable(base[i])) continue;
    const CaseResult& r = res[i];
    INFO(c.id() << " [" << to_string(kind) << "] case " << base[i].case_id << " at bound factor " << F << ": verdict "
                << to_string(r.verdict) << " (" << r.reason << "), measured [" << base[i].measured->lo << ", "
                << base[i].measured->hi << "], bound [" << base[i].bound->lo << ", " << base[i].bound->hi
                << "], error estimate " << r.error_estimate);
    REQUIRE(r.error.empty());
    CHECK(r.bound_factor == F);  // start_result carries the factor into the result
    // The factor touches the bound only: the measurement is the same number, to the last digit.
    REQUIRE(r.measured);
    CHECK(r.measured->text == base[i].measured->text);
    CHECK(r.measured->lo == base[i].measured->lo);
    CHECK(r.measured->hi == base[i].measured->hi);
    if (dyadic) {  // scaling by a power of two is exact, in every kind and in the outward rounding to double
      CHECK(r.bound->lo == F * base[i].bound->lo);
      CHECK(r.bound->hi == F * base[i].bound->hi);
    }
    const double m_lo = base[i].measured->lo, m_hi = base[i].measured->hi;
    const double fb_lo = F * base[i].bound->lo * (1 - slack), fb_hi = F * base[i].bound->hi * (1 + slack);
    if (m_lo > fb_hi) {  // a false claim: never VERIFIED nor HOLDS
      ++t.false_claims;
      CHECK_FALSE(positive(r));
      if (r.verdict == Verdict::violated) ++t.caught_violated;
      if (r.verdict == Verdict::inconclusive) ++t.caught_inconclusive;
      // An interval margin without an error estimate that lies clearly below 0 proves the violation.
      if (kind == ScalarKind::mpfi && r.error_estimate == 0 && m_lo > 1.01 * fb_hi)
        CHECK(r.verdict == Verdict::violated);
    } else if (fb_lo - m_hi >
               r.error_estimate * (1 + 1e-9) + slack * (fb_lo + m_hi)) {  // a true claim, beyond its estimate
      ++t.true_claims;
      CHECK(positive(r));
      if (positive(r)) ++t.accepted;
      if (kind == ScalarKind::mpfi && r.error_estimate == 0) CHECK(r.verdict == Verdict::verified);
    }
  }
}

}  // namespace

TEST_CASE("mutation: every check's bound, tightened against its data and loosened within it", "[mutation][smoke]") {
  int checks = 0, total_caught = 0, total_false = 0, total_true = 0;
  for (const Check* c : Registry::instance().all()) {
    const ScalarKind kind = c->scalar_kinds().front();
    const auto base = run_smoke(*c, kind, 1.0);
    std::vector<double> lower, upper, mid;  // measured/bound ratios over the testable cases
    for (const auto& r : base)
      if (testable(r)) {
        lower.push_back(r.measured->lo / r.bound->hi);
        // Loosening must clear the case's error estimate too (a statistical check's can be large).
        upper.push_back((r.measured->hi + (std::isfinite(r.error_estimate) ? r.error_estimate : 0.0)) / r.bound->lo);
        mid.push_back(r.measured->mid / r.bound->mid);
      }
    INFO("check " << c->id() << ": " << mid.size() << " of " << base.size()
                  << " smoke cases have a measured value and a bound in (0, inf)");
    // A check whose smoke cases give nothing to mutate cannot be held to its bound here: say so.
    REQUIRE_FALSE(mid.empty());
    ++checks;

    const double F_false = pow2_below(0.5 * *std::min_element(lower.begin(), lower.end()));
    const double F_true = pow2_above(2 * std::max(1.0, *std::max_element(upper.begin(), upper.end())));
    std::vector<double> factors{F_false, F_true};
    // A factor the data splits: the geometric mean of the two middle distinct ratios.
    std::sort(mid.begin(), mid.end());
    mid.erase(std::unique(mid.begin(), mid.end(), [](double a, double b) { return b <= a * (1 + 1e-6); }), mid.end());
    if (mid.size() >= 2) {
      const std::size_t j = (mid.size() - 1) / 2;
      factors.push_back(std::sqrt(mid[j] * mid[j + 1]));
    }
    // And at the edge: one part in a million below and above the largest ratio.
    factors.push_back(mid.back() * (1 - 1e-6));
    factors.push_back(mid.back() * (1 + 1e-6));
    Tally t;
    for (const double F : factors) mutate(*c, kind, base, F, t);
    // The floating-point route too (HOLDS instead of VERIFIED), when the check offers it.
    const auto kinds = c->scalar_kinds();
    if (kind != ScalarKind::float64 && std::find(kinds.begin(), kinds.end(), ScalarKind::float64) != kinds.end()) {
      const auto base_d = run_smoke(*c, ScalarKind::float64, 1.0);
      mutate(*c, ScalarKind::float64, base_d, F_false, t);
      mutate(*c, ScalarKind::float64, base_d, F_true, t);
    }
    CHECK(t.false_claims > 0);
    CHECK(t.true_claims > 0);
    std::string list;
    for (const double F : factors) list += (list.empty() ? "" : ", ") + to_text(F, 9);
    WARN(c->id() << ": bound factors " << list << ": " << t.caught_violated + t.caught_inconclusive << " of "
                 << t.false_claims << " false claims caught (" << t.caught_violated << " VIOLATED, "
                 << t.caught_inconclusive << " INCONCLUSIVE); " << t.accepted << " of " << t.true_claims
                 << " true claims VERIFIED/HOLDS");
    total_caught += t.caught_violated + t.caught_inconclusive;
    total_false += t.false_claims;
    total_true += t.true_claims;
  }
  WARN("mutation cases: " << total_caught << " of " << total_false << " false claims caught over " << checks
                          << " checks; " << total_true << " true claims");
  CHECK(checks >= 2);
}

TEST_CASE("mutation: a decimal factor on a point kind never turns rounding into HOLDS", "[mutation][smoke]") {
  // F = 0.1 is no binary number: F·bound carries two roundings, which compare() adds to the error
  // estimate of a point margin. Measured values within a few ulps of the exact 0.1·3 = 0.3, on both
  // sides: HOLDS only where the claim is true (decided exactly), and some clearly true ones do hold.
  int holds = 0, false_claims = 0;
  double m = 0.3;
  for (int k = 0; k < 6; ++k) m = std::nextafter(m, 0.0);
  for (int k = -6; k <= 6; ++k, m = std::nextafter(m, 1.0)) {
    CaseResult r;
    r.bound_factor = 0.1;
    r.compare(m, 3.0);
    const bool true_claim = static_cast<long double>(m) * 10 < 3;  // exact: 53 + 4 bits fit in a long double
    INFO("measured " << to_text(m) << " against 0.1 x 3: " << to_string(r.verdict));
    if (!true_claim) {
      ++false_claims;
      CHECK(r.verdict != Verdict::holds);
    }
    if (r.verdict == Verdict::holds) {
      ++holds;
      CHECK(true_claim);
    }
  }
  {
    const PrecisionScope p(64);
    mpfr_real x("0.3");
    for (int k = 0; k < 6; ++k) mpfr_nextbelow(x.backend().data());
    for (int k = -6; k <= 6; ++k, mpfr_nextabove(x.backend().data())) {
      CaseResult r;
      r.bound_factor = 0.1;
      r.compare(x, mpfr_real(3));
      mpfr_t ten_x;
      mpfr_init2(ten_x, 256);
      mpfr_mul_ui(ten_x, x.backend().data(), 10, MPFR_RNDN);  // exact at 256 bits
      const bool true_claim = mpfr_cmp_ui(ten_x, 3) < 0;
      mpfr_clear(ten_x);
      INFO("measured " << to_text(x) << " against 0.1 x 3 (64-bit MPFR): " << to_string(r.verdict));
      if (!true_claim) {
        ++false_claims;
        CHECK(r.verdict != Verdict::holds);
      }
      if (r.verdict == Verdict::holds) {
        ++holds;
        CHECK(true_claim);
      }
    }
  }
  CHECK(holds > 0);
  CHECK(false_claims > 0);
  // Intervals: the decimal 0.1 is enclosed, so the exact identity 0.1·3 = 3/10 is neither VERIFIED nor VIOLATED.
  CaseResult v;
  v.bound_factor = 0.1;
  v.compare(mpfi_real(3) / 10, mpfi_real(3));
  CHECK(v.verdict == Verdict::inconclusive);
  // The double nearest 0.3 lies below the decimal 0.3, so lo ≤ 0.3 < hi is the enclosure of the decimal.
  CHECK(v.bound->lo <= 0.3);  // not-a-tolerance: 0.3 is the enclosed value under test
  CHECK(v.bound->hi > 0.3);   // not-a-tolerance: 0.3 is the enclosed value under test
}

TEST_CASE("containment along the verdict path: 128 and 256 bits overlap, the 1024-bit value lies inside",
          "[mutation][smoke]") {
  int compared = 0;
  for (const Check* c : Registry::instance().all()) {
    const auto kinds = c->scalar_kinds();
    if (std::find(kinds.begin(), kinds.end(), ScalarKind::mpfi) == kinds.end() ||
        std::find(kinds.begin(), kinds.end(), ScalarKind::mpfr) == kinds.end())
      continue;
    for (const auto& spec : c->cases(Size::smoke)) {
      auto at = [&](ScalarKind kind, unsigned bits) {
        const PrecisionScope p(bits);
        RunContext ctx;
        ctx.scalar = kind;
        ctx.precision_bits = precision_bits(kind);
        ctx.seed = case_seed(20240618, c->id(), spec.id);
        ctx.size = Size::smoke;
        return c->run_case(spec, ctx);
      };
      const CaseResult lo = at(ScalarKind::mpfi, 128), hi = at(ScalarKind::mpfi, 256),
                       point = at(ScalarKind::mpfr, 1024);
      if (!lo.margin || !hi.margin || !point.margin) continue;
      INFO(c->id() << " case " << spec.id << ": margin at 128 bits " << lo.margin->text << ", at 256 bits "
                   << hi.margin->text << ", MPFR 1024 bits " << point.margin->text);
      ++compared;
      for (const auto& [a, b, p] :
           {std::tuple{*lo.measured, *hi.measured, *point.measured}, std::tuple{*lo.bound, *hi.bound, *point.bound},
            std::tuple{*lo.margin, *hi.margin, *point.margin}}) {
        CHECK(a.lo <= b.hi);  // the two precisions overlap
        CHECK(b.lo <= a.hi);
        CHECK(a.lo <= p.hi);  // the high-precision point value lies in each enclosure
        CHECK(p.lo <= a.hi);
        CHECK(b.lo <= p.hi);
        CHECK(p.lo <= b.hi);
        // More bits never widen the enclosure (up to the outward rounding to double).
        const double ulp = std::nextafter(std::fabs(p.mid), INFINITY) - std::fabs(p.mid);
        CHECK(b.hi - b.lo <= a.hi - a.lo + 2 * ulp);
      }
      // Decisive verdicts agree with each other and with the point value.
      if (lo.verdict == Verdict::verified) {
        CHECK(hi.verdict != Verdict::violated);
        CHECK(point.margin->mid > 0);
      }
      if (lo.verdict == Verdict::violated) {
        CHECK(hi.verdict != Verdict::verified);
        CHECK(point.margin->mid < 0);
      }
      CHECK(point.verdict != Verdict::verified);  // a point kind is never a proof
    }
  }
  CHECK(compared > 0);
}
