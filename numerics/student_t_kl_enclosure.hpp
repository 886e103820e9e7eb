// A rigorous enclosure of the initialization error KL(p_a ‖ N(0, a)) when the data law is Student-t with
// ν = 5 and scale s (issue 16 item 4: sampling.init's t5 cases proved, not only estimated). By the scaling
// x → x/s the KL of (s, σ) equals that of (1, σ/s), so below s = 1, σ = σ_T/s, a = σ², f the t5 density
//     f(y) = C (1 + y²/5)^(−3),   C = 8/(3π√5),
// and p = f * φ_σ, q = N(0, a). Since E X_T² = m₂² + a exactly (m₂² = 5/3),
//
//   KL = ∫ p ln p + E X_T²/(2a) + ½ ln(2πa) = ½ ln(2πa) + (5/3 + a)/(2a) − H,   H = ∫ −p ln p,
//
// and only the entropy H is enclosed (its integrand decays like x⁻⁶ ln x, so [−R, R] can stay small).
// * The inner integral. For x in an interval X and k = 0, 1, 2, p⁽ᵏ⁾(x) = ∫ f(y) F(y) dy with
//   F(y) = ∂ₓᵏ φ_σ(x − y), whose y-derivatives are ∂_yʲ F = (−1)ᵏ Heₖ₊ⱼ(u) φ(u)/σ^(k+j+1), u = (x − y)/σ
//   (He the probabilists' Hermite polynomials). The window [X_lo − Kσ, X_hi + Kσ] is cut into pieces Yᵢ of
//   width ≤ hσ; on each, Taylor's formula about a point c of Yᵢ with Lagrange remainder gives
//       ∫_Yᵢ f F ∈ Σ_{j<4} ∂_yʲF(X, c) Vⱼ/j! + ∂_y⁴F(X, Yᵢ) V₄/24,   Vⱼ = ∫_Yᵢ f(y)(y − c)ʲ dy,
//   (the remainder's weight f(y)(y − c)⁴ is ≥ 0), and the Vⱼ are exact: with y = √5 tan θ, f dy =
//   (8/(3π)) cos⁴θ dθ and yʲ f dy = (8/(3π)) 5^(j/2) sinʲθ cos^(4−j)θ dθ, whose antiderivatives are
//   3θ/8 + sin2θ/4 + sin4θ/32, −cos⁴θ/4, θ/8 − sin4θ/32, sin⁴θ/4, 3θ/8 − sin2θ/4 + sin4θ/32.
//   Outside the window |u| ≥ K ≥ 4, where |Heₖ(u)| φ(u) (k ≤ 2) decreases in |u|: those parts lie in
//   ±P(Y outside) |Heₖ(K')| φ(K')/σ^(k+1), K' the window's distance in units of σ.
// * The outer integral. p is even, so H = 2 ∫_0^∞ g, g = −p ln p. On each piece I = [c − w/2, c + w/2] of
//   [0, R] the midpoint rule with its exact remainder, ∫_I g ∈ w g(c) + (w³/24) g''(I), with
//   g'' = −p''(ln p + 1) − p'²/p and p, p', p'' over I from the inner integral above (x = I); pieces are
//   bisected, largest remainder first.
// * The tail x ≥ R. p ≤ f(0) < 1, so g ≥ 0 there. With P = P(X_T > R) and any probability density m on
//   [R, ∞), Gibbs' inequality gives ∫_R^∞ g ≤ −P ln P − ∫ p ln m; with m = 3R³/x⁴ and ln x ≤ ln R + (x − R)/R,
//       ∫_R^∞ g ≤ −P ln P + P (ln R − ln 3) + 4 E(X_T − R)₊/R,
//   and P ≤ P(Y > R − t) + Q(t/σ), E(X_T − R)₊ ≤ E(Y − R + t)₊ + σ φ(t/σ)/(1 + t²/σ²) (Y + σZ split at t,
//   (a + b)₊ ≤ a₊ + b₊, Mills' ratio Q(z) ≤ φ(z)/z and E(Z − z)₊ ≤ φ(z)/(1 + z²)); the t moments are the
//   closed forms above. −P ln P increases in P < 1/e, so upper bounds suffice: the tail lies in [0, T].
// Every operation is MPFI's, rounded outward, on σ_T and s enclosed from their decimals: the result contains
// the true KL. No I/O, no randomness.
#pragma once

