// What the sampling checks (sampling.bound, .order, .dimension, .schedules, .nongaussian) share: a noise-level
// description that adds the κ-minimal placement of theory/sampling_bound.hpp to the schedules of
// theory/schedules.hpp, the constants of the encoded bound as a case parameter, and small builders of
// data and case ids. Readers throw ParamError naming the field, like checks/params.hpp.
#pragma once

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/gaussian_sampler_levels.hpp>
#include <diffbound/theory/sampling_bound.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound::checks {

/// Noise levels: a schedule of theory/schedules.hpp, or kind "kappa_min" (the placement of N levels in
/// [sigma_min, sigma_max] with the smallest step-condition constant κ, theory/sampling_bound.hpp).
struct LevelsSpec {
  bool kappa_min = false;
  ScheduleSpec schedule;  ///< when !kappa_min
  int n_levels = 0;       ///< kappa_min
  double sigma_min = 0, sigma_max = 0;

  static LevelsSpec of(const ScheduleSpec& s) {
    LevelsSpec l;
    l.schedule = s;
    return l;
  }
  static LevelsSpec kappa_min_placement(int n, double smin, double smax) {
    LevelsSpec l;
    l.kappa_min = true, l.n_levels = n, l.sigma_min = smin, l.sigma_max = smax;
    return l;
  }
  int levels() const { return kappa_min ? n_levels : schedule.n_levels; }
  /// "edm(rho=7)", "geometric", "kappa_min", …
  std::string label() const { return kappa_min ? std::string("kappa_min") : schedule.label(); }
  /// Family name without parameters: edm, geometric, song_ve, vp, user, kappa_min.
  std::string family() const { return kappa_min ? std::string("kappa_min") : std::string(to_string(schedule.kind)); }

  /// The levels σ_0 > … > σ_{N−1} in Real. kappa_min levels are doubles by definition and lift exactly.
  template <class Real>
  std::vector<Real> sigmas() const {
    if (!kappa_min) return noise_levels<Real>(schedule);
    const auto d = sampling_bound::kappa_min_levels(n_levels, sigma_min, sigma_max);
    std::vector<Real> out;
    out.reserve(d.size());
    for (double x : d) out.push_back(Real(x));
    return out;
  }
  template <class Real>
  std::vector<Real> variances_of() const {
    return variances(sigmas<Real>());
  }
};

inline json levels_to_json(const LevelsSpec& l) {
  if (!l.kappa_min) return schedule_to_json(l.schedule);
  return json{{"kind", "kappa_min"}, {"n_levels", l.n_levels}, {"sigma_min", l.sigma_min}, {"sigma_max", l.sigma_max}};
}

inline LevelsSpec levels_from_json(const json& j, const std::string& where = "schedule") {
  if (j.is_object() && j.contains("kind") && j.at("kind").is_string() &&
      j.at("kind").get<std::string>() == "kappa_min") {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "kind" && it.key() != "n_levels" && it.key() != "sigma_min" && it.key() != "sigma_max")
        throw ParamError(where + "." + it.key() + ": unknown key (known keys: kind, n_levels, sigma_min, sigma_max)");
    LevelsSpec l;
    l.kappa_min = true;
    const long long n = get_integer(j, "n_levels", where);
    if (n < 2 || n > 100000000)
      throw ParamError(where + ".n_levels: the number of noise levels must lie in [2, 1e8], got " + std::to_string(n));
    l.n_levels = static_cast<int>(n);
    l.sigma_min = get_number(j, "sigma_min", where);
    l.sigma_max = get_number(j, "sigma_max", where);
    if (!(l.sigma_min > 0)) throw ParamError(where + ".sigma_min: must be positive");
    if (!(l.sigma_min < l.sigma_max)) throw ParamError(where + ".sigma_min: must be smaller than sigma_max");
    return l;
  }
  return LevelsSpec::of(schedule_from_json(j, where));
}

