#include <diffbound/checks/params.hpp>

#include <cmath>
#include <limits>

namespace diffbound::checks {

namespace {

/// n_levels as an int (a larger count is an error, not a wrap-around).
int get_level_count(const json& j, const std::string& where);

/// Rejects keys that the reader does not know, so that a typo is an error and not a silent default.
void reject_unknown(const json& j, const std::string& where, std::initializer_list<const char*> known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw ParamError(param_path(where, it.key()) + ": unknown key (known keys: " + list + ")");
    }
  }
}
}  // namespace

std::string param_path(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

void require_object(const json& j, const std::string& where) {
  if (!j.is_object())
    throw ParamError((where.empty() ? std::string("params") : where) + ": expected an object, got " +
                     std::string(j.type_name()));
}

double get_number(const json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) throw ParamError(param_path(where, key) + ": missing");
  const json& v = j.at(key);
  if (!v.is_number())
    throw ParamError(param_path(where, key) + ": expected a number, got " + std::string(v.type_name()) +
                     (v.is_string() ? " \"" + v.get<std::string>() + "\"" : ""));
  const double x = v.get<double>();
  if (!std::isfinite(x)) throw ParamError(param_path(where, key) + ": must be finite");
  return x;
}

double get_number_or(const json& j, const std::string& key, double fallback, const std::string& where) {
  return j.contains(key) ? get_number(j, key, where) : fallback;
}

long long get_integer(const json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) throw ParamError(param_path(where, key) + ": missing");
  const json& v = j.at(key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9e15) return static_cast<long long>(x);
  }
  throw ParamError(param_path(where, key) + ": expected an integer, got " + v.dump());
}

std::string get_string(const json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) throw ParamError(param_path(where, key) + ": missing");
  const json& v = j.at(key);
  if (!v.is_string()) throw ParamError(param_path(where, key) + ": expected a string, got " + v.dump());
  return v.get<std::string>();
}

namespace {
int get_level_count(const json& j, const std::string& where) {
  const long long n = get_integer(j, "n_levels", where);
  if (n > std::numeric_limits<int>::max() || n < std::numeric_limits<int>::min())
    throw ParamError(param_path(where, "n_levels") + ": " + std::to_string(n) + " is out of range (at most " +
                     std::to_string(std::numeric_limits<int>::max()) + ")");
  return static_cast<int>(n);
}
}  // namespace

const json& get_object(const json& j, const std::string& key, const std::string& where) {
  require_object(j, where);
  if (!j.contains(key)) throw ParamError(param_path(where, key) + ": missing");
  const json& v = j.at(key);
  if (!v.is_object()) throw ParamError(param_path(where, key) + ": expected an object, got " + v.dump());
  return v;
}

void reject_unknown_keys(const json& j, const std::string& where, std::initializer_list<const char*> known) {
  require_object(j, where);
  reject_unknown(j, where, known);
}

// ---------------------------------------------------------------------------------------------

json schedule_to_json(const ScheduleSpec& s) {
  json j{{"kind", to_string(s.kind)}, {"n_levels", s.n_levels}};
  switch (s.kind) {
    case ScheduleKind::edm:
      j["sigma_min"] = s.sigma_min, j["sigma_max"] = s.sigma_max, j["rho"] = s.rho;
      break;
    case ScheduleKind::geometric:
      j["sigma_min"] = s.sigma_min, j["sigma_max"] = s.sigma_max;
      break;
    case ScheduleKind::song_ve:
      j["sigma_min"] = s.sigma_min, j["sigma_max"] = s.sigma_max, j["eps_t"] = s.eps_t;
      break;
    case ScheduleKind::vp:
      j["beta_d"] = s.beta_d, j["beta_min"] = s.beta_min, j["eps_s"] = s.eps_s;
      break;
    case ScheduleKind::user:
      j["levels"] = s.levels;
      break;
  }
  return j;
}

ScheduleSpec schedule_from_json(const json& j, const std::string& where) {
  require_object(j, where);
  ScheduleSpec s;
  const std::string kind = get_string(j, "kind", where);
  try {
    s.kind = schedule_kind_from_string(kind);
  } catch (const std::invalid_argument& e) {
    throw ParamError(param_path(where, "kind") + ": " + e.what());
  }
  switch (s.kind) {
    case ScheduleKind::edm:
      reject_unknown(j, where, {"kind", "n_levels", "sigma_min", "sigma_max", "rho"});
      s.n_levels = get_level_count(j, where);
      s.sigma_min = get_number(j, "sigma_min", where);
      s.sigma_max = get_number(j, "sigma_max", where);
      s.rho = get_number(j, "rho", where);
      break;
    case ScheduleKind::geometric:
      reject_unknown(j, where, {"kind", "n_levels", "sigma_min", "sigma_max"});
      s.n_levels = get_level_count(j, where);
      s.sigma_min = get_number(j, "sigma_min", where);
      s.sigma_max = get_number(j, "sigma_max", where);
      break;
    case ScheduleKind::song_ve:
      reject_unknown(j, where, {"kind", "n_levels", "sigma_min", "sigma_max", "eps_t"});
      s.n_levels = get_level_count(j, where);
      s.sigma_min = get_number(j, "sigma_min", where);
      s.sigma_max = get_number(j, "sigma_max", where);
      s.eps_t = get_number_or(j, "eps_t", ScheduleDefaults::song_eps, where);
      break;
    case ScheduleKind::vp:
      reject_unknown(j, where, {"kind", "n_levels", "beta_d", "beta_min", "eps_s"});
      s.n_levels = get_level_count(j, where);
      s.beta_d = get_number_or(j, "beta_d", ScheduleDefaults::vp_beta_d, where);
      s.beta_min = get_number_or(j, "beta_min", ScheduleDefaults::vp_beta_min, where);
      s.eps_s = get_number_or(j, "eps_s", ScheduleDefaults::vp_eps_s, where);
      break;
    case ScheduleKind::user: {
      reject_unknown(j, where, {"kind", "levels", "n_levels"});
      if (!j.contains("levels") || !j.at("levels").is_array())
        throw ParamError(param_path(where, "levels") + ": expected an array of noise levels");
      for (std::size_t i = 0; i < j.at("levels").size(); ++i) {
        const json& v = j.at("levels")[i];
        if (!v.is_number())
          throw ParamError(param_path(where, "levels") + "[" + std::to_string(i) + "]: expected a number, got " + v.dump());
        s.levels.push_back(v.get<double>());
      }
      s.n_levels = static_cast<int>(s.levels.size());
      if (j.contains("n_levels") && get_integer(j, "n_levels", where) != s.n_levels)
        throw ParamError(param_path(where, "n_levels") + ": differs from the length of levels");
      break;
    }
  }
  try {
    validate(s);
  } catch (const ScheduleError& e) {
    throw ParamError(where + ": " + e.what());
  }
  return s;
}

