// Bounds that can be evaluated on their own, for `diffbound bound` and for library users: named
// parameters with defaults (as JSON, the same objects the cases carry; declared as a ParamSchema), and
// terms whose provenance is their claim's.
//
// A check that encodes a bound registers an evaluator next to it, in the same file:
//   DIFFBOUND_REGISTER_BOUND(MyBoundEvaluator)
#pragma once

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/params.hpp>

#include <memory>
#include <string>
#include <vector>

namespace diffbound::checks {

/// One term of an evaluated bound (the last one returned is conventionally the total). Made by of() or
/// computed(), never by hand: the provenance comes from the claim, not from a string typed beside it.
struct BoundTerm {
  std::string name;  ///< identifier, e.g. "discretization"
  Quantity value;
  std::string provenance;              ///< "derived", "paper", "unknown: fitted", … (theory/provenance.hpp)
  std::string paper_tag;               ///< PAPER.md tag, e.g. "[D✓]"
  std::string description;             ///< one line
  std::vector<std::string> constants;  ///< the claim's constants the value depends on (ClaimInfo::constants)
  std::string claim;  ///< the id of the claim the term belongs to (empty for computed()); may be another
                      ///< claim than the evaluator's, e.g. sampling.bound's fitted shape inside full.error

  /// A term of `claim`'s bound. Its provenance and tag are the statement's (ClaimInfo::paper_tag), or those
  /// of the least certain of the named constants when that is less certain. Each name must be one of the
  /// claim's constants (std::logic_error otherwise: a bug of the evaluator).
  static BoundTerm of(const ClaimInfo& claim, std::string name, Quantity value, std::string description,
                      std::vector<std::string> constants = {});
  /// Not a bound nor part of one: a quantity computed from the parameters by standard mathematics (a second
  /// moment, a step-condition constant, a count). Provenance "derived", tag "[D]".
  static BoundTerm computed(std::string name, Quantity value, std::string description);
};

/// An encoded bound that can be evaluated on its own. Its id, title and the provenance of its terms come
/// from its claim; its parameters, defaults and help from its schema (for case parameters, the check's own
/// entries: ParamSchema::pick).
class BoundEvaluator {
 public:
  virtual ~BoundEvaluator() = default;
  /// The claim whose bound this evaluates (theory/<claim>.hpp).
  virtual ClaimInfo claim() const = 0;
  /// The parameters: names, types, defaults (every one has a default), ranges, help.
  virtual ParamSchema parameters() const = 0;
  /// The claim's id, which is its check's id where there is one.
  std::string id() const { return claim().id; }
  /// One line; the claim's title unless the evaluator says more.
  virtual std::string title() const { return claim().title; }
  /// The parameters' defaults; every key may be overridden (`--set key.sub=value`).
  json defaults() const { return parameters().defaults(); }
  /// One line per parameter: what it means, and its range.
  std::vector<std::pair<std::string, std::string>> parameter_help() const;
  /// Validates `params` (complete: the defaults merged with the user's) against parameters(), then
  /// evaluates the terms in a scalar kind. Throws ParamError naming the field for a bad parameter.
  std::vector<BoundTerm> evaluate(const json& params, ScalarKind kind) const;

 protected:
  /// The terms for validated parameters.
  virtual std::vector<BoundTerm> terms(const json& params, ScalarKind kind) const = 0;
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
