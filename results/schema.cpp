// The JSON form of the results schema (results/schema.hpp): every key through `keys`.
#include <diffbound/results/schema.hpp>
#include <diffbound/results/version.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace diffbound::results {

namespace {
double number_from(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return nan;
  return j.at(key).get<double>();
}
}  // namespace

json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// ---------------------------------------------------------------------------------------------
// Figures, tables, fits

void to_json(json& j, const Series& s) {
  j = json{{keys::label, s.label}, {keys::role, s.role}, {keys::x, s.x}, {keys::y, s.y}};
  if (!s.y_lo.empty()) j[keys::y_lo] = s.y_lo;
  if (!s.y_hi.empty()) j[keys::y_hi] = s.y_hi;
  if (!s.z.empty()) j[keys::z] = s.z;
}
void from_json(const json& j, Series& s) {
  s.label = j.value(keys::label, std::string());
  s.role = j.value(keys::role, std::string("other"));
  s.x = j.value(keys::x, std::vector<double>{});
  s.y = j.value(keys::y, std::vector<double>{});
  s.y_lo = j.value(keys::y_lo, std::vector<double>{});
  s.y_hi = j.value(keys::y_hi, std::vector<double>{});
  s.z = j.value(keys::z, std::vector<double>{});
}
void to_json(json& j, const Figure& f) {
  j = json{{keys::id, f.id},         {keys::kind, f.kind},     {keys::title, f.title},    {keys::xlabel, f.xlabel},
           {keys::ylabel, f.ylabel}, {keys::zlabel, f.zlabel}, {keys::logx, f.logx},      {keys::logy, f.logy},
           {keys::logz, f.logz},     {keys::series, f.series}, {keys::caption, f.caption}};
}
void from_json(const json& j, Figure& f) {
  f.id = j.value(keys::id, std::string());
  f.kind = j.value(keys::kind, std::string("xy"));
  f.title = j.value(keys::title, std::string());
  f.zlabel = j.value(keys::zlabel, std::string());
  f.logz = j.value(keys::logz, false);
  f.xlabel = j.value(keys::xlabel, std::string());
  f.ylabel = j.value(keys::ylabel, std::string());
  f.logx = j.value(keys::logx, false);
  f.logy = j.value(keys::logy, false);
  f.series = j.value(keys::series, std::vector<Series>{});
  f.caption = j.value(keys::caption, std::string());
}
void to_json(json& j, const Table& t) {
  j = json{{keys::id, t.id},
           {keys::title, t.title},
           {keys::columns, t.columns},
           {keys::rows, t.rows},
           {keys::caption, t.caption}};
}
void from_json(const json& j, Table& t) {
  t.id = j.value(keys::id, std::string());
  t.title = j.value(keys::title, std::string());
  t.columns = j.value(keys::columns, std::vector<std::string>{});
  t.rows = j.value(keys::rows, std::vector<std::vector<json>>{});
  t.caption = j.value(keys::caption, std::string());
}
void to_json(json& j, const Fit& f) {
  j = json{{keys::name, f.name},
           {keys::slope, number_or_null(f.slope)},
           {keys::slope_lo, number_or_null(f.slope_lo)},
           {keys::slope_hi, number_or_null(f.slope_hi)},
           {keys::intercept, number_or_null(f.intercept)},
           {keys::confidence, f.confidence},
           {keys::points, f.points},
           {keys::expected, number_or_null(f.expected)},
           {keys::comparison, f.comparison},
           {keys::outcome, f.outcome}};
  if (f.judged)
    j.update(json{{keys::judged, true},
                  {keys::rule, f.rule},
                  {keys::slack, f.slack},
                  {keys::slope_se, number_or_null(f.slope_se)},
                  {keys::p_violated, number_or_null(f.p_violated)},
                  {keys::p_holds, number_or_null(f.p_holds)},
                  {keys::family_size, f.family_size},
                  {keys::detectable, number_or_null(f.detectable)}});
}
void from_json(const json& j, Fit& f) {
  f.name = j.value(keys::name, std::string());
  f.slope = number_from(j, keys::slope);
  f.slope_lo = number_from(j, keys::slope_lo);
  f.slope_hi = number_from(j, keys::slope_hi);
  f.intercept = number_from(j, keys::intercept);
  f.confidence = j.value(keys::confidence, 0.95);
  f.points = j.value(keys::points, 0);
  f.expected = number_from(j, keys::expected);
  f.comparison = j.value(keys::comparison, std::string());
  f.outcome = j.value(keys::outcome, std::string());
  f.judged = j.value(keys::judged, false);
  if (f.judged) {
    f.rule = j.value(keys::rule, std::string());
    f.slack = j.value(keys::slack, 0.0);
    f.slope_se = number_from(j, keys::slope_se);
    f.p_violated = number_from(j, keys::p_violated);
    f.p_holds = number_from(j, keys::p_holds);
    f.family_size = j.value(keys::family_size, 0);
    f.detectable = number_from(j, keys::detectable);
  }
}
void to_json(json& j, const Summary& s) {
  j = json{{keys::figures, s.figures}, {keys::tables, s.tables}, {keys::fits, s.fits}, {keys::notes, s.notes}};
}
void from_json(const json& j, Summary& s) {
  s.figures = j.value(keys::figures, std::vector<Figure>{});
  s.tables = j.value(keys::tables, std::vector<Table>{});
  s.fits = j.value(keys::fits, std::vector<Fit>{});
  s.notes = j.value(keys::notes, std::vector<std::string>{});
}

