// The machine's double GEMM rate: C = A·B for square n × n matrices, with Eigen's product, on 1 and 2
// threads. Built three times (CMakeLists.txt): diffbound_gemm_openblas (EIGEN_USE_BLAS: the product is
// OpenBLAS's dgemm), diffbound_gemm_eigen (Eigen's own GEMM, the portable x86-64 target) and
// diffbound_gemm_eigen_native (Eigen's own GEMM, -march=native). Eigen's own GEMM is threaded with
// OpenMP here (Eigen::setNbThreads); the suite itself builds without OpenMP.
//
//   diffbound_gemm_<kind> [n] [threads...]    one JSON line per thread count
#include <Eigen/Dense>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#ifdef EIGEN_USE_BLAS
extern "C" {
void openblas_set_num_threads(int);
char* openblas_get_config(void);
char* openblas_get_corename(void);
}
#endif

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 3000;
  std::vector<int> threads;
  for (int i = 2; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, 2};
  std::string backend;
#ifdef EIGEN_USE_BLAS
  backend = std::string("OpenBLAS ") + openblas_get_config() + " (core " + openblas_get_corename() + ")";
#else
  backend = "Eigen own GEMM (" +
#if defined(__AVX2__) && defined(__FMA__)
            std::string("AVX2+FMA, -march=native")
#else
            std::string("SSE2, portable x86-64")
#endif
            + ")";
#endif
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n), C(n, n);
  for (int t : threads) {
#ifdef EIGEN_USE_BLAS
    openblas_set_num_threads(t);
#else
    Eigen::setNbThreads(t);
#endif
    C.noalias() = A * B;  // warm-up
    double best = 1e300;
    for (int r = 0; r < 3; ++r) {
      const double t0 = now();
      C.noalias() = A * B;
      best = std::min(best, now() - t0);
    }
    const double gflops = 2.0 * n * double(n) * n / best / 1e9;
    std::cout << "{\"backend\": \"" << backend << "\", \"n\": " << n << ", \"threads\": " << t
              << ", \"seconds\": " << best << ", \"GFLOPs\": " << gflops << ", \"check\": " << C(n / 2, n / 3) << "}"
              << std::endl;
  }
  return 0;
}
