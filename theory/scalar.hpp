// The three scalar kinds of the suite (DESIGN.md, "Scalars and verdicts"), in one place.
//
//   double     fast sweeps and plots;
//   mpfr_real  MPFR float, precision chosen at run time (reference values, many decades);
//   mpfi_real  MPFI interval, precision chosen at run time (enclosures: a bound can be proved).
//
// Everything numeric in theory/ and numerics/ is a template on `Real` and is instantiated for these
// three. Only operations that MPFI implements with outward rounding (+ - * / sqrt exp log log1p expm1
// pow of a positive base) may be used on a Real that can be an interval; the stable helpers of
// theory/stable.hpp respect this.
//
// Precision is process-wide (Boost 1.74 keeps the default precision in one atomic): set it once with
// PrecisionScope before starting threads. Boost stores it in decimal digits, so the binary precision
// actually used can exceed the one asked for by a bit or two; precision_bits() reports what is used.
#pragma once

#include "scalar_kind.hpp"

#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace diffbound {

namespace bmp = boost::multiprecision;

/// MPFR floating point with run-time precision; expression templates off (plays well with Eigen and auto).
using mpfr_real = bmp::number<bmp::mpfr_float_backend<0>, bmp::et_off>;
/// MPFI interval with run-time precision; every operation rounds outward.
using mpfi_real = bmp::number<bmp::mpfi_float_backend<0>, bmp::et_off>;

template <class Real>
struct scalar_traits;

template <>
struct scalar_traits<double> {
  static constexpr ScalarKind kind = ScalarKind::float64;
  static constexpr bool is_interval = false;
};
template <>
struct scalar_traits<mpfr_real> {
  static constexpr ScalarKind kind = ScalarKind::mpfr;
  static constexpr bool is_interval = false;
};
template <>
struct scalar_traits<mpfi_real> {
  static constexpr ScalarKind kind = ScalarKind::mpfi;
  static constexpr bool is_interval = true;
};

template <class Real>
concept Scalar = requires {
  scalar_traits<Real>::kind;
};

template <class Real>
inline constexpr bool is_interval_v = scalar_traits<Real>::is_interval;

// ---------------------------------------------------------------------------------------------
// Precision

namespace detail {
/// Boost's own map from decimal digits to bits (boost/multiprecision/detail/digits.hpp).
inline unsigned bits_for_digits10(unsigned d10) { return static_cast<unsigned>(bmp::detail::digits10_2_2(d10)); }
/// Smallest decimal digit count whose Boost bit count is at least `bits`.
inline unsigned digits10_for_bits(unsigned bits) {
  unsigned d10 = 1;
  while (bits_for_digits10(d10) < bits) ++d10;
  return d10;
}
}  // namespace detail

/// Binary precision (bits) that new mpfr_real / mpfi_real values get.
inline unsigned working_precision_bits() { return detail::bits_for_digits10(mpfr_real::default_precision()); }

/// Binary precision of a scalar kind at the current setting (53 for double).
inline unsigned precision_bits(ScalarKind k) { return k == ScalarKind::float64 ? 53u : working_precision_bits(); }

/// Sets the MPFR and MPFI default precisions together (STYLE.md §4, boost/multiprecision#91) to at
/// least `bits`, and restores the previous setting when it goes out of scope.
class PrecisionScope {
 public:
  explicit PrecisionScope(unsigned bits)
      : old_mpfr_(mpfr_real::default_precision()), old_mpfi_(mpfi_real::default_precision()) {
    if (bits < 16 || bits > (1u << 20))
      throw std::invalid_argument("precision " + std::to_string(bits) + " bits is out of range (16 to 1048576)");
    const unsigned d10 = detail::digits10_for_bits(bits);
    mpfr_real::default_precision(d10);
    mpfi_real::default_precision(d10);
  }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;
  ~PrecisionScope() {
    mpfr_real::default_precision(old_mpfr_);
    mpfi_real::default_precision(old_mpfi_);
  }

 private:
  unsigned old_mpfr_, old_mpfi_;
};

/// Bits carried by one value (what was really used, whatever the default says now).
inline unsigned value_precision_bits(double) { return 53; }
inline unsigned value_precision_bits(const mpfr_real& x) {
  return static_cast<unsigned>(mpfr_get_prec(x.backend().data()));
}
inline unsigned value_precision_bits(const mpfi_real& x) {
  return static_cast<unsigned>(mpfi_get_prec(x.backend().data()));
}

// ---------------------------------------------------------------------------------------------
// Literals and parameters

