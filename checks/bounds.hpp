// Bounds that can be evaluated on their own, for `diffbound bound` and for library users: named
// parameters with defaults (as JSON, the same objects the cases carry), and terms with provenance.
//
// A check that encodes a bound registers an evaluator next to it, in the same file:
//   DIFFBOUND_REGISTER_BOUND(MyBoundEvaluator)
#pragma once

#include <diffbound/checks/check.hpp>

#include <memory>
#include <string>
#include <vector>

namespace diffbound::checks {

/// One term of an evaluated bound (the last one returned is conventionally the total).
struct BoundTerm {
  std::string name;  ///< identifier, e.g. "discretization"
  Quantity value;
  std::string provenance;   ///< "derived", "paper", "unknown: fitted", … (theory/provenance.hpp)
  std::string paper_tag;    ///< PAPER.md tag, e.g. "[D✓]"
  std::string description;  ///< one line
};

class BoundEvaluator {
 public:
  virtual ~BoundEvaluator() = default;
  virtual std::string id() const = 0;  ///< same as the check's id where there is one
  virtual std::string title() const = 0;
  /// Default parameters; every key here may be overridden (`--set key.sub=value`).
  virtual json defaults() const = 0;
  /// One line per parameter: what it means.
  virtual std::vector<std::pair<std::string, std::string>> parameter_help() const = 0;
  /// Evaluates the terms for the given (complete) parameters in a scalar kind. Throws ParamError
  /// naming the field for a bad parameter.
  virtual std::vector<BoundTerm> evaluate(const json& params, ScalarKind kind) const = 0;
};

inline constexpr char kBoundKind[] = "bound";

/// The encoded bounds `diffbound bound` evaluates, in id order (checks/registry.hpp).
class BoundRegistry final : public RegistryOf<BoundEvaluator, ById<BoundEvaluator, kBoundKind>> {
 public:
  static BoundRegistry& instance();
};

/// Sets `path` (dot-separated keys) in `j` to `value`, parsed as JSON when it parses, else as a string.
void set_json_path(json& j, const std::string& path, const std::string& value);

}  // namespace diffbound::checks

#define DIFFBOUND_REGISTER_BOUND(Type) DIFFBOUND_REGISTER(::diffbound::checks::BoundRegistry, Type)