// ---------------------------------------------------------------------------------------------
// Cases

const char* to_string(CaseKind k) {
  switch (k) {
    case CaseKind::evidence:
      return "evidence";
    case CaseKind::identity:
      return "identity";
    case CaseKind::calibration:
      return "calibration";
    case CaseKind::falsify:
      return "falsify";
    case CaseKind::fit:
      return "fit";
  }
  return "?";
}

CaseKind case_kind_from_string(const std::string& s) {
  for (int i = 0; i < kCaseKinds; ++i)
    if (s == to_string(static_cast<CaseKind>(i))) return static_cast<CaseKind>(i);
  throw std::invalid_argument("unknown case kind '" + s +
                              "' (expected evidence, identity, calibration, falsify or fit)");
}

void to_json(json& j, const Quantity& q) {
  j = json{{keys::lo, number_or_null(q.lo)},
           {keys::hi, number_or_null(q.hi)},
           {keys::mid, number_or_null(q.mid)},
           {keys::text, q.text}};
}

void from_json(const json& j, Quantity& q) {
  q.lo = number_from(j, keys::lo);
  q.hi = number_from(j, keys::hi);
  q.mid = number_from(j, keys::mid);
  q.text = j.value(keys::text, std::string());
}

void CaseResult::outside_hypotheses(const std::string& why) {
  hypotheses_hold = false;
  if (verdict == Verdict::violated || verdict == Verdict::inconclusive) {
    verdict = Verdict::inconclusive;
    reason = "outside the hypotheses: " + why + "; the claim says nothing here (" + reason + ")";
  } else {
    reason = "outside the hypotheses (" + why + "), the inequality holds nevertheless";
  }
}

double CaseResult::relative_margin() const {
  if (!margin || !bound) return nan;
  const double b = std::max(std::fabs(bound->lo), std::fabs(bound->hi));
  if (!(b > 0)) return nan;
  return margin->lo / b;
}

void to_json(json& j, const CaseResult& r) {
  j = json::object();
  j[keys::type] = keys::type_case;
  j[keys::check] = r.check;
  j[keys::case_id] = r.case_id;
  j[keys::params] = r.params;
  j[keys::kind] = to_string(r.kind);
  j[keys::verdict] = to_string(r.verdict);
  if (!r.reason.empty()) j[keys::reason] = r.reason;
  if (r.measured) j[keys::measured] = *r.measured;
  if (r.bound) j[keys::bound] = *r.bound;
  if (r.margin) j[keys::margin] = *r.margin;
  j[keys::relative_margin] = number_or_null(r.relative_margin());
  j[keys::error_estimate] = r.error_estimate;
  if (!r.terms.empty()) j[keys::terms] = r.terms;
  if (!r.data.empty()) j[keys::data] = r.data;
  j[keys::scalar] = to_string(r.scalar);
  j[keys::precision_bits] = r.precision_bits;
  j[keys::seed] = r.seed;
  j[keys::seconds] = r.seconds;
  if (!r.error.empty()) j[keys::error] = r.error;
  if (r.bound_factor != 1.0) j[keys::bound_factor] = r.bound_factor;
  if (!r.mutant.empty()) j[keys::mutant] = r.mutant;
  if (!r.hypotheses_hold) j[keys::hypotheses_hold] = false;
}

void from_json(const json& j, CaseResult& r) {
  r.check = j.at(keys::check).get<std::string>();
  r.case_id = j.at(keys::case_id).get<std::string>();
  r.params = j.value(keys::params, json::object());
  r.kind = case_kind_from_string(j.value(keys::kind, std::string("evidence")));
  r.verdict = verdict_from_string(j.at(keys::verdict).get<std::string>());
  r.reason = j.value(keys::reason, std::string());
  if (j.contains(keys::measured)) r.measured = j.at(keys::measured).get<Quantity>();
  if (j.contains(keys::bound)) r.bound = j.at(keys::bound).get<Quantity>();
  if (j.contains(keys::margin)) r.margin = j.at(keys::margin).get<Quantity>();
  r.error_estimate = j.value(keys::error_estimate, 0.0);
  r.terms = j.value(keys::terms, json::object());
  r.data = j.value(keys::data, json::object());
  r.scalar = scalar_kind_from_string(j.value(keys::scalar, std::string("double")));
  r.precision_bits = j.value(keys::precision_bits, 53u);
  r.seed = j.value(keys::seed, std::uint64_t{0});
  r.seconds = j.value(keys::seconds, 0.0);
  r.error = j.value(keys::error, std::string());
  r.bound_factor = j.value(keys::bound_factor, 1.0);
  r.mutant = j.value(keys::mutant, std::string());
  r.hypotheses_hold = j.value(keys::hypotheses_hold, true);
}

