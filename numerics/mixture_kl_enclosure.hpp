// A rigorous enclosure of the initialization error KL(p_a ‖ N(0, a)) of a 1-D Gaussian mixture data law
// (issue 16: sampling.init's left side proved, not only estimated). The data law Σ w_j N(μ_j, s_j²) noised to
// level a is p = Σ w_j φ_j with φ_j the density of N(μ_j, v_j), v_j = s_j² + a, and q = N(0, a). Then
//
//   KL = ∫ g,   g = p log(p/q),
//
// split into [−R, R] and two tails:
// * on each subinterval I = [c − h/2, c + h/2] the midpoint rule with its exact remainder,
//       ∫_I g = h g(c) + (h³/24) g''(ξ)   for some ξ ∈ I,
//   so ∫_I g ∈ h g([c]) + (h³/24) g''(I), with g(c) and g''(I) enclosed by interval arithmetic (MPFI):
//       g''  = p''(ℓ + 1) + p'²/p + 2 p' x/a + p/a,   ℓ = log p − log q;
//   subintervals are bisected, widest contribution first, until the enclosure is narrower than asked;
// * the tails |x| ≥ R: |ℓ(x)| ≤ A + B|x| + C x² with A, B, C from p ≤ max_j φ_j and p ≥ w_k φ_k, and the
//   Gaussian tail moments ∫_t^∞ φ(z)(α + βz + γz²) dz ≤ φ(t)(α/t + β + γ(t + 1/t)) (t > 0; Mills' ratio), so
//   each tail lies in [−T, T] with T enclosed.
// Every operation is MPFI's, rounded outward, on parameters enclosed from their decimals: the result contains
// the true KL. No I/O, no randomness.
#pragma once

#include <diffbound/theory/scalar.hpp>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <vector>

