// Fitting rates and constants: least-squares lines with t-intervals, log–log slopes, deal.II-style
// pairwise orders, and the smallest constant that makes a bound of known form hold (DESIGN.md,
// "Bounds with unknown constants").
#pragma once

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

/// y ≈ intercept + slope · x by ordinary least squares, with standard errors.
struct LinearFit {
  double slope = std::numeric_limits<double>::quiet_NaN();
  double intercept = std::numeric_limits<double>::quiet_NaN();
  double slope_se = std::numeric_limits<double>::quiet_NaN();  ///< standard error of the slope
  double intercept_se = std::numeric_limits<double>::quiet_NaN();
  double residual_sd = std::numeric_limits<double>::quiet_NaN();  ///< sqrt(RSS/(n − 2))
  double r_squared = std::numeric_limits<double>::quiet_NaN();
  int n = 0;

  /// Two-sided confidence interval of the slope (Student t with n − 2 degrees of freedom). With n = 2
  /// the interval is unbounded; with an exact fit (zero residual) it is the point.
  std::pair<double, double> slope_interval(double confidence = 0.95) const {
    if (n < 3) return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    if (!(slope_se > 0)) return {slope, slope};
    boost::math::students_t t(n - 2);
    const double q = boost::math::quantile(boost::math::complement(t, (1 - confidence) / 2));
    return {slope - q * slope_se, slope + q * slope_se};
  }
};

/// Ordinary least squares of y on x (fields stay NaN below 2 points); intervals from slope_interval().
inline LinearFit least_squares(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("least_squares: x and y differ in length");
  LinearFit f;
  f.n = static_cast<int>(x.size());
  if (f.n < 2) return f;
  double mx = 0, my = 0;
  for (int i = 0; i < f.n; ++i) mx += x[i], my += y[i];
  mx /= f.n, my /= f.n;
  double sxx = 0, sxy = 0, syy = 0;
  for (int i = 0; i < f.n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (!(sxx > 0)) return f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  double rss = 0;
  for (int i = 0; i < f.n; ++i) {
    const double r = y[i] - f.intercept - f.slope * x[i];
    rss += r * r;
  }
  f.r_squared = syy > 0 ? 1 - rss / syy : 1.0;
  if (f.n > 2) {
    f.residual_sd = std::sqrt(rss / (f.n - 2));
    f.slope_se = f.residual_sd / std::sqrt(sxx);
    f.intercept_se = f.residual_sd * std::sqrt(1.0 / f.n + mx * mx / sxx);
  }
  return f;
}

/// log y ≈ c + slope · log x (natural logs); points with non-positive x or y are rejected.
inline LinearFit loglog_fit(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] > 0) || !(y[i] > 0))
      throw std::invalid_argument("loglog_fit: point " + std::to_string(i) + " is not positive");
    lx.push_back(std::log(x[i]));
    ly.push_back(std::log(y[i]));
  }
  return least_squares(lx, ly);
}

/// deal.II's reduction_rate_log2 against a key column: order_i = log(e_{i−1}/e_i) / log(k_i/k_{i−1}),
/// NaN for the first row. A decaying error e ∝ k^{−p} gives order p.
inline std::vector<double> pairwise_orders(const std::vector<double>& k, const std::vector<double>& e) {
  std::vector<double> out(k.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 1; i < k.size(); ++i) out[i] = std::log(e[i - 1] / e[i]) / std::log(k[i] / k[i - 1]);
  return out;
}

/// The smallest C with measured_i ≤ C · form_i for every i (a bound "measured ≤ C · form" with an
/// unknown constant), and where it is attained.
struct ConstantFit {
  double value = std::numeric_limits<double>::quiet_NaN();
  std::size_t argmax = 0;
  int n = 0;
};

/// max_i measured_i/form_i (every form_i must be > 0): the calibrated constant of DESIGN.md.
inline ConstantFit smallest_constant(const std::vector<double>& measured, const std::vector<double>& form) {
  if (measured.size() != form.size()) throw std::invalid_argument("smallest_constant: lengths differ");
  ConstantFit c;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    if (!(form[i] > 0)) throw std::invalid_argument("smallest_constant: the form must be positive");
    const double r = measured[i] / form[i];
    if (c.n == 0 || r > c.value) c.value = r, c.argmax = i;
    ++c.n;
  }
  return c;
}

/// Holm's step-down adjustment of p-values (family-wise error rate): sorted ascending, the j-th smallest
/// (j = 1..k) becomes max over i <= j of min(1, (k − i + 1) p_(i)), returned in the input order. A
/// hypothesis is rejected at family-wise level alpha when its adjusted p-value is below alpha. NaN counts
/// as 1 (never rejected, but still a member of the family).
inline std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::size_t k = p.size();
  std::vector<std::size_t> order(k);
  for (std::size_t i = 0; i < k; ++i) order[i] = i;
  auto value = [&](std::size_t i) { return std::isnan(p[i]) ? 1.0 : p[i]; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return value(a) < value(b); });
  std::vector<double> adjusted(k);
  double running = 0;
  for (std::size_t j = 0; j < k; ++j) {
    running = std::max(running, std::min(1.0, static_cast<double>(k - j) * value(order[j])));
    adjusted[order[j]] = running;
  }
  return adjusted;
}

}  // namespace diffbound
