#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace diffbound::checks {

const char* to_string(Size s) {
  switch (s) {
    case Size::smoke:
      return "smoke";
    case Size::standard:
      return "default";
    case Size::full:
      return "full";
  }
  return "?";
}

Size size_from_string(const std::string& s) {
  if (s == "smoke") return Size::smoke;
  if (s == "default") return Size::standard;
  if (s == "full") return Size::full;
  throw std::invalid_argument("unknown size '" + s + "' (expected smoke, default or full)");
}

// ---------------------------------------------------------------------------------------------
// Check

const std::string& Check::id() const {
  if (id_cache_.empty()) id_cache_ = claim().id;
  return id_cache_;
}

Summary Check::summarize(const std::vector<CaseResult>&) const { return {}; }

ParamSchema Check::parameters() const {
  ParamSchema s;
  s.open = true;
  return s;
}

void Check::validate(const CaseSpec& spec) const {
  parameters().validate(spec.params, "");
  validate_case(spec);
}

void Check::require_mutant(const std::string& mutant) const {
  if (mutant.empty()) return;
  std::string known;
  for (const auto& m : mutants()) {
    if (m.id == mutant) return;
    known += (known.empty() ? "" : ", ") + m.id;
  }
  throw std::invalid_argument("check " + id() + " has no mutant '" + mutant +
                              "' (its mutants: " + (known.empty() ? std::string("none") : known) + ")");
}

// ---------------------------------------------------------------------------------------------
// Domain

const char* DomainParam::scale_name(Scale s) {
  switch (s) {
    case Scale::linear:
      return "linear";
    case Scale::log:
      return "log";
    case Scale::integer:
      return "integer";
    case Scale::log_integer:
      return "log_integer";
    case Scale::choice:
      return "choice";
  }
  return "?";
}

double DomainParam::decode(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  switch (scale) {
    case Scale::linear:
      return lo + u * (hi - lo);
    case Scale::log:
      return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
    case Scale::integer:
      return std::clamp(std::floor(lo + u * (hi - lo + 1)), lo, hi);
    case Scale::log_integer:
      return std::clamp(std::floor(std::exp(std::log(lo) + u * (std::log(hi + 1) - std::log(lo)))), lo, hi);
    case Scale::choice: {
      const double k = static_cast<double>(choices.size());
      return std::clamp(std::floor(u * k), 0.0, k - 1);
    }
  }
  return lo;
}

double DomainParam::encode(double v) const {
  switch (scale) {
    case Scale::linear:
      return hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
    case Scale::log:
      return hi > lo ? std::clamp((std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo)), 0.0, 1.0) : 0.0;
    case Scale::integer:
      return std::clamp((v - lo + 0.5) / (hi - lo + 1), 0.0, 1.0);
    case Scale::log_integer:
      return std::clamp((std::log(v + 0.5) - std::log(lo)) / (std::log(hi + 1) - std::log(lo)), 0.0, 1.0);
    case Scale::choice:
      return std::clamp((v + 0.5) / static_cast<double>(choices.size()), 0.0, 1.0);
  }
  return 0.0;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry& Registry::instance() {
  static Registry r;
  return r;
}

}  // namespace diffbound::checks
