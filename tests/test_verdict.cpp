// The verdict rule and its soundness: rounding never yields a false VERIFIED (DESIGN.md).
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/scalar.hpp>
#include <diffbound/theory/judge.hpp>

#include <catch2/catch.hpp>

#include <boost/random/uniform_int_distribution.hpp>

using namespace diffbound;

TEST_CASE("floating rule: HOLDS, VIOLATED, INCONCLUSIVE by the error estimate", "[verdict][smoke]") {
  CHECK(judge_estimate(1.0, 0.1).verdict == Verdict::holds);
  CHECK(judge_estimate(-1.0, 0.1).verdict == Verdict::violated);
  CHECK(judge_estimate(0.05, 0.1).verdict == Verdict::inconclusive);
  CHECK(judge_estimate(-0.05, 0.1).verdict == Verdict::inconclusive);
  CHECK(judge_estimate(0.0, 0.0).verdict == Verdict::inconclusive);
  CHECK(judge_estimate(std::nan(""), 0.0).verdict == Verdict::inconclusive);
  CHECK(judge_estimate(1.0, std::nan("")).verdict == Verdict::inconclusive);
  CHECK(judge_estimate(1.0, -1.0).verdict == Verdict::inconclusive);
  CHECK_FALSE(judge_estimate(0.05, 0.1).reason.empty());
}

TEMPLATE_TEST_CASE("point kinds are never VERIFIED, however large the margin", "[verdict][smoke]", double, mpfr_real) {
  CHECK(judge(TestType(1e10)).verdict == Verdict::holds);
  CHECK(judge(TestType(-1e10)).verdict == Verdict::violated);
  CHECK(judge(TestType(1.0), 10.0).verdict == Verdict::inconclusive);
}

TEST_CASE("interval rule: the endpoints decide", "[verdict][smoke]") {
  CHECK(judge(make_interval(mpfr_real(1), mpfr_real(2))).verdict == Verdict::verified);
  CHECK(judge(make_interval(mpfr_real(-2), mpfr_real(-1))).verdict == Verdict::violated);
  CHECK(judge(make_interval(mpfr_real(-1), mpfr_real(1))).verdict == Verdict::inconclusive);
  CHECK(judge(make_interval(mpfr_real(0), mpfr_real(1))).verdict == Verdict::inconclusive);  // 0 is not "above 0"
  CHECK(judge(make_interval(mpfr_real(-1), mpfr_real(0))).verdict == Verdict::inconclusive);
  // A statistical estimate on top of an interval: at best HOLDS.
  CHECK(judge(make_interval(mpfr_real(1), mpfr_real(2)), 0.5).verdict == Verdict::holds);
  CHECK(judge(make_interval(mpfr_real(1), mpfr_real(2)), 1.5).verdict == Verdict::inconclusive);
  CHECK(judge(make_interval(mpfr_real(-2), mpfr_real(-1)), 0.5).verdict == Verdict::violated);
}

TEST_CASE("a bound equal to the measured value to 1e-30 relative is not VERIFIED", "[verdict][smoke]") {
  for (unsigned bits : {24u, 53u, 64u, 80u}) {
    PrecisionScope p(bits);
    INFO("precision " << bits << " bits");
    const mpfi_real measured = mpfi_real(1) / 3;
    const mpfi_real bound = measured * (mpfi_real(1) + mpfi_real("1e-30"));
    const auto j = judge(mpfi_real(bound - measured));
    CHECK(j.verdict == Verdict::inconclusive);
    CHECK_FALSE(j.reason.empty());
  }
  {  // double: the margin rounds to 0 or to within its estimate
    const double measured = 1.0 / 3.0, bound = measured * (1.0 + 1e-30);
    CHECK(judge(bound - measured, 4 * std::numeric_limits<double>::epsilon()).verdict == Verdict::inconclusive);
  }
  {  // MPFR at 64 bits: same, point kinds never go beyond HOLDS anyway
    PrecisionScope p(64);
    const mpfr_real measured = mpfr_real(1) / 3, bound = measured * (1 + mpfr_real("1e-30"));
    const auto v = judge(mpfr_real(bound - measured), 4 * unit_roundoff(ScalarKind::mpfr)).verdict;
    CHECK(v == Verdict::inconclusive);
  }
}

TEST_CASE("a bound below the measured value by an interval-proved margin is VIOLATED", "[verdict][smoke]") {
  PrecisionScope p(256);
  const mpfi_real measured = mpfi_real(1) / 3;
  CHECK(judge(mpfi_real(measured * (1 - mpfi_real("1e-30")) - measured)).verdict == Verdict::violated);
  CHECK(judge(mpfi_real(measured * (1 + mpfi_real("1e-30")) - measured)).verdict == Verdict::verified);
}

