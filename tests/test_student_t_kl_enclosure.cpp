// The rigorous enclosure of sampling.init's left side for the Student-t law, ν = 5
// (numerics/student_t_kl_enclosure.hpp): it must contain an independent value (the double route: the
// trapezoidal scale mixture of numerics/nongaussian_data.hpp on the grid of numerics/density_grid.hpp), shrink
// when refined, and be narrow enough to decide sampling.init's t5 cases.
#include "tolerances.hpp"

#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/nongaussian_data.hpp>
#include <diffbound/numerics/student_t_kl_enclosure.hpp>

#include <catch2/catch.hpp>

using namespace diffbound;
using namespace diffbound::test;

namespace {
/// The double route at two resolutions: its value (the finer one) and an error estimate (their difference).
struct Reference {
  double value, error;
};
Reference double_route(double sigma_T) {
  const auto law = student_t(5, 1.0, 1, acceptance::student_t_reference_step);
  GridOptions opt;
  opt.tail = acceptance::student_t_reference_tail;
  const double a = sigma_T * sigma_T;
  const double i1 = init_kl_1d(law, a, opt), i2 = init_kl_1d(law, a, opt.refined());
  return {i2, std::fabs(i2 - i1) + acceptance::student_t_enclosure_vs_grid_rel * std::fabs(i2)};
}
}  // namespace

TEST_CASE("Student-t KL enclosure contains the double route", "[enclosure][smoke]") {
  const PrecisionScope wp(128);
  for (const double sigma_T : {0.5, 1.0, 3.0, 10.0}) {
    const Reference ref = double_route(sigma_T);
    const auto e = student_t5_init_kl_enclosure(1.0, sigma_T, 0.0, 200);
    INFO("sigma_T " << sigma_T << " double route " << ref.value << " +- " << ref.error << " enclosure "
                    << to_text(e.kl) << " (" << e.intervals << " pieces, floor " << e.floor << ", tail " << e.tail
                    << ")");
    CHECK(lower_double(e.kl) - ref.error <= ref.value);
    CHECK(ref.value <= upper_double(e.kl) + ref.error);
    // Narrow enough to mean something: the test tells a shift of a tenth of the KL (or of 2e-4) apart.
    const double scale = std::max(ref.value, acceptance::student_t_enclosure_width_abs_floor);
    CHECK(e.width <= acceptance::student_t_enclosure_width_rel * scale);
  }
}

TEST_CASE("Student-t KL enclosure narrows when refined, and stays an enclosure", "[enclosure][smoke]") {
  const PrecisionScope wp(128);
  const double sigma_T = 1.0;
  const Reference ref = double_route(sigma_T);
  // More pieces of [0, R]: the midpoint rule's remainders shrink.
  const auto coarse = student_t5_init_kl_enclosure(1.0, sigma_T, 0.0, 120);
  const auto fine = student_t5_init_kl_enclosure(1.0, sigma_T, 0.0, 480);
  INFO("coarse " << to_text(coarse.kl) << " fine " << to_text(fine.kl) << " double route " << ref.value);
  CHECK(fine.intervals > coarse.intervals);
  CHECK(fine.width < acceptance::student_t_refined_width_ratio * coarse.width);
  for (const auto& e : {coarse, fine}) {
    CHECK(lower_double(e.kl) - ref.error <= ref.value);
    CHECK(ref.value <= upper_double(e.kl) + ref.error);
  }
  // A finer inner rule: the part of the width that bisection does not shrink shrinks.
  const auto rough_inner = student_t5_init_kl_enclosure(1.0, sigma_T, 0.0, 120, 0.4);
  INFO("inner step 0.4: floor " << rough_inner.floor << "; 0.125: floor " << coarse.floor);
  CHECK(coarse.floor < acceptance::student_t_refined_width_ratio * rough_inner.floor);
  CHECK(lower_double(rough_inner.kl) - ref.error <= ref.value);
  CHECK(ref.value <= upper_double(rough_inner.kl) + ref.error);
}

TEST_CASE("Student-t KL enclosure: the law's scale enters through sigma_T/scale only", "[enclosure]") {
  const PrecisionScope wp(128);
  // KL is invariant under x -> x/s: (scale 2, sigma_T 2) is (1, 1); both enclosures contain the same number.
  const auto a = student_t5_init_kl_enclosure(2.0, 2.0, 0.0, 120);
  const auto b = student_t5_init_kl_enclosure(1.0, 1.0, 0.0, 120);
  CHECK(bmp::lower(a.kl) <= bmp::upper(b.kl));
  CHECK(bmp::lower(b.kl) <= bmp::upper(a.kl));
  CHECK_THROWS_AS(student_t5_init_kl_enclosure(0.0, 1.0, 1e-3), std::invalid_argument);
  CHECK_THROWS_AS(student_t5_init_kl_enclosure(1.0, -1.0, 1e-3), std::invalid_argument);
}