json case_record(const CaseResult& r) {
  json j = r;
  j[keys::version] = version::string;
  j[keys::commit] = version::commit;
  return j;
}

// ---------------------------------------------------------------------------------------------
// Checks and the end

void Counts::add(const CaseResult& r) {
  if (!r.error.empty()) ++failed;
  switch (r.verdict) {
    case Verdict::verified:
      ++verified;
      break;
    case Verdict::holds:
      ++holds;
      break;
    case Verdict::violated:
      ++violated;
      break;
    case Verdict::inconclusive:
      ++inconclusive;
      break;
  }
}

Counts CheckOutcome::evidence() const {
  Counts e;
  for (int i = 0; i < kCaseKinds; ++i) {
    if (!counts_as_evidence(static_cast<CaseKind>(i))) continue;
    const Counts& c = by_kind[i];
    e.verified += c.verified, e.holds += c.holds, e.violated += c.violated;
    e.inconclusive += c.inconclusive, e.failed += c.failed;
  }
  return e;
}

json counts_json(const Counts& c) {
  return json{{keys::verified, c.verified},         {keys::holds, c.holds},   {keys::violated, c.violated},
              {keys::inconclusive, c.inconclusive}, {keys::failed, c.failed}, {keys::cases, c.total()}};
}

json claim_json(const ClaimInfo& c) {
  json constants = json::array();
  for (const auto& k : c.constants)
    constants.push_back(json{{keys::name, k.name},
                             {keys::symbol_tex, k.symbol_tex},
                             {keys::value, k.value},
                             {keys::provenance, to_string(k.provenance)},
                             {keys::paper_tag, k.paper_tag},
                             {keys::source, k.source}});
  return json{{keys::id, c.id},
              {keys::title, c.title},
              {keys::statement, c.statement},
              {keys::statement_tex, c.statement_tex},
              {keys::source, c.source},
              {keys::paper_tag, c.paper_tag},
              {keys::assumptions, c.assumptions},
              {keys::constants, constants}};
}

json counts_by_kind_json(const CheckOutcome& co) {
  json j = json::object();
  for (int i = 0; i < kCaseKinds; ++i)
    if (co.by_kind[i].total() + co.by_kind[i].failed > 0)
      j[to_string(static_cast<CaseKind>(i))] = counts_json(co.by_kind[i]);
  return j;
}

CheckOutcome outcome_of(const std::string& check_id, const std::vector<CaseResult>& results) {
  CheckOutcome co;
  co.id = check_id;
  for (const auto& r : results) {
    co.counts.add(r);
    co.by_kind[static_cast<int>(r.kind)].add(r);
    co.seconds += r.seconds;
    // How close the evidence comes to its bounds: an identity's margin (algebra) or a calibration case's says
    // nothing about the claim and is counted apart, like their verdicts.
    const double rm = counts_as_evidence(r.kind) ? r.relative_margin() : std::numeric_limits<double>::quiet_NaN();
    if (std::isfinite(rm) && !(rm >= co.smallest_relative_margin)) {
      co.smallest_relative_margin = rm;
      co.worst_case = r.case_id;
    }
  }
  return co;
}

json check_record(const ClaimInfo& claim, ScalarKind kind, unsigned precision_bits, const CheckOutcome& co,
                  const json& summary) {
  return json{{keys::type, keys::type_check},
              {keys::check, co.id},
              {keys::claim, claim_json(claim)},
              {keys::scalar, to_string(kind)},
              {keys::precision_bits, precision_bits},
              {keys::counts, counts_json(co.counts)},
              {keys::counts_by_kind, counts_by_kind_json(co)},
              {keys::smallest_relative_margin, number_or_null(co.smallest_relative_margin)},
              {keys::worst_case, co.worst_case},
              {keys::seconds, co.seconds},
              {keys::summary, summary}};
}

json end_record(const std::vector<CheckOutcome>& checks, double wall_seconds) {
  CheckOutcome total;
  auto add = [](Counts& to, const Counts& c) {
    to.verified += c.verified, to.holds += c.holds, to.violated += c.violated;
    to.inconclusive += c.inconclusive, to.failed += c.failed;
  };
  for (const auto& c : checks) {
    add(total.counts, c.counts);
    for (int i = 0; i < kCaseKinds; ++i) add(total.by_kind[i], c.by_kind[i]);
  }
  return json{{keys::type, keys::type_end},
              {keys::wall_seconds, wall_seconds},
              {keys::counts, counts_json(total.counts)},
              {keys::counts_by_kind, counts_by_kind_json(total)}};
}

}  // namespace diffbound::results
