// design.schedule — the noise schedule that minimises the encoded sampling bound for a budget of N levels
// (PAPER §3.3, Table 2 made quantitative), against EDM ρ = 7 and geometric (Song) levels with the same
// endpoints; and, for Gaussian data, the schedule that minimises the true KL of the sampler.
//
// What is minimised. The encoded bound of theory/sampling_bound.hpp,
//     B(levels) = E_I + C_D · F_D(κ, K, L) + C_S · F_S(levels),
// with E_I = m₂²/(2σ_max²) (fixed by the endpoints), F_D = d κ² K + κ [d (1 + L) + m₂²] (κ the step-condition
// constant of the levels) and F_S = Σ_k Δ_k ε_k². C_D and C_S are the committed (fitted, [UNKNOWN] in the
// paper) constants of sampling.bound; the optimum depends on their ratio, and this header does not fit
// anything. Two score-error models, at a level η (both from checks/sampling_schedules.cpp):
//     eps  ε_k² = d η²/σ_k²                       an error uniform on the noise-prediction scale (a network's
//                                                  ε̂ off by η per coordinate, what DSM training controls);
//     c    ε_k² = η² Σ_i 1/(λ_i + σ_k²)            PAPER §6.1's scaled score c = 1 − η (Gaussian data).
//
// The families searched, all with σ_0 = σ_max, σ_{N−1} = σ_min:
//   ρ-family   ln σ_i = ln σ_max + log1p(r_i · expm1(t Λ))/t,  r_i = i/(N−1), Λ = ln(σ_min/σ_max), t = 1/ρ.
//              t = 1/ρ is EDM's (σ_max^{1/ρ} + r (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ rewritten without cancellation
//              [D✓, algebra]; t → 0 is the geometric schedule (ln σ_i = ln σ_max + r_i Λ), so t ∈ [0, 1]
//              covers ρ ∈ [1, ∞] with geometric included as a point, not a limit.
//   free form  the ρ-family composed with a monotone warp of the index: r_i → W(r_i), W(r) = Σ_j c_j
//              B_{j,m}(r) a Bernstein polynomial of degree m = kWarpDegree with 0 = c_0 < c_1 < … < c_m = 1
//              (strictly increasing coefficients give a strictly increasing W); c_j − c_{j−1} = softmax(w)_j.
//              w = 0 is W(r) = r (the ρ-family itself), so the free-form optimum, started there, is never worse
//              than the ρ optimum. m + 1 free parameters (t and w_1 … w_m; w_0 = 0 fixes the softmax's shift).
//
// Optimisers (double; the check then evaluates the found schedules in the run's scalar): for t, a scan on
// kRhoScan points of [0, 1] then Boost.Math's brent_find_minima in the bracket of the best point; for the
// free form, cyclic coordinate descent with brent_find_minima on each coordinate, accepting only
// improvements. The objectives are non-smooth (κ is a maximum over steps) and may have several local minima:
// the optimisers return a local minimum that is at least as good as their starting points (geometric,
// the scan, the ρ optimum); the tests compare them with brute-force grids.
#pragma once

#include "gaussian.hpp"
#include "provenance.hpp"
#include "sampling_bound.hpp"
#include "scalar.hpp"
#include "schedules.hpp"

#include <boost/math/tools/minima.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound::design_schedule {

inline ClaimInfo claim() {
  return {
      "design.schedule",
      "The schedule that minimises the encoded bound for a budget N, against EDM rho = 7 and geometric",
      "B(opt) <= min{B(edm rho=7), B(geometric)} for the bound-optimal schedule (rho-family incl. geometric, and a "
      "monotone free form); KL <= B for every candidate; where geometric and EDM rho = 7 win as the score error "
      "grows, and whether the bound-optimal and the true-KL-optimal rho move in the direction of Table 2",
      R"(B(\sigma^\star)\le\min\{B(\sigma^{\mathrm{EDM},\rho=7}),B(\sigma^{\mathrm{geo}})\},\quad B=\frac{m_2^2}{2\sigma_{\max}^2}+C_D\big(d\kappa^2K+\kappa[d(1+L)+m_2^2]\big)+C_S\sum_k\Delta_k\varepsilon_k^2)",
      "PAPER.md §3.3 (Table 2, deduced), final abstract (Song when well trained, Karras when not), §6.3.5",
      "[D]",
      {"same endpoints sigma_min, sigma_max and number of levels N for every schedule",
       "encoded bound and committed constants of sampling.bound (C_D, C_S fitted; the optimum depends on C_S/C_D)",
       "score error model eps (eps_k^2 = d eta^2/sigma_k^2) or c (c = 1 - eta, Gaussian data)",
       "true KL: Gaussian data, exponential-integrator VE sampler, exact recursion"},
      {{"C_D", "C_D", shortest_decimal(sampling_bound::committed_CD()), Provenance::unknown_fitted, "[UNKNOWN]",
        "from sampling.bound"},
       {"C_S", "C_S", shortest_decimal(sampling_bound::committed_CS()), Provenance::unknown_fitted, "[UNKNOWN]",
        "from sampling.bound"},
       {"edm_rho", "\\rho", "7", Provenance::official_code, "[V-code]", "EDM default (NVlabs/edm generate.py)"}},
  };
}

