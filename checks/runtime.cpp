#include <diffbound/checks/runtime.hpp>

#include <diffbound/numerics/gemm_threads.hpp>
#include <diffbound/theory/scalar.hpp>

#include <mpfr.h>

namespace diffbound::checks {

namespace {
// The library pins the GEMM backend to one thread as soon as it is loaded (program, tests, Python module,
// users' programs): results must not depend on the machine's core count (docs/PERFORMANCE.md).
const bool gemm_pinned = (set_gemm_threads(1), true);
}  // namespace

WorkingPrecision::WorkingPrecision(unsigned bits) : scope_(std::make_unique<PrecisionScope>(bits)) {}
WorkingPrecision::~WorkingPrecision() = default;

ThreadCacheRelease::~ThreadCacheRelease() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }

unsigned precision_bits_of(ScalarKind kind) { return precision_bits(kind); }

void set_matrix_product_threads(int threads) { set_gemm_threads(threads); }

std::string matrix_product_backend() { return gemm_backend(); }

}  // namespace diffbound::checks
