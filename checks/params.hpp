// JSON forms of the parameters that cases carry (schedules, Gaussian data, score errors), read with
// errors that name the field. These are the same objects a user writes in a config file.
#pragma once

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/schedules.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace diffbound::checks {

using json = nlohmann::json;

/// Thrown for a parameter that is missing, of the wrong type or out of range; the message starts with
/// the field's path (e.g. "schedule.sigma_min").
struct ParamError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

json schedule_to_json(const ScheduleSpec& s);
/// Reads and validates a schedule; `where` is the field path used in messages.
ScheduleSpec schedule_from_json(const json& j, const std::string& where = "schedule");

json data_to_json(const GaussianDataSpec& s);
GaussianDataSpec data_from_json(const json& j, const std::string& where = "data");

/// Affine score error (c, b) with a name ("exact", "scaled", ...).
struct ScoreErrorSpec {
  std::string name = "exact";
  double c = 1.0;
  double b = 0.0;
  template <class Real>
  AffineScoreError<Real> make() const {
    return {decimal<Real>(c), decimal<Real>(b)};
  }
};
json score_to_json(const ScoreErrorSpec& s);
ScoreErrorSpec score_from_json(const json& j, const std::string& where = "score");

StepKind step_from_json(const json& j, const std::string& where = "step");

// Field readers with messages that name the field.
/// "where.key" (or "key" when `where` is empty): the path of a field in messages.
std::string param_path(const std::string& where, const std::string& key);
/// Throws ParamError unless `j` is an object ("where: expected an object, got ...").
void require_object(const json& j, const std::string& where);
double get_number(const json& j, const std::string& key, const std::string& where);
double get_number_or(const json& j, const std::string& key, double fallback, const std::string& where);
long long get_integer(const json& j, const std::string& key, const std::string& where);
std::string get_string(const json& j, const std::string& key, const std::string& where);
/// The object j[key] ("where.key: missing" / "where.key: expected an object, got ...").
const json& get_object(const json& j, const std::string& key, const std::string& where);
/// Throws ParamError when `j` is not an object, or names its first key that is not in `known` (with
/// the list of known keys). `where` is the object's path; empty for a case's top-level parameters.
void reject_unknown_keys(const json& j, const std::string& where, std::initializer_list<const char*> known);

// ---- Parameter schemas ----------------------------------------------------------------------------------
// A check declares its case parameters once (Check::parameters()): names, types, defaults, ranges, choices
// and help. The schema validates a case (config files before a run, the runner, the falsifier's points),
// gives the typed values with their defaults to the check's reader, and is what `diffbound list ID`, the
// Python module's parameters(ID) and the bound evaluators' help print. Nested objects (schedule, data,
// law, ...) are typed `object` and keep their own readers (schedule_from_json, ...).

/// One parameter of a check's cases.
struct ParamSpec {
  enum class Type { number, integer, boolean, string, choice, object, array };
  std::string name;
  Type type = Type::number;
  json default_value;            ///< null: no default (required unless `optional`)
  bool optional = false;         ///< may be absent without a default (the check's reader says what absence means)
  std::optional<double> lo, hi;  ///< number/integer range; each end closed unless *_open
  bool lo_open = false, hi_open = false;
  std::vector<std::string> choices;   ///< Type::choice: the allowed strings
  std::string help;                   ///< one line
  std::vector<std::string> only_for;  ///< values of the schema's discriminator this applies to (empty: all)

  static ParamSpec number(std::string name, std::string help);
  static ParamSpec integer(std::string name, std::string help);
  static ParamSpec boolean(std::string name, std::string help);
  static ParamSpec string(std::string name, std::string help);
  static ParamSpec choice(std::string name, std::vector<std::string> choices, std::string help);
  static ParamSpec object(std::string name, std::string help);
  static ParamSpec array(std::string name, std::string help);
  ParamSpec fallback(json value) const;                   ///< the default used when the key is absent
  ParamSpec optional_key() const;                         ///< may be absent, no default
  ParamSpec gt(double x) const;                           ///< > x
  ParamSpec ge(double x) const;                           ///< >= x
  ParamSpec lt(double x) const;                           ///< < x
  ParamSpec le(double x) const;                           ///< <= x
  ParamSpec when(std::vector<std::string> values) const;  ///< applies only for these discriminator values

  bool required() const { return default_value.is_null() && !optional; }
  bool in_range(double x) const;
  /// "number", "integer", ...
  static const char* type_name(Type t);
  /// The range as text: "(0, inf)", "[0, 1]", "" when unbounded.
  std::string range_text() const;
  /// The default as text: its JSON, "required" or "optional".
  std::string default_text() const;
  /// Throws ParamError (message starting with the field's path) unless `v` has the type, range and choice.
  void check_value(const json& v, const std::string& where) const;
};

/// The parameters of a check's cases (see ParamSpec).
struct ParamSchema {
  std::vector<ParamSpec> params;
  /// A choice parameter whose value selects the parameters that apply (ParamSpec::only_for); empty: none.
  std::string discriminator;
  /// Undeclared (Check's default): any object passes validate(); no parameters are listed.
  bool open = false;

  /// Throws ParamError naming the field: `j` not an object, an unknown key (with the known ones), a
  /// missing required parameter, a wrong type, a value out of range or not among the choices. `where`
  /// is the object's path (empty for a case's top level).
  void validate(const json& j, const std::string& where = "") const;
  /// The parameters with defaults and their defaults (the discriminator's parameters included).
  json defaults() const;
  /// The first entry named `name` (nullptr: none).
  const ParamSpec* find(const std::string& name) const;
  /// The entry named `name` that applies to the case `j` (a name may have an entry per discriminator value).
  const ParamSpec* find(const std::string& name, const json& j) const;
  /// The parameter `name`; throws std::logic_error when it is not declared (a bug of the check).
  const ParamSpec& at(const std::string& name) const;
  /// Whether `spec` applies to the case `j` (its discriminator's value among spec.only_for).
  bool applies(const ParamSpec& spec, const json& j) const;

  // Typed getters: the value checked against its entry (type, range, choices), else the default; a
  // missing parameter without a default throws "where.name: missing".
  double number(const json& j, const std::string& name, const std::string& where = "") const;
  long long integer(const json& j, const std::string& name, const std::string& where = "") const;
  bool boolean(const json& j, const std::string& name, const std::string& where = "") const;
  std::string string(const json& j, const std::string& name, const std::string& where = "") const;
  /// The object or array (or its default) as JSON.
  const json& value(const json& j, const std::string& name, const std::string& where = "") const;

  /// The named entries, in that order, each with the default `defaults[name]` (every name must have one):
  /// a bound evaluator's parameters taken from its check's schema, which keeps one help text and one range
  /// per parameter. The result has no discriminator. Throws std::logic_error for an undeclared name.
  ParamSchema pick(std::initializer_list<const char*> names, const json& defaults) const;
};

/// The schema as a JSON array of {name, type, default, required, lo, hi, lo_open, hi_open, choices, help,
/// only_for} (`diffbound list ID --json`, the Python module).
json schema_to_json(const ParamSchema& s);

}  // namespace diffbound::checks
