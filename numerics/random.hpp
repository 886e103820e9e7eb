// Reproducible randomness: seeds derive from names (check id, case id), and the generators and
// distributions are Boost.Random's, whose output is the same on every platform (std::normal_distribution
// is implementation-defined).
#pragma once

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>

#include <cstdint>
#include <string_view>

namespace diffbound {

/// splitmix64 finaliser: a bijective 64-bit mix.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// FNV-1a of a string, mixed; stable across runs, platforms and thread counts.
inline std::uint64_t hash_name(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

/// The seed of one case: a function of the base seed, the check id and the case id only.
inline std::uint64_t case_seed(std::uint64_t base, std::string_view check_id, std::string_view case_id) {
  return mix64(base ^ hash_name(case_id, hash_name(check_id)));
}

using Rng = boost::random::mt19937_64;

/// Standard normal draws from a seeded generator.
class NormalSource {
 public:
  explicit NormalSource(std::uint64_t seed) : rng_(seed) {}
  double operator()() { return dist_(rng_); }
  Rng& engine() { return rng_; }

 private:
  Rng rng_;
  boost::random::normal_distribution<double> dist_;
};

}  // namespace diffbound
