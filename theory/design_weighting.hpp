// design.weighting — PAPER §3.4 (Sec. 4.1 of the paper [S]): the theory prefers a *bell-shaped* total
// weighting over noise levels, "qualitatively" the same as EDM's noise distribution × loss weighting. The
// paper's formulas behind "bell-shaped" are [UNKNOWN] (PAPER §7 item 9); this header derives a total
// weighting from what is encoded, names every assumption, and gives the three loss scales of PAPER §3.4.
//
// Total weight. With a training grid of levels σ_j and weights w, level j carries the total weight
// β_j = w(t_j)(t_j − t_{j−1}) (PAPER §2.1 [S]); in the continuum, a density W(σ) per unit ln σ. A weighting
// is always stated *on a loss scale* (PAPER §3.4 [D✓]):
//   ε-scale  ‖σ S + ξ‖²        (the σ̄-scaled DSM residual, numerics/dsm_loss.hpp's default)
//   D-scale  ‖D − y‖² = σ² ‖σ S + ξ‖²                         ⇒ W_D = W_ε / σ²
//   F-scale  ‖F − F*‖², D = c_skip x + c_out F, ‖D − y‖² = c_out² ‖F − F*‖²  ⇒ W_F = W_D c_out²
// with EDM's c_out = σ σ_d/√(σ² + σ_d²), σ_d = 0.5 [V-code] (the F-scale is EDM's network scale).
//
// The weightings compared (densities per unit ln σ, unnormalised):
//   EDM      W_D = λ(σ) p(ln σ), λ = (σ² + σ_d²)/(σ σ_d)², ln σ ~ N(P_mean, P_std²), P_mean = −1.2,
//            P_std = 1.2, σ_d = 0.5                                                     [V-code] PAPER §5.3
//   Song     λ = σ² on ‖S + ξ/σ‖² with σ log-uniform (t ~ U, σ(t) geometric) ⇒ W_ε = 1 on
//            [σ_min, σ_max]                                                             [V-code] PAPER §5.4
//   uniform  weight 1 on the score-scale loss ‖S + ξ/σ‖², σ log-uniform ⇒ W_ε = 1/σ²   (plain DSM)
//   theory   W_ε(σ) = σ s_d/(s_d² + σ²) = ½ sech(ln(σ/s_d)), s_d the data's standard deviation   [D]
//
// Derivation of the theory weighting [D] (what is assumed is marked):
//  1. Training (encoded, training.linear_rate / PAPER §3.1 [R]): GD contracts the weighted loss
//     Σ_j β_j ℓ_j (ℓ_j the ε-scale residual of level j); its guaranteed rate is ∝ q_min = min_j 2 c_n β_j α_j²,
//     α_j = 1 on the ε-scale with the VE output scaling. For a fixed budget Σ_j β_j the *rate alone* is
//     maximised by equal β_j: a flat W_ε (ASSUMPTION A1: the [R] form of Theorem 1; the paper's own
//     contraction constant is [UNKNOWN]). The rate does not prefer any level: a bell cannot come from it.
//  2. Sampling (exact, PAPER §6.1 [D✓]): in the Gaussian testbed (data variance λ = s_d² per direction), an
//     ε-scale error η_k (score bias η_k/σ_k at level k) moves the sampler's final mean by
//     Σ_k Δ_k (η_k/σ_k) (λ + a_N)/(λ + a_{k+1}); in the continuum (a_N → 0, a_0 → ∞) the response density per
//     unit ln σ is g(σ) = 2 λ σ/(λ + σ²) = 2 s_d · ½ sech(ln(σ/s_d)) · … ∝ σ s_d/(s_d² + σ²).
//  3. Composition: GD delivers a small *weighted* loss Σ_j β_j η_j² ≤ ℓ. The worst-case final mean error
//     over such errors is √(ℓ Σ_j g_j²/β_j) (Cauchy–Schwarz), minimised over Σ β_j = B by β_j ∝ g_j. Hence
//     W_ε ∝ g: the total weighting that makes the trained loss control the sampler's error best
//     (ASSUMPTIONS A2: errors act as coherent biases, the worst case; A3: the mean error dominates the KL,
//     which is quadratic in it; A4: the data scale s_d is the per-direction standard deviation of the law,
//     the exact statement for Gaussian data and an approximation for mixtures; A5: the E_S form Σ Δ_k ε_k²
//     of sampling.bound weights every level equally on the ε-scale per unit ln σ, W_ε = 2, so the *bound*
//     prefers the flat weighting of step 1 — the bell comes from the true error's response, not from E_S).
// Closed forms: on the ε-scale the theory weighting peaks at ln σ = ln s_d with full width at half maximum
// 2 arccosh 2 = 2.6339 in ln σ; on the D-scale it is s_d/(σ(s_d² + σ²)), monotone decreasing (no interior
// peak); on the F-scale it is s_d σ_d² σ/((s_d² + σ²)(σ² + σ_d²)), a bell whose peak solves
// 1 = 2σ²/(s_d² + σ²) + 2σ²/(σ² + σ_d²), i.e. σ = s_d/√3 for s_d = σ_d (ln σ = −1.242 for 0.5).
// EDM: F-scale peak at P_mean, FWHM 2 P_std √(2 ln 2); D-scale peak near ln σ ≈ −4.08; ε-scale near +1.65.
#pragma once

