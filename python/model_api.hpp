// What the parts of the Python module share: the conversion of Python objects to the suite's JSON
// parameters, and the registration of the model API (python/model_api.cpp).
#pragma once

#include <pybind11/pybind11.h>

#include <diffbound/checks/params.hpp>

namespace diffbound::python {

/// A JSON-like Python object (dicts, lists, numbers, strings) as the suite's json; None is {}.
inline checks::json to_json(const pybind11::object& o) {
  if (o.is_none()) return checks::json::object();
  const std::string text = pybind11::module_::import("json").attr("dumps")(o).cast<std::string>();
  return checks::json::parse(text);
}

/// A JSON value as the Python object json.loads makes of it.
inline pybind11::object to_python(const checks::json& j) {
  return pybind11::module_::import("json").attr("loads")(j.dump());
}

/// sampler_law, the exact mixture score and draws, the suite network and the suite's C++ route.
void register_model_api(pybind11::module_& m);

/// Conjecture, falsify, check, domain_vocabulary, maximum, minimum (python/conjecture.cpp).
void register_conjecture_api(pybind11::module_& m);

}  // namespace diffbound::python
