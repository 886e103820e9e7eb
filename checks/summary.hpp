// Building blocks of a check's summary (Check::summarize): the shape most summaries share is a figure of
// measured-vs-bound curve pairs, one pair per label (a data law, a schedule family, ...), points appended
// case by case. CurvePairs holds them and hands them to a Figure in a fixed order. Light: no MPFR, no Eigen.
#pragma once

#include <diffbound/results/schema.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

/// Pairs of series (role "measured", then role "bound") keyed by a label: the measured series is labelled
/// `measured_prefix + label`, the bound series `bound_prefix + label`.
class CurvePairs {
 public:
  enum class Order { first_seen, by_label };

  CurvePairs(std::string measured_prefix, std::string bound_prefix, Order order = Order::first_seen)
      : measured_prefix_(std::move(measured_prefix)), bound_prefix_(std::move(bound_prefix)), order_(order) {}

  /// Appends the point (x, measured) to the measured curve of `label` and (x, bound) to its bound curve. With
  /// `error`, the measured point gets the band [measured − error, measured + error].
  void add(const std::string& label, double x, double measured, double bound,
           std::optional<double> error = std::nullopt) {
    auto [it, fresh] = pairs_.try_emplace(label);
    auto& [m, b] = it->second;
    if (fresh) {
      labels_.push_back(label);
      m.label = measured_prefix_ + label, m.role = "measured";
      b.label = bound_prefix_ + label, b.role = "bound";
    }
    m.x.push_back(x), m.y.push_back(measured);
    if (error) m.y_lo.push_back(measured - *error), m.y_hi.push_back(measured + *error);
    b.x.push_back(x), b.y.push_back(bound);
  }

  bool empty() const { return pairs_.empty(); }

  /// The labels in the pairs' order: first seen, or sorted.
  std::vector<std::string> labels() const {
    if (order_ == Order::first_seen) return labels_;
    std::vector<std::string> out;
    for (const auto& [label, pair] : pairs_) out.push_back(label);
    return out;
  }

  /// Appends each label's measured series, then its bound series, to `f`.
  void append_to(Figure& f) const {
    for (const auto& label : labels()) {
      const auto& [m, b] = pairs_.at(label);
      f.series.push_back(m), f.series.push_back(b);
    }
  }

 private:
  std::string measured_prefix_, bound_prefix_;
  Order order_;
  std::map<std::string, std::pair<Series, Series>> pairs_;
  std::vector<std::string> labels_;
};

}  // namespace diffbound::checks