TEST_CASE("an exact identity is never VERIFIED nor VIOLATED, at any precision", "[verdict][smoke]") {
  // bound = sqrt(2)^2 and measured = 2 are equal: the enclosure of the margin must contain 0.
  for (unsigned bits = 16; bits <= 1024; bits *= 2) {
    PrecisionScope p(bits);
    const mpfi_real s = sqrt(mpfi_real(2));
    const mpfi_real margin = s * s - mpfi_real(2);
    INFO("precision " << bits << " margin " << to_text(margin, 10));
    CHECK(judge(margin).verdict == Verdict::inconclusive);
    const mpfi_real e = exp(log(mpfi_real(3))) - mpfi_real(3);
    CHECK(judge(e).verdict == Verdict::inconclusive);
  }
}

TEST_CASE("random rationals: VERIFIED only on true claims, VIOLATED only on false ones", "[verdict][smoke]") {
  // bound = p1/q1, measured = p2/q2 with nearby values; the truth is decided in integers.
  Rng rng(20240618);
  boost::random::uniform_int_distribution<long long> q_dist(1, 1'000'000'000LL);
  boost::random::uniform_int_distribution<long long> off_dist(-3, 3);
  boost::random::uniform_int_distribution<unsigned> bits_dist(16, 300);
  int verified = 0, violated = 0, inconclusive = 0;
  for (int it = 0; it < 2000; ++it) {
    const long long q1 = q_dist(rng), q2 = q1 + off_dist(rng) + 4;  // q2 > q1 > 0
    const long long p1 = q_dist(rng), p2 = p1 + off_dist(rng);
    const unsigned bits = bits_dist(rng);
    PrecisionScope p(bits);
    const mpfi_real margin = mpfi_real(p1) / mpfi_real(q1) - mpfi_real(p2) / mpfi_real(q2);
    const __int128 lhs = static_cast<__int128>(p1) * q2, rhs = static_cast<__int128>(p2) * q1;
    const auto v = judge(margin).verdict;
    INFO("p1/q1 = " << p1 << "/" << q1 << ", p2/q2 = " << p2 << "/" << q2 << ", bits " << bits);
    if (v == Verdict::verified) {
      CHECK(lhs > rhs);
      ++verified;
    }
    if (v == Verdict::violated) {
      CHECK(lhs < rhs);
      ++violated;
    }
    if (v == Verdict::inconclusive) ++inconclusive;
    CHECK(v != Verdict::holds);
  }
  // Both decisive outcomes occur, and so do undecided cases at low precision.
  CHECK(verified > 100);
  CHECK(violated > 100);
  CHECK(inconclusive > 10);
}

TEST_CASE("decimal parameters: MPFI encloses the decimal, MPFR rounds it", "[scalar][smoke]") {
  PrecisionScope p(128);
  const mpfi_real x = decimal<mpfi_real>(0.002);
  mpfr_real reference;
  {
    PrecisionScope hi(2000);
    reference = mpfr_real("0.002");
  }
  CHECK(mpfr_cmp(&x.backend().data()->left, reference.backend().data()) <= 0);
  CHECK(mpfr_cmp(&x.backend().data()->right, reference.backend().data()) >= 0);
  CHECK(decimal<double>(0.002) == 0.002);
  CHECK(shortest_decimal(0.002) == "0.002");
  CHECK(shortest_decimal(80.0) == "80");
  CHECK(working_precision_bits() >= 128);
  CHECK(value_precision_bits(decimal<mpfr_real>(0.002)) >= 128);
}

TEST_CASE("outward rounding to double keeps the enclosure", "[scalar][smoke]") {
  PrecisionScope p(200);
  const mpfi_real third = mpfi_real(1) / 3;
  const double lo = lower_double(third), hi = upper_double(third);
  CHECK(lo < hi);
  CHECK(mpfr_cmp_d(&third.backend().data()->left, lo) >= 0);
  CHECK(mpfr_cmp_d(&third.backend().data()->right, hi) <= 0);
  const mpfr_real t = mpfr_real(1) / 3;
  CHECK(lower_double(t) <= mid_double(t));
  CHECK(mid_double(t) <= upper_double(t));
  CHECK(to_text(third, 10).front() == '[');
}

TEST_CASE("precision scope sets both kinds and restores them", "[scalar][smoke]") {
  const unsigned before = working_precision_bits();
  {
    PrecisionScope p(300);
    CHECK(working_precision_bits() >= 300);
    CHECK(working_precision_bits() < 310);
    CHECK(value_precision_bits(mpfi_real(1)) == value_precision_bits(mpfr_real(1)));
  }
  CHECK(working_precision_bits() == before);
  CHECK_THROWS_AS(PrecisionScope(3), std::invalid_argument);
}
