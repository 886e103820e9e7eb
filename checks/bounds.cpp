#include <diffbound/checks/bounds.hpp>

#include <diffbound/checks/params.hpp>

#include <algorithm>
#include <stdexcept>

namespace diffbound::checks {

BoundRegistry& BoundRegistry::instance() {
  static BoundRegistry r;
  return r;
}

void set_json_path(json& j, const std::string& path, const std::string& value) {
  if (path.empty()) throw ParamError("--set: empty parameter name");
  json* node = &j;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw ParamError("--set " + path + ": empty key in the path");
    if (!node->is_object())
      throw ParamError("--set " + path + ": '" + key + "' is inside a value that is not an object");
    if (dot == std::string::npos) {
      json parsed = json::parse(value, nullptr, false);
      (*node)[key] = parsed.is_discarded() ? json(value) : parsed;
      return;
    }
    node = &(*node)[key];
    if (node->is_null()) *node = json::object();
    start = dot + 1;
  }
}

}  // namespace diffbound::checks
