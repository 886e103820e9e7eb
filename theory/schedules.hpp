// Noise-level schedules for variance-exploding sampling.
//
// A schedule is the decreasing list of noise levels σ_0 = σ_max > σ_1 > … > σ_{N−1} = σ_min that the
// sampler visits; N is the number of levels (N − 1 steps), as EDM's num_steps (PAPER §5.3) and the
// reference table of PAPER §6.1. For the exponential-integrator sampler only this list matters, not
// the time parametrisation that produced it (PAPER §1.2).
//
// Families and their sources:
//   edm        σ_i = (σ_max^{1/ρ} + i/(N−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ     [V-code] NVlabs/edm generate.py
//   geometric  σ_i = σ_max (σ_min/σ_max)^{i/(N−1)}                           [V-code] score_sde discrete_sigmas,
//              also EDM's "ve" ablation discretisation and the ρ → ∞ limit of edm  [D]
//   song_ve    σ(t) = σ_min (σ_max/σ_min)^t at t_i = 1 − i/(N−1)(1 − ε)       [V-code] score_sde VESDE
//              (score_sde's marginal std, without the −σ_min² offset of the exact variance)
//   vp         σ(t) = sqrt(exp(½β_d t² + β_min t) − 1) at t_i = 1 − i/(N−1)(1 − ε_s)  [V-code] EDM, k-diffusion
//   user       a list given by the user, strictly decreasing and positive.
// Parameters given as doubles mean their shortest decimal (scalar.hpp, decimal()).
#pragma once

#include "scalar.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound {

enum class ScheduleKind { edm, geometric, song_ve, vp, user };

inline const char* to_string(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::edm:
      return "edm";
    case ScheduleKind::geometric:
      return "geometric";
    case ScheduleKind::song_ve:
      return "song_ve";
    case ScheduleKind::vp:
      return "vp";
    case ScheduleKind::user:
      return "user";
  }
  return "?";
}

inline ScheduleKind schedule_kind_from_string(const std::string& s) {
  for (auto k :
       {ScheduleKind::edm, ScheduleKind::geometric, ScheduleKind::song_ve, ScheduleKind::vp, ScheduleKind::user})
    if (s == to_string(k)) return k;
  throw std::invalid_argument("unknown schedule '" + s + "' (expected edm, geometric, song_ve, vp or user)");
}

/// Defaults of the reference implementations (PAPER §5.3, §5.4; all [V-code]).
struct ScheduleDefaults {
  static constexpr double edm_sigma_min = 0.002, edm_sigma_max = 80.0, edm_rho = 7.0;
  static constexpr int edm_num_steps = 18;
  static constexpr double song_sigma_min = 0.01, song_sigma_max = 50.0, song_eps = 1e-5;
  static constexpr double edm_ve_sigma_min = 0.02, edm_ve_sigma_max = 100.0;
  static constexpr double vp_beta_d = 19.9, vp_beta_min = 0.1, vp_eps_s = 1e-3;
};

/// A schedule described by its family and parameters; noise_levels<Real>() evaluates it.
struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::edm;
  int n_levels = ScheduleDefaults::edm_num_steps;
  double sigma_min = ScheduleDefaults::edm_sigma_min;
  double sigma_max = ScheduleDefaults::edm_sigma_max;
  double rho = ScheduleDefaults::edm_rho;           // edm only
  double eps_t = ScheduleDefaults::song_eps;        // song_ve: t ∈ [eps_t, 1]
  double beta_d = ScheduleDefaults::vp_beta_d;      // vp only
  double beta_min = ScheduleDefaults::vp_beta_min;  // vp only
  double eps_s = ScheduleDefaults::vp_eps_s;        // vp: t ∈ [eps_s, 1]
  std::vector<double> levels;                       // user only

  static ScheduleSpec edm(int n, double smin, double smax, double rho) {
    ScheduleSpec s;
    s.kind = ScheduleKind::edm, s.n_levels = n, s.sigma_min = smin, s.sigma_max = smax, s.rho = rho;
    return s;
  }
  static ScheduleSpec geometric(int n, double smin, double smax) {
    ScheduleSpec s;
    s.kind = ScheduleKind::geometric, s.n_levels = n, s.sigma_min = smin, s.sigma_max = smax;
    return s;
  }
  static ScheduleSpec song_ve(int n, double smin, double smax, double eps_t) {
    ScheduleSpec s;
    s.kind = ScheduleKind::song_ve, s.n_levels = n, s.sigma_min = smin, s.sigma_max = smax, s.eps_t = eps_t;
    return s;
  }
  static ScheduleSpec vp(int n, double beta_d, double beta_min, double eps_s) {
    ScheduleSpec s;
    s.kind = ScheduleKind::vp, s.n_levels = n, s.beta_d = beta_d, s.beta_min = beta_min, s.eps_s = eps_s;
    return s;
  }
  static ScheduleSpec user(std::vector<double> levels) {
    ScheduleSpec s;
    s.kind = ScheduleKind::user, s.n_levels = static_cast<int>(levels.size()), s.levels = std::move(levels);
    return s;
  }

  /// Short human name, e.g. "edm(rho=7)" or "geometric".
  std::string label() const {
    std::ostringstream o;
    o << to_string(kind);
    if (kind == ScheduleKind::edm) o << "(rho=" << shortest_decimal(rho) << ")";
    return o.str();
  }
};