/// The unknown constants of the encoded bound, as a case parameter (default: the committed calibration).
struct BoundConstants {
  double C_D = sampling_bound::committed_CD();
  double C_S = sampling_bound::committed_CS();
  double kappa_max = sampling_bound::kKappaMax;
};

inline json constants_to_json(const BoundConstants& c) {
  return json{{"C_D", c.C_D}, {"C_S", c.C_S}, {"kappa_max", c.kappa_max}};
}

/// The `constants` parameter of a bound evaluator that also evaluates sampling.bound's fitted shape.
inline ParamSpec constants_param() {
  return ParamSpec::object("constants",
                           "C_D, C_S, kappa_max of sampling.bound's fitted shape (default: the committed calibration)")
      .fallback(constants_to_json(BoundConstants{}));
}

inline BoundConstants constants_from_json(const json& j, const std::string& where = "constants") {
  if (!j.is_object()) throw ParamError(where + ": expected an object with C_D, C_S, kappa_max");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "C_D" && it.key() != "C_S" && it.key() != "kappa_max")
      throw ParamError(where + "." + it.key() + ": unknown key (known keys: C_D, C_S, kappa_max)");
  BoundConstants c;
  c.C_D = get_number_or(j, "C_D", c.C_D, where);
  c.C_S = get_number_or(j, "C_S", c.C_S, where);
  c.kappa_max = get_number_or(j, "kappa_max", c.kappa_max, where);
  if (!(c.C_D >= 0)) throw ParamError(where + ".C_D: must be non-negative");
  if (!(c.C_S >= 0)) throw ParamError(where + ".C_S: must be non-negative");
  if (!(c.kappa_max > 0)) throw ParamError(where + ".kappa_max: must be positive");
  return c;
}

/// A score model for Gaussian data: ŝ_k = −c (y − μ)/(λ + a_k) + b + eps_bias/σ_k (every direction).
/// c ≠ 1 is PAPER §6.1's scaled score; eps_bias ≠ 0 an error uniform on the noise-prediction scale.
struct LevelScoreSpec {
  std::string name = "exact";
  double c = 1.0, b = 0.0, eps_bias = 0.0;
  bool exact() const { return c == 1.0 && b == 0.0 && eps_bias == 0.0; }
};

inline json level_score_to_json(const LevelScoreSpec& s) {
  json j{{"name", s.name}, {"c", s.c}, {"b", s.b}};
  if (s.eps_bias != 0) j["eps_bias"] = s.eps_bias;
  return j;
}

inline LevelScoreSpec level_score_from_json(const json& j, const std::string& where = "score") {
  if (!j.is_object()) throw ParamError(where + ": expected an object with c, b, eps_bias");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "name" && it.key() != "c" && it.key() != "b" && it.key() != "eps_bias")
      throw ParamError(where + "." + it.key() + ": unknown key (known keys: name, c, b, eps_bias)");
  LevelScoreSpec s;
  s.name = j.contains("name") ? get_string(j, "name", where) : "custom";
  s.c = get_number_or(j, "c", 1.0, where);
  s.b = get_number_or(j, "b", 0.0, where);
  s.eps_bias = get_number_or(j, "eps_bias", 0.0, where);
  return s;
}

/// Everything a Gaussian case needs: the exact KL, the encoded bound's forms and the exact Girsanov terms.
template <class Real>
struct GaussianEvaluation {
  Real kl;
  sampling_bound::Forms<Real> forms;
  sampling_girsanov::Terms<Real> girsanov;
  std::vector<Real> a;
};

