// The scalar kinds by name, without the scalar types: what the registry, the command line, the results
// schema and the reports need (issue 18: only code that computes includes theory/scalar.hpp, which
// brings Boost.Multiprecision over MPFR and MPFI).
#pragma once

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace diffbound {

enum class ScalarKind { float64, mpfr, mpfi };

/// The name used for a scalar kind in JSON, on the command line and in the report.
inline const char* to_string(ScalarKind k) {
  switch (k) {
    case ScalarKind::float64:
      return "double";
    case ScalarKind::mpfr:
      return "mpfr";
    case ScalarKind::mpfi:
      return "mpfi";
  }
  return "?";
}

inline ScalarKind scalar_kind_from_string(std::string_view s) {
  if (s == "double" || s == "float64") return ScalarKind::float64;
  if (s == "mpfr") return ScalarKind::mpfr;
  if (s == "mpfi" || s == "interval") return ScalarKind::mpfi;
  throw std::invalid_argument("unknown scalar kind '" + std::string(s) + "' (expected double, mpfr or mpfi)");
}

/// The shortest decimal string that reads back as `x` (C++17 to_chars round trip).
inline std::string shortest_decimal(double x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  if (res.ec != std::errc()) throw std::runtime_error("to_chars failed");
  return std::string(buf, res.ptr);
}

/// Decimal text of a double with `digits` significant digits.
inline std::string to_text(double x, int digits = 17) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, digits);
  return std::string(buf, res.ptr);
}
}  // namespace diffbound
