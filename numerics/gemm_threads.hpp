// Which library computes the double GEMMs of dense_kernels.hpp, and how many threads it may use.
//
// Built with DIFFBOUND_USE_BLAS (CMake option, on by default when libopenblas-dev is installed), Eigen
// hands its double products to OpenBLAS (EIGEN_USE_BLAS), which picks its kernels for the CPU at run
// time: AVX2/FMA speed on a portable (x86-64) build. Otherwise Eigen's own GEMM runs, for the target the
// build was compiled for (SSE2 unless DIFFBOUND_NATIVE_ARCH).
//
// Thread policy (docs/PERFORMANCE.md): parallelism belongs to the runner, which runs cases on its threads;
// every GEMM of the suite runs on ONE thread. OpenBLAS's products change in the last bits with its thread
// count (measured: tests/test_fast_paths.cpp), so libdiffbound pins one thread when it is loaded and the
// runner keeps it so; results then depend neither on the runner's threads nor on the machine's cores.
// set_gemm_threads(t > 1) is for benchmarks and for users' own single large runs, at the price of
// results that are reproducible only at the same t.
#pragma once

#include <Eigen/Core>

#include <string>

#ifdef DIFFBOUND_USE_OPENBLAS
extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}
#endif

namespace diffbound {

/// Threads of each double GEMM from now on (process-wide; no effect with Eigen's own GEMM, which this
/// project builds without OpenMP).
inline void set_gemm_threads(int threads) {
#ifdef DIFFBOUND_USE_OPENBLAS
  openblas_set_num_threads(threads < 1 ? 1 : threads);
#else
  (void)threads;
#endif
}

inline int gemm_threads() {
#ifdef DIFFBOUND_USE_OPENBLAS
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

/// "OpenBLAS <config> (<core>)" or "Eigen <version> (<SIMD>)".
inline std::string gemm_backend() {
#ifdef DIFFBOUND_USE_OPENBLAS
  return std::string("OpenBLAS ") + openblas_get_config() + " (core " + openblas_get_corename() + ")";
#else
  std::string simd =
#if defined(__AVX512F__)
      "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
      "AVX2+FMA";
#elif defined(__AVX__)
      "AVX";
#else
      "SSE2";
#endif
  return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
         std::to_string(EIGEN_MINOR_VERSION) + " own GEMM (" + simd + ")";
#endif
}

}  // namespace diffbound