json data_to_json(const GaussianDataSpec& s) {
  json j{{"spectrum", s.spectrum}};
  if (s.spectrum == "list") {
    j["lambda"] = s.lambda, j["mu"] = s.mu;
  } else {
    j["dimension"] = s.dimension, j["scale"] = s.scale, j["mean"] = s.mean;
    if (s.spectrum == "power_law" || s.spectrum == "dyadic") j["alpha"] = s.alpha;
  }
  return j;
}

GaussianDataSpec data_from_json(const json& j, const std::string& where) {
  require_object(j, where);
  GaussianDataSpec s;
  s.spectrum = get_string(j, "spectrum", where);
  if (s.spectrum == "list") {
    reject_unknown(j, where, {"spectrum", "lambda", "mu"});
    for (const char* key : {"lambda", "mu"}) {
      if (!j.contains(key) || !j.at(key).is_array())
        throw ParamError(param_path(where, key) + ": expected an array of numbers");
      auto& out = std::string(key) == "lambda" ? s.lambda : s.mu;
      for (std::size_t i = 0; i < j.at(key).size(); ++i) {
        const json& v = j.at(key)[i];
        if (!v.is_number())
          throw ParamError(param_path(where, key) + "[" + std::to_string(i) + "]: expected a number, got " + v.dump());
        const double x = v.get<double>();
        const std::string field = param_path(where, key) + "[" + std::to_string(i) + "]";
        if (!std::isfinite(x)) throw ParamError(field + ": must be finite");
        if (std::string(key) == "lambda" && x < 0)
          throw ParamError(field + ": a variance must be non-negative, got " + shortest_decimal(x));
        out.push_back(x);
      }
    }
    if (s.lambda.size() != s.mu.size())
      throw ParamError(param_path(where, "mu") + ": has " + std::to_string(s.mu.size()) + " entries but " +
                       param_path(where, "lambda") + " has " + std::to_string(s.lambda.size()));
  } else if (s.spectrum == "isotropic" || s.spectrum == "power_law" || s.spectrum == "dyadic") {
    if (s.spectrum == "isotropic")
      reject_unknown(j, where, {"spectrum", "dimension", "scale", "mean"});
    else
      reject_unknown(j, where, {"spectrum", "dimension", "scale", "mean", "alpha"});
    s.dimension = get_integer(j, "dimension", where);
    s.scale = get_number(j, "scale", where);
    s.mean = get_number_or(j, "mean", 0.0, where);
    if (s.spectrum != "isotropic") s.alpha = get_number(j, "alpha", where);
  } else {
    throw ParamError(param_path(where, "spectrum") + ": unknown spectrum '" + s.spectrum +
                     "' (expected isotropic, power_law, dyadic or list)");
  }
  try {
    validate(s);
  } catch (const DataError& e) {
    throw ParamError(where + ": " + e.what());
  }
  return s;
}

json score_to_json(const ScoreErrorSpec& s) { return json{{"name", s.name}, {"c", s.c}, {"b", s.b}}; }

ScoreErrorSpec score_from_json(const json& j, const std::string& where) {
  require_object(j, where);
  reject_unknown(j, where, {"name", "c", "b"});
  ScoreErrorSpec s;
  s.name = j.contains("name") ? get_string(j, "name", where) : "custom";
  s.c = get_number_or(j, "c", 1.0, where);
  s.b = get_number_or(j, "b", 0.0, where);
  return s;
}

StepKind step_from_json(const json& j, const std::string& where) {
  if (!j.is_string()) throw ParamError(where + ": expected \"exponential_integrator\" or \"euler_ancestral\"");
  const auto s = j.get<std::string>();
  if (s == "exponential_integrator") return StepKind::exponential_integrator;
  if (s == "euler_ancestral") return StepKind::euler_ancestral;
  throw ParamError(where + ": unknown step '" + s + "' (expected exponential_integrator or euler_ancestral)");
}

}  // namespace diffbound::checks
