// The reference translation unit of docs/PERFORMANCE.md, section Build: the third-party headers every
// heavy file of the suite pays for (Boost.Multiprecision over MPFR and MPFI, Eigen, nlohmann-json), each
// instantiated once. scripts/build_profile.sh compiles it with
//   g++ -std=c++20 -O3 -DNDEBUG -I/usr/include/eigen3 -c bench/build_reference.cpp
// in the same run as a clean build of the suite and reports the build's CPU time in units of this file's.
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <string>

double reference_unit(int n) {
  using mpfr = boost::multiprecision::mpfr_float;
  using mpfi = boost::multiprecision::mpfi_float;
  mpfr a = 1;
  for (int i = 1; i <= n; ++i) a += exp(mpfr(1) / i);
  mpfi b(1, 2);
  b = log(b + a.convert_to<double>());
  Eigen::MatrixXd m = Eigen::MatrixXd::Random(n, n);
  Eigen::VectorXd v = m.partialPivLu().solve(Eigen::VectorXd::Ones(n));
  nlohmann::json j = {{"a", a.str()}, {"b", lower(b).convert_to<double>()}, {"v", v.sum()}};
  return nlohmann::json::parse(j.dump())["v"].get<double>() + median(b).convert_to<double>();
}
