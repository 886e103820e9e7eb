#include <diffbound/checks/params.hpp>

#include <algorithm>
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
          throw ParamError(param_path(where, "levels") + "[" + std::to_string(i) + "]: expected a number, got " +
                           v.dump());
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

// ---- Parameter schemas ------------------------------------------------------------------------------

namespace diffbound::checks {

namespace {
ParamSpec make_spec(std::string name, ParamSpec::Type type, std::string help) {
  ParamSpec s;
  s.name = std::move(name), s.type = type, s.help = std::move(help);
  return s;
}

/// "a, b or c".
std::string or_list(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
  return out;
}

std::string got(const json& v) {
  return std::string(v.type_name()) + (v.is_string()   ? " \"" + v.get<std::string>() + "\""
                                       : v.is_number() ? " " + v.dump()
                                                       : "");
}
}  // namespace

ParamSpec ParamSpec::number(std::string name, std::string help) {
  return make_spec(std::move(name), Type::number, std::move(help));
}
ParamSpec ParamSpec::integer(std::string name, std::string help) {
  return make_spec(std::move(name), Type::integer, std::move(help));
}
ParamSpec ParamSpec::boolean(std::string name, std::string help) {
  return make_spec(std::move(name), Type::boolean, std::move(help));
}
ParamSpec ParamSpec::string(std::string name, std::string help) {
  return make_spec(std::move(name), Type::string, std::move(help));
}
ParamSpec ParamSpec::object(std::string name, std::string help) {
  return make_spec(std::move(name), Type::object, std::move(help));
}
ParamSpec ParamSpec::array(std::string name, std::string help) {
  return make_spec(std::move(name), Type::array, std::move(help));
}
ParamSpec ParamSpec::choice(std::string name, std::vector<std::string> choices, std::string help) {
  ParamSpec s = make_spec(std::move(name), Type::choice, std::move(help));
  s.choices = std::move(choices);
  return s;
}
ParamSpec ParamSpec::fallback(json value) const {
  ParamSpec s = *this;
  s.default_value = std::move(value);
  return s;
}
ParamSpec ParamSpec::optional_key() const {
  ParamSpec s = *this;
  s.optional = true;
  return s;
}
ParamSpec ParamSpec::gt(double x) const {
  ParamSpec s = *this;
  s.lo = x, s.lo_open = true;
  return s;
}
ParamSpec ParamSpec::ge(double x) const {
  ParamSpec s = *this;
  s.lo = x, s.lo_open = false;
  return s;
}
ParamSpec ParamSpec::lt(double x) const {
  ParamSpec s = *this;
  s.hi = x, s.hi_open = true;
  return s;
}
ParamSpec ParamSpec::le(double x) const {
  ParamSpec s = *this;
  s.hi = x, s.hi_open = false;
  return s;
}
ParamSpec ParamSpec::when(std::vector<std::string> values) const {
  ParamSpec s = *this;
  s.only_for = std::move(values);
  return s;
}

bool ParamSpec::in_range(double x) const {
  if (lo && !(lo_open ? x > *lo : x >= *lo)) return false;
  if (hi && !(hi_open ? x < *hi : x <= *hi)) return false;
  return true;
}

const char* ParamSpec::type_name(Type t) {
  switch (t) {
    case Type::number:
      return "number";
    case Type::integer:
      return "integer";
    case Type::boolean:
      return "boolean";
    case Type::string:
      return "string";
    case Type::choice:
      return "choice";
    case Type::object:
      return "object";
    case Type::array:
      return "array";
  }
  return "?";
}

std::string ParamSpec::range_text() const {
  if (!lo && !hi) return "";
  return std::string(lo && !lo_open ? "[" : "(") + (lo ? shortest_decimal(*lo) : "-inf") + ", " +
         (hi ? shortest_decimal(*hi) : "inf") + (hi && !hi_open ? "]" : ")");
}

std::string ParamSpec::default_text() const {
  if (!default_value.is_null()) return default_value.dump();
  return optional ? "optional" : "required";
}

void ParamSpec::check_value(const json& v, const std::string& where) const {
  const std::string path = param_path(where, name);
  switch (type) {
    case Type::number:
    case Type::integer: {
      double x = 0;
      if (type == Type::integer) {
        const bool integral = v.is_number_integer() ||
                              (v.is_number_float() && std::isfinite(v.get<double>()) &&
                               v.get<double>() == std::floor(v.get<double>()) && std::fabs(v.get<double>()) < 9e15);
        if (!integral) throw ParamError(path + ": expected an integer, got " + v.dump());
        x = v.get<double>();
      } else {
        if (!v.is_number()) throw ParamError(path + ": expected a number, got " + got(v));
        x = v.get<double>();
        if (!std::isfinite(x)) throw ParamError(path + ": must be finite");
      }
      if (in_range(x)) return;
      std::string want;
      if (lo && hi)
        want = "must lie in " + range_text();
      else if (lo && *lo == 0)
        want = lo_open ? "must be positive" : "must be non-negative";
      else if (lo)
        want = lo_open ? "must be greater than " + shortest_decimal(*lo) : "must be at least " + shortest_decimal(*lo);
      else
        want = hi_open ? "must be less than " + shortest_decimal(*hi) : "must be at most " + shortest_decimal(*hi);
      throw ParamError(path + ": " + want + ", got " + shortest_decimal(x));
    }
    case Type::boolean:
      if (!v.is_boolean()) throw ParamError(path + ": expected true or false, got " + v.dump());
      return;
    case Type::string:
      if (!v.is_string()) throw ParamError(path + ": expected a string, got " + v.dump());
      return;
    case Type::choice:
      if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end())
        throw ParamError(path + ": expected " + or_list(choices) + ", got " + v.dump());
      return;
    case Type::object:
      if (!v.is_object()) throw ParamError(path + ": expected an object, got " + v.dump());
      return;
    case Type::array:
      if (!v.is_array()) throw ParamError(path + ": expected an array, got " + v.dump());
      return;
  }
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

const ParamSpec* ParamSchema::find(const std::string& name, const json& j) const {
  for (const auto& p : params)
    if (p.name == name && applies(p, j)) return &p;
  return nullptr;
}

const ParamSpec& ParamSchema::at(const std::string& name) const {
  if (const ParamSpec* p = find(name)) return *p;
  throw std::logic_error("parameter '" + name + "' is not declared in the check's schema");
}

bool ParamSchema::applies(const ParamSpec& spec, const json& j) const {
  if (spec.only_for.empty() || discriminator.empty()) return true;
  const ParamSpec& d = at(discriminator);
  const json& v = j.is_object() && j.contains(d.name) ? j.at(d.name) : d.default_value;
  if (!v.is_string()) return false;
  return std::find(spec.only_for.begin(), spec.only_for.end(), v.get<std::string>()) != spec.only_for.end();
}

void ParamSchema::validate(const json& j, const std::string& where) const {
  require_object(j, where);
  if (open) return;
  if (!discriminator.empty()) {
    const ParamSpec& d = at(discriminator);
    if (j.contains(d.name))
      d.check_value(j.at(d.name), where);
    else if (d.required())
      throw ParamError(param_path(where, d.name) + ": missing");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (find(it.key(), j)) continue;
    const ParamSpec* s = find(it.key());
    std::string list;
    for (const auto& p : params)
      if (applies(p, j)) list += (list.empty() ? "" : ", ") + p.name;
    const std::string which =
        s ? " for " + discriminator + " " + j.at(discriminator).dump() : "";  // declared for other kinds only
    throw ParamError(param_path(where, it.key()) + ": unknown key" + which + " (known keys: " + list + ")");
  }
  for (const auto& p : params) {
    if (!applies(p, j)) continue;
    if (j.contains(p.name))
      p.check_value(j.at(p.name), where);
    else if (p.required())
      throw ParamError(param_path(where, p.name) + ": missing");
  }
}

ParamSchema ParamSchema::pick(std::initializer_list<const char*> names, const json& defaults) const {
  ParamSchema out;
  for (const char* n : names) {
    ParamSpec p = at(n);
    if (!defaults.contains(n)) throw std::logic_error(std::string("ParamSchema::pick: no default for ") + n);
    p.default_value = defaults.at(n);
    p.optional = false;
    p.only_for.clear();
    out.params.push_back(std::move(p));
  }
  return out;
}

json ParamSchema::defaults() const {
  json out = json::object();
  for (const auto& p : params)
    if (!p.default_value.is_null()) out[p.name] = p.default_value;
  return out;
}

const json& ParamSchema::value(const json& j, const std::string& name, const std::string& where) const {
  require_object(j, where);
  const ParamSpec* found = find(name, j);
  if (!found) {
    (void)at(name);  // a bug of the check when not declared at all
    throw ParamError(param_path(where, name) + ": not a parameter of this kind of case");
  }
  const ParamSpec& s = *found;
  if (j.contains(name)) {
    s.check_value(j.at(name), where);
    return j.at(name);
  }
  if (s.default_value.is_null()) throw ParamError(param_path(where, name) + ": missing");
  return s.default_value;
}

double ParamSchema::number(const json& j, const std::string& name, const std::string& where) const {
  return value(j, name, where).get<double>();
}
long long ParamSchema::integer(const json& j, const std::string& name, const std::string& where) const {
  const json& v = value(j, name, where);
  return v.is_number_integer() ? v.get<long long>() : static_cast<long long>(v.get<double>());
}
bool ParamSchema::boolean(const json& j, const std::string& name, const std::string& where) const {
  return value(j, name, where).get<bool>();
}
std::string ParamSchema::string(const json& j, const std::string& name, const std::string& where) const {
  return value(j, name, where).get<std::string>();
}

json schema_to_json(const ParamSchema& s) {
  json out = json::array();
  for (const auto& p : s.params) {
    json e{{"name", p.name},
           {"type", ParamSpec::type_name(p.type)},
           {"default", p.default_value},
           {"required", p.required()},
           {"lo", p.lo ? json(*p.lo) : json()},
           {"hi", p.hi ? json(*p.hi) : json()},
           {"lo_open", p.lo_open},
           {"hi_open", p.hi_open},
           {"choices", p.choices},
           {"help", p.help},
           {"only_for", p.only_for}};
    if (!p.only_for.empty()) e["only_for_key"] = s.discriminator;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace diffbound::checks