template <class Real>
GaussianEvaluation<Real> evaluate_gaussian(const DiagonalGaussian<Real>& data, const std::vector<Real>& sigma,
                                           const LevelScoreSpec& score, double kappa_max) {
  GaussianEvaluation<Real> e;
  e.a = variances(sigma);
  const AffineScoreError<Real> affine{decimal<Real>(score.c), decimal<Real>(score.b)};
  e.forms = sampling_bound::gaussian_forms(data, e.a, affine, kappa_max);
  e.girsanov = sampling_girsanov::bound(data, e.a, affine);
  if (score.eps_bias == 0) {
    e.kl = sampler_kl(data, e.a, affine);
  } else {
    const Real eps = decimal<Real>(score.eps_bias);
    std::vector<Real> bias(e.a.size() - 1);
    for (std::size_t k = 0; k < bias.size(); ++k) bias[k] = affine.b + eps / sigma[k];
    e.kl = sampler_kl_levels(data, e.a, affine.c, bias);
    e.forms.score = sampling_bound::gaussian_score_form_levels(data, e.a, affine.c, bias);
    e.girsanov.score = e.forms.score / 2;  // ½ Σ_k Δ_k ε_k² (theory/sampling_bound.hpp, step 1)
  }
  return e;
}

/// Rejects keys of a case's parameter object that the check does not read.
inline void require_keys(const json& j, std::initializer_list<const char*> known, const std::string& where = "") {
  if (!j.is_object()) throw ParamError((where.empty() ? std::string("params") : where) + ": expected an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw ParamError((where.empty() ? "" : where + ".") + it.key() + ": unknown key (known keys: " + list + ")");
    }
  }
}

// Builders of data specs used by the sweeps.
inline GaussianDataSpec iso_data(std::int64_t d, double lambda, double mean) {
  GaussianDataSpec s;
  s.spectrum = "isotropic", s.dimension = d, s.scale = lambda, s.mean = mean;
  return s;
}
inline GaussianDataSpec dyadic_data(std::int64_t d, double alpha, double mean, double scale = 1.0) {
  GaussianDataSpec s;
  s.spectrum = "dyadic", s.dimension = d, s.scale = scale, s.alpha = alpha, s.mean = mean;
  return s;
}
inline GaussianDataSpec power_data(std::int64_t d, double alpha, double mean, double scale = 1.0) {
  GaussianDataSpec s;
  s.spectrum = "power_law", s.dimension = d, s.scale = scale, s.alpha = alpha, s.mean = mean;
  return s;
}
/// Label of a data spec that also carries λ and μ for isotropic data ("iso(d=8,l=1,m=0)").
inline std::string data_label(const GaussianDataSpec& s) {
  if (s.spectrum == "isotropic")
    return "iso(d=" + std::to_string(s.dimension) + ",l=" + shortest_decimal(s.scale) +
           ",m=" + shortest_decimal(s.mean) + ")";
  return s.label();
}

/// Number of steps × directions of a Gaussian case (the cost unit of the exact recursion).
inline double gaussian_work(const GaussianDataSpec& s, int levels) {
  double modes = 1;
  if (s.spectrum == "power_law")
    modes = static_cast<double>(s.dimension);
  else if (s.spectrum == "dyadic")
    modes = std::floor(std::log2(static_cast<double>(s.dimension))) + 1;
  else if (s.spectrum == "list")
    modes = static_cast<double>(s.lambda.size());
  return modes * levels;
}

/// Records κ and whether the fitted shape's step condition κ ≤ kappa_max holds, without judging by it: for a
/// comparison with the derived bound, which needs no step condition.
template <class Real>
void record_step_geometry(CaseResult& r, const sampling_bound::StepGeometry<Real>& g) {
  r.term("kappa", g.kappa);
  r.term("step_condition", Real(g.condition));
}

/// Applies the step-size hypothesis of sampling.bound's fitted shape to a judged case
/// (CaseResult::outside_hypotheses): outside it a failed comparison is INCONCLUSIVE, a passed one keeps its
/// verdict with a note.
template <class Real>
void apply_step_condition(CaseResult& r, const sampling_bound::StepGeometry<Real>& g, double kappa_max) {
  r.term("kappa", g.kappa);
  r.term("step_condition", Real(g.condition));
  if (g.condition == 1) return;
  r.outside_hypotheses("the step condition fails: kappa = " + to_text(g.kappa, 6) + " > kappa_max = " +
                       shortest_decimal(kappa_max) + " (at step " + std::to_string(g.kappa_step) + ")");
}

