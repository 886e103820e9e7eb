#include "check.hpp"

#include <fnmatch.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace diffbound::checks {

const char* to_string(Size s) {
  switch (s) {
    case Size::smoke:
      return "smoke";
    case Size::standard:
      return "default";
    case Size::full:
      return "full";
  }
  return "?";
}

Size size_from_string(const std::string& s) {
  if (s == "smoke") return Size::smoke;
  if (s == "default") return Size::standard;
  if (s == "full") return Size::full;
  throw std::invalid_argument("unknown size '" + s + "' (expected smoke, default or full)");
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {
json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
double number_from(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::numeric_limits<double>::quiet_NaN();
  return j.at(key).get<double>();
}
}  // namespace

void to_json(json& j, const Quantity& q) {
  j = json{
      {"lo", number_or_null(q.lo)}, {"hi", number_or_null(q.hi)}, {"mid", number_or_null(q.mid)}, {"text", q.text}};
}

void from_json(const json& j, Quantity& q) {
  q.lo = number_from(j, "lo");
  q.hi = number_from(j, "hi");
  q.mid = number_from(j, "mid");
  q.text = j.value("text", std::string());
}

double CaseResult::relative_margin() const {
  if (!margin || !bound) return std::numeric_limits<double>::quiet_NaN();
  const double b = std::max(std::fabs(bound->lo), std::fabs(bound->hi));
  if (!(b > 0)) return std::numeric_limits<double>::quiet_NaN();
  return margin->lo / b;
}

void to_json(json& j, const CaseResult& r) {
  j = json::object();
  j["type"] = "case";
  j["check"] = r.check;
  j["case"] = r.case_id;
  j["params"] = r.params;
  j["verdict"] = to_string(r.verdict);
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (r.measured) j["measured"] = *r.measured;
  if (r.bound) j["bound"] = *r.bound;
  if (r.margin) j["margin"] = *r.margin;
  j["relative_margin"] = number_or_null(r.relative_margin());
  j["error_estimate"] = r.error_estimate;
  if (!r.terms.empty()) j["terms"] = r.terms;
  if (!r.data.empty()) j["data"] = r.data;
  j["scalar"] = to_string(r.scalar);
  j["precision_bits"] = r.precision_bits;
  j["seed"] = r.seed;
  j["seconds"] = r.seconds;
  if (!r.error.empty()) j["error"] = r.error;
  if (r.bound_factor != 1.0) j["bound_factor"] = r.bound_factor;
  if (!r.hypotheses_hold) j["hypotheses_hold"] = false;
}

void from_json(const json& j, CaseResult& r) {
  r.check = j.at("check").get<std::string>();
  r.case_id = j.at("case").get<std::string>();
  r.params = j.value("params", json::object());
  r.verdict = verdict_from_string(j.at("verdict").get<std::string>());
  r.reason = j.value("reason", std::string());
  if (j.contains("measured")) r.measured = j.at("measured").get<Quantity>();
  if (j.contains("bound")) r.bound = j.at("bound").get<Quantity>();
  if (j.contains("margin")) r.margin = j.at("margin").get<Quantity>();
  r.error_estimate = j.value("error_estimate", 0.0);
  r.terms = j.value("terms", json::object());
  r.data = j.value("data", json::object());
  r.scalar = scalar_kind_from_string(j.value("scalar", std::string("double")));
  r.precision_bits = j.value("precision_bits", 53u);
  r.seed = j.value("seed", std::uint64_t{0});
  r.seconds = j.value("seconds", 0.0);
  r.error = j.value("error", std::string());
  r.bound_factor = j.value("bound_factor", 1.0);
  r.hypotheses_hold = j.value("hypotheses_hold", true);
}

// ---------------------------------------------------------------------------------------------
// Check

const std::string& Check::id() const {
  if (id_cache_.empty()) id_cache_ = claim().id;
  return id_cache_;
}

Summary Check::summarize(const std::vector<CaseResult>&) const { return {}; }

// ---------------------------------------------------------------------------------------------
// Registry

Registry& Registry::instance() {
  static Registry r;
  return r;
}

bool Registry::add(std::unique_ptr<Check> check) {
  const std::string id = check->id();
  if (find(id)) throw std::logic_error("check '" + id + "' is registered twice");
  checks_.push_back(std::move(check));
  std::sort(checks_.begin(), checks_.end(), [](const auto& a, const auto& b) { return a->id() < b->id(); });
  return true;
}

const Check* Registry::find(const std::string& id) const {
  for (const auto& c : checks_)
    if (c->id() == id) return c.get();
  return nullptr;
}

std::vector<const Check*> Registry::all() const {
  std::vector<const Check*> out;
  for (const auto& c : checks_) out.push_back(c.get());
  return out;
}

std::vector<const Check*> Registry::select(const std::vector<std::string>& patterns) const {
  if (patterns.empty()) return all();
  std::vector<const Check*> out;
  for (const auto& p : patterns) {
    bool any = false;
    for (const auto& c : checks_) {
      if (fnmatch(p.c_str(), c->id().c_str(), 0) == 0) {
        any = true;
        if (std::find(out.begin(), out.end(), c.get()) == out.end()) out.push_back(c.get());
      }
    }
    if (!any) {
      std::string known;
      for (const auto& c : checks_) known += (known.empty() ? "" : ", ") + c->id();
      throw std::invalid_argument("no check matches '" + p + "' (known checks: " + known + ")");
    }
  }
  std::sort(out.begin(), out.end(), [](const Check* a, const Check* b) { return a->id() < b->id(); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figures

void to_json(json& j, const Series& s) {
  j = json{{"label", s.label}, {"role", s.role}, {"x", s.x}, {"y", s.y}};
  if (!s.y_lo.empty()) j["y_lo"] = s.y_lo;
  if (!s.y_hi.empty()) j["y_hi"] = s.y_hi;
  if (!s.z.empty()) j["z"] = s.z;
}
void from_json(const json& j, Series& s) {
  s.label = j.value("label", std::string());
  s.role = j.value("role", std::string("other"));
  s.x = j.value("x", std::vector<double>{});
  s.y = j.value("y", std::vector<double>{});
  s.y_lo = j.value("y_lo", std::vector<double>{});
  s.y_hi = j.value("y_hi", std::vector<double>{});
  s.z = j.value("z", std::vector<double>{});
}
void to_json(json& j, const Figure& f) {
  j = json{{"id", f.id},         {"kind", f.kind},     {"title", f.title},    {"xlabel", f.xlabel},
           {"ylabel", f.ylabel}, {"zlabel", f.zlabel}, {"logx", f.logx},      {"logy", f.logy},
           {"logz", f.logz},     {"series", f.series}, {"caption", f.caption}};
}
void from_json(const json& j, Figure& f) {
  f.id = j.value("id", std::string());
  f.kind = j.value("kind", std::string("xy"));
  f.title = j.value("title", std::string());
  f.zlabel = j.value("zlabel", std::string());
  f.logz = j.value("logz", false);
  f.xlabel = j.value("xlabel", std::string());
  f.ylabel = j.value("ylabel", std::string());
  f.logx = j.value("logx", false);
  f.logy = j.value("logy", false);
  f.series = j.value("series", std::vector<Series>{});
  f.caption = j.value("caption", std::string());
}
void to_json(json& j, const Table& t) {
  j = json{{"id", t.id}, {"title", t.title}, {"columns", t.columns}, {"rows", t.rows}, {"caption", t.caption}};
}
void from_json(const json& j, Table& t) {
  t.id = j.value("id", std::string());
  t.title = j.value("title", std::string());
  t.columns = j.value("columns", std::vector<std::string>{});
  t.rows = j.value("rows", std::vector<std::vector<json>>{});
  t.caption = j.value("caption", std::string());
}
void to_json(json& j, const Fit& f) {
  j = json{{"name", f.name},
           {"slope", number_or_null(f.slope)},
           {"slope_lo", number_or_null(f.slope_lo)},
           {"slope_hi", number_or_null(f.slope_hi)},
           {"intercept", number_or_null(f.intercept)},
           {"confidence", f.confidence},
           {"points", f.points},
           {"expected", number_or_null(f.expected)},
           {"comparison", f.comparison},
           {"outcome", f.outcome}};
}
void from_json(const json& j, Fit& f) {
  f.name = j.value("name", std::string());
  f.slope = number_from(j, "slope");
  f.slope_lo = number_from(j, "slope_lo");
  f.slope_hi = number_from(j, "slope_hi");
  f.intercept = number_from(j, "intercept");
  f.confidence = j.value("confidence", 0.95);
  f.points = j.value("points", 0);
  f.expected = number_from(j, "expected");
  f.comparison = j.value("comparison", std::string());
  f.outcome = j.value("outcome", std::string());
}
void to_json(json& j, const Summary& s) {
  j = json{{"figures", s.figures}, {"tables", s.tables}, {"fits", s.fits}, {"notes", s.notes}};
}
void from_json(const json& j, Summary& s) {
  s.figures = j.value("figures", std::vector<Figure>{});
  s.tables = j.value("tables", std::vector<Table>{});
  s.fits = j.value("fits", std::vector<Fit>{});
  s.notes = j.value("notes", std::vector<std::string>{});
}

}  // namespace diffbound::checks