/// Degree of the Bernstein warp of the free form.
inline constexpr int kWarpDegree = 6;
/// Points of the scan in t = 1/ρ before Brent.
inline constexpr int kRhoScan = 41;
/// Bits asked of brent_find_minima (about 1e-8 relative in the argument).
inline constexpr int kBrentBits = 27;
/// Coordinate-descent sweeps of the free form (it stops earlier when a sweep improves by < kSweepTol).
inline constexpr int kFreeSweeps = 6;
inline constexpr double kSweepTol = 1e-9;
/// Bounds of each warp weight w_j.
inline constexpr double kWarpWeightMax = 6.0;

// ---------------------------------------------------------------------------------------------
// Score-error models.

enum class ErrorModel { eps, c };

inline const char* to_string(ErrorModel m) { return m == ErrorModel::eps ? "eps" : "c"; }

inline ErrorModel error_model_from_string(const std::string& s) {
  if (s == "eps") return ErrorModel::eps;
  if (s == "c") return ErrorModel::c;
  throw std::invalid_argument("score model: expected eps or c, got '" + s + "'");
}

struct ScoreError {
  ErrorModel model = ErrorModel::eps;
  double eta = 0.0;
};

// ---------------------------------------------------------------------------------------------
// The families.

/// Parameters of a schedule of the (warped) ρ-family: t = 1/ρ ∈ [0, 1] (0: geometric) and the warp's
/// weights (empty: no warp, the plain ρ-family).
struct FamilyParams {
  double t = 0.0;
  std::vector<double> w;  ///< kWarpDegree weights, w[0] = 0; empty = identity
  bool identity_warp() const {
    for (double x : w)
      if (x != w.front()) return false;
    return true;
  }
  double rho() const { return t > 0 ? 1.0 / t : std::numeric_limits<double>::infinity(); }
};

/// The warp's Bernstein coefficients c_0 = 0 < … < c_m = 1 (doubles: they define the schedule exactly).
inline std::vector<double> warp_coefficients(const std::vector<double>& w) {
  const std::size_t m = w.size();
  std::vector<double> c(m + 1, 0.0);
  if (m == 0) return c;
  double mx = w[0];
  for (double x : w) mx = std::max(mx, x);
  std::vector<double> e(m);
  double s = 0;
  for (std::size_t j = 0; j < m; ++j) s += (e[j] = std::exp(w[j] - mx));
  for (std::size_t j = 0; j < m; ++j) c[j + 1] = c[j] + e[j] / s;
  c[m] = 1.0;
  return c;
}

/// W(r) = Σ_j c_j C(m, j) r^j (1 − r)^{m−j}.
template <class Real>
Real warp_value(const std::vector<double>& coef, const Real& r) {
  const int m = static_cast<int>(coef.size()) - 1;
  if (m <= 0) return r;
  const Real one_minus = Real(1) - r;
  Real total(0);
  double binom = 1;
  for (int j = 0; j <= m; ++j) {
    if (j > 0) binom = binom * (m - j + 1) / j;  // exact integers for m ≤ 50
    if (coef[static_cast<std::size_t>(j)] == 0) continue;
    Real term = Real(coef[static_cast<std::size_t>(j)]) * Real(binom);
    for (int p = 0; p < j; ++p) term *= r;
    for (int p = 0; p < m - j; ++p) term *= one_minus;
    total += term;
  }
  return total;
}

