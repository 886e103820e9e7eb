// Check sampling.schedules: EDM ρ = 7 against geometric levels with the same endpoints (PAPER §3.3 Table 2
// logic, §6.3.5), three kinds of cases:
//   table2/…  one cell of Table 2 as an exact inequality between the encoded terms of the two schedules
//             (E_S: EDM ≤ geometric; E_D + E_I: geometric ≤ EDM), decided in interval arithmetic;
//   grid/…    one schedule at one (score error η, N): KL ≤ E_I + E_D + E_S (the sampling.bound claim); the
//             summary pairs the two schedules of a cell into the crossover maps (true KL and bound);
//   rho/…     the EDM ρ (continuous, golden-section search in log ρ) that minimises the true KL and the one
//             that minimises the encoded bound, at one (η, N); judged on the bound at the bound's ρ.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/sampling/common.hpp>
#include <diffbound/checks/summary.hpp>

#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/sampling_bound.hpp>
#include <diffbound/theory/sampling_bound_explicit.hpp>
#include <diffbound/theory/sampling_schedules.hpp>

#include <fmt/format.h>

#include <map>
#include <set>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::sampling_schedules_check {
namespace {

const std::vector<double> kEtas{0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3};
/// η = 0 is drawn at this value on the logarithmic η axis of the maps.
constexpr double kEtaZeroPlot = 1e-4;

std::string eta_name(double eta) { return "eta=" + shortest_decimal(eta); }

/// The two score-error models of the check, at level η:
///   "c"   PAPER §6.1's scaled score, c = 1 − η: ε_k² = η² Σ_i 1/(λ_i + a_k) (the exact Gaussian error);
///   "eps" a bias η/σ_k in every direction: ε_k² = d η²/a_k, an error uniform on the noise-prediction scale
///         (what a network trained by denoising score matching to a uniform accuracy has).
LevelScoreSpec score_model(const std::string& model, double eta) {
  if (model == "c") return {"c=1-" + shortest_decimal(eta), 1.0 - eta, 0.0, 0.0};
  if (model == "eps") return {"eps_bias=" + shortest_decimal(eta), 1.0, 0.0, eta};
  throw ParamError("model: expected c or eps, got '" + model + "'");
}

ScheduleSpec make_schedule(const std::string& which, int n, double smin, double smax, double rho = 7.0) {
  if (which == "edm") return ScheduleSpec::edm(n, smin, smax, rho);
  if (which == "geometric") return ScheduleSpec::geometric(n, smin, smax);
  throw ParamError("schedule: expected edm or geometric, got '" + which + "'");
}

// ---- Form mutants (power table, issue 15): Table 2's directions reversed, and wrong variants of the encoded
// bound E_I + E_D + E_S the grid and rho cases hold the true KL to. Off unless RunContext::mutant names one. ------
const std::vector<MutantInfo> kMutants{
    {"es_reversed", "direction reversed", "Table 2's E_S cell reversed: geometric levels have the smaller E_S"},
    {"ed_reversed", "direction reversed", "Table 2's E_D + E_I cell reversed: EDM levels have the smaller E_D + E_I"},
    {"drop_score", "dropped term", "the bound without E_S (grid and rho cases)"},
    {"drop_discretization", "dropped term", "the bound without E_D (grid and rho cases)"},
    {"drop_init", "dropped term", "the bound without E_I (grid and rho cases)"},
    {"score_cubic", "larger power of the score error",
     "E_S with eta^3 in place of eta^2 (both score models: eps_k^2 is proportional to eta^2)"},
};

/// The encoded bound's terms (committed constants) of a case, or a mutant of them (`mutant` empty: the claim).
template <class Real>
sampling_bound::Terms<Real> bound_terms(const sampling_bound::Forms<Real>& f, const BoundConstants& k, double eta,
                                        const std::string& mutant) {
  auto t = sampling_bound::apply_constants(f, decimal<Real>(k.C_D), decimal<Real>(k.C_S));
  if (mutant == "drop_score") t.score = Real(0);
  if (mutant == "drop_discretization") t.discretization = Real(0);
  if (mutant == "drop_init") t.init = Real(0);
  if (mutant == "score_cubic") t.score = t.score * decimal<Real>(eta);
  return t;
}

/// The derived bound (3) of sampling.bound (theory/sampling_bound_explicit.hpp: every constant explicit, C_S = 1/2;
/// a theorem for every law with a finite second moment and every schedule, no step condition), or a mutant of it.
/// The grid and rho cases are judged against it (issue 16: no fitted constant inside a VERIFIED case); the
/// committed shape is recorded beside.
template <class Real>
sampling_bound_explicit::Terms<Real> derived_terms(const std::vector<Real>& a, const DiagonalGaussian<Real>& data,
                                                   const sampling_bound::Forms<Real>& f, double eta,
                                                   const std::string& mutant) {
  auto t = sampling_bound_explicit::bound(a, Real(data.dimension()), data.second_moment(), f.score);
  if (mutant == "drop_score") t.score = Real(0);
  if (mutant == "drop_discretization") t.discretization = Real(0);
  if (mutant == "drop_init") t.init = Real(0);
  if (mutant == "score_cubic") t.score = t.score * decimal<Real>(eta);
  return t;
}

/// KL and encoded bound (committed constants) of EDM with a continuous ρ, in double (the search's objective).
struct RhoEval {
  double kl, bound;
};
RhoEval eval_rho(const DiagonalGaussian<double>& data, int n, double smin, double smax, double rho,
                 const LevelScoreSpec& score, const BoundConstants& k, double eta, const std::string& mutant) {
  const auto e =
      evaluate_gaussian(data, noise_levels<double>(ScheduleSpec::edm(n, smin, smax, rho)), score, k.kappa_max);
  return {e.kl, bound_terms(e.forms, k, eta, mutant).total()};
}

/// The hypothesis domain: a Table 2 cell (E_S under the noise-prediction error model, or E_D + E_I; the E_S
/// cell under the scaled score is an accepted finding, expected/findings.toml) or a grid case (KL <= E_I + E_D +
/// E_S for one schedule), on Gaussian data with endpoints, N and score error eta.
const std::vector<std::string> kKinds{"table2", "grid"}, kCells{"E_S(eps)", "E_D+E_I"}, kModels{"c", "eps"},
    kWhich{"edm", "geometric"};
const SamplingDomainSpec kSchedulesData{{"isotropic", "dyadic"}, 1024, 1e-2, 1e2};
std::vector<DomainParam> schedules_domain_params() {
  using S = DomainParam::Scale;
  auto p = sampling_data_params(kSchedulesData);
  const std::vector<DomainParam> rest{
      {"kind", S::choice, 0, 0, kKinds, "a Table 2 cell or a grid case"},
      {"cell", S::choice, 0, 0, kCells, "Table 2 cell (kind table2)"},
      {"n_levels", S::log_integer, 8, 256, {}, "N (levels)"},
      {"sigma_min", S::log, 1e-3, 1e-1, {}, "sigma_min"},
      {"sigma_max", S::log, 10, 1e3, {}, "sigma_max"},
      {"eta", S::linear, 0, 0.5, {}, "score error level eta"},
      {"model", S::choice, 0, 0, kModels, "score error model (kind grid): c = 1 - eta or a bias eta/sigma_k"},
      {"schedule", S::choice, 0, 0, kWhich, "schedule (kind grid)"},
  };
  p.insert(p.end(), rest.begin(), rest.end());
  return p;
}

/// Minimises g over log ρ ∈ [log lo, log hi]: a scan on 33 points, then golden-section in the best bracket.
template <class G>
std::pair<double, double> minimise_log(G g, double lo, double hi) {
  const int m = 33;
  std::vector<double> xs(m), ys(m);
  std::size_t best = 0;
  for (int i = 0; i < m; ++i) {
    xs[i] = std::log(lo) + (std::log(hi) - std::log(lo)) * i / (m - 1);
    ys[i] = g(std::exp(xs[i]));
    if (ys[i] < ys[best]) best = i;
  }
  double a = xs[best == 0 ? 0 : best - 1], b = xs[best + 1 >= static_cast<std::size_t>(m) ? m - 1 : best + 1];
  const double phi = (std::sqrt(5.0) - 1) / 2;
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
  double f1 = g(std::exp(x1)), f2 = g(std::exp(x2));
  for (int it = 0; it < 60 && b - a > 1e-7; ++it) {
    if (f1 < f2)
      b = x2, x2 = x1, f2 = f1, x1 = b - phi * (b - a), f1 = g(std::exp(x1));
    else
      a = x1, x1 = x2, f1 = f2, x2 = a + phi * (b - a), f2 = g(std::exp(x2));
  }
  const double x = f1 < f2 ? x1 : x2;
  const double fx = std::min(f1, f2);
  if (ys[best] < fx) return {std::exp(xs[best]), ys[best]};
  return {std::exp(x), fx};
}

constexpr double kRhoLo = 1.0, kRhoHi = 1000.0;

/// A schedule's validation with the message of a parameter error.
void validate_schedule(const ScheduleSpec& s) {
  try {
    validate(s);
  } catch (const ScheduleError& e) {
    throw ParamError(std::string("schedule: ") + e.what());
  }
}

const ParamSchema& schedules_schema() {
  static const ParamSchema s{
      {
          ParamSpec::choice("kind", {"table2", "grid", "rho"},
                            "table2: a Table 2 cell, EDM vs geometric; grid: KL <= the encoded bound on one "
                            "schedule; rho: the best EDM rho for the KL and for the bound"),
          ParamSpec::choice("cell", {"E_S(c)", "E_S(eps)", "E_D+E_I"}, "the Table 2 cell compared").when({"table2"}),
          ParamSpec::choice("model", {"c", "eps"},
                            "score error model: c = 1 - eta (scaled score) or a bias eta/sigma_k (eps)")
              .when({"grid", "rho"}),
          ParamSpec::object("data", "Gaussian data (data_from_json: spectrum, dimension, scale, mean[, alpha])"),
          ParamSpec::object("schedule", "noise levels (schedule_from_json)").when({"grid"}),
          ParamSpec::integer("n_levels", "N, the number of noise levels").ge(2).when({"table2", "rho"}),
          ParamSpec::number("sigma_min", "smallest noise level (both schedules)").gt(0).when({"table2", "rho"}),
          ParamSpec::number("sigma_max", "largest noise level (both schedules)").gt(0).when({"table2", "rho"}),
          ParamSpec::number("eta", "score error level").ge(0).lt(1),
          ParamSpec::object("constants", "C_D, C_S, kappa_max (constants_from_json)"),
      },
      "kind"};
  return s;
}

class SamplingSchedules final : public Check {
 public:
  ClaimInfo claim() const override { return sampling_schedules::claim(); }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    Domain d;
    d.params = schedules_domain_params();
    d.constraints = {
        "Gaussian data (isotropic or dyadic, lambda in [1e-2, 1e2], d <= 1024), the same endpoints sigma_min in "
        "[1e-3, 1e-1], sigma_max in [10, 1e3] and N in [8, 256] for EDM rho = 7 and geometric levels",
        "table2: E_S(edm) <= E_S(geometric) under the noise-prediction error eps_k^2 = d eta^2/a_k (the scaled-score "
        "cell is an accepted finding), (E_D + E_I)(geometric) <= (E_D + E_I)(edm)",
        "grid: KL <= the derived bound (3) of sampling.bound (every constant explicit, C_S = 1/2) for one schedule "
        "and eta in [0, 0.5]; no step condition"};
    d.make = [](const std::vector<double>& x) {
      const auto params = schedules_domain_params();
      auto at = [&](const char* name) { return domain_value(params, x, name); };
      const GaussianDataSpec data = sampling_data_point(kSchedulesData, params, x);
      const int n = static_cast<int>(at("n_levels"));
      // eta to six significant digits (a readable config).
      const double eta = std::stod(fmt::format("{:.6g}", at("eta")));
      if (at("kind") == 0)
        return json{{"kind", "table2"},
                    {"cell", kCells.at(static_cast<std::size_t>(at("cell")))},
                    {"data", data_to_json(data)},
                    {"n_levels", n},
                    {"sigma_min", at("sigma_min")},
                    {"sigma_max", at("sigma_max")},
                    {"eta", 0.1},  // as in the sweep: the factor eta^2 cancels in both cells
                    {"constants", constants_to_json(BoundConstants{})}};
      return json{{"kind", "grid"},
                  {"model", kModels.at(static_cast<std::size_t>(at("model")))},
                  {"data", data_to_json(data)},
                  {"schedule", schedule_to_json(make_schedule(kWhich.at(static_cast<std::size_t>(at("schedule"))), n,
                                                              at("sigma_min"), at("sigma_max")))},
                  {"eta", eta},
                  {"constants", constants_to_json(BoundConstants{})}};
    };
    d.label = [](const std::vector<double>& x) {
      const auto params = schedules_domain_params();
      auto at = [&](const char* name) { return domain_value(params, x, name); };
      const std::string head = at("kind") == 0 ? "table2/" + kCells.at(static_cast<std::size_t>(at("cell")))
                                               : "grid/" + kModels.at(static_cast<std::size_t>(at("model"))) + "/" +
                                                     kWhich.at(static_cast<std::size_t>(at("schedule")));
      return head + "/" + data_label(sampling_data_point(kSchedulesData, params, x)) +
             "/N=" + shortest_decimal(at("n_levels"));
    };
    d.run_budget = {100, 200, 3000};
    return d;
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    const bool smoke = size == Size::smoke, full = size == Size::full;
    struct E {
      const char* name;
      double smin, smax;
    };
    // ---- Table 2 cells -----------------------------------------------------------------------------
    std::vector<GaussianDataSpec> t2_data{iso_data(1, 0.25, 1.0), iso_data(64, 1.0, 0.0), dyadic_data(1024, 1.0, 0.0)};
    std::vector<E> t2_ends{{"edm", 0.002, 80.0}, {"song", 0.01, 50.0}};
    std::vector<int> t2_n{16, 32, 64, 128, 256, 512, 1024};
    if (smoke) t2_data.resize(1), t2_ends.resize(1), t2_n = {32, 256};
    if (full) t2_n.push_back(4096), t2_ends.push_back({"song1024", 0.002, 1348.0});
    for (const auto& d : t2_data)
      for (const auto& e : t2_ends)
        for (int n : t2_n)
          for (const std::string cell : {"E_S(c)", "E_S(eps)", "E_D+E_I"})
            out.push_back({"table2/" + data_label(d) + "/ends=" + e.name + "/N=" + std::to_string(n) + "/" + cell,
                           json{{"kind", "table2"},
                                {"cell", cell},
                                {"data", data_to_json(d)},
                                {"n_levels", n},
                                {"sigma_min", e.smin},
                                {"sigma_max", e.smax},
                                {"eta", 0.1},
                                {"constants", constants_to_json(BoundConstants{})}}});
    // ---- crossover grid ----------------------------------------------------------------------------
    std::vector<GaussianDataSpec> g_data{iso_data(1, 0.25, 1.0), dyadic_data(1024, 1.0, 0.0)};
    std::vector<int> g_n{8, 16, 32, 64, 128, 256, 512, 1024};
    std::vector<double> etas = kEtas;
    if (smoke) g_data.resize(1), g_n = {16, 64, 256}, etas = {0.0, 0.01, 0.3};
    if (full) g_n.push_back(2048), g_n.push_back(4096), g_data.push_back(iso_data(64, 1.0, 0.0));
    for (const std::string model : {"c", "eps"})
      for (const auto& d : g_data)
        for (double eta : etas)
          for (int n : g_n)
            for (const std::string which : {"edm", "geometric"})
              out.push_back({"grid/" + model + "/" + data_label(d) + "/" + eta_name(eta) + "/N=" + std::to_string(n) +
                                 "/" + which,
                             json{{"kind", "grid"},
                                  {"model", model},
                                  {"data", data_to_json(d)},
                                  {"schedule", schedule_to_json(make_schedule(which, n, 0.002, 80.0))},
                                  {"eta", eta},
                                  {"constants", constants_to_json(BoundConstants{})}}});
    // ---- best ρ --------------------------------------------------------------------------------------
    std::vector<int> r_n{32, 256};
    if (smoke)
      r_n = {64}, etas = {0.0, 0.3};
    else
      etas = kEtas;
    for (const std::string model : {"c", "eps"})
      for (const auto& d : std::vector<GaussianDataSpec>{iso_data(1, 0.25, 1.0), dyadic_data(1024, 1.0, 0.0)})
        for (int n : r_n)
          for (double eta : etas)
            out.push_back({"rho/" + model + "/" + data_label(d) + "/N=" + std::to_string(n) + "/" + eta_name(eta),
                           json{{"kind", "rho"},
                                {"model", model},
                                {"data", data_to_json(d)},
                                {"n_levels", n},
                                {"sigma_min", 0.002},
                                {"sigma_max", 80.0},
                                {"eta", eta},
                                {"constants", constants_to_json(BoundConstants{})}}});
    return out;
  }