/// Thrown for an invalid schedule; the message names the parameter and the reason.
struct ScheduleError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

namespace detail {
inline std::string num(double x) { return shortest_decimal(x); }
inline void require_finite(const char* schedule, const char* name, double x) {
  if (!std::isfinite(x))
    throw ScheduleError(std::string("schedule ") + schedule + ": " + name + " must be a finite number, got " + num(x));
}
inline void require_levels(const char* schedule, int n) {
  if (n < 2)
    throw ScheduleError(std::string("schedule ") + schedule +
                        ": the number of noise levels N must be at least 2 (one step), got " + std::to_string(n));
}
inline void require_range(const char* schedule, double smin, double smax) {
  require_finite(schedule, "sigma_min", smin);
  require_finite(schedule, "sigma_max", smax);
  if (!(smin > 0))
    throw ScheduleError(std::string("schedule ") + schedule + ": sigma_min must be positive, got " + num(smin));
  if (!(smin < smax))
    throw ScheduleError(std::string("schedule ") + schedule + ": sigma_min (" + num(smin) +
                        ") must be smaller than sigma_max (" + num(smax) + ")");
}
}  // namespace detail

/// Checks a schedule's parameters; throws ScheduleError with a message naming the field.
inline void validate(const ScheduleSpec& s) {
  const char* name = to_string(s.kind);
  switch (s.kind) {
    case ScheduleKind::edm:
      detail::require_levels(name, s.n_levels);
      detail::require_range(name, s.sigma_min, s.sigma_max);
      detail::require_finite(name, "rho", s.rho);
      if (!(s.rho > 0)) throw ScheduleError("schedule edm: rho must be positive, got " + detail::num(s.rho));
      break;
    case ScheduleKind::geometric:
      detail::require_levels(name, s.n_levels);
      detail::require_range(name, s.sigma_min, s.sigma_max);
      break;
    case ScheduleKind::song_ve:
      detail::require_levels(name, s.n_levels);
      detail::require_range(name, s.sigma_min, s.sigma_max);
      detail::require_finite(name, "eps_t", s.eps_t);
      if (!(s.eps_t >= 0 && s.eps_t < 1))
        throw ScheduleError("schedule song_ve: eps_t must lie in [0, 1), got " + detail::num(s.eps_t));
      break;
    case ScheduleKind::vp:
      detail::require_levels(name, s.n_levels);
      detail::require_finite(name, "beta_d", s.beta_d);
      detail::require_finite(name, "beta_min", s.beta_min);
      detail::require_finite(name, "eps_s", s.eps_s);
      if (!(s.beta_d >= 0))
        throw ScheduleError("schedule vp: beta_d must be non-negative, got " + detail::num(s.beta_d));
      if (!(s.beta_min >= 0))
        throw ScheduleError("schedule vp: beta_min must be non-negative, got " + detail::num(s.beta_min));
      if (!(s.beta_d + s.beta_min > 0))
        throw ScheduleError("schedule vp: beta_d and beta_min cannot both be 0 (no noise)");
      if (!(s.eps_s > 0 && s.eps_s < 1))
        throw ScheduleError("schedule vp: eps_s must lie in (0, 1), got " + detail::num(s.eps_s));
      break;
    case ScheduleKind::user: {
      if (s.levels.size() < 2)
        throw ScheduleError("schedule user: the list of noise levels must have at least 2 entries, got " +
                            std::to_string(s.levels.size()));
      if (static_cast<std::size_t>(s.n_levels) != s.levels.size())
        throw ScheduleError("schedule user: n_levels (" + std::to_string(s.n_levels) +
                            ") differs from the length of the list (" + std::to_string(s.levels.size()) + ")");
      for (std::size_t i = 0; i < s.levels.size(); ++i) {
        const double x = s.levels[i];
        if (!std::isfinite(x))
          throw ScheduleError("schedule user: level " + std::to_string(i) + " is not a finite number (" +
                              detail::num(x) + ")");
        if (!(x > 0))
          throw ScheduleError("schedule user: level " + std::to_string(i) + " (" + detail::num(x) +
                              ") is not positive; levels must be positive noise standard deviations");
        if (i > 0 && !(x < s.levels[i - 1]))
          throw ScheduleError("schedule user: level " + std::to_string(i) + " (" + detail::num(x) +
                              ") is not smaller than level " + std::to_string(i - 1) + " (" +
                              detail::num(s.levels[i - 1]) + "); the list must be strictly decreasing");
      }
      break;
    }
  }
}