#include "provenance.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound::design_weighting {

inline constexpr double kPMean = -1.2;     ///< EDM [V-code]
inline constexpr double kPStd = 1.2;       ///< EDM [V-code]
inline constexpr double kSigmaData = 0.5;  ///< EDM σ_data [V-code]

inline ClaimInfo claim() {
  return {
      "design.weighting",
      "The total weighting over noise levels the theory prefers is bell-shaped; compared with EDM and Song on three "
      "loss scales",
      "theory W_eps(sigma) = sigma s_d/(s_d^2 + sigma^2) (per unit ln sigma, eps-scale) is unimodal with a single "
      "interior "
      "peak at sigma = s_d; compared with EDM lambda(sigma) p(sigma) and Song's sigma^2 weighting on the D-, eps- and "
      "F-scales "
      "(peaks, widths at half maximum, overlap); and a fixed-budget training experiment ranks the weightings by the "
      "sampler's final KL",
      R"(W_\varepsilon^{\rm th}(\sigma)=\frac{\sigma s_d}{s_d^2+\sigma^2},\quad W_D=\frac{W_\varepsilon}{\sigma^2},\quad W_F=W_D\,c_{\rm out}^2,\quad W_D^{\rm EDM}=\lambda(\sigma)\,p(\ln\sigma))",
      "PAPER.md §3.4 (bell shape [S], scales [D✓]), §3.1 (rate form [R]), §5.3 (EDM [V-code]), §5.4 (Song [V-code]), "
      "§6.1 (Gaussian recursion [D✓])",
      "[S]/[D]",
      {"the paper's Sec. 4.1 formulas are [UNKNOWN]; the theory weighting is derived here from the encoded rate form "
       "(flat) composed with the sampler's exact linear response to an eps-scale error (bell)",
       "continuum in ln sigma; shapes judged on ln sigma in [ln 0.002, ln 80] (EDM's sampling range)",
       "s_d = the data's per-direction standard deviation (0.5 = EDM's sigma_data by default)",
       "bell-shaped = exactly one local maximum, strictly inside the range, and the weight falls below half of it "
       "on both sides within the range"},
      {{"P_mean", "P_{\\rm mean}", "-1.2", Provenance::official_code, "[V-code]", "EDM training noise distribution"},
       {"P_std", "P_{\\rm std}", "1.2", Provenance::official_code, "[V-code]", "EDM training noise distribution"},
       {"sigma_data", "\\sigma_d", "0.5", Provenance::official_code, "[V-code]", "EDM lambda and c_out"},
       {"s_d", "s_d", "0.5", Provenance::derived, "[D]", "data scale of the theory weighting (a parameter)"}},
  };
}

enum class Scale { D, eps, F };
inline const char* to_string(Scale s) { return s == Scale::D ? "D" : (s == Scale::eps ? "eps" : "F"); }
inline Scale scale_from_string(const std::string& s) {
  if (s == "D") return Scale::D;
  if (s == "eps") return Scale::eps;
  if (s == "F") return Scale::F;
  throw std::invalid_argument("scale must be D, eps or F, got '" + s + "'");
}

/// The weightings compared. "song" and "uniform" are supported on [song_min, song_max] (log-uniform σ).
struct WeightingSpec {
  std::string kind = "theory";            ///< theory | edm | song | uniform
  double s_d = kSigmaData;                ///< theory: the data scale
  double song_min = 0.01, song_max = 50;  ///< song/uniform: Song's CIFAR-10 range [V-code] PAPER §5.4
};

inline void validate(const WeightingSpec& w) {
  if (w.kind != "theory" && w.kind != "edm" && w.kind != "song" && w.kind != "uniform")
    throw std::invalid_argument("weighting kind must be theory, edm, song or uniform, got '" + w.kind + "'");
  if (!(w.s_d > 0) || !std::isfinite(w.s_d)) throw std::invalid_argument("weighting s_d must be positive");
  if (!(w.song_min > 0 && w.song_min < w.song_max) || !std::isfinite(w.song_max))
    throw std::invalid_argument("weighting song range must satisfy 0 < song_min < song_max");
}

template <class Real>
Real edm_lambda(const Real& sigma) {
  const Real sd(kSigmaData);
  return (sigma * sigma + sd * sd) / (sigma * sd * sigma * sd);
}

