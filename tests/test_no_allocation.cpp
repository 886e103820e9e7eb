// A GD step allocates nothing (the "no allocation inside a GD step"): malloc, calloc and realloc
// of this test program are counted (they forward to glibc's own), which sees Eigen's work space (Eigen
// allocates through malloc) and MPFR's limbs (GMP's default allocator is malloc).
//
// Not in a sanitizer build: AddressSanitizer owns malloc (its own allocator, red zones, leak checking),
// and forwarding to glibc's behind its back would make free() crash. The asan-ubsan preset runs
// every other smoke test; the release and dev builds run this one.
#if !defined(__SANITIZE_ADDRESS__)
#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

extern "C" void* malloc(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t a, std::size_t b) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}

using namespace diffbound;

namespace {
template <class Real>
long allocations_in_steps(int m, int steps) {
  NetworkOptions net;
  net.width = m;
  net.depth = 2;
  DsmOptions loss;
  loss.samples = 4;
  loss.grid = ScheduleSpec::geometric(3, 0.02, 100.0);
  TrainingDataSpec data;
  data.gaussian.spectrum = "isotropic";
  data.gaussian.dimension = 2;
  data.gaussian.scale = 1.0;
  const auto x0 = draw_data(data, loss.samples, 1);
  const auto pb = make_problem<Real>(net, loss, x0, 2);
  const auto nw = init_network<Real>(net, pb.d_in, pb.d, 3);
  DsmObjective<Real> obj(pb, nw);
  Trainer<Real> tr(obj, nw.W, Real(0.01));
  tr.step();  // warm-up
  allocations = 0;
  counting = true;
  for (int k = 0; k < steps; ++k) tr.step();
  counting = false;
  return allocations.load();
}
}  // namespace

TEST_CASE("a GD step allocates nothing (double and MPFR)", "[training][smoke]") {
  // The counter sees allocations: constructing a matrix counts.
  allocations = 0;
  counting = true;
  {
    Eigen::MatrixXd probe(50, 50);
    probe.setZero();
  }
  counting = false;
  REQUIRE(allocations.load() >= 1);

  CHECK(allocations_in_steps<double>(16, 5) == 0);
  PrecisionScope prec(128);
  CHECK(allocations_in_steps<mpfr_real>(8, 2) == 0);
}

#endif  // !defined(__SANITIZE_ADDRESS__)