#include <diffbound/theory/scalar.hpp>

#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <vector>

namespace diffbound {

struct StudentTKlEnclosure {
  mpfi_real kl;               ///< contains KL(p_a ‖ N(0, a)) (intersected with [0, ∞))
  std::size_t intervals = 0;  ///< pieces of [0, R] at the end
  double radius = 0;          ///< R (in units of the law's scale)
  double width = 0;           ///< upper − lower of kl (rounded up)
  double floor = 0;           ///< the part of the width that bisection does not shrink (inner rule, tail)
  double tail = 0;            ///< the tails' part of that: KL's enclosure spans [−tail, 0] for |x| > R
  bool converged = false;     ///< width ≤ the asked width
};

namespace student_t_kl_detail {

struct Setup {
  mpfi_real sigma, inv_sigma, a, pi, sqrt5, norm8;  // norm8 = 8/(3π)
  double sigma_d = 0;
  double K = 8;      // window half-width, in σ
  double h = 0.125;  // inner piece width, in σ
  // The inner grid y_0 < … < y_n, symmetric about 0, steps min(hσ, h(1 + |y|)) (near 0 the t law's own scale
  // when σ > 1: a wide piece there would carry much of E Y⁴ in its V₄); each piece's moments about its
  // midpoint (they do not depend on x, so they are formed once), and the t mass below each grid point.
  std::vector<double> ys;
  std::vector<std::array<mpfi_real, 5>> W;  // W_j = V_j/(j! σ^j)
  std::vector<mpfi_real> below;
};

/// θ = atan(y/√5) for a finite y, or ±π/2.
inline mpfi_real theta_of(const Setup& s, double y) {
  if (std::isinf(y)) return (y > 0 ? s.pi : -s.pi) / 2;
  return atan(mpfi_real(y) / s.sqrt5);
}

/// The five antiderivatives A₀..A₄ at θ (without the factor (8/(3π)) 5^(j/2)).
inline std::array<mpfi_real, 5> antiderivatives(const mpfi_real& th) {
  const mpfi_real s2 = sin(2 * th), s4 = sin(4 * th), c = cos(th), sn = sin(th);
  const mpfi_real c2 = c * c, sn2 = sn * sn;
  return {3 * th / 8 + s2 / 4 + s4 / 32, -(c2 * c2) / 4, th / 8 - s4 / 32, sn2 * sn2 / 4,
          3 * th / 8 - s2 / 4 + s4 / 32};
}

/// Raw moments M_j = ∫_{y1}^{y2} yʲ f(y) dy, j = 0..4, from the antiderivatives at both ends.
inline std::array<mpfi_real, 5> raw_moments(const Setup& s, const std::array<mpfi_real, 5>& A1,
                                            const std::array<mpfi_real, 5>& A2) {
  std::array<mpfi_real, 5> M;
  mpfi_real scale = s.norm8;
  for (int j = 0; j < 5; ++j) {
    M[j] = scale * (A2[j] - A1[j]);
    scale *= s.sqrt5;
  }
  return M;
}

/// Central moments about c: V_j = Σ_i binom(j, i) (−c)^(j−i) M_i.
inline std::array<mpfi_real, 5> moments_about(const std::array<mpfi_real, 5>& M, double c) {
  const mpfi_real m = -mpfi_real(c);
  const mpfi_real m2 = m * m, m3 = m2 * m, m4 = m3 * m;
  return {M[0], M[1] + m * M[0], M[2] + 2 * m * M[1] + m2 * M[0],
          M[3] + 3 * m * M[2] + 3 * m2 * M[1] + m3 * M[0],
          M[4] + 4 * m * M[3] + 6 * m2 * M[2] + 4 * m3 * M[1] + m4 * M[0]};
}

/// He_0..He_n(u).
inline void hermite(const mpfi_real& u, int n, mpfi_real* he) {
  he[0] = 1;
  if (n >= 1) he[1] = u;
  for (int k = 2; k <= n; ++k) he[k] = u * he[k - 1] - (k - 1) * he[k - 2];
}

/// Encloses p⁽ᵏ⁾(x) for x ∈ [xlo, xhi] and k = 0..kmax (kmax ≤ 2), into out[0..kmax].
inline void density(const Setup& s, double xlo, double xhi, int kmax, mpfi_real* out) {
  mpfi_real X;
  if (xlo == xhi)
    X = mpfi_real(xlo);
  else
    mpfi_interv_d(X.backend().data(), xlo, xhi);
  const mpfi_real inv_sqrt_2pi = 1 / sqrt(2 * s.pi);
  // The window: the grid pieces covering [xlo − Kσ, xhi + Kσ].
  const double wlo = xlo - s.K * s.sigma_d, whi = xhi + s.K * s.sigma_d;
  if (!(s.ys.front() <= wlo && whi <= s.ys.back()))
    throw std::logic_error("student-t enclosure: inner window outside the grid");
  const long first = static_cast<long>(std::upper_bound(s.ys.begin(), s.ys.end(), wlo) - s.ys.begin()) - 1;
  const long last = static_cast<long>(std::lower_bound(s.ys.begin(), s.ys.end(), whi) - s.ys.begin());
  const double y_first = s.ys[static_cast<std::size_t>(first)], y_last = s.ys[static_cast<std::size_t>(last)];
  mpfi_real sig_pow[4];  // σ^(k+1)
  sig_pow[0] = s.sigma;
  for (int i = 1; i < 4; ++i) sig_pow[i] = sig_pow[i - 1] * s.sigma;
  mpfi_real he_c[8], he_i[8], acc[3];
  for (long i = first; i < last; ++i) {
    const double y1 = s.ys[static_cast<std::size_t>(i)], y2 = s.ys[static_cast<std::size_t>(i + 1)];
    const double c = y1 + (y2 - y1) / 2;
    const auto& W = s.W[static_cast<std::size_t>(i)];
    // At the point c (x over X) and over the piece.
    const mpfi_real uc = (X - c) * s.inv_sigma;
    mpfi_real Yi;
    mpfi_interv_d(Yi.backend().data(), y1, y2);
    const mpfi_real ui = (X - Yi) * s.inv_sigma, delta = (c - Yi) * s.inv_sigma;
    const mpfi_real phic = exp(-uc * uc / 2), phii = exp(-ui * ui / 2);
    hermite(uc, kmax + 4, he_c);
    hermite(ui, kmax + 5, he_i);
    for (int k = 0; k <= kmax; ++k) {
      // (−1)^k/σ^(k+1) [Σ_{j<4} He_{k+j}(u_c) W_j φ(u_c) + (He_{k+4} φ)(u_i) W_4], W_j = V_j/(j! σ^j), with
      // (He_m φ)(u_i) in the mean-value form (He_m φ)(u_c) − (He_{m+1} φ)(u_i) (u_i − u_c), u_i − u_c = δ.
      mpfi_real t = he_c[k] * W[0] + he_c[k + 1] * W[1] + he_c[k + 2] * W[2] + he_c[k + 3] * W[3];
      t *= phic;
      t += (he_c[k + 4] * phic - he_i[k + 5] * phii * delta) * W[4];
      if (i == first)
        acc[k] = t;
      else
        acc[k] += t;
    }
  }
  for (int k = 0; k <= kmax; ++k) {
    if (last == first) acc[k] = 0;
    out[k] = acc[k] * inv_sqrt_2pi / sig_pow[k];
    if (k % 2) out[k] = -out[k];
  }
  // Outside the window: |u| ≥ K' on both sides, where |He_k(u)| φ(u) decreases (K' ≥ 4, k ≤ 2).
  const mpfi_real k_left = (X - y_first) / s.sigma, k_right = (mpfi_real(y_last) - X) / s.sigma;
  const mpfr_real kmin = std::min(bmp::lower(k_left), bmp::lower(k_right));
  if (!(kmin >= 4)) throw std::logic_error("student-t enclosure: inner window too narrow");
  const mpfi_real kp = mpfi_real(kmin);
  const mpfi_real p_out =
      s.below[static_cast<std::size_t>(first)] + (1 - s.below[static_cast<std::size_t>(last)]);
  hermite(kp, kmax, he_c);
  const mpfi_real phik = exp(-kp * kp / 2) * inv_sqrt_2pi;
  for (int k = 0; k <= kmax; ++k) {
    const mpfr_real b = bmp::upper(abs(he_c[k] * phik * p_out / sig_pow[k]));
    out[k] += make_interval(mpfr_real(-b), b);
  }
}

}  // namespace student_t_kl_detail

/// Encloses KL(p_a ‖ N(0, a)) for the Student-t data law with ν = 5 and scale `scale`, a = sigma_T² (both read
/// as decimals). Bisects the pieces of [0, R] until the enclosure is at most `target_width` wide or
/// `max_intervals` pieces are used; `inner_step` is the inner piece width in units of σ (smaller: narrower
/// floor, slower). Throws std::invalid_argument for a bad law.
inline StudentTKlEnclosure student_t5_init_kl_enclosure(double scale, double sigma_T, double target_width,
                                                        std::size_t max_intervals = 4000,
                                                        double inner_step = 0.125) {
  using namespace student_t_kl_detail;
  if (!(scale > 0) || !std::isfinite(scale)) throw std::invalid_argument("student-t enclosure: scale > 0");
  if (!(sigma_T > 0) || !std::isfinite(sigma_T)) throw std::invalid_argument("student-t enclosure: sigma_T > 0");
  if (!(inner_step > 0) || !(inner_step <= 0.5)) throw std::invalid_argument("student-t enclosure: inner step");
  Setup s;
  s.pi = boost::math::constants::pi<mpfi_real>();
  s.sqrt5 = sqrt(mpfi_real(5));
  s.norm8 = 8 / (3 * s.pi);
  s.sigma = decimal<mpfi_real>(sigma_T) / decimal<mpfi_real>(scale);  // KL(s, σ_T) = KL(1, σ_T/s)
  s.a = s.sigma * s.sigma;
  s.inv_sigma = 1 / s.sigma;
  s.sigma_d = upper_double(s.sigma);  // only sets the grids
  s.h = inner_step;
  {  // the inner grid, over [−R − Kσ, R + Kσ] and one step more on each side (R as set below)
    const double R_grid = std::ldexp(std::ceil(std::ldexp(std::max(60 * s.sigma_d, 40.0), 2)), -2);
    const double reach = R_grid + (s.K + 1) * s.sigma_d;
    std::vector<double> half{0.0};
    while (half.back() < reach) half.push_back(half.back() + s.h * std::min(s.sigma_d, 1 + half.back()));
    for (std::size_t i = half.size(); i-- > 1;) s.ys.push_back(-half[i]);
    s.ys.insert(s.ys.end(), half.begin(), half.end());
    const auto A_minf = antiderivatives(-s.pi / 2);
    auto A1 = antiderivatives(theta_of(s, s.ys.front()));
    s.below.push_back(raw_moments(s, A_minf, A1)[0]);
    for (std::size_t i = 0; i + 1 < s.ys.size(); ++i) {
      const double y1 = s.ys[i], y2 = s.ys[i + 1];
      const auto A2 = antiderivatives(theta_of(s, y2));
      const auto M = raw_moments(s, A1, A2);
      auto V = moments_about(M, y1 + (y2 - y1) / 2);
      mpfi_real f = 1;
      for (int j = 1; j < 5; ++j) f *= j * s.sigma, V[static_cast<std::size_t>(j)] /= f;
      s.W.push_back(V);
      s.below.push_back(s.below.back() + M[0]);
      A1 = A2;
    }
  }
  const mpfi_real& sg = s.sigma;
  const mpfi_real inv_sqrt_2pi = 1 / sqrt(2 * s.pi);

  // ---- the tail x >= R ---------------------------------------------------------------------------
  const double R = std::ldexp(std::ceil(std::ldexp(std::max(60 * s.sigma_d, 40.0), 2)), -2);  // dyadic
  const double t = 12 * s.sigma_d;
  // L = R − t rounded to a double: the split {X_T > R} ⊂ {Y > L} ∪ {σZ > R − L} holds for any L.
  const mpfi_real Ri = mpfi_real(R), L = mpfi_real(R - t);
  const mpfi_real zt = (Ri - L) / sg;  // σZ > R − L
  const mpfi_real phiz = exp(-zt * zt / 2) * inv_sqrt_2pi;
  const auto AL = antiderivatives(atan(L / s.sqrt5)), Ainf = antiderivatives(s.pi / 2);
  const auto ML = raw_moments(s, AL, Ainf);
  const mpfi_real P = ML[0] + phiz / zt;                                     // ≥ P(X_T > R)
  const mpfi_real excess = (ML[1] - L * ML[0]) + sg * phiz / (1 + zt * zt);  // ≥ E(X_T − R)₊
  const mpfr_real P_up = bmp::upper(P);
  if (!(P_up < mpfr_real(0.3))) throw std::logic_error("student-t enclosure: tail start too close");
  const mpfi_real Pu = mpfi_real(P_up);
  const mpfi_real tail = -Pu * log(Pu) + Pu * (log(Ri) - log(mpfi_real(3))) + 4 * excess / Ri;
  const mpfr_real T = bmp::upper(tail);

  // ---- [0, R]: midpoint rule with enclosed remainder, adaptive bisection ---------------------------
  struct Piece {
    double lo, hi;
    mpfi_real integral;  // contains ∫_I g
    double mid_width;    // the width of w g(c): the inner rule's part, which bisection does not shrink
    double rem_width;    // the rest of the width
    bool operator<(const Piece& o) const { return rem_width < o.rem_width; }
  };
  // g = −p ln p over an enclosure [pl, pu] of p. The true p lies in (0, f(0)], f(0) = 8/(3π√5) < 1, so pl is
  // read as max(pl, 0) and pu as min(pu, f(0)); g increases up to p = 1/e and decreases after, with g(0⁺) = 0:
  // the range is the hull of g at both ends, and 1/e when 1/e lies between them.
  const mpfi_real inv_e_i = exp(mpfi_real(-1));
  const mpfr_real f0_up = bmp::upper(s.norm8 / s.sqrt5);
  auto g_at = [](const mpfr_real& p) {
    if (!(p > 0)) return mpfi_real(0);
    const mpfi_real pi_ = mpfi_real(p);
    return mpfi_real(-pi_ * log(pi_));
  };
  auto g_of = [&](const mpfi_real& p) {
    const mpfr_real pl = bmp::lower(p) > 0 ? bmp::lower(p) : mpfr_real(0);
    const mpfr_real pu = bmp::upper(p) < f0_up ? bmp::upper(p) : f0_up;
    if (pu < pl) throw std::logic_error("student-t enclosure: a density enclosure outside (0, f(0)]");
    const mpfi_real gl = g_at(pl), gu = g_at(pu);
    mpfr_real lo = std::min(bmp::lower(gl), bmp::lower(gu)), hi = std::max(bmp::upper(gl), bmp::upper(gu));
    if (pl < bmp::upper(inv_e_i) && bmp::lower(inv_e_i) < pu) hi = std::max(hi, bmp::upper(inv_e_i));
    if (lo < 0) lo = 0;
    return make_interval(lo, hi);
  };
  auto piece = [&](double lo, double hi) {
    const mpfi_real w = mpfi_real(hi) - mpfi_real(lo);
    // The exact midpoint (the rule's linear term vanishes there only): an interval of doubles around it.
    const mpfi_real xc = (mpfi_real(lo) + mpfi_real(hi)) / 2;
    mpfi_real d[3];
    density(s, lower_double(xc), upper_double(xc), 0, d);
    const mpfi_real mid_part = w * g_of(d[0]);
    density(s, lo, hi, 2, d);
    // The range of g over I, times w; and, where p > 0 is enclosed, the midpoint rule: both contain ∫_I g.
    mpfi_real integral = w * g_of(d[0]);
    if (bmp::lower(d[0]) > 0) {
      const mpfi_real g2 = -d[2] * (log(d[0]) + 1) - d[1] * d[1] / d[0];
      const mpfi_real midpoint = mid_part + w * w * w / 24 * g2;
      mpfi_real both;
      if (mpfi_intersect(both.backend().data(), integral.backend().data(), midpoint.backend().data()) == 0 &&
          !mpfi_is_empty(both.backend().data()))
        integral = both;
      else
        throw std::logic_error("student-t enclosure: two enclosures of a piece do not meet");
    }
    Piece out{lo, hi, integral, upper_double(mid_part) - lower_double(mid_part), 0};
    out.rem_width = std::max(upper_double(integral) - lower_double(integral) - out.mid_width, 0.0);
    if (!std::isfinite(out.rem_width)) out.rem_width = std::numeric_limits<double>::infinity();
    return out;
  };
  std::priority_queue<Piece> queue;
  // Initial pieces about σ/2 wide (the inner enclosure over a piece needs it narrower than σ), at most 256.
  const int initial = static_cast<int>(std::clamp(std::ceil(2 * R / s.sigma_d), 16.0, 256.0));
  for (int i = 0; i < initial; ++i) queue.push(piece(R * i / initial, R * (i + 1) / initial));

  auto sums = [&](mpfi_real& total, double& rem_w, double& mid_w) {
    total = 0, rem_w = 0, mid_w = 0;
    auto copy = queue;
    while (!copy.empty()) {
      const Piece& p = copy.top();
      total += p.integral;
      rem_w += p.rem_width;
      mid_w += p.mid_width;
      copy.pop();
    }
  };
  const mpfi_real kl_const = log(2 * s.pi * s.a) / 2 + (5 * mpfi_real(1) / 3 + s.a) / (2 * s.a);
  auto assemble = [&](const mpfi_real& half) {
    // H ∈ 2 (half + [0, T]);  KL = const − H.
    const mpfi_real H = 2 * (half + make_interval(mpfr_real(0), T));
    mpfi_real kl = kl_const - H;
    if (bmp::lower(kl) < 0) kl = make_interval(mpfr_real(0), bmp::upper(kl) < 0 ? mpfr_real(0) : bmp::upper(kl));
    return kl;
  };
  mpfi_real half;
  double rem_w = 0, mid_w = 0;
  std::size_t since_check = 0;
  constexpr double unbounded = std::numeric_limits<double>::infinity();
  while (queue.size() < max_intervals) {
    if (queue.top().rem_width != unbounded && since_check == 0) {
      sums(half, rem_w, mid_w);
      const mpfi_real kl = assemble(half);
      const double width = upper_double(kl) - lower_double(kl);
      // Bisection shrinks only the remainders: stop when the width is met, or when the remainders are at most
      // half of it (the rest, the inner rule's and the tail's, does not shrink).
      if (width <= target_width || 2 * rem_w <= 0.5 * width) break;
      since_check = std::max<std::size_t>(queue.size() / 8, 1);
    }
    Piece top = queue.top();
    queue.pop();
    const double mid = top.lo + (top.hi - top.lo) / 2;
    if (!(mid > top.lo && mid < top.hi)) {  // cannot split further
      queue.push(top);
      break;
    }
    queue.push(piece(top.lo, mid)), queue.push(piece(mid, top.hi));
    if (since_check > 0) --since_check;
  }
  sums(half, rem_w, mid_w);
  StudentTKlEnclosure out;
  out.kl = assemble(half);
  out.intervals = queue.size();
  out.radius = R;
  out.width = upper_double(out.kl) - lower_double(out.kl);
  out.tail = 2 * upper_double(mpfi_real(T));
  out.floor = 2 * mid_w + out.tail;
  out.converged = out.width <= target_width;
  return out;
}

}  // namespace diffbound