/// EDM / Karras ρ-polynomial levels (NVlabs/edm generate.py, without the appended σ_N = 0).
template <class Real>
std::vector<Real> edm_levels(int n, const Real& smin, const Real& smax, const Real& rho) {
  using std::pow;
  const Real inv_rho = Real(1) / rho;
  const Real hi = pow(smax, inv_rho), lo = pow(smin, inv_rho);
  std::vector<Real> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      out.push_back(smax);
      continue;
    }  // exact endpoints: the formula gives them
    if (i == n - 1) {
      out.push_back(smin);
      continue;
    }  // up to rounding, the definition exactly
    out.push_back(pow(hi + ratio<Real>(i, n - 1) * (lo - hi), rho));
  }
  return out;
}

/// Geometric levels σ_max (σ_min/σ_max)^{i/(N−1)} (Song et al.; EDM's "ve" discretisation).
template <class Real>
std::vector<Real> geometric_levels(int n, const Real& smin, const Real& smax) {
  using std::exp;
  using std::log;
  const Real lmax = log(smax), lmin = log(smin);
  std::vector<Real> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      out.push_back(smax);
      continue;
    }
    if (i == n - 1) {
      out.push_back(smin);
      continue;
    }
    out.push_back(exp(lmax + ratio<Real>(i, n - 1) * (lmin - lmax)));
  }
  return out;
}

/// Song's VE parametrisation σ(t) = σ_min (σ_max/σ_min)^t at uniform t from 1 down to ε.
template <class Real>
std::vector<Real> song_ve_levels(int n, const Real& smin, const Real& smax, const Real& eps_t) {
  using std::exp;
  using std::log;
  const Real lmin = log(smin), span = log(smax) - lmin;
  std::vector<Real> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      out.push_back(smax);
      continue;
    }
    // t_i = ε + (N−1−i)/(N−1)·(1 − ε): a sum of non-negative terms, exact at both ends.
    const Real t = eps_t + ratio<Real>(n - 1 - i, n - 1) * (Real(1) - eps_t);
    out.push_back(exp(lmin + t * span));
  }
  return out;
}

/// VP noise levels σ(t) = sqrt(exp(½β_d t² + β_min t) − 1) at uniform t from 1 down to ε_s (expm1 keeps
/// the small levels accurate).
template <class Real>
std::vector<Real> vp_levels(int n, const Real& beta_d, const Real& beta_min, const Real& eps_s) {
  using std::expm1;
  using std::sqrt;
  std::vector<Real> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    const Real t = eps_s + ratio<Real>(n - 1 - i, n - 1) * (Real(1) - eps_s);  // no cancellation near ε_s
    out.push_back(sqrt(expm1(beta_d * t * t / 2 + beta_min * t)));
  }
  return out;
}

/// The noise levels σ_0 > … > σ_{N−1} of a validated schedule, in the scalar type Real.
template <class Real>
std::vector<Real> noise_levels(const ScheduleSpec& s) {
  validate(s);
  switch (s.kind) {
    case ScheduleKind::edm:
      return edm_levels<Real>(s.n_levels, decimal<Real>(s.sigma_min), decimal<Real>(s.sigma_max), decimal<Real>(s.rho));
    case ScheduleKind::geometric:
      return geometric_levels<Real>(s.n_levels, decimal<Real>(s.sigma_min), decimal<Real>(s.sigma_max));
    case ScheduleKind::song_ve:
      return song_ve_levels<Real>(s.n_levels, decimal<Real>(s.sigma_min), decimal<Real>(s.sigma_max),
                                  decimal<Real>(s.eps_t));
    case ScheduleKind::vp:
      return vp_levels<Real>(s.n_levels, decimal<Real>(s.beta_d), decimal<Real>(s.beta_min), decimal<Real>(s.eps_s));
    case ScheduleKind::user: {
      std::vector<Real> out;
      out.reserve(s.levels.size());
      for (double x : s.levels) out.push_back(decimal<Real>(x));
      return out;
    }
  }
  throw ScheduleError("unknown schedule kind");
}

/// Variances a_k = σ_k² of a list of levels (the sampler works with variances, PAPER §1.2).
template <class Real>
std::vector<Real> variances(const std::vector<Real>& sigma) {
  std::vector<Real> a;
  a.reserve(sigma.size());
  for (const auto& s : sigma) a.push_back(s * s);
  return a;
}

}  // namespace diffbound