/// A figure or table id from a label: letters, digits, '.', '-' and '_' only.
inline std::string safe_id(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '-' || ch == '_';
    out += ok ? ch : '_';
  }
  return out;
}

/// Reads a quantity out of a result's terms (NaN when absent).
inline double term_mid(const CaseResult& r, const std::string& name) {
  if (!r.terms.contains(name)) return std::numeric_limits<double>::quiet_NaN();
  const auto& t = r.terms.at(name);
  if (!t.contains("mid") || t.at("mid").is_null()) return std::numeric_limits<double>::quiet_NaN();
  return t.at("mid").get<double>();
}

// ---------------------------------------------------------------------------------------------
// The hypothesis domain of the Gaussian sampling checks (searched by checks/falsify.hpp)

/// What a sampling check's domain contains beyond the shared part (data, levels, score).
struct SamplingDomainSpec {
  std::vector<std::string> spectra{"isotropic", "power_law"};
  double max_dimension = 256;
  double lambda_lo = 1e-10, lambda_hi = 1e2;
  bool eps_bias = false;               ///< score choice "eps_bias" (an error uniform on the noise-prediction scale)
  bool against = false;                ///< a choice "against" kl | discretization (sampling.bound)
  int max_levels = 64;                 ///< N in [2, max_levels]
  static constexpr int kWeights = 12;  ///< simplex weights of a user schedule's log-gaps (cycled when N − 1 > 12)
};

/// A point of the domain, decoded.
struct SamplingPoint {
  GaussianDataSpec data;
  ScheduleSpec schedule;
  LevelScoreSpec score;
  bool against_discretization = false;
};

/// The coordinates: data (spectrum, dimension, lambda, mean, alpha), levels (schedule family, N,
/// sigma_max, log span L = ln(sigma_max/sigma_min), EDM rho, simplex weights w1..w12 of the log-gaps of a
/// user schedule), score (exact | affine c, b | eps_bias), and "against" when the spec says so.
/// The data coordinates alone (spectrum, dimension, lambda, mean, alpha): the first five of
/// sampling_domain_params, for the checks whose claim has no noise levels (sampling.init).
inline std::vector<DomainParam> sampling_data_params(const SamplingDomainSpec& s) {
  using S = DomainParam::Scale;
  return {
      {"data.spectrum", S::choice, 0, 0, s.spectra, "the data's spectrum"},
      {"data.dimension", S::log_integer, 1, s.max_dimension, {}, "d"},
      {"data.scale", S::log, s.lambda_lo, s.lambda_hi, {}, "lambda (the largest variance of the data)"},
      {"data.mean", S::linear, 0, 10, {}, "|mu| per direction"},
      {"data.alpha", S::linear, 0.5, 3, {}, "power-law / dyadic exponent"},
  };
}

/// The value of the coordinate `name` of a point x of the domain `params` (values in the order of params).
inline double domain_value(const std::vector<DomainParam>& params, const std::vector<double>& x,
                           const std::string& name) {
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].name == name) return x.at(i);
  throw std::logic_error("domain: no parameter " + name);
}

/// The data of a point of a domain that holds sampling_data_params(s).
inline GaussianDataSpec sampling_data_point(const SamplingDomainSpec& s, const std::vector<DomainParam>& params,
                                            const std::vector<double>& x) {
  GaussianDataSpec data;
  data.spectrum = s.spectra.at(static_cast<std::size_t>(domain_value(params, x, "data.spectrum")));
  data.dimension = static_cast<std::int64_t>(domain_value(params, x, "data.dimension"));
  data.scale = domain_value(params, x, "data.scale");
  data.mean = domain_value(params, x, "data.mean");
  if (data.spectrum != "isotropic") data.alpha = domain_value(params, x, "data.alpha");
  return data;
}