/// Levels of the (warped) ρ-family in Real; smin, smax as their shortest decimals; t and the warp's
/// coefficients are the doubles given (exact).
template <class Real>
std::vector<Real> family_levels(int n, double sigma_min, double sigma_max, const FamilyParams& p) {
  using std::exp;
  using std::expm1;
  using std::log;
  using std::log1p;
  if (n < 2) throw std::invalid_argument("design.schedule: need at least 2 levels");
  if (!(p.t >= 0 && p.t <= 1)) throw std::invalid_argument("design.schedule: t = 1/rho must lie in [0, 1]");
  const Real smin = decimal<Real>(sigma_min), smax = decimal<Real>(sigma_max);
  const Real lmax = log(smax), span = log(smin) - lmax;  // Λ < 0
  const Real t(p.t);
  const Real e = p.t > 0 ? Real(expm1(t * span)) : Real(0);
  const bool warped = !p.w.empty() && !p.identity_warp();
  const std::vector<double> coef = warped ? warp_coefficients(p.w) : std::vector<double>{};
  std::vector<Real> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      out.push_back(smax);
      continue;
    }
    if (i == n - 1) {
      out.push_back(smin);
      continue;
    }
    Real r = ratio<Real>(i, n - 1);
    if (warped) r = warp_value(coef, r);
    const Real lg = p.t > 0 ? Real(log1p(r * e) / t) : Real(r * span);
    out.push_back(exp(lmax + lg));
  }
  return out;
}

