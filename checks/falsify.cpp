#include <diffbound/checks/falsify.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>

#include <diffbound/numerics/random.hpp>

#include <fmt/format.h>
#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

namespace diffbound::checks {

namespace {

constexpr double kInfeasible = std::numeric_limits<double>::infinity();
/// Shrinking keeps a simplification when its margin is within this fraction of |found margin| above it.
constexpr double kShrinkSlack = 0.25;
/// The objective's value at a point whose case is an identity or a calibration case (results::CaseKind): feasible
/// but ranked after every evidence point, so that the search looks for the tightest *evidence* and falls back to
/// the tightest identity only where the domain holds nothing else (sampling.init's Gaussian laws).
constexpr double kNotEvidence = 1e300;

/// The objective: relative margin of a point, evaluated by the check itself; +inf when infeasible.
class Objective {
 public:
  Objective(const Check& check, const Domain& domain, const FalsifyOptions& options, ScalarKind scalar)
      : check_(check), domain_(domain), options_(options), scalar_(scalar) {}

  std::vector<double> point(const std::vector<double>& u) const {
    std::vector<double> x(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) x[i] = domain_.params[i].decode(u[i]);
    return x;
  }

  /// Margin at a point (values, not u). Cached: a repeated point costs nothing.
  double at_point(const std::vector<double>& x) {
    const auto it = cache_.find(x);
    if (it != cache_.end()) return it->second;
    ++evaluations_;
    double m = kInfeasible;
    try {
      CaseSpec spec{"falsify/search", domain_.make(x)};
      RunContext ctx;
      ctx.scalar = scalar_;
      ctx.precision_bits = precision_bits_of(scalar_);
      ctx.seed = options_.seed;
      ctx.mutant = options_.mutant;
      const CaseResult r = check_.run_case(spec, ctx);
      const double rel = r.relative_margin();
      if (r.error.empty() && r.hypotheses_hold && std::isfinite(rel)) {
        m = results::counts_as_evidence(r.kind) ? rel : kNotEvidence;
        if (m == kNotEvidence && rel < not_evidence_best_) not_evidence_best_ = rel, not_evidence_x_ = x;
      }
    } catch (const std::exception&) {
      // outside the constraints (ParamError) or not computable: infeasible
    }
    if (!std::isfinite(m)) ++infeasible_;
    cache_.emplace(x, m);
    if (m < best_) best_ = m, best_x_ = x;
    return m;
  }
  double operator()(const std::vector<double>& u) { return at_point(point(u)); }

  std::size_t evaluations() const { return evaluations_; }
  std::size_t infeasible() const { return infeasible_; }
  double best() const { return best_; }
  const std::vector<double>& best_point() const { return best_x_; }
  /// Whether the best point is evidence; if not, the tightest point that is not (identity, calibration).
  bool found_evidence() const { return best_ < kNotEvidence; }
  double not_evidence_best() const { return not_evidence_best_; }
  const std::vector<double>& not_evidence_point() const { return not_evidence_x_; }

 private:
  const Check& check_;
  const Domain& domain_;
  const FalsifyOptions& options_;
  ScalarKind scalar_;
  std::map<std::vector<double>, double> cache_;
  std::size_t evaluations_ = 0, infeasible_ = 0;
  double best_ = kInfeasible;
  double not_evidence_best_ = kInfeasible;
  std::vector<double> not_evidence_x_;
  std::vector<double> best_x_;
};

/// Nelder-Mead on [0, 1]^n (points clamped to the box), from `start` with initial step `step`, until
/// `limit` new evaluations have been spent or the simplex has collapsed.
void nelder_mead(Objective& f, std::vector<double> start, double step, std::size_t limit) {
  const std::size_t n = start.size();
  const std::size_t stop_at = f.evaluations() + limit;
  auto clamp = [](std::vector<double> u) {
    for (double& x : u) x = std::clamp(x, 0.0, 1.0);
    return u;
  };
  std::vector<std::vector<double>> s{clamp(start)};
  for (std::size_t i = 0; i < n; ++i) {
    auto v = s[0];
    v[i] = v[i] + step <= 1.0 ? v[i] + step : v[i] - step;
    s.push_back(clamp(v));
  }
  std::vector<double> fv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) fv[i] = f(s[i]);
  std::size_t guard = 0;
  while (f.evaluations() < stop_at && guard++ < 20 * limit + 100) {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return fv[a] < fv[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[order.size() - 2];
    double size = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t k = 0; k < n; ++k) size = std::max(size, std::fabs(s[i][k] - s[best][k]));
    if (size < 1e-12) break;
    std::vector<double> c(n, 0.0);
    for (std::size_t i = 0; i < s.size(); ++i)
      if (i != worst)
        for (std::size_t k = 0; k < n; ++k) c[k] += s[i][k] / static_cast<double>(n);
    auto along = [&](double t) {
      std::vector<double> v(n);
      for (std::size_t k = 0; k < n; ++k) v[k] = c[k] + t * (s[worst][k] - c[k]);
      return clamp(v);
    };
    const auto xr = along(-1.0);
    const double fr = f(xr);
    if (fr < fv[best]) {
      const auto xe = along(-2.0);
      const double fe = f(xe);
      if (fe < fr)
        s[worst] = xe, fv[worst] = fe;
      else
        s[worst] = xr, fv[worst] = fr;
      continue;
    }
    if (fr < fv[second]) {
      s[worst] = xr, fv[worst] = fr;
      continue;
    }
    const auto xc = fr < fv[worst] ? along(-0.5) : along(0.5);
    const double fc = f(xc);
    if (fc < std::min(fr, fv[worst])) {
      s[worst] = xc, fv[worst] = fc;
      continue;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i == best) continue;
      for (std::size_t k = 0; k < n; ++k) s[i][k] = s[best][k] + 0.5 * (s[i][k] - s[best][k]);
      fv[i] = f(s[i]);
    }
  }
}