template <class Real>
Real edm_c_out_sq(const Real& sigma) {
  const Real sd(kSigmaData);
  return sigma * sigma * sd * sd / (sigma * sigma + sd * sd);
}

/// EDM's log-normal density of u = ln σ.
template <class Real>
Real edm_log_normal(const Real& u) {
  using std::exp;
  using std::sqrt;
  const Real z = (u - Real(kPMean)) / Real(kPStd);
  return exp(-z * z / 2) / (Real(kPStd) * sqrt(Real(2) * Real(std::numbers::pi)));
}

/// W_ε(σ) per unit ln σ on the ε-scale (unnormalised).
template <class Real>
Real weight_eps(const WeightingSpec& w, const Real& sigma) {
  using std::log;
  if (w.kind == "theory") {
    const Real s(w.s_d);
    return sigma * s / (s * s + sigma * sigma);
  }
  if (w.kind == "edm") return edm_lambda(sigma) * edm_log_normal(Real(log(sigma))) * sigma * sigma;
  const bool inside = !(sigma < Real(w.song_min)) && !(sigma > Real(w.song_max));
  if (!inside) return Real(0);
  if (w.kind == "song") return Real(1);
  return Real(1) / (sigma * sigma);  // uniform on the score scale
}

/// The weighting on a loss scale, per unit ln σ.
template <class Real>
Real weight(const WeightingSpec& w, Scale scale, const Real& sigma) {
  const Real e = weight_eps(w, sigma);
  if (scale == Scale::eps) return e;
  const Real d = e / (sigma * sigma);
  if (scale == Scale::D) return d;
  return d * edm_c_out_sq(sigma);
}

/// Full width at half maximum of ½ sech(u) (the theory weighting on the ε-scale), in ln σ: 2 arccosh 2.
inline double theory_eps_fwhm() { return 2 * std::acosh(2.0); }
/// FWHM of EDM's log-normal (the F-scale weighting), in ln σ.
inline double edm_f_fwhm() { return 2 * kPStd * std::sqrt(2 * std::log(2.0)); }
/// Peak of the theory weighting on the F-scale when s_d = σ_d: σ = s_d/√3.
inline double theory_f_peak_equal_scales(double s_d) { return std::log(s_d / std::sqrt(3.0)); }

// ---------------------------------------------------------------------------------------------
// Shape of a density on [u_lo, u_hi] (u = ln σ), evaluated on a uniform grid and refined.

struct Shape {
  int local_maxima = 0;  ///< strict local maxima of the grid values (plateaus count once)
  double peak_u = 0;     ///< ln σ of the largest value (refined by golden section when interior)
  double peak_value = 0;
  bool interior = false;                     ///< the largest value is not at an end of the range
  double left_half = NAN, right_half = NAN;  ///< ln σ where the weight is half the peak (NaN: not in range)
  double fwhm = NAN;                         ///< right_half − left_half (NaN when either is outside the range)
  double margin = 0;                         ///< min(peak − u_lo, u_hi − peak): how far inside the peak is
  double resolution = 0;                     ///< grid spacing: the error estimate of positions
  bool plateau = false;  ///< the maximum is attained (to 1e-12) on 3 or more grid points: no single peak
  bool bell() const { return local_maxima == 1 && interior && !plateau && std::isfinite(fwhm); }
};

