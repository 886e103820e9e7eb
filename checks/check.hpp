// The check interface, the case and result records, and the registry.
//
// A check holds one claim of the catalogue (DESIGN.md) to the numbers: it lists the cases of its sweep
// for a size, runs one case at a time (thread-safe, deterministic given the case and the seed), and
// summarizes its finished cases into figures, tables and fits for the report. The runner (runner.hpp)
// does everything else: threads, ordering, files, the exit status.
//
// To add a check: derive from Check in one .cpp file in checks/<family>/, and register it with
// DIFFBOUND_REGISTER_CHECK(YourCheck) at namespace scope.
#pragma once

#include <diffbound/checks/registry.hpp>
#include <diffbound/results/schema.hpp>
#include <diffbound/theory/provenance.hpp>
#include <diffbound/theory/scalar_kind.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

using json = nlohmann::json;

struct ParamSchema;  // checks/params.hpp

/// How big a sweep is: smoke (seconds, for tests), default (the main job), full (long validation).
enum class Size { smoke, standard, full };

const char* to_string(Size s);
Size size_from_string(const std::string& s);

/// One case of a sweep: a stable id (unique within its check) and every parameter needed to run it.
struct CaseSpec {
  std::string id;
  json params;
};

// The records of the results schema, as the checks use them.
using results::CaseResult;
using results::Figure;
using results::Fit;
using results::Quantity;
using results::Series;
using results::Summary;
using results::Table;

/// One coordinate of a claim's hypothesis domain (falsify.hpp searches it). The search works on u in
/// [0, 1] per coordinate; decode() maps u to the parameter's value in its own units.
struct DomainParam {
  enum class Scale {
    linear,       ///< lo + u (hi - lo)
    log,          ///< lo (hi/lo)^u, lo > 0
    integer,      ///< an integer in [lo, hi], uniform
    log_integer,  ///< an integer in [lo, hi], log-uniform
    choice,       ///< one of `choices` (value = its index)
  };
  std::string name;
  Scale scale = Scale::linear;
  double lo = 0, hi = 1;
  std::vector<std::string> choices;  ///< Scale::choice only; the first is the simplest
  std::string help;

  /// The name of a scale: linear, log, integer, log_integer, choice (falsify --list, the Python module).
  static const char* scale_name(Scale s);
  double decode(double u) const;
  /// The u of a value (the inverse of decode, for the shrinker).
  double encode(double value) const;
  bool discrete() const { return scale == Scale::integer || scale == Scale::log_integer || scale == Scale::choice; }
};

/// A claim's hypothesis domain, declared once by its check: named coordinates with their ranges and
/// scales, the hypotheses in words, a map from a point (one value per coordinate, in order) to a case's
/// parameters, and the falsifier's budget in the run at each size. `make` throws ParamError for a point
/// outside the constraints (e.g. kappa > 1): the search counts it as infeasible.
struct Domain {
  std::vector<DomainParam> params;
  std::vector<std::string> constraints;  ///< the hypotheses, in words (docs, `falsify --list`)
  std::function<json(const std::vector<double>&)> make;
  /// Evaluations of the falsifier stage of `diffbound run` at smoke, default and full size (0: none).
  std::array<std::size_t, 3> run_budget{0, 0, 0};
  /// A short label of a point for case ids (optional).
  std::function<std::string(const std::vector<double>&)> label;
};

/// A mutant of a claim's form (a wrong variant of the claim: a dropped term, a smaller exponent, a
/// derived constant halved, ...; never a scalar factor on the whole bound), for the power table. The
/// claim's code computes the mutant when RunContext::mutant names it; off by default.
struct MutantInfo {
  std::string id;           ///< e.g. "drop_init"
  std::string form;         ///< the kind of change: "dropped term", "smaller exponent", "constant halved", ...
  std::string description;  ///< what the mutant claims
};

/// What a case is run with.
struct RunContext {
  ScalarKind scalar = ScalarKind::float64;
  unsigned precision_bits = 53;
  std::uint64_t seed = 0;  ///< the case's seed (derived from the run seed, the check id and the case id)
  Size size = Size::standard;
  double bound_factor = 1.0;  ///< testing aid: copied into the result by start_result (see CaseResult)
  std::string mutant;  ///< power table only: the id of a form mutant (Check::mutants) to compute; empty = the claim
};

class Check {
 public:
  virtual ~Check() = default;
  /// The claim, its source, assumptions and constants with provenance.
  virtual ClaimInfo claim() const = 0;
  const std::string& id() const;
  /// Scalar kinds the check supports; the first is its default.
  virtual std::vector<ScalarKind> scalar_kinds() const {
    return {ScalarKind::mpfi, ScalarKind::mpfr, ScalarKind::float64};
  }
  /// The cases of the sweep at a size, in a fixed order.
  virtual std::vector<CaseSpec> cases(Size size) const = 0;
  /// Runs one case. Must be thread-safe and depend only on the case, the context and the seed.
  virtual CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const = 0;
  /// The parameters of the check's cases, declared once (checks/params.hpp): names, types, defaults,
  /// ranges, choices and help. They validate cases (validate() below), feed the check's reader (typed
  /// getters with defaults), `diffbound list ID`, the Python module's parameters(ID) and the bound
  /// evaluators' help. Default: an open schema (any object; nothing listed); every built-in check declares one.
  virtual ParamSchema parameters() const;
  /// Reads a case's parameters without running it; throws ParamError naming the field. The runner calls
  /// it on every selected case before it writes anything, so a typo in a config file stops a run at
  /// once: parameters().validate(spec.params), then validate_case(spec).
  void validate(const CaseSpec& spec) const;
  /// The check's own validation beyond its schema: constraints across fields (kappa <= 1, one of data or
  /// law, ...) and the readers of nested objects (schedule_from_json, ...). Default: nothing (run_case
  /// still reads and validates; a ParamError there stops a config run).
  virtual void validate_case(const CaseSpec& spec) const {}
  /// Figures, tables and fits from the finished cases (never re-running a case). Default: none.
  virtual Summary summarize(const std::vector<CaseResult>& results) const;
  /// The claim's hypothesis domain, searched by the falsifier (falsify.hpp). Default: none declared.
  virtual std::optional<Domain> domain() const { return std::nullopt; }
  /// The form mutants the check can compute (RunContext::mutant). Default: none.
  virtual std::vector<MutantInfo> mutants() const { return {}; }
  /// Throws std::invalid_argument unless `mutant` is empty or one of mutants().
  void require_mutant(const std::string& mutant) const;

 private:
  mutable std::string id_cache_;
};

inline constexpr char kCheckKind[] = "check";

/// All registered checks, in id order (checks/registry.hpp).
class Registry final : public RegistryOf<Check, ById<Check, kCheckKind>> {
 public:
  static Registry& instance();
};

}  // namespace diffbound::checks

/// Registers a check type (default-constructible) with the registry at program start.
#define DIFFBOUND_REGISTER_CHECK(Type) DIFFBOUND_REGISTER(::diffbound::checks::Registry, Type)
