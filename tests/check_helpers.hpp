// Helpers of the tests that call checks in-process: a registered check by id.
#pragma once

#include <diffbound/checks/check.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace diffbound::test {

/// The registered check `id` (the test fails when it is not registered).
inline const checks::Check& get_check(const std::string& id) {
  const checks::Check* c = checks::Registry::instance().find(id);
  REQUIRE(c);
  return *c;
}

}  // namespace diffbound::test