inline Shape shape_of(const std::function<double(double)>& f, double u_lo, double u_hi, int n = 4001) {
  if (!(u_lo < u_hi) || n < 5) throw std::invalid_argument("shape_of: need u_lo < u_hi and n >= 5");
  Shape s;
  const double h = (u_hi - u_lo) / (n - 1);
  s.resolution = h;
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = f(u_lo + h * i);
  // Local maxima with plateaus: compress equal runs, then count strict rises followed by falls.
  std::vector<double> c;
  for (double x : v)
    if (c.empty() || x != c.back()) c.push_back(x);
  for (std::size_t i = 0; i < c.size(); ++i) {
    const bool left_ok = i == 0 || c[i] > c[i - 1];
    const bool right_ok = i + 1 == c.size() || c[i] > c[i + 1];
    if (left_ok && right_ok && c.size() > 1) ++s.local_maxima;
  }
  const auto it = std::max_element(v.begin(), v.end());
  const int imax = static_cast<int>(it - v.begin());
  s.peak_value = *it;
  s.peak_u = u_lo + h * imax;
  s.interior = imax > 0 && imax < n - 1;
  s.plateau = std::count_if(v.begin(), v.end(), [&](double x) { return x >= s.peak_value * (1 - 1e-12); }) >= 3;
  if (s.interior) {
    // Golden-section on the bracket [imax − 1, imax + 1].
    double a = u_lo + h * (imax - 1), b = u_lo + h * (imax + 1);
    const double g = (std::sqrt(5.0) - 1) / 2;
    double x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = f(x1), f2 = f(x2);
    for (int it2 = 0; it2 < 100 && b - a > 1e-13 * (1 + std::fabs(a)); ++it2) {
      if (f1 < f2)
        a = x1, x1 = x2, f1 = f2, x2 = a + g * (b - a), f2 = f(x2);
      else
        b = x2, x2 = x1, f2 = f1, x1 = b - g * (b - a), f1 = f(x1);
    }
    s.peak_u = (a + b) / 2;
    s.peak_value = std::max(s.peak_value, f(s.peak_u));
    s.resolution = 1e-9;
  }
  s.margin = std::min(s.peak_u - u_lo, u_hi - s.peak_u);
  const double half = s.peak_value / 2;
  auto bisect = [&](double lo, double hi) {  // f(lo) − half and f(hi) − half of opposite signs
    double flo = f(lo) - half;
    for (int k = 0; k < 200 && hi - lo > 1e-13; ++k) {
      const double mid = (lo + hi) / 2, fm = f(mid) - half;
      if ((fm > 0) == (flo > 0))
        lo = mid, flo = fm;
      else
        hi = mid;
    }
    return (lo + hi) / 2;
  };
  for (int i = imax; i > 0; --i)
    if (v[static_cast<std::size_t>(i - 1)] < half) {
      s.left_half = bisect(u_lo + h * (i - 1), u_lo + h * i);
      break;
    }
  for (int i = imax; i + 1 < n; ++i)
    if (v[static_cast<std::size_t>(i + 1)] < half) {
      s.right_half = bisect(u_lo + h * i, u_lo + h * (i + 1));
      break;
    }
  if (std::isfinite(s.left_half) && std::isfinite(s.right_half)) s.fwhm = s.right_half - s.left_half;
  return s;
}

/// How clearly a shape is bell-shaped, in halvings: min over the two sides of log2(peak / value at the range
/// end) − 1 (positive iff the weight falls below half its peak inside the range on both sides); −1 when the
/// peak is at an end of the range or there is more than one local maximum (not a bell).
inline double bell_margin(const std::function<double(double)>& f, double u_lo, double u_hi, const Shape& s) {
  if (s.local_maxima != 1 || !s.interior || s.plateau) return -1.0;
  auto side = [&](double u) {
    const double v = f(u);
    if (!(v > 0)) return 64.0;  // falls to zero: as clear as it gets (capped)
    return std::min(64.0, std::log2(s.peak_value / v) - 1);
  };
  return std::min(side(u_lo), side(u_hi));
}

/// Overlap coefficient ∫ min(f/‖f‖₁, g/‖g‖₁) du on [u_lo, u_hi] (trapezoidal rule on n points; 1 = equal
/// shapes, 0 = disjoint supports), and the same on n/2 points for its error estimate.
inline std::pair<double, double> overlap(const std::function<double(double)>& f, const std::function<double(double)>& g,
                                         double u_lo, double u_hi, int n = 20001) {
  auto at = [&](int m) {
    const double h = (u_hi - u_lo) / (m - 1);
    std::vector<double> a(static_cast<std::size_t>(m)), b(static_cast<std::size_t>(m));
    double sa = 0, sb = 0;
    for (int i = 0; i < m; ++i) {
      const double w = (i == 0 || i == m - 1) ? 0.5 : 1.0;
      a[static_cast<std::size_t>(i)] = f(u_lo + h * i), b[static_cast<std::size_t>(i)] = g(u_lo + h * i);
      sa += w * a[static_cast<std::size_t>(i)], sb += w * b[static_cast<std::size_t>(i)];
    }
    double o = 0;
    for (int i = 0; i < m; ++i) {
      const double w = (i == 0 || i == m - 1) ? 0.5 : 1.0;
      o += w * std::min(a[static_cast<std::size_t>(i)] / sa, b[static_cast<std::size_t>(i)] / sb);
    }
    return o;
  };
  const double fine = at(n), coarse = at(n / 2 + 1);
  return {fine, std::fabs(fine - coarse)};
}

/// Total weights β_j of a weighting on the training levels σ_1 < … < σ_N of a geometric grid (equal steps
/// in ln σ), on the ε-scale, normalised to mean 1. The weight of a level is W_ε at that level (the grid's
/// Δ ln σ is common); song/uniform outside their range get 0 (then the level is not trained).
inline std::vector<double> grid_total_weights(const WeightingSpec& w, const std::vector<double>& sigma) {
  validate(w);
  std::vector<double> beta;
  double s = 0;
  for (double x : sigma) beta.push_back(weight_eps(w, x)), s += beta.back();
  if (!(s > 0)) throw std::invalid_argument("weighting: zero total weight on the training levels");
  for (double& b : beta) b *= static_cast<double>(beta.size()) / s;
  return beta;
}

}  // namespace diffbound::design_weighting
