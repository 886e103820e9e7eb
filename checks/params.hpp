// JSON forms of the parameters that cases carry (schedules, Gaussian data, score errors), read with
// errors that name the field. These are the same objects a user writes in a config file.
#pragma once

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/schedules.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <stdexcept>
#include <string>

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

}  // namespace diffbound::checks