namespace diffbound {

struct MixtureKlEnclosure {
  mpfi_real kl;               ///< contains KL(p_a ‖ N(0, a))
  std::size_t intervals = 0;  ///< subintervals of [−R, R] at the end
  double radius = 0;          ///< R
  double width = 0;           ///< upper − lower of kl (rounded up)
  bool converged = false;     ///< width ≤ the asked width (else the interval budget ran out)
};

namespace mixture_kl_detail {

struct Component {
  mpfi_real w, mu, v, norm;  // norm = w / sqrt(2π v)
};

/// p, p', p'' of the mixture over the interval x.
inline void densities(const std::vector<Component>& cs, const mpfi_real& x, mpfi_real& p, mpfi_real& p1,
                      mpfi_real& p2) {
  p = 0, p1 = 0, p2 = 0;
  for (const auto& c : cs) {
    const mpfi_real u = x - c.mu;
    const mpfi_real phi = c.norm * exp(-(u * u) / (2 * c.v));
    p += phi;
    p1 -= u / c.v * phi;
    p2 += (u * u / (c.v * c.v) - 1 / c.v) * phi;
  }
}

/// log p − log q over x, with log q(x) = −x²/(2a) − ½ log(2πa).
inline mpfi_real ell(const mpfi_real& p, const mpfi_real& x, const mpfi_real& a, const mpfi_real& log_norm_q) {
  return log(p) + x * x / (2 * a) - log_norm_q;
}

}  // namespace mixture_kl_detail

/// Encloses KL(p_a ‖ N(0, a)) for the data law Σ w_j N(μ_j, s_j²) (weights normalised to sum 1) at the level
/// a = sigma_T² (all parameters read as decimals). Refines until the enclosure's width is at most
/// `target_width` or `max_intervals` subintervals are used. Throws std::invalid_argument for a bad law.
inline MixtureKlEnclosure mixture_init_kl_enclosure(const std::vector<double>& weights,
                                                    const std::vector<double>& means, const std::vector<double>& sds,
                                                    double sigma_T, double target_width,
                                                    std::size_t max_intervals = 20000) {
  using namespace mixture_kl_detail;
  if (weights.empty() || weights.size() != means.size() || weights.size() != sds.size())
    throw std::invalid_argument("mixture enclosure: weights, means and sds must have one common, nonzero length");
  if (!(sigma_T > 0) || !std::isfinite(sigma_T)) throw std::invalid_argument("mixture enclosure: sigma_T > 0");
  const mpfi_real pi = boost::math::constants::pi<mpfi_real>();
  const mpfi_real s = decimal<mpfi_real>(sigma_T), a = s * s;
  const mpfi_real log_norm_q = -log(2 * pi * a) / 2;
  mpfi_real wsum = 0;
  for (double w : weights) {
    if (!(w > 0)) throw std::invalid_argument("mixture enclosure: weights must be positive");
    wsum += decimal<mpfi_real>(w);
  }
  std::vector<Component> cs;
  double spread = 0, sd_max = 0;
  for (std::size_t j = 0; j < weights.size(); ++j) {
    if (!(sds[j] >= 0)) throw std::invalid_argument("mixture enclosure: sds must be >= 0");
    const mpfi_real sj = decimal<mpfi_real>(sds[j]);
    Component c;
    c.w = decimal<mpfi_real>(weights[j]) / wsum;
    c.mu = decimal<mpfi_real>(means[j]);
    c.v = sj * sj + a;
    c.norm = c.w / sqrt(2 * pi * c.v);
    cs.push_back(c);
    spread = std::max(spread, std::fabs(means[j]));
    sd_max = std::max(sd_max, std::sqrt(sds[j] * sds[j] + sigma_T * sigma_T));
  }

  // ---- the tails |x| >= R ---------------------------------------------------------------------
  // R puts every component 40 of its standard deviations inside: the tails are below e^{-790}.
  const double R = std::ldexp(std::ceil(std::ldexp(spread + 40 * sd_max, 4)), -4);  // a dyadic number
  const mpfi_real Ri = mpfi_real(R);
  // |ℓ(x)| <= A + B|x| + C x² on |x| >= R: ℓ <= max_j [½ log(a/v_j) + x²/(2a) − (x−μ_j)²/(2v_j)] and
  // ℓ >= max_k [log w_k + ½ log(a/v_k) + x²/(2a) − (x−μ_k)²/(2v_k)]; each bracket is c0 + c1 x + c2 x², so
  // |bracket| <= |c0| + |c1||x| + |c2| x², and the max over j and over k of those bounds |ℓ|.
  mpfi_real A = 0, B = 0, C = 0;
  auto widen = [](mpfi_real& bound, const mpfi_real& v) {
    const mpfi_real m = abs(v);
    if (bmp::upper(m) > bmp::upper(bound)) bound = mpfi_real(bmp::upper(m));
  };
  for (const auto& c : cs) {
    const mpfi_real c2 = (1 / a - 1 / c.v) / 2, c1 = c.mu / c.v, c0 = log(a / c.v) / 2 - c.mu * c.mu / (2 * c.v);
    widen(A, c0), widen(A, c0 + log(c.w)), widen(B, c1), widen(C, c2);
  }
  // ∫_R^∞ φ_j (A + Bx + Cx²) dx with x = μ + √v z, z >= t = (R − μ)/√v: x <= |μ| + √v z, x² <= 2μ² + 2v z².
  mpfi_real tails = 0;
  for (const auto& c : cs)
    for (const int side : {1, -1}) {
      const mpfi_real mu = side * c.mu, sv = sqrt(c.v);
      const mpfi_real t = (Ri - mu) / sv;
      if (!(bmp::lower(t) > 1)) throw std::logic_error("mixture enclosure: tail start too close to a mode");
      const mpfi_real alpha = A + B * abs(mu) + 2 * C * mu * mu, beta = B * sv, gamma = 2 * C * c.v;
      const mpfi_real phi_t = exp(-t * t / 2) / sqrt(2 * pi);
      tails += c.w * phi_t * (alpha / t + beta + gamma * (t + 1 / t));
    }
  // Each tail integral lies in [−T_j, T_j]; their sum in [−T, T], T the upper end of `tails`.

  // ---- [−R, R]: midpoint rule with enclosed remainder, adaptive bisection ----------------------
  struct Piece {
    double lo, hi;
    mpfi_real integral;
    double width;
    bool operator<(const Piece& o) const { return width < o.width; }
  };
  auto piece = [&](double lo, double hi) {
    const mpfi_real lo_i = mpfi_real(lo), hi_i = mpfi_real(hi);
    const mpfi_real h = hi_i - lo_i;
    const mpfi_real xc = (lo_i + hi_i) / 2;  // contains the centre (exact when lo + hi fits the precision)
    mpfi_real p, p1, p2;
    densities(cs, xc, p, p1, p2);
    const mpfi_real gc = p * ell(p, xc, a, log_norm_q);
    mpfi_real xi;
    mpfi_interv_d(xi.backend().data(), lo, hi);
    densities(cs, xi, p, p1, p2);
    const mpfi_real l = ell(p, xi, a, log_norm_q);
    const mpfi_real g2 = p2 * (l + 1) + p1 * p1 / p + 2 * p1 * xi / a + p / a;
    Piece out{lo, hi, h * gc + h * h * h / 24 * g2, 0};
    out.width = upper_double(out.integral) - lower_double(out.integral);
    if (!std::isfinite(out.width)) out.width = std::numeric_limits<double>::infinity();
    return out;
  };
  std::priority_queue<Piece> queue;
  const int initial = 64;
  for (int i = 0; i < initial; ++i) {
    const double lo = -R + 2 * R * i / initial, hi = -R + 2 * R * (i + 1) / initial;
    queue.push(piece(lo, hi));
  }
  auto total = [&]() {
    mpfi_real sum = 0;
    auto copy = queue;
    while (!copy.empty()) sum += copy.top().integral, copy.pop();
    return sum;
  };
  const mpfi_real tail_interval = make_interval(-bmp::upper(tails), bmp::upper(tails));
  // The finite widths' sum, and how many pieces are not finite in double (an overestimate beyond 1.8e308 on a
  // wide piece far from the modes): those are split first (they are the widest).
  double width_sum = 0;
  std::size_t unbounded = 0;
  // A huge finite width counts as unbounded too, so that adding and removing it never swamps the running sum.
  auto count = [&](const Piece& pc, int sign) {
    if (pc.width < 1e100)
      width_sum += sign * pc.width;
    else
      unbounded = sign > 0 ? unbounded + 1 : unbounded - 1;
  };
  {
    auto copy = queue;
    while (!copy.empty()) count(copy.top(), +1), copy.pop();
  }
  const double tail_width = 2 * upper_double(tails);
  auto exact_width_sum = [&] {  // the running sum drifts by roundings: recomputed before it stops the loop
    double sum = 0;
    auto copy = queue;
    while (!copy.empty()) sum += copy.top().width, copy.pop();
    return sum;
  };
  auto more = [&] {
    if (queue.size() >= max_intervals) return false;
    if (unbounded > 0 || width_sum + tail_width > target_width) return true;
    width_sum = exact_width_sum();
    return width_sum + tail_width > target_width;
  };
  while (more()) {
    Piece top = queue.top();
    queue.pop();
    const double mid = top.lo + (top.hi - top.lo) / 2;
    if (!(mid > top.lo && mid < top.hi)) {  // cannot split further
      queue.push(top);
      break;
    }
    Piece left = piece(top.lo, mid), right = piece(mid, top.hi);
    count(top, -1), count(left, +1), count(right, +1);
    queue.push(std::move(left)), queue.push(std::move(right));
  }
  MixtureKlEnclosure out;
  out.kl = total() + tail_interval;
  out.intervals = queue.size();
  out.radius = R;
  out.width = upper_double(out.kl) - lower_double(out.kl);
  out.converged = out.width <= target_width;
  return out;
}

}  // namespace diffbound