  /// Reads the case's parameters without running it (Check::validate on main: config files are checked
  /// before a run starts; not marked override so that this branch builds against the older interface).
  ParamSchema parameters() const override { return schedules_schema(); }

  /// Beyond the schema: the schedules' own validation (sigma_min < sigma_max, ...), the nested readers.
  void validate_case(const CaseSpec& spec) const override {
    const ParamSchema& sc = schedules_schema();
    const json& p = spec.params;
    if (sc.string(p, "kind") == "grid")
      schedule_from_json(sc.value(p, "schedule"));
    else
      validate_schedule(ScheduleSpec::edm(static_cast<int>(sc.integer(p, "n_levels")), sc.number(p, "sigma_min"),
                                          sc.number(p, "sigma_max"), 7.0));
    data_from_json(sc.value(p, "data"));
    constants_from_json(sc.value(p, "constants"));
  }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    schedules_schema().validate(spec.params);
    const std::string kind = schedules_schema().string(spec.params, "kind");
    if (kind == "table2") return run_table2(spec, ctx, r);
    if (kind == "grid") return run_grid(spec, ctx, r);
    if (kind == "rho") return run_rho(spec, ctx, r);
    throw ParamError("kind: expected table2, grid or rho, got '" + kind + "'");
  }

  Summary summarize(const std::vector<CaseResult>& results) const override;

 private:
  static double read_eta(const json& p) { return schedules_schema().number(p, "eta"); }

  CaseResult run_table2(const CaseSpec& spec, const RunContext& ctx, CaseResult& r) const {
    const std::string cell = schedules_schema().string(spec.params, "cell");
    const auto data_spec = data_from_json(spec.params.at("data"));
    const int n = static_cast<int>(schedules_schema().integer(spec.params, "n_levels"));
    const double smin = schedules_schema().number(spec.params, "sigma_min"),
                 smax = schedules_schema().number(spec.params, "sigma_max");
    const double eta = read_eta(spec.params);
    const auto k = constants_from_json(spec.params.at("constants"));
    const auto edm = make_schedule("edm", n, smin, smax), geo = make_schedule("geometric", n, smin, smax);
    const LevelScoreSpec model = score_model(cell == "E_S(eps)" ? "eps" : "c", eta);
    with_scalar_safe(ctx, r, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto ee = evaluate_gaussian(data, noise_levels<Real>(edm), model, k.kappa_max);
      const auto eg = evaluate_gaussian(data, noise_levels<Real>(geo), model, k.kappa_max);
      const auto& fe = ee.forms;
      const auto& fg = eg.forms;
      // Constant-free (issue 16: no fitted constant inside a VERIFIED case): both schedules share sigma_min,
      // sigma_max and N, so E_I is the same on both sides and each cell compares one term's form, F_S or F_D,
      // between the schedules; C_S, C_D > 0 (whatever their values) cannot change the sign.
      if (cell != "E_D+E_I") {
        if (ctx.mutant == "es_reversed")
          r.compare(fg.score, fe.score);  // the mutant: geometric's F_S is the smaller
        else
          r.compare(fe.score, fg.score);  // claim: EDM's F_S is the smaller
        r.term("edm", fe.score), r.term("geometric", fg.score);
      } else {
        const Real e = fe.discretization, g = fg.discretization;
        if (ctx.mutant == "ed_reversed")
          r.compare(e, g);  // the mutant: EDM's E_D + E_I is the smaller
        else
          r.compare(g, e);  // claim: geometric's E_D + E_I is the smaller
        r.term("edm", e), r.term("geometric", g);
      }
      r.term("kappa_edm", fe.geometry.kappa), r.term("kappa_geometric", fg.geometry.kappa);
    });
    if (r.verdict == Verdict::violated)
      r.reason = "the encoded " + cell + " prefers the other schedule here (Table 2 as deduced in PAPER §3.3 says " +
                 (cell != "E_D+E_I" ? "EDM" : "geometric") + "); " + r.reason;
    return r;
  }

  CaseResult run_grid(const CaseSpec& spec, const RunContext& ctx, CaseResult& r) const {
    const auto data_spec = data_from_json(spec.params.at("data"));
    const auto sched = schedule_from_json(spec.params.at("schedule"));
    const double eta = read_eta(spec.params);
    const auto k = constants_from_json(spec.params.at("constants"));
    const auto model = score_model(schedules_schema().string(spec.params, "model"), eta);
    with_scalar_safe(ctx, r, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto e = evaluate_gaussian(data, noise_levels<Real>(sched), model, k.kappa_max);
      const auto& a = e.a;
      const Real& kl = e.kl;
      const auto& f = e.forms;
      const auto t = derived_terms(a, data, f, eta, ctx.mutant);
      const double ops = 40.0 * static_cast<double>(a.size()) * static_cast<double>(data.modes.size() + 1);
      r.compare(kl, t.total(), a_priori_estimate(ctx.scalar, ops, mid_double(t.total()), mid_double(kl)));
      r.term("E_I", t.init), r.term("E_D", t.discretization), r.term("E_S", t.score);
      r.term("B_fitted_shape", bound_terms(f, k, eta, "").total());
      record_step_geometry(r, f.geometry);
    });
    return r;
  }

  CaseResult run_rho(const CaseSpec& spec, const RunContext& ctx, CaseResult& r) const {
    const auto data_spec = data_from_json(spec.params.at("data"));
    const int n = static_cast<int>(schedules_schema().integer(spec.params, "n_levels"));
    const double smin = schedules_schema().number(spec.params, "sigma_min"),
                 smax = schedules_schema().number(spec.params, "sigma_max");
    const double eta = read_eta(spec.params);
    const auto k = constants_from_json(spec.params.at("constants"));
    const auto model = score_model(schedules_schema().string(spec.params, "model"), eta);
    validate_schedule(ScheduleSpec::edm(n, smin, smax, 7.0));
    const auto dd = make_data<double>(data_spec);
    const auto [rho_true, kl_best] = minimise_log(
        [&](double rho) { return eval_rho(dd, n, smin, smax, rho, model, k, eta, ctx.mutant).kl; }, kRhoLo, kRhoHi);
    const auto [rho_bound, bound_best] = minimise_log(
        [&](double rho) { return eval_rho(dd, n, smin, smax, rho, model, k, eta, ctx.mutant).bound; }, kRhoLo, kRhoHi);
    const double kl_geo =
        evaluate_gaussian(dd, noise_levels<double>(ScheduleSpec::geometric(n, smin, smax)), model, k.kappa_max).kl;
    const double kl_at_bound_rho = eval_rho(dd, n, smin, smax, rho_bound, model, k, eta, ctx.mutant).kl;
    const double kl_edm7 = eval_rho(dd, n, smin, smax, 7.0, model, k, eta, ctx.mutant).kl;
    // Judge the encoded bound at the bound's ρ in the run's scalar (ρ itself is the double found).
    with_scalar_safe(ctx, r, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto e = evaluate_gaussian(
          data, edm_levels<Real>(n, decimal<Real>(smin), decimal<Real>(smax), Real(rho_bound)), model, k.kappa_max);
      const auto& a = e.a;
      const Real& kl = e.kl;
      const auto& f = e.forms;
      const auto t = derived_terms(a, data, f, eta, ctx.mutant);
      const double ops = 40.0 * static_cast<double>(a.size()) * static_cast<double>(data.modes.size() + 1);
      r.compare(kl, t.total(), a_priori_estimate(ctx.scalar, ops, mid_double(t.total()), mid_double(kl)));
      r.term("B_fitted_shape", bound_terms(f, k, eta, "").total());
      record_step_geometry(r, f.geometry);
    });
    r.term("rho_true", rho_true), r.term("rho_bound", rho_bound);
    r.term("KL_at_rho_true", kl_best), r.term("KL_at_rho_bound", kl_at_bound_rho);
    r.term("bound_at_rho_bound", bound_best);
    r.term("KL_edm7", kl_edm7), r.term("KL_geometric", kl_geo);
    return r;
  }
};