/// A parameter given as a double means the shortest decimal that prints as it: 0.002 means the
/// decimal 0.002, not the binary double nearest to it. In double that is `x` itself; in MPFR the value
/// correctly rounded from the decimal; in MPFI the tightest interval that contains the decimal.
template <class Real>
Real decimal(double x) {
  if constexpr (std::is_same_v<Real, double>) {
    return x;
  } else {
    if (!std::isfinite(x)) return Real(x);
    return Real(shortest_decimal(x));
  }
}

/// A decimal string read into Real: correctly rounded (double, MPFR) or enclosed (MPFI).
template <class Real>
Real parse_real(const std::string& text) {
  if constexpr (std::is_same_v<Real, double>) {
    std::size_t used = 0;
    const double x = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument("not a number: '" + text + "'");
    return x;
  } else {
    return Real(text);
  }
}

/// The interval [lo, hi] (endpoints taken exactly at the working precision, so lo and hi should be
/// representable; Boost 1.74's "{lo,hi}" string syntax is broken and must not be used).
inline mpfi_real make_interval(const mpfr_real& lo, const mpfr_real& hi) {
  if (hi < lo) throw std::invalid_argument("make_interval: lower endpoint above upper endpoint");
  mpfi_real r;
  mpfi_interv_fr(r.backend().data(), lo.backend().data(), hi.backend().data());
  return r;
}

/// An exact rational p/q (an enclosure of it for intervals).
template <class Real>
Real ratio(long long p, long long q) {
  return Real(p) / Real(q);
}

// ---------------------------------------------------------------------------------------------
// Endpoints, rounded outward to double (for JSON, plots and verdicts on doubles)

inline double lower_double(double x) { return x; }
inline double upper_double(double x) { return x; }
inline double mid_double(double x) { return x; }
inline double lower_double(const mpfr_real& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDD); }
inline double upper_double(const mpfr_real& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDU); }
inline double mid_double(const mpfr_real& x) { return mpfr_get_d(x.backend().data(), MPFR_RNDN); }
inline double lower_double(const mpfi_real& x) { return mpfr_get_d(&x.backend().data()->left, MPFR_RNDD); }
inline double upper_double(const mpfi_real& x) { return mpfr_get_d(&x.backend().data()->right, MPFR_RNDU); }
inline double mid_double(const mpfi_real& x) {
  mpfr_t m;
  mpfr_init2(m, mpfi_get_prec(x.backend().data()));
  mpfi_mid(m, x.backend().data());
  const double r = mpfr_get_d(m, MPFR_RNDN);
  mpfr_clear(m);
  return r;
}

/// Lower and upper endpoints at full precision: the value itself for a point type.
template <class Real>
auto lower(const Real& x) {
  if constexpr (is_interval_v<Real>)
    return bmp::lower(x);
  else
    return x;
}
template <class Real>
auto upper(const Real& x) {
  if constexpr (is_interval_v<Real>)
    return bmp::upper(x);
  else
    return x;
}

/// True when the value is finite (both endpoints finite for an interval).
inline bool is_finite(double x) { return std::isfinite(x); }
inline bool is_finite(const mpfr_real& x) { return mpfr_number_p(x.backend().data()) != 0; }
inline bool is_finite(const mpfi_real& x) {
  return mpfr_number_p(&x.backend().data()->left) && mpfr_number_p(&x.backend().data()->right);
}

/// Decimal text with `digits` significant digits; an interval prints as [lo, hi] (double: scalar_kind.hpp).
inline std::string to_text(const mpfr_real& x, int digits = 40) { return x.str(digits, std::ios_base::scientific); }
inline std::string to_text(const mpfi_real& x, int digits = 40) {
  // Each endpoint printed with directed rounding, so the printed interval still contains the value.
  auto end = [digits](const __mpfr_struct* e, mpfr_rnd_t rnd) {
    char* s = nullptr;
    mpfr_asprintf(&s, "%.*R*e", digits - 1, rnd, e);
    std::string out(s);
    mpfr_free_str(s);
    // MPFI keeps [0, 0] as [+0, -0]; a zero endpoint prints unsigned.
    if (mpfr_zero_p(e) && !out.empty() && out.front() == '-') out.erase(0, 1);
    return out;
  };
  const auto* d = x.backend().data();
  std::string out = "[";
  out += end(&d->left, MPFR_RNDD);
  out += ", ";
  out += end(&d->right, MPFR_RNDU);
  out += ']';
  return out;
}

/// Unit round-off of a point kind at the current precision (2^-p).
inline double unit_roundoff(ScalarKind k) { return std::ldexp(1.0, -static_cast<int>(precision_bits(k))); }

}  // namespace diffbound
