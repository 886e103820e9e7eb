// The verdict rule of DESIGN.md ("Scalars and verdicts"), applied to the margin = bound − measured.
//
//   VERIFIED      an interval enclosure of the margin lies entirely above 0 (a proof);
//   HOLDS         a floating-point margin is positive and larger than its error estimate;
//   VIOLATED      the margin is negative beyond its error estimate (an interval entirely below 0 is
//                 a proof of the violation);
//   INCONCLUSIVE  anything else, always with the reason.
//
// This header is light (no scalar types); the rule for margins of any scalar kind, intervals
// included, is judge() in theory/judge.hpp.
//
// Only an interval margin without any statistical or a-priori error estimate can be VERIFIED:
// rounding can never turn into a false VERIFIED because point values never reach that branch.
#pragma once

#include "scalar_kind.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace diffbound {

enum class Verdict { verified, holds, violated, inconclusive };

inline const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::verified:
      return "VERIFIED";
    case Verdict::holds:
      return "HOLDS";
    case Verdict::violated:
      return "VIOLATED";
    case Verdict::inconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

inline Verdict verdict_from_string(const std::string& s) {
  if (s == "VERIFIED") return Verdict::verified;
  if (s == "HOLDS") return Verdict::holds;
  if (s == "VIOLATED") return Verdict::violated;
  if (s == "INCONCLUSIVE") return Verdict::inconclusive;
  throw std::invalid_argument("unknown verdict '" + s + "'");
}

/// A verdict and, for INCONCLUSIVE and VIOLATED, the reason in words.
struct Judgement {
  Verdict verdict;
  std::string reason;
};

/// Floating rule: `margin` is a point value, `error_estimate` ≥ 0 bounds (a priori, or statistically)
/// how far it may be from the exact margin.
inline Judgement judge_estimate(double margin, double error_estimate) {
  if (!std::isfinite(margin)) return {Verdict::inconclusive, "the margin is not finite"};
  if (!(error_estimate >= 0) || !std::isfinite(error_estimate))
    return {Verdict::inconclusive, "the error estimate is not a finite non-negative number"};
  if (margin > error_estimate) return {Verdict::holds, ""};
  if (margin < -error_estimate)
    return {Verdict::violated,
            "the margin " + to_text(margin, 6) + " is below minus its error estimate " + to_text(error_estimate, 3)};
  return {Verdict::inconclusive,
          "the margin " + to_text(margin, 6) + " lies within its error estimate " + to_text(error_estimate, 3)};
}

}  // namespace diffbound
