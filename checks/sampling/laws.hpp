// Laws with only a finite second moment as case parameters (mixtures, Student-t, mixtures on a line, product
// and elliptical t): their JSON form, validation (errors name the field) and grid options. Shared by
// sampling.nongaussian and sampling.init's non-Gaussian cases.
#pragma once

#include <diffbound/checks/params.hpp>

#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/nongaussian_data.hpp>
#include <diffbound/numerics/path_monte_carlo.hpp>

#include <string>
#include <vector>

namespace diffbound::checks {

struct LawSpec {
  std::string kind;  ///< mixture | student_t | mixture_line | student_t_product | student_t_elliptical
  int d = 1;
  std::vector<double> weights, means, sds;   // mixture
  double nu = 5, scale = 1;                  // student_t*
  double w1 = 0.3, mu = 2, variance = 0.25;  // mixture_line

  std::string label() const {
    if (kind == "mixture") return "mixture" + std::to_string(weights.size());
    if (kind == "student_t") return "t" + shortest_decimal(nu);
    if (kind == "mixture_line") return "line(d=" + std::to_string(d) + ")";
    if (kind == "student_t_product") return "t" + shortest_decimal(nu) + "^" + std::to_string(d);
    return "t" + shortest_decimal(nu) + "_elliptical(d=" + std::to_string(d) + ")";
  }
  /// The 1-D factor: the law itself (1-D), the law along the line, or one coordinate.
  IsoMixture factor() const {
    if (kind == "mixture") return mixture_1d(weights, means, sds);
    if (kind == "student_t" || kind == "student_t_product") return student_t(nu, scale, 1, 0.3);
    if (kind == "mixture_line") return mixture_1d({w1, 1 - w1}, {-mu, mu}, {std::sqrt(variance), std::sqrt(variance)});
    throw ParamError("law.kind: '" + kind + "' has no 1-D factor");
  }
  /// The full law for Monte Carlo.
  DLaw full() const {
    if (kind == "mixture_line") return DLaw(mixture_on_line(d, w1, mu, variance, variance), false, d);
    if (kind == "student_t_product") return DLaw(student_t(nu, scale, 1, 0.3), true, d);
    if (kind == "student_t_elliptical") return DLaw(student_t(nu, scale, d, 0.3), false, d);
    return DLaw(factor(), false, 1);
  }
  /// m₂² of the law (exact formula for the t laws, not of their scale-mixture approximant).
  double second_moment() const {
    if (kind == "student_t" || kind == "student_t_product" || kind == "student_t_elliptical")
      return student_t_second_moment(nu, scale, d);
    if (kind == "mixture_line") return mu * mu + d * variance;
    return factor().second_moment();
  }
  bool one_d() const { return kind == "mixture" || kind == "student_t"; }
};

inline json law_to_json(const LawSpec& l) {
  json j{{"kind", l.kind}};
  if (l.kind == "mixture")
    j["weights"] = l.weights, j["means"] = l.means, j["sds"] = l.sds;
  else if (l.kind == "mixture_line")
    j["dimension"] = l.d, j["w1"] = l.w1, j["mu"] = l.mu, j["variance"] = l.variance;
  else {
    j["nu"] = l.nu, j["scale"] = l.scale;
    if (l.kind != "student_t") j["dimension"] = l.d;
  }
  return j;
}

inline LawSpec law_from_json(const json& j) {
  const std::string where = "law";
  if (!j.is_object()) throw ParamError("law: expected an object");
  LawSpec l;
  l.kind = get_string(j, "kind", where);
  auto numbers = [&](const char* key) {
    if (!j.contains(key) || !j.at(key).is_array())
      throw ParamError(where + "." + key + ": expected an array of numbers");
    std::vector<double> out;
    for (const auto& v : j.at(key)) {
      if (!v.is_number()) throw ParamError(where + "." + key + ": expected numbers");
      out.push_back(v.get<double>());
    }
    return out;
  };
  if (l.kind == "mixture") {
    require_keys(j, {"kind", "weights", "means", "sds"}, where);
    l.weights = numbers("weights"), l.means = numbers("means"), l.sds = numbers("sds");
    if (l.weights.empty() || l.weights.size() != l.means.size() || l.weights.size() != l.sds.size())
      throw ParamError("law: weights, means and sds must have the same non-zero length");
  } else if (l.kind == "student_t") {
    require_keys(j, {"kind", "nu", "scale"}, where);
    l.nu = get_number(j, "nu", where), l.scale = get_number(j, "scale", where);
  } else if (l.kind == "mixture_line") {
    require_keys(j, {"kind", "dimension", "w1", "mu", "variance"}, where);
    l.d = static_cast<int>(get_integer(j, "dimension", where));
    l.w1 = get_number(j, "w1", where), l.mu = get_number(j, "mu", where), l.variance = get_number(j, "variance", where);
    if (!(l.w1 > 0 && l.w1 < 1)) throw ParamError("law.w1: must lie in (0, 1)");
    if (!(l.variance > 0)) throw ParamError("law.variance: must be positive");
  } else if (l.kind == "student_t_product" || l.kind == "student_t_elliptical") {
    require_keys(j, {"kind", "dimension", "nu", "scale"}, where);
    l.d = static_cast<int>(get_integer(j, "dimension", where));
    l.nu = get_number(j, "nu", where), l.scale = get_number(j, "scale", where);
  } else {
    throw ParamError("law.kind: unknown '" + l.kind +
                     "' (expected mixture, student_t, mixture_line, student_t_product, student_t_elliptical)");
  }
  if (l.d < 1 || l.d > 4096) throw ParamError("law.dimension: must lie in [1, 4096]");
  if (l.kind.rfind("student_t", 0) == 0) {
    if (!(l.nu > 2)) throw ParamError("law.nu: must exceed 2 (finite variance)");
    if (!(l.scale > 0)) throw ParamError("law.scale: must be positive");
  }
  try {
    if (l.kind != "student_t_elliptical") l.factor();
  } catch (const std::invalid_argument& e) {
    throw ParamError(std::string("law: ") + e.what());
  }
  return l;
}

inline GridOptions grid_options_for(const LawSpec& l) {
  GridOptions o;
  // Polynomial tails: the range is set by the tail mass. Below ν = 4 the KL's far-tail part (where the
  // sampler, started from a Gaussian, keeps Gaussian tails) decays only like 1/(a_0 R) in the grid's
  // half-width R, and 6 digits would need R ~ 1e5.
  if (l.kind.rfind("student_t", 0) == 0) o.tail = 1e-10;
  return o;
}

}  // namespace diffbound::checks
