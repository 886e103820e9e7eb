#include <diffbound/checks/bounds.hpp>

#include <diffbound/checks/params.hpp>

#include <algorithm>
#include <stdexcept>

namespace diffbound::checks {

BoundRegistry& BoundRegistry::instance() {
  static BoundRegistry r;
  return r;
}

BoundTerm BoundTerm::of(const ClaimInfo& claim, std::string name, Quantity value, std::string description,
                        std::vector<std::string> constants) {
  Provenance p = provenance_of_tag(claim.paper_tag);
  std::string tag = claim.paper_tag;
  for (const auto& c : constants) {
    const auto it = std::find_if(claim.constants.begin(), claim.constants.end(),
                                 [&](const ConstantInfo& k) { return k.name == c; });
    if (it == claim.constants.end())
      throw std::logic_error("bound term " + name + ": '" + c + "' is not a constant of the claim " + claim.id);
    if (certainty(it->provenance) < certainty(p)) p = it->provenance, tag = it->paper_tag;
  }
  return {std::move(name),        std::move(value),     to_string(p), std::move(tag),
          std::move(description), std::move(constants), claim.id};
}

BoundTerm BoundTerm::computed(std::string name, Quantity value, std::string description) {
  return {std::move(name), std::move(value), to_string(Provenance::derived), "[D]", std::move(description), {}, {}};
}

std::vector<std::pair<std::string, std::string>> BoundEvaluator::parameter_help() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : parameters().params) {
    const std::string range = p.range_text();
    out.emplace_back(p.name, p.help + (range.empty() ? "" : " (range " + range + ")"));
  }
  return out;
}

std::vector<BoundTerm> BoundEvaluator::evaluate(const json& params, ScalarKind kind) const {
  parameters().validate(params);
  return terms(params, kind);
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
