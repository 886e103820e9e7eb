// Process-wide settings of the numerics, behind a light header for the command line and the runner
// (which need neither the scalar types nor Eigen): the working precision of the multiprecision kinds
// and the threads of the double matrix products.
#pragma once

#include <diffbound/theory/scalar_kind.hpp>

#include <memory>
#include <string>

namespace diffbound {
class PrecisionScope;
}

namespace diffbound::checks {

/// Sets the working precision (bits) of the MPFR and MPFI kinds for a scope, and restores the previous
/// one after: theory/scalar.hpp's PrecisionScope.
class WorkingPrecision {
 public:
  explicit WorkingPrecision(unsigned bits);
  ~WorkingPrecision();
  WorkingPrecision(const WorkingPrecision&) = delete;
  WorkingPrecision& operator=(const WorkingPrecision&) = delete;

 private:
  std::unique_ptr<PrecisionScope> scope_;
};

/// Frees the calling thread's MPFR caches (the constants log 2, pi, ... kept per thread) when it goes out of
/// scope. A worker thread holds one for its lifetime, so that its caches die with it: otherwise they are
/// lost at thread exit, a small leak that LeakSanitizer (the asan-ubsan preset) rightly reports.
struct ThreadCacheRelease {
  ThreadCacheRelease() = default;
  ~ThreadCacheRelease();
  ThreadCacheRelease(const ThreadCacheRelease&) = delete;
  ThreadCacheRelease& operator=(const ThreadCacheRelease&) = delete;
};

/// Binary precision of a scalar kind at the current setting (53 for double).
unsigned precision_bits_of(ScalarKind kind);

/// Threads of each double GEMM from now on (numerics/gemm_threads.hpp: the suite keeps one).
void set_matrix_product_threads(int threads);

/// The library that computes the double GEMMs, e.g. "OpenBLAS <config> (core <name>)".
std::string matrix_product_backend();

}  // namespace diffbound::checks
