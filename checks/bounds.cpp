#include <diffbound/checks/bounds.hpp>

#include <diffbound/checks/params.hpp>

#include <algorithm>
#include <stdexcept>

namespace diffbound::checks {

BoundRegistry& BoundRegistry::instance() {
  static BoundRegistry r;
  return r;
}

bool BoundRegistry::add(std::unique_ptr<BoundEvaluator> b) {
  if (find(b->id())) throw std::logic_error("bound '" + b->id() + "' is registered twice");
  bounds_.push_back(std::move(b));
  std::sort(bounds_.begin(), bounds_.end(), [](const auto& x, const auto& y) { return x->id() < y->id(); });
  return true;
}

const BoundEvaluator* BoundRegistry::find(const std::string& id) const {
  for (const auto& b : bounds_)
    if (b->id() == id) return b.get();
  return nullptr;
}

std::vector<const BoundEvaluator*> BoundRegistry::all() const {
  std::vector<const BoundEvaluator*> out;
  for (const auto& b : bounds_) out.push_back(b.get());
  return out;
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
