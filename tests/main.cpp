// Test driver: every test starts at 128-bit MPFR/MPFI precision unless it sets its own (PrecisionScope).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <diffbound/theory/scalar.hpp>

int main(int argc, char* argv[]) {
  diffbound::PrecisionScope precision(128);
  return Catch::Session().run(argc, argv);
}