inline std::vector<DomainParam> sampling_domain_params(const SamplingDomainSpec& s) {
  using S = DomainParam::Scale;
  std::vector<DomainParam> p = sampling_data_params(s);
  const std::vector<DomainParam> rest{
      {"schedule.kind",
       S::choice,
       0,
       0,
       {"user", "edm", "geometric"},
       "levels: simplex weights (user), EDM or geometric"},
      {"schedule.n_levels", S::log_integer, 2, static_cast<double>(s.max_levels), {}, "N (levels)"},
      {"schedule.sigma_max", S::log, 1e-2, 1e3, {}, "sigma_0"},
      {"schedule.log_span", S::log, 1e-2, 20, {}, "L = ln(sigma_max/sigma_min)"},
      {"schedule.rho", S::linear, 1, 20, {}, "EDM rho"},
      {"score.kind", S::choice, 0, 0, {"exact", "affine"}, "score model"},
      {"score.c", S::linear, 0, 2, {}, "affine score: scale c (1 = exact)"},
      {"score.b", S::linear, -1, 1, {}, "affine score: bias b"},
  };
  p.insert(p.end(), rest.begin(), rest.end());
  if (s.eps_bias) {
    p[10].choices.push_back("eps_bias");
    p.push_back({"score.eps_bias", S::log, 1e-4, 1, {}, "noise-prediction bias eps (score bias eps/sigma_k)"});
  }
  if (s.against)
    p.push_back({"against", S::choice, 0, 0, {"kl", "discretization"}, "what E_D or the bound is held to"});
  for (int k = 1; k <= SamplingDomainSpec::kWeights; ++k)
    p.push_back({"schedule.w" + std::to_string(k), S::log, 0.05, 1, {}, "simplex weight of a log-gap (user levels)"});
  return p;
}

/// Decodes a point of sampling_domain_params(s) (values in the order of the parameters).
inline SamplingPoint sampling_point(const SamplingDomainSpec& s, const std::vector<double>& x) {
  const auto names = sampling_domain_params(s);
  auto at = [&](const std::string& name) { return domain_value(names, x, name); };
  SamplingPoint p;
  p.data = sampling_data_point(s, names, x);
  const int n = static_cast<int>(at("schedule.n_levels"));
  const double smax = at("schedule.sigma_max"), span = at("schedule.log_span");
  const double smin = std::stod(fmt::format("{:.6g}", smax * std::exp(-span)));
  const auto kind = static_cast<int>(at("schedule.kind"));
  if (kind == 1) {
    p.schedule = ScheduleSpec::edm(n, smin, smax, at("schedule.rho"));
  } else if (kind == 2) {
    p.schedule = ScheduleSpec::geometric(n, smin, smax);
  } else {
    std::vector<double> w(static_cast<std::size_t>(n - 1));
    double total = 0;
    for (int k = 0; k + 1 < n; ++k)
      total += w[static_cast<std::size_t>(k)] = at("schedule.w" + std::to_string(k % SamplingDomainSpec::kWeights + 1));
    std::vector<double> levels{smax};
    double cum = 0;
    for (int k = 0; k + 1 < n; ++k) {
      cum += w[static_cast<std::size_t>(k)];
      // Six significant digits: a readable config; the levels are the case's definition.
      levels.push_back(k + 2 == n ? smin : std::stod(fmt::format("{:.6g}", smax * std::exp(-span * cum / total))));
    }
    for (std::size_t k = 1; k < levels.size(); ++k)
      if (!(levels[k] < levels[k - 1])) throw ParamError("schedule: levels not decreasing after rounding");
    p.schedule = ScheduleSpec::user(levels);
  }
  const auto score_kind = static_cast<int>(at("score.kind"));
  if (score_kind == 1)
    p.score = {"affine", at("score.c"), at("score.b"), 0.0};
  else if (score_kind == 2)
    p.score = {"eps_bias", 1.0, 0.0, at("score.eps_bias")};
  if (s.against) p.against_discretization = at("against") == 1;
  if (p.against_discretization) p.score = LevelScoreSpec{};
  return p;
}

}  // namespace diffbound::checks
