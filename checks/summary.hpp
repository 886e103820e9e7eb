// Building blocks of a check's summary (Check::summarize): the shape most summaries share is a figure of
// measured-vs-bound curve pairs, one pair per label (a data law, a schedule family, ...), points appended
// case by case. CurvePairs holds them and hands them to a Figure in a fixed order. Light: no MPFR, no Eigen.
#pragma once

#include <diffbound/results/schema.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace diffbound::checks {

/// `s` with its points in increasing x, the band (y_lo, y_hi), if any, moved along; ties keep no particular
/// order (std::sort).
inline results::Series sorted_by_x(const results::Series& s) {
  std::vector<std::size_t> idx(s.x.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](auto i, auto j) { return s.x[i] < s.x[j]; });
  results::Series out = s;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    out.x[i] = s.x[idx[i]], out.y[i] = s.y[idx[i]];
    if (!s.y_lo.empty()) out.y_lo[i] = s.y_lo[idx[i]], out.y_hi[i] = s.y_hi[idx[i]];
  }
  return out;
}

/// Pairs of series (role "measured", then role "bound") keyed by a label: the measured series is labelled
/// `measured_prefix + label`, the bound series `bound_prefix + label`. A label may carry further series
/// after its pair (with_series: a "reference" or "other" curve drawn against the same x).
class CurvePairs {
 public:
  /// The order of the labels: first seen (add or declare), or sorted.
  enum class Order { first_seen, by_label };
  /// The order of a series' points in append_to: as added, or sorted by x (cases need not come in x order).
  enum class Points { as_added, by_x };

  CurvePairs(std::string measured_prefix, std::string bound_prefix, Order order = Order::first_seen,
             Points points = Points::as_added)
      : measured_prefix_(std::move(measured_prefix)),
        bound_prefix_(std::move(bound_prefix)),
        order_(order),
        points_(points) {}

  /// Gives every label a further series, after its bound series and the ones declared before: labelled
  /// `prefix + label`, role `role`; add() takes its y in `extra`, in the order declared. Before any add().
  CurvePairs& with_series(std::string prefix, std::string role) {
    if (!pairs_.empty()) throw std::logic_error("CurvePairs::with_series after the first label");
    extras_.emplace_back(std::move(prefix), std::move(role));
    return *this;
  }

  /// Creates the (empty) curves of `label` if they do not exist: they are appended even if no point follows.
  void declare(const std::string& label) { curves(label); }

  /// Appends the point (x, measured) to the measured curve of `label` and (x, bound) to its bound curve. With
  /// `error`, the measured point gets the band [measured − error, measured + error]. `extra` holds one y per
  /// with_series curve, in their order.
  void add(const std::string& label, double x, double measured, double bound,
           std::optional<double> error = std::nullopt, std::initializer_list<double> extra = {}) {
    if (extra.size() != extras_.size()) throw std::invalid_argument("CurvePairs::add: one extra y per with_series");
    auto& c = curves(label);
    c[0].x.push_back(x), c[0].y.push_back(measured);
    if (error) c[0].y_lo.push_back(measured - *error), c[0].y_hi.push_back(measured + *error);
    c[1].x.push_back(x), c[1].y.push_back(bound);
    std::size_t i = 2;
    for (double y : extra) c[i].x.push_back(x), c[i].y.push_back(y), ++i;
  }

  bool empty() const { return pairs_.empty(); }

  /// The labels in the pairs' order: first seen, or sorted.
  std::vector<std::string> labels() const {
    if (order_ == Order::first_seen) return labels_;
    std::vector<std::string> out;
    for (const auto& [label, pair] : pairs_) out.push_back(label);
    return out;
  }

  /// The measured and the bound curve of `label` (points as added); std::out_of_range for an unknown label.
  const results::Series& measured(const std::string& label) const { return pairs_.at(label)[0]; }
  const results::Series& bound(const std::string& label) const { return pairs_.at(label)[1]; }

  /// Appends each label's measured series, then its bound series, then its with_series curves, to `f`.
  void append_to(results::Figure& f) const {
    for (const auto& label : labels())
      for (const auto& s : pairs_.at(label)) f.series.push_back(points_ == Points::by_x ? sorted_by_x(s) : s);
  }

 private:
  std::vector<results::Series>& curves(const std::string& label) {
    auto [it, fresh] = pairs_.try_emplace(label);
    auto& c = it->second;
    if (fresh) {
      labels_.push_back(label);
      c.resize(2 + extras_.size());
      c[0].label = measured_prefix_ + label, c[0].role = "measured";
      c[1].label = bound_prefix_ + label, c[1].role = "bound";
      for (std::size_t i = 0; i < extras_.size(); ++i)
        c[2 + i].label = extras_[i].first + label, c[2 + i].role = extras_[i].second;
    }
    return c;
  }

  std::string measured_prefix_, bound_prefix_;
  Order order_;
  Points points_;
  std::vector<std::pair<std::string, std::string>> extras_;    // (label prefix, role) of the with_series curves
  std::map<std::string, std::vector<results::Series>> pairs_;  // label -> measured, bound, with_series curves
  std::vector<std::string> labels_;
};

}  // namespace diffbound::checks
