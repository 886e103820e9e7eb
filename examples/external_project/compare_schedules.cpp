// Compares EDM (rho = 7) and geometric noise levels for the sampler of arXiv 2406.12839 on Gaussian data:
// the exact KL of the exponential-integrator sampler and its Girsanov bound, in double and as an
// interval proof (MPFI) that the bound holds.
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>
#include <diffbound/theory/judge.hpp>

#include <cstdio>

using namespace diffbound;

template <class Real>
void compare(int n) {
  const auto data = make_gaussian<Real>({0.25}, {1.0}, {1});  // PAPER §6.1: N(1, 0.25)
  const AffineScoreError<Real> score{decimal<Real>(0.9), Real(0)};
  for (bool edm : {true, false}) {
    const auto spec = edm ? ScheduleSpec::edm(n, 0.002, 80, 7) : ScheduleSpec::geometric(n, 0.002, 80);
    const auto a = variances(noise_levels<Real>(spec));
    const Real kl = sampler_kl(data, a, score);
    const auto bound = sampling_girsanov::bound(data, a, score);
    const auto verdict = judge(Real(bound.total() - kl));
    std::printf("%-12s N=%-5d KL %-44s bound %-44s %s\n", spec.label().c_str(), n, to_text(kl, 12).c_str(),
                to_text(Real(bound.total()), 12).c_str(), to_string(verdict.verdict));
  }
}

int main() {
  PrecisionScope precision(128);
  for (int n : {18, 70, 280}) compare<double>(n);
  for (int n : {18, 70, 280}) compare<mpfi_real>(n);
  return 0;
}