Summary SamplingSchedules::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  // ---- Table 2 -----------------------------------------------------------------------------------------
  Table t2;
  t2.id = "table2";
  t2.title = "Table 2 cells on the encoded bound: EDM rho = 7 vs geometric, same endpoints";
  t2.columns = {"data",         "endpoints",          "N",
                "E_S(c) edm",   "E_S(c) geometric",   "E_S(c) better",
                "E_S(eps) edm", "E_S(eps) geometric", "E_S(eps) better",
                "E_D+E_I edm",  "E_D+E_I geometric",  "E_D+E_I better"};
  std::map<std::string, std::map<std::string, std::pair<double, double>>> cells;  // prefix -> cell -> (edm, geo)
  std::vector<std::string> cell_order;
  std::map<std::string, int> agree, total;
  for (const auto& r : results) {
    if (r.params.value("kind", "") != "table2" || !r.error.empty() || !r.measured) continue;
    // The sweep's cells only: a falsifier case (id falsify/...) is a Table 2 cell too, but no row of the table.
    if (r.case_id.rfind("table2/", 0) != 0) continue;
    const std::string cell = r.params.value("cell", "");
    const std::string prefix = r.case_id.substr(0, r.case_id.rfind('/'));
    if (!cells.count(prefix)) cell_order.push_back(prefix);
    cells[prefix][cell] = {term_mid(r, "edm"), term_mid(r, "geometric")};
    ++total[cell];
    agree[cell] += r.verdict == Verdict::verified || r.verdict == Verdict::holds;
  }
  for (const auto& prefix : cell_order) {
    // prefix = table2/<data>/ends=<e>/N=<n>
    std::vector<std::string> parts;
    std::size_t p0 = 0;
    for (std::size_t p; (p = prefix.find('/', p0)) != std::string::npos; p0 = p + 1)
      parts.push_back(prefix.substr(p0, p - p0));
    parts.push_back(prefix.substr(p0));
    if (parts.size() < 4) continue;
    const auto& c = cells[prefix];
    std::vector<json> row{parts[1], parts[2].substr(5), std::stod(parts[3].substr(2))};
    for (const char* k : {"E_S(c)", "E_S(eps)", "E_D+E_I"}) {
      if (!c.count(k)) {
        row.insert(row.end(), {nullptr, nullptr, nullptr});
        continue;
      }
      const auto v = c.at(k);
      row.insert(row.end(), {v.first, v.second, v.first < v.second ? "edm" : "geometric"});
    }
    t2.rows.push_back(row);
  }
  t2.caption =
      "Deduced Table 2 (PAPER §3.3): EDM better on E_S, geometric better on E_D + E_I. Each cell is a case "
      "(interval comparison of the encoded terms at eta = 0.1; the factor eta^2 cancels). E_S(c): the exact "
      "Gaussian error of the scaled score c = 1 - eta; E_S(eps): an error uniform on the noise-prediction "
      "scale, eps_k^2 = d eta^2/sigma_k^2.";
  if (!t2.rows.empty()) s.tables.push_back(t2);
  for (const char* cell : {"E_S(c)", "E_S(eps)", "E_D+E_I"})
    if (total[cell] > 0)
      s.notes.push_back(fmt::format(
          "Table 2 cell {}: the encoded bound agrees with the deduced direction ({}) in {} of "
          "{} (data, endpoints, N) cases{}.",
          cell, std::string(cell) == "E_D+E_I" ? "geometric better" : "EDM better", agree[cell], total[cell],
          agree[cell] == total[cell] ? ""
                                     : " (the others are VIOLATED cases: the encoded E_S of "
                                       "this error model prefers geometric levels)"));

  // ---- crossover maps ------------------------------------------------------------------------------
  struct Cell {
    double kl_edm = NAN, kl_geo = NAN, b_edm = NAN, b_geo = NAN;
  };
  std::map<std::string, std::map<std::pair<double, double>, Cell>> grid;  // model/data -> (eta, N) -> cell
  std::vector<std::string> map_order;
  for (const auto& r : results) {
    if (r.params.value("kind", "") != "grid" || !r.error.empty() || !r.measured || !r.bound) continue;
    const std::string key =
        r.params.value("model", "?") + "/" +
        r.case_id.substr(r.case_id.find('/', 5) + 1,
                         r.case_id.find('/', r.case_id.find('/', 5) + 1) - r.case_id.find('/', 5) - 1);
    const double eta = r.params.value("eta", 0.0);
    const auto& sj = r.params.value("schedule", json::object());
    const double n = sj.value("n_levels", 0.0);
    if (!grid.count(key)) map_order.push_back(key);
    auto& c = grid[key][{eta, n}];
    if (sj.value("kind", "") == "edm")
      c.kl_edm = r.measured->mid, c.b_edm = r.bound->mid;
    else
      c.kl_geo = r.measured->mid, c.b_geo = r.bound->mid;
  }
  for (const auto& key : map_order) {
    const std::string model = key.substr(0, key.find('/')), data = key.substr(key.find('/') + 1);
    const std::string model_text = model == "c" ? "score c = 1 - eta" : "bias eta/sigma_k (noise-prediction scale)";
    Figure ft, fb, fa;
    for (Figure* f : {&ft, &fb, &fa}) {
      f->kind = "heatmap";
      f->xlabel = "N (noise levels)";
      f->ylabel = fmt::format("score error eta (eta = 0 drawn at {:g})", kEtaZeroPlot);
      f->logx = f->logy = true;
    }
    ft.id = safe_id("crossover_true_" + key);
    ft.title = "True KL: log10(KL_geometric / KL_edm), " + data + ", " + model_text + " (> 0: EDM better)";
    ft.zlabel = "log10(KL_geo / KL_edm)";
    fb.id = safe_id("crossover_bound_" + key);
    fb.title = "Encoded bound: log10(bound_geometric / bound_edm), " + data + ", " + model_text + " (> 0: EDM better)";
    fb.zlabel = "log10(B_geo / B_edm)";
    fa.id = safe_id("crossover_agreement_" + key);
    fa.title = "Do the bound and the true KL prefer the same schedule? " + data + ", " + model_text;
    fa.zlabel = "+1 agree, -1 disagree";
    Series st{"true", "measured", {}, {}, {}, {}, {}}, sb{"bound", "bound", {}, {}, {}, {}, {}},
        sa{"agreement", "other", {}, {}, {}, {}, {}};
    Table tm;
    tm.id = safe_id("crossover_" + key);
    tm.title = "Preferred schedule per (eta, N), " + data + ", " + model_text;
    tm.columns = {"eta",           "N",    "KL edm", "KL geometric", "true prefers", "bound edm", "bound geometric",
                  "bound prefers", "agree"};
    int n_agree = 0, n_cells = 0;
    std::map<double, std::pair<std::set<std::string>, std::set<std::string>>> per_eta;  // eta -> (true, bound)
    for (const auto& [k, c] : grid[key]) {
      if (!std::isfinite(c.kl_edm) || !std::isfinite(c.kl_geo)) continue;
      const double y = k.first > 0 ? k.first : kEtaZeroPlot;
      const double zt = std::log10(c.kl_geo / c.kl_edm), zb = std::log10(c.b_geo / c.b_edm);
      const bool agree_here = (zt > 0) == (zb > 0);
      st.x.push_back(k.second), st.y.push_back(y), st.z.push_back(zt);
      sb.x.push_back(k.second), sb.y.push_back(y), sb.z.push_back(zb);
      sa.x.push_back(k.second), sa.y.push_back(y), sa.z.push_back(agree_here ? 1.0 : -1.0);
      ++n_cells;
      n_agree += agree_here;
      per_eta[k.first].first.insert(zt > 0 ? "edm" : "geometric");
      per_eta[k.first].second.insert(zb > 0 ? "edm" : "geometric");
      tm.rows.push_back({k.first, k.second, c.kl_edm, c.kl_geo, zt > 0 ? "edm" : "geometric", c.b_edm, c.b_geo,
                         zb > 0 ? "edm" : "geometric", agree_here ? "yes" : "NO"});
    }
    ft.series.push_back(st), fb.series.push_back(sb), fa.series.push_back(sa);
    ft.caption = "Exact KL of the two schedules with endpoints [0.002, 80]; positive: EDM rho = 7 has the smaller KL.";
    fb.caption = "Encoded bound E_I + E_D + E_S (committed constants); positive: EDM has the smaller bound.";
    fa.caption = "+1 where the schedule preferred by the encoded bound also has the smaller true KL.";
    tm.caption = fmt::format("The bound and the truth prefer the same schedule in {} of {} cells.", n_agree, n_cells);
    s.figures.push_back(ft), s.figures.push_back(fb), s.figures.push_back(fa);
    s.tables.push_back(tm);
    std::string line = data + ", " + model_text + ": ";
    for (const auto& [eta, prefs] : per_eta)
      line +=
          fmt::format("eta={}: truth prefers {}, bound prefers {}; ", shortest_decimal(eta),
                      fmt::format("{}", fmt::join(prefs.first, "+")), fmt::format("{}", fmt::join(prefs.second, "+")));
    s.notes.push_back(line + fmt::format("agreement in {} of {} cells.", n_agree, n_cells));
  }
  s.notes.push_back(
      "PAPER's direction (final abstract): well-trained score -> Song (geometric) preferable, less trained "
      "-> Karras (EDM) preferable. Compare with the 'truth prefers' statements above; PAPER §6.3.5 warns "
      "that with the exact score EDM rho = 7 wins in true KL on the §6.1 example.");

  // ---- best ρ --------------------------------------------------------------------------------------
  CurvePairs rho_curves("rho* true KL, ", "rho* bound, ");  // per model/data/N: (true, bound) vs eta
  Table tr;
  tr.id = "best_rho";
  tr.title = "EDM rho minimising the true KL and the encoded bound (rho in [1, 1000]; 1000 = the geometric end)";
  tr.columns = {"model",
                "data",
                "N",
                "eta",
                "rho* (true KL)",
                "rho* (bound)",
                "KL at rho* true",
                "KL at rho* bound",
                "KL at rho = 7",
                "KL geometric"};
  for (const auto& r : results) {
    if (r.params.value("kind", "") != "rho" || !r.error.empty()) continue;
    const double n = r.params.value("n_levels", 0.0), eta = r.params.value("eta", 0.0);
    std::string data = "?";
    try {
      data = data_label(data_from_json(r.params.at("data")));
    } catch (...) {
    }
    const std::string model = r.params.value("model", "?");
    const std::string key = model + "/" + data + "/N=" + shortest_decimal(n);
    rho_curves.add(key, eta > 0 ? eta : kEtaZeroPlot, term_mid(r, "rho_true"), term_mid(r, "rho_bound"));
    tr.rows.push_back({model, data, n, eta, term_mid(r, "rho_true"), term_mid(r, "rho_bound"),
                       term_mid(r, "KL_at_rho_true"), term_mid(r, "KL_at_rho_bound"), term_mid(r, "KL_edm7"),
                       term_mid(r, "KL_geometric")});
  }
  if (!rho_curves.empty()) {
    Figure f;
    f.id = "best_rho";
    f.title = "Best EDM rho as a function of the score error";
    f.xlabel = fmt::format("score error eta (eta = 0 drawn at {:g})", kEtaZeroPlot);
    f.ylabel = "rho*";
    f.logx = f.logy = true;
    rho_curves.append_to(f);
    f.caption =
        "Golden-section search in log rho on [1, 1000] after a 33-point scan; rho -> infinity is the "
        "geometric schedule, so rho* = 1000 means 'geometric or beyond'.";
    s.figures.push_back(std::move(f));
    s.tables.push_back(tr);
    for (const auto& key : rho_curves.labels()) {
      const Series &t = rho_curves.measured(key), &b = rho_curves.bound(key);
      std::string line = "best rho, " + key + ": ";
      for (std::size_t i = 0; i < t.x.size(); ++i)
        line +=
            fmt::format("eta={:g}: true {:.3g}, bound {:.3g}; ", t.x[i] == kEtaZeroPlot ? 0.0 : t.x[i], t.y[i], b.y[i]);
      s.notes.push_back(line);
    }
  }
  return s;
}

}  // namespace
}  // namespace diffbound::checks::sampling_schedules_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::sampling_schedules_check::SamplingSchedules)