/// x rounded to `digits` significant decimal digits.
double round_significant(double x, int digits) {
  if (x == 0 || !std::isfinite(x)) return x;
  const double e = std::floor(std::log10(std::fabs(x))) - (digits - 1);
  const double scale = std::pow(10.0, e);
  const double r = std::round(x / scale) * scale;
  // Print-and-parse so that the value is the shortest decimal ("0.002", not 0.0020000000000000005).
  return std::stod(fmt::format("{:.{}g}", r, digits));
}

/// Simpler values of one coordinate, simplest first.
std::vector<double> simpler_values(const DomainParam& p, double v) {
  std::vector<double> out;
  auto add = [&](double c) {
    if (c >= p.lo && c <= p.hi && c != v && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  switch (p.scale) {
    case DomainParam::Scale::choice:
      for (double k = 0; k < v; ++k) add(k);
      break;
    case DomainParam::Scale::integer:
    case DomainParam::Scale::log_integer: {
      add(p.lo);
      double gap = v - p.lo;
      while (gap >= 2) {
        gap = std::floor(gap / 2);
        add(v - gap);
      }
      add(v - 1);
      for (int d = 1; d <= 2; ++d) add(round_significant(v, d));
      break;
    }
    case DomainParam::Scale::linear:
    case DomainParam::Scale::log:
      if (p.scale == DomainParam::Scale::linear) add(0.0);
      for (int d = 1; d <= 3; ++d) add(round_significant(v, d));
      break;
  }
  return out;
}

}  // namespace

std::string point_text(const Domain& domain, const std::vector<double>& point) {
  std::string out;
  for (std::size_t i = 0; i < point.size() && i < domain.params.size(); ++i) {
    const auto& p = domain.params[i];
    out += (out.empty() ? "" : " ") + p.name + "=";
    if (p.scale == DomainParam::Scale::choice)
      out += p.choices.at(static_cast<std::size_t>(point[i]));
    else
      out += shortest_decimal(point[i]);
  }
  return out;
}

json FalsifyResult::config() const {
  return json{
      {"description", "The falsifier's worst case of " + check + " (diffbound falsify " + check +
                          "): relative margin " + fmt::format("{:.3g}", shrunk_margin) + " in the search, " +
                          to_string(decided.verdict) + " in " + to_string(decided.scalar) + "."},
      {"checks",
       json::array({json{{"check", check},
                         {"cases", json::array({json{{"id", worst_case.id}, {"params", worst_case.params}}})}}})}};
}

FalsifyResult falsify(const Check& check, const FalsifyOptions& options) {
  const auto domain_opt = check.domain();
  if (!domain_opt) throw std::invalid_argument("check " + check.id() + " declares no hypothesis domain to search");
  const Domain& domain = *domain_opt;
  check.require_mutant(options.mutant);
  const auto kinds = check.scalar_kinds();
  const ScalarKind decision = options.scalar ? *options.scalar : kinds.front();
  if (std::find(kinds.begin(), kinds.end(), decision) == kinds.end())
    throw std::invalid_argument("check " + check.id() + " does not support the scalar kind " + to_string(decision));
  const ScalarKind search =
      std::find(kinds.begin(), kinds.end(), ScalarKind::mpfr) != kinds.end() ? ScalarKind::mpfr : kinds.front();
  const std::size_t n = domain.params.size();
  const std::size_t budget = std::max<std::size_t>(options.budget, 4 * (n + 1));
  const std::size_t shrink_budget =
      std::max<std::size_t>(budget / std::max<std::size_t>(options.shrink_budget_fraction, 2), n);
  const std::size_t search_budget = budget - shrink_budget;

  Objective f(check, domain, options, search);

  // 1. Starts: Sobol points (shifted by a seeded random vector, modulo 1) and pseudo-random points.
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> shift(n);
  for (double& s : shift) s = unit(rng);
  boost::random::sobol sobol(static_cast<unsigned>(n));
  sobol.discard(n * (1 + options.seed % 64));  // skip the origin and a seeded stretch
  const double sobol_scale = 1.0 / (static_cast<double>(sobol.max()) + 1.0);
  const std::size_t n_starts = std::max<std::size_t>(search_budget / 3, 2);
  std::vector<std::pair<double, std::vector<double>>> starts;
  for (std::size_t s = 0; s < n_starts; ++s) {
    std::vector<double> u(n);
    if (s % 2 == 0) {
      for (std::size_t i = 0; i < n; ++i) u[i] = std::fmod(static_cast<double>(sobol()) * sobol_scale + shift[i], 1.0);
    } else {
      for (double& x : u) x = unit(rng);
    }
    starts.emplace_back(f(u), u);
  }
  std::stable_sort(starts.begin(), starts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  // 2. Nelder-Mead from the three best starts, then again from the best point with a small step.
  const std::size_t local_runs = std::min<std::size_t>(3, starts.size());
  for (std::size_t r = 0; r < local_runs && f.evaluations() < search_budget; ++r) {
    if (!std::isfinite(starts[r].first)) break;
    const std::size_t left = search_budget - f.evaluations();
    nelder_mead(f, starts[r].second, 0.1, left / (local_runs - r + 1));
  }
  for (double step : {0.02, 0.004, 0.02, 0.004}) {
    if (f.evaluations() >= search_budget || !std::isfinite(f.best())) break;
    std::vector<double> u(n);
    for (std::size_t i = 0; i < n; ++i) u[i] = domain.params[i].encode(f.best_point()[i]);
    nelder_mead(f, u, step, (search_budget - f.evaluations()) / 2 + 1);
  }
  if (!std::isfinite(f.best()))
    throw std::runtime_error("falsify " + check.id() + ": no point of the domain could be evaluated in " +
                             std::to_string(f.evaluations()) + " tries");

  FalsifyResult out;
  out.check = check.id();
  out.search_scalar = search;
  out.found_margin = f.found_evidence() ? f.best() : f.not_evidence_best();

  // 3. Shrinking: the simplest values that keep the margin within kShrinkSlack of the one found (not for an
  // identity's point: its margin is algebra, there is no tightness to keep).
  std::vector<double> x = f.found_evidence() ? f.best_point() : f.not_evidence_point();
  const double ref = f.found_evidence() ? f.best() : kInfeasible;
  const double keep_below = ref + kShrinkSlack * std::fabs(ref);
  double current = ref;
  const std::size_t shrink_stop = f.evaluations() + shrink_budget;
  for (int pass = 0; pass < 3 && f.found_evidence(); ++pass) {
    bool changed = false;
    for (std::size_t i = 0; i < n && f.evaluations() < shrink_stop; ++i) {
      for (double v : simpler_values(domain.params[i], x[i])) {
        if (f.evaluations() >= shrink_stop) break;
        auto y = x;
        y[i] = v;
        const double m = f.at_point(y);
        if (m <= keep_below && std::isfinite(m)) {
          x = y, current = m, changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }
  out.shrunk_margin = f.found_evidence() ? current : out.found_margin;
  out.point = x;

  // 4. The decision, by the check's own rule in the decision scalar.
  std::string label = domain.label ? domain.label(x) : "seed=" + std::to_string(options.seed);
  out.worst_case = CaseSpec{options.id_prefix + "/" + label, domain.make(x)};
  RunContext ctx;
  ctx.scalar = decision;
  ctx.precision_bits = precision_bits_of(decision);
  // The seed the run gives this case (app/runner.cpp): the decision is the run's verdict, and a check whose
  // cases draw random numbers (training) is decided on a fresh draw, not on the one the search tuned.
  ctx.seed = case_seed(options.seed, check.id(), out.worst_case.id);
  ctx.mutant = options.mutant;
  out.decided = check.run_case(out.worst_case, ctx);
  // A case of kind falsify, unless the check says it is an identity or a calibration case (counted apart).
  if (out.decided.kind == results::CaseKind::evidence) out.decided.kind = results::CaseKind::falsify;
  out.evaluations = f.evaluations() + 1;
  out.infeasible = f.infeasible();
  return out;
}

std::vector<CaseSpec> falsify_cases(const Check& check, Size size, std::uint64_t seed) {
  const auto domain = check.domain();
  if (!domain) return {};
  const std::size_t budget = domain->run_budget[static_cast<std::size_t>(size)];
  if (budget == 0) return {};
  FalsifyOptions o;
  o.budget = budget;
  o.seed = seed;
  return {falsify(check, o).worst_case};
}

}  // namespace diffbound::checks