/// True when the double levels are strictly decreasing and positive (a usable schedule).
inline bool strictly_decreasing(const std::vector<double>& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!(s[i] > 0) || !std::isfinite(s[i])) return false;
    if (i > 0 && !(s[i] < s[i - 1])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The encoded bound of a list of levels.

template <class Real>
struct BoundTerms {
  Real init, discretization, score;
  sampling_bound::StepGeometry<Real> geometry;
  Real total() const { return init + discretization + score; }
};

/// E_I, E_D, E_S of levels σ (not variances) for data and a score-error model, with constants C_D, C_S.
template <class Real>
BoundTerms<Real> bound_terms(const DiagonalGaussian<Real>& data, const std::vector<Real>& sigma, const ScoreError& s,
                             const Real& C_D, const Real& C_S, double kappa_max = sampling_bound::kKappaMax) {
  const std::vector<Real> a = variances(sigma);
  BoundTerms<Real> b;
  b.geometry = sampling_bound::step_geometry(a, kappa_max);
  const Real m2 = data.second_moment();
  b.init = m2 / (2 * a.front());
  b.discretization = C_D * sampling_bound::discretization_form(b.geometry, Real(data.dimension()), m2);
  const Real eta = decimal<Real>(s.eta);
  if (s.model == ErrorModel::c) {
    b.score = C_S * sampling_bound::gaussian_score_form(data, a, AffineScoreError<Real>{Real(1) - eta, Real(0)});
  } else {
    std::vector<Real> bias(a.size() - 1);
    for (std::size_t k = 0; k < bias.size(); ++k) bias[k] = eta / sigma[k];
    b.score = C_S * sampling_bound::gaussian_score_form_levels(data, a, Real(1), bias);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Optimisers (double).

/// An objective on the (warped) ρ-family: +inf for parameters whose levels are not usable.
using Objective = std::function<double(const FamilyParams&)>;

struct Optimum {
  FamilyParams params;
  double value = std::numeric_limits<double>::infinity();
  int evaluations = 0;
};

/// Minimises f over t ∈ [0, 1] (w fixed as in `base`): scan, then Brent in the best bracket; t = 0
/// (geometric) and every scan point are candidates, so the result is never worse than them.
inline Optimum minimise_rho(const Objective& f, FamilyParams base = {}, int scan = kRhoScan) {
  Optimum best;
  auto eval = [&](double t) {
    FamilyParams p = base;
    p.t = std::clamp(t, 0.0, 1.0);
    ++best.evaluations;
    const double v = f(p);
    return std::isfinite(v) ? v : std::numeric_limits<double>::max();
  };
  // Scan uniformly in sqrt(t): dense at large ρ (small t), where geometric and EDM ρ = 7 sit close.
  std::vector<double> ts(static_cast<std::size_t>(scan)), vs(ts.size());
  std::size_t ib = 0;
  for (int i = 0; i < scan; ++i) {
    const double u = static_cast<double>(i) / (scan - 1);
    ts[static_cast<std::size_t>(i)] = u * u;
    vs[static_cast<std::size_t>(i)] = eval(u * u);
    if (vs[static_cast<std::size_t>(i)] < vs[ib]) ib = static_cast<std::size_t>(i);
  }
  best.params = base, best.params.t = ts[ib], best.value = vs[ib];
  const double lo = ts[ib == 0 ? 0 : ib - 1], hi = ts[std::min(ib + 1, ts.size() - 1)];
  if (hi > lo) {
    std::uintmax_t iters = 200;
    const auto [tb, vb] = boost::math::tools::brent_find_minima(eval, lo, hi, kBrentBits, iters);
    if (vb < best.value) best.params.t = tb, best.value = vb;
  }
  best.params.t = std::clamp(best.params.t, 0.0, 1.0);
  return best;
}

/// Minimises f over the free form (t and the warp's weights), starting from `start` (usually the ρ
/// optimum with the identity warp): cyclic coordinate descent with Brent on each coordinate.
inline Optimum minimise_free(const Objective& f, const Optimum& start, int sweeps = kFreeSweeps) {
  Optimum best = start;
  if (best.params.w.size() != static_cast<std::size_t>(kWarpDegree)) best.params.w.assign(kWarpDegree, 0.0);
  best.value = f(best.params);
  ++best.evaluations;
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    const double before = best.value;
    for (int c = 0; c < kWarpDegree; ++c) {  // c = 0: t; c = 1 … m−1: w_c (w_0 = 0 fixes the softmax's shift)
      FamilyParams p = best.params;
      auto eval = [&](double x) {
        if (c == 0)
          p.t = std::clamp(x, 0.0, 1.0);
        else
          p.w[static_cast<std::size_t>(c)] = x;
        ++best.evaluations;
        const double v = f(p);
        return std::isfinite(v) ? v : std::numeric_limits<double>::max();
      };
      double lo, hi;
      if (c == 0) {
        const double cur = std::sqrt(best.params.t);  // local bracket in sqrt(t), then back
        const double ulo = std::max(0.0, cur - 0.15), uhi = std::min(1.0, cur + 0.15);
        lo = ulo * ulo, hi = uhi * uhi;
      } else {
        const double cur = best.params.w[static_cast<std::size_t>(c)];
        lo = std::max(-kWarpWeightMax, cur - 2.0), hi = std::min(kWarpWeightMax, cur + 2.0);
      }
      std::uintmax_t iters = 100;
      const auto [xb, vb] = boost::math::tools::brent_find_minima(eval, lo, hi, kBrentBits, iters);
      if (vb < best.value) {
        if (c == 0)
          best.params.t = std::clamp(xb, 0.0, 1.0);
        else
          best.params.w[static_cast<std::size_t>(c)] = xb;
        best.value = vb;
      }
    }
    if (before - best.value <= kSweepTol * std::fabs(before)) break;
  }
  return best;
}

/// The encoded bound as an objective on the family (double).
inline Objective bound_objective(const DiagonalGaussian<double>& data, int n, double smin, double smax,
                                 const ScoreError& s, double C_D, double C_S,
                                 double kappa_max = sampling_bound::kKappaMax) {
  return [&data, n, smin, smax, s, C_D, C_S, kappa_max](const FamilyParams& p) {
    const auto sigma = family_levels<double>(n, smin, smax, p);
    if (!strictly_decreasing(sigma)) return std::numeric_limits<double>::infinity();
    return bound_terms(data, sigma, s, C_D, C_S, kappa_max).total();
  };
}

// ---------------------------------------------------------------------------------------------
// Advice for a practitioner (diffbound advise): candidates and their predicted bound terms.

struct AdviceInput {
  std::int64_t dimension = 0;    ///< d (with a spectrum: its length)
  std::vector<double> spectrum;  ///< data variances λ_i (empty: isotropic with `variance`)
  double variance = 1.0;         ///< isotropic λ when no spectrum
  int n_levels = ScheduleDefaults::edm_num_steps;
  double sigma_min = ScheduleDefaults::edm_sigma_min, sigma_max = ScheduleDefaults::edm_sigma_max;
  ScoreError score;
  double C_D = sampling_bound::committed_CD(), C_S = sampling_bound::committed_CS();
  double tolerance = 0.01;  ///< a simpler candidate within this relative margin of the best wins
  bool free_form = true;    ///< also search the free form
};

struct Candidate {
  std::string name;  ///< edm_rho7, geometric, bound_optimal_rho, free_form
  std::string description;
  FamilyParams params;
  std::vector<double> sigma;
  double init = 0, discretization = 0, score = 0, total = 0, kappa = 0;
  bool step_condition = true;
};

struct Advice {
  std::vector<Candidate> candidates;
  std::size_t recommended = 0;
  std::string reason;
};

/// The data law of an advice input (mean 0).
inline DiagonalGaussian<double> advice_data(const AdviceInput& in) {
  if (in.spectrum.empty()) return make_gaussian<double>({in.variance}, {0.0}, {in.dimension});
  return make_gaussian<double>(in.spectrum, std::vector<double>(in.spectrum.size(), 0.0),
                               std::vector<std::int64_t>(in.spectrum.size(), 1));
}

/// Validates an advice input; throws std::invalid_argument naming the field (as the command spells it).
inline void validate(const AdviceInput& in) {
  auto num = [](double x) { return shortest_decimal(x); };
  if (in.spectrum.empty()) {
    if (in.dimension < 1)
      throw std::invalid_argument("--dim: the data dimension must be at least 1, got " + std::to_string(in.dimension));
    if (!std::isfinite(in.variance) || !(in.variance >= 0))
      throw std::invalid_argument("--variance: must be a finite non-negative number, got " + num(in.variance));
  } else {
    for (std::size_t i = 0; i < in.spectrum.size(); ++i)
      if (!std::isfinite(in.spectrum[i]) || !(in.spectrum[i] >= 0))
        throw std::invalid_argument("--spectrum: entry " + std::to_string(i) + " (" + num(in.spectrum[i]) +
                                    ") is not a finite non-negative variance");
    if (in.dimension != 0 && in.dimension != static_cast<std::int64_t>(in.spectrum.size()))
      throw std::invalid_argument("--dim: " + std::to_string(in.dimension) +
                                  " differs from the length of the spectrum (" + std::to_string(in.spectrum.size()) +
                                  ")");
  }
  if (in.n_levels < 2)
    throw std::invalid_argument("--levels: N must be at least 2 (one step), got " + std::to_string(in.n_levels));
  if (in.n_levels > 100000)
    throw std::invalid_argument("--levels: N must be at most 100000, got " + std::to_string(in.n_levels));
  if (!std::isfinite(in.sigma_min) || !(in.sigma_min > 0))
    throw std::invalid_argument("--sigma-min: must be a positive finite number, got " + num(in.sigma_min));
  if (!std::isfinite(in.sigma_max))
    throw std::invalid_argument("--sigma-max: must be a finite number, got " + num(in.sigma_max));
  if (!(in.sigma_min < in.sigma_max))
    throw std::invalid_argument("--sigma-min: " + num(in.sigma_min) + " must be smaller than --sigma-max " +
                                num(in.sigma_max));
  if (!std::isfinite(in.score.eta) || !(in.score.eta >= 0))
    throw std::invalid_argument("--score-error: must be a finite non-negative number, got " + num(in.score.eta));
  if (in.score.model == ErrorModel::c && !(in.score.eta <= 1))
    throw std::invalid_argument("--score-error: with --score-model c the error eta = 1 - c must lie in [0, 1], got " +
                                num(in.score.eta));
  if (!std::isfinite(in.C_D) || !(in.C_D >= 0))
    throw std::invalid_argument("--C-D: must be a finite non-negative number");
  if (!std::isfinite(in.C_S) || !(in.C_S >= 0))
    throw std::invalid_argument("--C-S: must be a finite non-negative number");
  if (!std::isfinite(in.tolerance) || !(in.tolerance >= 0) || !(in.tolerance < 1))
    throw std::invalid_argument("--tolerance: must lie in [0, 1), got " + num(in.tolerance));
}

inline Candidate make_candidate(const DiagonalGaussian<double>& data, const AdviceInput& in, std::string name,
                                std::string description, const FamilyParams& p, const std::vector<double>& sigma) {
  Candidate c;
  c.name = std::move(name), c.description = std::move(description), c.params = p, c.sigma = sigma;
  const auto b = bound_terms(data, sigma, in.score, in.C_D, in.C_S);
  c.init = b.init, c.discretization = b.discretization, c.score = b.score, c.total = b.total();
  c.kappa = b.geometry.kappa, c.step_condition = b.geometry.condition == 1;
  return c;
}

/// The candidates (EDM ρ = 7, geometric, bound-optimal ρ, free form) and the recommendation: the
/// candidate with the smallest encoded bound among those satisfying the step condition, except that a
/// simpler one (in the order listed) within `tolerance` of it is preferred.
inline Advice advise(const AdviceInput& in) {
  validate(in);
  const auto data = advice_data(in);
  const int n = in.n_levels;
  Advice adv;
  adv.candidates.push_back(make_candidate(data, in, "edm_rho7", "EDM / Karras rho = 7", FamilyParams{1.0 / 7.0, {}},
                                          edm_levels<double>(n, in.sigma_min, in.sigma_max, 7.0)));
  adv.candidates.push_back(make_candidate(data, in, "geometric", "geometric (Song et al.)", FamilyParams{0.0, {}},
                                          geometric_levels<double>(n, in.sigma_min, in.sigma_max)));
  const auto f = bound_objective(data, n, in.sigma_min, in.sigma_max, in.score, in.C_D, in.C_S);
  const auto rho_opt = minimise_rho(f);
  adv.candidates.push_back(make_candidate(
      data, in, "bound_optimal_rho",
      rho_opt.params.t > 0 ? "EDM family with rho = " + to_text(rho_opt.params.rho(), 4) + " (minimises the bound)"
                           : "EDM family at rho = infinity (geometric) minimises the bound",
      rho_opt.params, family_levels<double>(n, in.sigma_min, in.sigma_max, rho_opt.params)));
  if (in.free_form && n > 2) {
    const auto free_opt = minimise_free(f, rho_opt);
    adv.candidates.push_back(make_candidate(data, in, "free_form",
                                            "free-form monotone levels (rho-family with a degree-" +
                                                std::to_string(kWarpDegree) + " warp) minimising the bound",
                                            free_opt.params,
                                            family_levels<double>(n, in.sigma_min, in.sigma_max, free_opt.params)));
  }
  // The best valid bound, then the simplest candidate within the tolerance of it.
  std::size_t best = adv.candidates.size();
  for (std::size_t i = 0; i < adv.candidates.size(); ++i) {
    const auto& c = adv.candidates[i];
    if (!c.step_condition) continue;
    if (best == adv.candidates.size() || c.total < adv.candidates[best].total) best = i;
  }
  const bool any_valid = best < adv.candidates.size();
  if (!any_valid)
    for (std::size_t i = 0; i < adv.candidates.size(); ++i)
      if (i == 0 || adv.candidates[i].total < adv.candidates[best].total) best = i;
  std::size_t pick = best;
  for (std::size_t i = 0; i < best; ++i) {
    const auto& c = adv.candidates[i];
    if ((c.step_condition || !any_valid) && c.total <= adv.candidates[best].total * (1 + in.tolerance)) {
      pick = i;
      break;
    }
  }
  adv.recommended = pick;
  const auto& r = adv.candidates[pick];
  const auto& e7 = adv.candidates[0];
  const auto& geo = adv.candidates[1];
  const double parts[3] = {r.init, r.discretization, r.score};
  const char* names[3] = {"initialisation E_I", "discretisation E_D", "score E_S"};
  const int dom = static_cast<int>(std::max_element(parts, parts + 3) - parts);
  std::string why = "Use " + r.description + ": its predicted bound " + to_text(r.total, 4) +
                    (pick == best ? " is the smallest of the candidates"
                                  : " is within " + to_text(100 * in.tolerance, 3) + "% of the smallest (" +
                                        to_text(adv.candidates[best].total, 4) + ", " + adv.candidates[best].name +
                                        ") and the schedule is simpler") +
                    " (EDM rho = 7: " + to_text(e7.total, 4) + ", geometric: " + to_text(geo.total, 4) +
                    "); the largest term is the " + names[dom] + " (" + to_text(100 * parts[dom] / r.total, 3) +
                    "% of the total)";
  if (!any_valid)
    why +=
        "; WARNING: no candidate satisfies the step condition kappa <= 1, so the bound is outside its hypotheses "
        "(increase N)";
  else if (!r.step_condition)
    why += "; WARNING: the step condition fails for this schedule";
  adv.reason = why + ".";
  return adv;
}

}  // namespace diffbound::design_schedule
