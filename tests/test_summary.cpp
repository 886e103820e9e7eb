// CurvePairs (checks/summary.hpp): the measured-vs-bound curve pairs of a summary's figures.
#include <diffbound/checks/summary.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using diffbound::checks::CurvePairs;
using diffbound::results::Figure;
using diffbound::results::Series;

namespace {

/// One string member (label or role) of each series of `f`, in order.
std::vector<std::string> each(const Figure& f, std::string Series::*member) {
  std::vector<std::string> out(f.series.size());
  std::transform(f.series.begin(), f.series.end(), out.begin(), [&](const Series& s) { return s.*member; });
  return out;
}

}  // namespace

TEST_CASE("CurvePairs: one measured and one bound series per label, in first-seen or sorted order", "[summary]") {
  for (const auto order : {CurvePairs::Order::first_seen, CurvePairs::Order::by_label}) {
    CurvePairs c("KL, ", "bound, ", order);
    CHECK(c.empty());
    c.add("b", 2, 0.5, 1.0, 0.25);
    c.add("a", 1, 0.75, 2.0);
    c.add("b", 4, 0.125, 0.5, 0.0625);
    Figure f;
    c.append_to(f);
    const bool sorted = order == CurvePairs::Order::by_label;
    CHECK(c.labels() == (sorted ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"b", "a"}));
    CHECK(each(f, &Series::label) == (sorted ? std::vector<std::string>{"KL, a", "bound, a", "KL, b", "bound, b"}
                                             : std::vector<std::string>{"KL, b", "bound, b", "KL, a", "bound, a"}));
    CHECK(each(f, &Series::role) == std::vector<std::string>{"measured", "bound", "measured", "bound"});
    const Series& m = c.measured("b");
    CHECK(m.x == std::vector<double>{2, 4});
    CHECK(m.y == std::vector<double>{0.5, 0.125});
    CHECK(m.y_lo == std::vector<double>{0.25, 0.0625});
    CHECK(m.y_hi == std::vector<double>{0.75, 0.1875});
    CHECK(c.bound("b").y == std::vector<double>{1.0, 0.5});
    CHECK(c.bound("b").y_lo.empty());
    CHECK(c.measured("a").y_lo.empty());
    CHECK_THROWS_AS(c.measured("c"), std::out_of_range);
  }
}

TEST_CASE("CurvePairs::with_series draws a further curve per label after its pair", "[summary]") {
  CurvePairs c("KL, ", "E_D, ");
  c.with_series("exact, ", "other").with_series("E_I, ", "reference");
  c.add("edm", 16, 1.0, 2.0, std::nullopt, {1.5, 0.25});
  c.add("edm", 32, 0.5, 1.0, std::nullopt, {0.75, 0.125});
  Figure f;
  c.append_to(f);
  CHECK(each(f, &Series::label) == std::vector<std::string>{"KL, edm", "E_D, edm", "exact, edm", "E_I, edm"});
  CHECK(each(f, &Series::role) == std::vector<std::string>{"measured", "bound", "other", "reference"});
  CHECK(f.series[2].x == std::vector<double>{16, 32});
  CHECK(f.series[2].y == std::vector<double>{1.5, 0.75});
  CHECK(f.series[3].y == std::vector<double>{0.25, 0.125});
  // One y per declared curve, and the curves are declared before the first label.
  CHECK_THROWS_AS(c.add("edm", 64, 0.25, 0.5, std::nullopt, {0.375}), std::invalid_argument);
  CHECK_THROWS_AS(c.add("edm", 64, 0.25, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(c.with_series("E_S, ", "reference"), std::logic_error);
}

TEST_CASE("CurvePairs::declare keeps a label's curves in the figure when no point follows", "[summary]") {
  CurvePairs c("m ", "b ");
  c.declare("first");
  c.add("second", 1, 1, 2);
  c.declare("second");  // already there: no second pair, no reordering
  Figure f;
  c.append_to(f);
  CHECK(each(f, &Series::label) == std::vector<std::string>{"m first", "b first", "m second", "b second"});
  CHECK(f.series[0].x.empty());
  CHECK(f.series[1].x.empty());
  CHECK(f.series[2].x == std::vector<double>{1});
}

TEST_CASE("CurvePairs with Points::by_x hands out the points sorted by x, bands moved along", "[summary]") {
  CurvePairs c("KL, ", "RHS, ", CurvePairs::Order::first_seen, CurvePairs::Points::by_x);
  c.add("t", 64, 0.25, 1.0, 0.125);
  c.add("t", 16, 4.0, 8.0, 1.0);
  c.add("t", 32, 1.0, 2.0, 0.5);
  Figure f;
  c.append_to(f);
  REQUIRE(f.series.size() == 2);
  CHECK(f.series[0].x == std::vector<double>{16, 32, 64});
  CHECK(f.series[0].y == std::vector<double>{4.0, 1.0, 0.25});
  CHECK(f.series[0].y_lo == std::vector<double>{3.0, 0.5, 0.125});
  CHECK(f.series[0].y_hi == std::vector<double>{5.0, 1.5, 0.375});
  CHECK(f.series[1].x == std::vector<double>{16, 32, 64});
  CHECK(f.series[1].y == std::vector<double>{8.0, 2.0, 1.0});
  CHECK(f.series[1].y_lo.empty());
  // The accessors give the curves as added.
  CHECK(c.measured("t").x == std::vector<double>{64, 16, 32});
}
