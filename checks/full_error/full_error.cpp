// Check full.error: the KL of the VE exponential-integrator sampler that uses a trained score network,
// against the composed bound E_I + E_D + E_S of theory/full_error.hpp (PAPER §3 table).
//
// A case: a 1-D or 2-D law, a training run (network, loss, GD budget) on n points of the law, a replicate index
// (seeds), and the sampler's schedule. The network is trained once per (law, training, n, replicate) in a
// process (memoised; cases that differ only in the schedule share it). The true KL of the sampler's output
// is the grid propagation of numerics/density_grid.hpp at two resolutions (error = their difference); the
// network's score errors ε_k² at the sampler's levels are quadratures at two resolutions (error likewise).
// Verdict: KL ≤ E_I + E_D + E_S with error estimate KL error + C_S × (score-form error): HOLDS, VIOLATED,
// or INCONCLUSIVE (the margin within the error estimate, the grid propagation impossible because the
// network's step map folds, or a failed comparison outside the step condition κ ≤ κ_max). The exact
// Girsanov right-hand side with the network's errors (C_S = ½, the exact discretization term, the exact
// initialization KL) is recorded as a second, constant-free comparison.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/checks/sampling/common.hpp>
#include <diffbound/checks/summary.hpp>

#include <diffbound/numerics/network_sampling.hpp>
#include <diffbound/numerics/random.hpp>
#include <diffbound/theory/full_error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace diffbound::checks {

// The file's helpers sit in a namespace of their own so that a unity build does not mix them with
// another check's; trained_for and judge_sampler belong to checks/full_error/common.hpp.
namespace full_error_detail {
namespace {

// ---------------------------------------------------------------------------------------------
// Case parameters.

DataLaw gauss_law() { return DataLaw::line({1.0}, {1.0}, {0.5}); }
DataLaw mix_law() { return DataLaw::line({0.5, 0.5}, {-1.5, 1.5}, {0.5, 0.5}); }
// 2-D: a Gaussian off the origin and two components on the diagonal (not aligned with the grid's axes, so
// the propagation is genuinely 2-D although, rotated, the law is a product: the tests use that route).
DataLaw gauss2_law() { return DataLaw{{1.0}, {{1.0, 0.5}}, {0.5}}; }
DataLaw mix2_law() { return DataLaw{{0.5, 0.5}, {{-1.0, -1.0}, {1.0, 1.0}}, {0.5, 0.5}}; }

json base_training(Size size) {
  // Raw inputs z = (x c_in, ¼ ln σ, 1): with the unit-sphere normalisation of the training checks the input at
  // σ = 1 is (x c_in, 0)/‖·‖, a step function of x, and the sampler's map x + Δ S(x) folds (no density).
  json network{{"width", size == Size::smoke ? 32 : 64}, {"depth", 2}, {"input_normalisation", "raw"}};
  json loss{{"grid", schedule_to_json(ScheduleSpec::geometric(9, 0.02, 80.0))}, {"weight", "inv_sigma"}};
  json gd{{"step_rel", 0.5}, {"max_steps", size == Size::smoke ? 200 : 1000}};
  return json{{"network", network}, {"loss", loss}, {"gd", gd}};
}

/// EDM ρ = 7 levels on [0.02, 80]; the smoke size samples on [0.1, 10] in 1-D and on [0.3, 5] in 2-D (inside
/// the trained range): the grid of the density propagation scales with σ_max/σ_min per axis, and smoke must
/// take seconds (the 2-D case on [0.1, 10] took 9 s alone, the critical path of every smoke run).
LevelsSpec sampler_levels(int n, bool smoke = false, int dims = 1) {
  if (!smoke) return LevelsSpec::of(ScheduleSpec::edm(n, 0.02, 80.0, 7.0));
  return LevelsSpec::of(dims == 1 ? ScheduleSpec::edm(n, 0.1, 10.0, 7.0) : ScheduleSpec::edm(n, 0.3, 5.0, 7.0));
}

struct FeCase {
  DataLaw law;
  json training;
  int samples = 16;
  int replicate = 0;
  LevelsSpec levels;
  BoundConstants constants;
};

const ParamSchema& full_error_schema() {
  static const ParamSchema s{{
      ParamSpec::object("law", "the data law, 1-D or 2-D (law_from_json: weights, means, sds)"),
      ParamSpec::object("training", "network, loss and gd of the trained denoiser (validate_training)"),
      ParamSpec::integer("samples", "training samples").ge(1).le(4096),
      ParamSpec::integer("replicate", "which independent training (seeds)").ge(0).le(1000).fallback(0),
      ParamSpec::object("schedule", "noise levels of the sampler (levels_from_json; at most 4096 levels)"),
      ParamSpec::object("constants", "C_D, C_S, kappa_max of sampling.bound (default: committed calibration)")
          .optional_key(),
  }};
  return s;
}

FeCase read_case(const json& p) {
  const ParamSchema& sc = full_error_schema();
  sc.validate(p);
  FeCase c;
  c.law = law_from_json(p.at("law"), "law");
  c.training = p.at("training");
  validate_training(c.training, "training");
  c.samples = static_cast<int>(sc.integer(p, "samples"));
  c.replicate = static_cast<int>(sc.integer(p, "replicate"));
  c.levels = levels_from_json(p.at("schedule"), "schedule");
  if (c.levels.levels() > 4096) throw ParamError("schedule.n_levels: at most 4096 here (grid propagation)");
  c.constants = p.contains("constants") ? constants_from_json(p.at("constants")) : BoundConstants{};
  return c;
}

json case_json(const DataLaw& law, const json& training, int samples, int replicate, const LevelsSpec& levels) {
  return json{{"law", law_to_json(law)},
              {"training", training},
              {"samples", samples},
              {"replicate", replicate},
              {"schedule", levels_to_json(levels)},
              {"constants", constants_to_json(BoundConstants{})}};
}

// ---------------------------------------------------------------------------------------------
// Trained networks, memoised per process (one training per law, training, n and replicate).

struct MemoEntry {
  std::once_flag once;
  TrainedNetwork net;
  std::string error;
};

}  // namespace
}  // namespace full_error_detail
using namespace full_error_detail;

/// The training key of a case and its trained network (shared with design.weighting).
const TrainedNetwork& trained_for(const DataLaw& law, const json& training, int samples, int replicate,
                                  const std::vector<double>& total_weights) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<MemoEntry>> memo;
  // The seeds derive from the law, the loss, n and the replicate only (not from the network, the GD budget or
  // the weights), so that runs with different budgets, widths or weightings share the data and the noise
  // draws, and runs of the same width share the initial network: the comparisons are paired, and a longer
  // run continues a shorter one.
  const std::string seed_key = law_to_json(law).dump() + training.value("loss", json::object()).dump() + "/" +
                               std::to_string(samples) + "/" + std::to_string(replicate);
  const std::string key = seed_key + training.dump() + json(total_weights).dump();
  std::shared_ptr<MemoEntry> e;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = memo[key];
    if (!slot) slot = std::make_shared<MemoEntry>();
    e = slot;
  }
  std::call_once(e->once, [&] {
    try {
      const std::uint64_t h = hash_name(seed_key);
      const Eigen::MatrixXd x0 = draw_law(law, samples, mix64(h ^ 0x1111));
      e->net = train_network(training, x0, mix64(h ^ 0x2222), mix64(h ^ 0x3333), total_weights);
    } catch (const std::exception& ex) {
      e->error = ex.what();
    }
  });
  if (!e->error.empty()) throw std::runtime_error("training: " + e->error);
  return e->net;
}

std::vector<MutantInfo> full_error_mutants() {
  // The score term carries the composed bound (fitted C_S ~ 17.5 times Girsanov's exact 1/2, absorbing the
  // small fitted C_D): mutants of E_I, E_D or of the discretization form (a dropped init or discretization
  // term, kappa^3, no log-span factor) are not refutable on the domain. The mutants act on the score term.
  return {
      {"drop_score", "dropped term", "KL <= E_I + E_D: no score-error term (the O(1) floor claimed absent)"},
      {"score_per_step", "rate claimed faster",
       "E_S = C_S (1/N) sum_k (a_k - a_{k+1}) eps_k^2: the score errors averaged over the N steps, not summed "
       "(the score term claimed to vanish as N grows)"},
      {"uniform_error", "score error claimed uniform",
       "E_S = C_S (a_0 - a_{N-1}) eps_0^2: the score error claimed uniform over the levels, at its value at the "
       "largest level (where the network's error is smallest)"},
  };
}

/// Runs the sampler with a trained network and fills r (shared with design.weighting): terms, data, and
/// the comparison KL ≤ E_I + E_D + E_S.
void judge_sampler(CaseResult& r, const DataLaw& law, const TrainedNetwork& tn, const LevelsSpec& levels,
                   const BoundConstants& k, const std::string& mutant) {
  const auto sigma = levels.sigmas<double>();
  const auto a = variances(sigma);
  const SamplerEvaluation ev = evaluate_sampler(law, *tn.score, sigma);
  auto cb = full_error::composed_bound<double>(a, static_cast<double>(law.dimension()), ev.m2, ev.eps_sq, k.C_D, k.C_S,
                                               k.kappa_max);
  if (!mutant.empty()) {
    // The mutant's form of the score term, through the same constant C_S and the same errors eps_k^2.
    if (mutant == "drop_score") cb.terms.score = 0;
    if (mutant == "score_per_step") cb.terms.score /= static_cast<double>(sigma.size());
    if (mutant == "uniform_error" && !ev.eps_sq.empty())
      cb.terms.score = k.C_S * (a.front() - a.back()) * ev.eps_sq.front();
  }
  const double girsanov_score = ev.score_form / 2;
  const double girsanov_total = ev.girsanov_init + ev.girsanov_discretization + girsanov_score;
  r.term("E_I", cb.terms.init), r.term("E_D", cb.terms.discretization), r.term("E_S", cb.terms.score);
  r.term("F_D", cb.forms.discretization), r.term("F_S", ev.score_form), r.term("F_S_error", ev.eps_error);
  r.term("m2_squared", ev.m2);
  r.term("girsanov_init", ev.girsanov_init), r.term("girsanov_discretization", ev.girsanov_discretization);
  r.term("girsanov_score", girsanov_score), r.term("girsanov_total", girsanov_total);
  r.term("girsanov_quadrature_difference", ev.girsanov_error);
  r.term("mean_score_error_sq", ev.score_form / (a.front() - a.back()));
  r.term("final_loss", tn.loss.back()), r.term("initial_loss", tn.loss.front());
  r.term("gd_steps", static_cast<double>(tn.steps)), r.term("gd_step_size", tn.h);
  json eps = json::array();
  for (std::size_t i = 0; i < ev.eps_sq.size(); ++i) eps.push_back({sigma[i], ev.eps_sq[i]});
  r.data["eps_sq_by_sigma"] = eps;
  r.data["N"] = static_cast<int>(sigma.size());
  if (!ev.failure.empty()) {
    r.verdict = Verdict::inconclusive;
    r.reason = "the sampler's density could not be propagated on the grid (" + ev.failure +
               "): the trained network's step map x + Delta_k S(x) folds; no KL measured";
    r.term("kappa", cb.forms.geometry.kappa);
    return;
  }
  r.term("KL", ev.kl), r.term("KL_resolution_difference", ev.kl_error);
  r.term("girsanov_margin", girsanov_total - ev.kl);
  r.term("girsanov_error_estimate", ev.kl_error + ev.girsanov_error + ev.eps_error / 2);
  r.compare(ev.kl, cb.total(), ev.kl_error + k.C_S * ev.eps_error);
  apply_step_condition(r, cb.forms.geometry, k.kappa_max);
}

namespace full_error_detail {
namespace {

double term_or_nan(const CaseResult& r, const char* name) {
  if (!r.terms.contains(name)) return std::numeric_limits<double>::quiet_NaN();
  return r.terms.at(name).at("mid").get<double>();
}

class FullError final : public Check {
 public:
  ClaimInfo claim() const override { return full_error::claim(); }
  std::vector<ScalarKind> scalar_kinds() const override { return {ScalarKind::float64}; }

  std::vector<MutantInfo> mutants() const override { return full_error_mutants(); }

  std::optional<Domain> domain() const override {
    using S = DomainParam::Scale;
    Domain dm;
    dm.params = {
        {"law", S::choice, 0, 0, {"gauss", "mix"}, "1-D law: N(1, 0.5^2) or the mixture of N(+-1.5, 0.5^2)"},
        {"m", S::log_integer, 16, 64, {}, "width (depth 2)"},
        {"steps", S::integer, 0, 400, {}, "GD steps (step_rel 0.5; 0 = the untrained network)"},
        {"n", S::log_integer, 4, 32, {}, "training samples"},
        {"N", S::log_integer, 8, 64, {}, "sampler levels (EDM rho = 7)"},
        {"sigma_min", S::log, 0.05, 0.5, {}, "sampler's smallest level"},
        {"sigma_max", S::log, 5, 20, {}, "sampler's largest level"},
    };
    dm.constraints = {"the sampler's levels inside the trained range [0.02, 80] (training grid: geometric, 9 levels)",
                      "step condition kappa <= kappa_max = 1 (else the comparison is INCONCLUSIVE)",
                      "the network's step map must not fold (else no density: INCONCLUSIVE)"};
    dm.make = [](const std::vector<double>& x) {
      json t = base_training(Size::smoke);
      t["network"]["width"] = std::lround(x[1]);
      t["gd"]["max_steps"] = std::lround(x[2]);
      return case_json(x[0] < 0.5 ? gauss_law() : mix_law(), t, static_cast<int>(std::lround(x[3])), 0,
                       LevelsSpec::of(ScheduleSpec::edm(static_cast<int>(std::lround(x[4])), x[5], x[6], 7.0)));
    };
    dm.label = [](const std::vector<double>& x) {
      return fmt::format("{}/m={}/steps={}/n={}/N={}/sigma={:.3g}..{:.3g}", x[0] < 0.5 ? "gauss" : "mix",
                         std::lround(x[1]), std::lround(x[2]), std::lround(x[3]), std::lround(x[4]), x[5], x[6]);
    };
    dm.run_budget = {32, 32, 64};
    return dm;
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    std::set<std::string> seen;
    const bool smoke = size == Size::smoke, full = size == Size::full;
    const json base = base_training(size);
    const int samples = 16;
    auto add = [&](const DataLaw& law, const json& training, int n) {
      const std::string id = law.label() + "/m=" + std::to_string(training["network"]["width"].get<int>()) +
                             "/steps=" + std::to_string(training["gd"]["max_steps"].get<long>()) +
                             "/N=" + std::to_string(n);
      if (!seen.insert(id).second) return;
      out.push_back({id, case_json(law, training, samples, 0, sampler_levels(n, smoke, law.dimension()))});
    };
    std::vector<DataLaw> laws{gauss_law(), mix_law()};
    if (smoke) laws = {gauss_law()};
    // KL vs N at fixed training.
    std::vector<int> ns = smoke ? std::vector<int>{8, 32} : std::vector<int>{8, 16, 32, 64, 128};
    if (full) ns.push_back(256), ns.push_back(512);
    const int n_fixed = smoke ? 32 : 64;
    for (const auto& law : laws)
      for (int n : ns) add(law, base, n);
    // KL vs training steps at fixed N.
    std::vector<long> steps = smoke ? std::vector<long>{0} : std::vector<long>{0, 100, 300, 3000};
    if (full) steps.push_back(10000);
    for (const auto& law : laws)
      for (long s : steps) {
        json t = base;
        t["gd"]["max_steps"] = s;
        add(law, t, n_fixed);
      }
    // KL vs width at fixed N and budget.
    std::vector<int> widths = smoke ? std::vector<int>{} : std::vector<int>{16, 32, 128};
    if (full) widths.push_back(256);
    for (const auto& law : full ? laws : std::vector<DataLaw>{laws.front()})
      for (int m : widths) {
        json t = base;
        t["network"]["width"] = m;
        add(law, t, n_fixed);
      }
    // 2-D data (tensor-grid propagation): KL vs N at the base training, and untrained vs longer training.
    std::vector<DataLaw> laws2{gauss2_law(), mix2_law()};
    if (smoke) laws2 = {gauss2_law()};
    // (N = 8 is left to the full size: its large steps spread the sampler's mass over wide 2-D grids, ~40 s.)
    std::vector<int> ns2 = smoke ? std::vector<int>{8} : std::vector<int>{16, 32, 64};
    if (full) ns2.insert(ns2.begin(), 8);
    for (const auto& law : laws2)
      for (int n : ns2) add(law, base, n);
    // Training time in 2-D: a longer run (default), and short ones (full size: networks trained for a few
    // hundred steps leave the sampler's far tails wide, so the grids, and the run, grow to minutes).
    std::vector<long> steps2 = smoke ? std::vector<long>{} : std::vector<long>{3000};
    if (full) steps2 = {0, 100, 300, 3000};
    for (const auto& law : full ? laws2 : std::vector<DataLaw>{gauss2_law()})
      for (long st : steps2) {
        json t = base;
        t["gd"]["max_steps"] = st;
        add(law, t, 16);
      }
    return out;
  }

  ParamSchema parameters() const override { return full_error_schema(); }
  void validate_case(const CaseSpec& spec) const override { (void)read_case(spec.params); }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    const FeCase c = read_case(spec.params);
    const TrainedNetwork& tn = trained_for(c.law, c.training, c.samples, c.replicate);
    r.data["law"] = c.law.label();
    r.data["width"] = c.training["network"].value("width", 64);
    r.data["gd_max_steps"] = c.training["gd"].value("max_steps", 1000L);
    r.data["schedule"] = c.levels.label();
    r.data["loss_curve"] = json::array();
    for (std::size_t i : thin(tn.loss.size(), 60)) r.data["loss_curve"].push_back({static_cast<double>(i), tn.loss[i]});
    if (tn.diverged) r.data["gd_diverged"] = true;
    judge_sampler(r, c.law, tn, c.levels, c.constants, ctx.mutant);
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override;

 private:
  static std::vector<std::size_t> thin(std::size_t n, std::size_t k) {
    std::vector<std::size_t> out;
    if (n == 0) return out;
    if (n <= k) {
      for (std::size_t i = 0; i < n; ++i) out.push_back(i);
      return out;
    }
    for (std::size_t j = 0; j < k; ++j) out.push_back(j * (n - 1) / (k - 1));
    return out;
  }
};

Summary FullError::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  Table t;
  t.id = "cases";
  t.title = "True KL of the sampler with the trained network against the composed bound";
  t.columns = {"case", "verdict", "KL",           "KL error",   "E_I",  "E_D",
               "E_S",  "bound",   "Girsanov RHS", "final loss", "kappa"};
  std::map<std::string, int> counts;
  // Groups: (law, width, steps) -> points by N; (law, N, width) -> points by steps; (law, N, steps) by width.
  struct Pt {
    double x, kl, err, bound, ei, ed, es, gir, gs;
  };
  std::map<std::string, std::vector<Pt>> by_n, by_steps, by_width;
  int girsanov_ok = 0, girsanov_total = 0;
  for (const auto& r : results) {
    if (!r.error.empty()) {
      ++counts["FAILED"];
      continue;
    }
    ++counts[to_string(r.verdict)];
    const double kl = term_or_nan(r, "KL");
    const double ei = term_or_nan(r, "E_I"), ed = term_or_nan(r, "E_D"), es = term_or_nan(r, "E_S");
    const double gir = term_or_nan(r, "girsanov_total");
    auto num = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
    t.rows.push_back({r.case_id, to_string(r.verdict), num(kl), num(term_or_nan(r, "KL_resolution_difference")),
                      num(ei), num(ed), num(es), r.bound ? json(r.bound->mid) : json(nullptr), num(gir),
                      num(term_or_nan(r, "final_loss")), num(term_or_nan(r, "kappa"))});
    if (!std::isfinite(kl) || !r.bound) continue;
    const double gm = term_or_nan(r, "girsanov_margin"), ge = term_or_nan(r, "girsanov_error_estimate");
    ++girsanov_total;
    if (gm > ge) ++girsanov_ok;
    const std::string law = r.data.value("law", "?");
    const int width = r.data.value("width", 0), n = r.data.value("N", 0);
    const long steps = r.data.value("gd_max_steps", 0L);
    const Pt p{0, kl, r.error_estimate, r.bound->mid, ei, ed, es, gir, term_or_nan(r, "girsanov_score")};
    Pt pn = p, ps = p, pw = p;
    pn.x = n, ps.x = static_cast<double>(steps) + 1, pw.x = width;
    by_n[fmt::format("{}, m={}, steps={}", law, width, steps)].push_back(pn);
    by_steps[fmt::format("{}, m={}, N={}", law, width, n)].push_back(ps);
    by_width[fmt::format("{}, steps={}, N={}", law, steps, n)].push_back(pw);
  }
  t.caption =
      "KL: grid propagation (finer of two resolutions; error = their difference). Bound = E_I + E_D + E_S "
      "with the committed constants of sampling.bound and the network's measured score errors. Girsanov RHS: "
      "the constant-free right-hand side init KL + exact discretization + (1/2) sum Delta_k eps_k^2.";
  s.tables.push_back(t);
  auto figure = [&](const std::map<std::string, std::vector<Pt>>& groups, const std::string& id,
                    const std::string& title, const std::string& xlabel, bool terms) {
    Figure f;
    f.id = id, f.title = title, f.xlabel = xlabel, f.ylabel = "nats", f.logx = true, f.logy = true;
    for (const auto& [key, pts] : groups) {
      if (pts.size() < 2) continue;
      Series kl{"KL, " + key, "measured", {}, {}, {}, {}, {}}, b{"E_I+E_D+E_S, " + key, "bound", {}, {}, {}, {}, {}};
      Series g{"Girsanov RHS, " + key, "other", {}, {}, {}, {}, {}};
      Series ei{"E_I, " + key, "reference", {}, {}, {}, {}, {}}, ed{"E_D, " + key, "reference", {}, {}, {}, {}, {}},
          es{"E_S, " + key, "reference", {}, {}, {}, {}, {}};
      for (const auto& p : pts) {
        kl.x.push_back(p.x), kl.y.push_back(p.kl), kl.y_lo.push_back(std::max(p.kl - p.err, p.kl * 1e-3)),
            kl.y_hi.push_back(p.kl + p.err);
        b.x.push_back(p.x), b.y.push_back(p.bound);
        g.x.push_back(p.x), g.y.push_back(p.gir);
        ei.x.push_back(p.x), ei.y.push_back(p.ei), ed.x.push_back(p.x), ed.y.push_back(p.ed);
        es.x.push_back(p.x), es.y.push_back(p.es);
      }
      f.series.push_back(sorted_by_x(kl)), f.series.push_back(sorted_by_x(b)), f.series.push_back(sorted_by_x(g));
      if (terms)
        f.series.push_back(sorted_by_x(ei)), f.series.push_back(sorted_by_x(ed)), f.series.push_back(sorted_by_x(es));
    }
    if (!f.series.empty()) s.figures.push_back(f);
    return !f.series.empty();
  };
  // KL vs N: 1-D and 2-D laws in two figures (four laws with six series each would not be readable in one).
  std::map<std::string, std::vector<Pt>> by_n_1d, by_n_2d;
  for (const auto& [key, pts] : by_n) (key.find("2d") != std::string::npos ? by_n_2d : by_n_1d)[key] = pts;
  const char* kl_vs_n_caption =
      "Points: true KL (band: grid error). Lines: E_I + E_D + E_S and its terms; E_D -> 0 with N "
      "while E_S tends to C_S times the integral of the network's squared score error: the "
      "floor that more steps cannot remove. Girsanov RHS: the constant-free bound.";
  if (figure(by_n_1d, "kl_vs_N",
             "KL of the sampler with the trained network vs N (1-D data), with the composed bound and its terms",
             "N (noise levels)", true))
    s.figures.back().caption = kl_vs_n_caption;
  if (figure(by_n_2d, "kl_vs_N_2d",
             "KL of the sampler with the trained network vs N (2-D data), with the composed bound and its terms",
             "N (noise levels)", true))
    s.figures.back().caption = std::string(kl_vs_n_caption) + " Density propagated on a 2-D tensor grid.";
  if (figure(by_steps, "kl_vs_steps", "KL vs GD training steps (+1) at fixed N", "GD steps + 1", false))
    s.figures.back().caption =
        "More training lowers the network's score error and with it E_S and the floor of the KL.";
  if (figure(by_width, "kl_vs_width", "KL vs network width m at fixed N and GD budget", "width m", false))
    s.figures.back().caption = "Width at a fixed GD budget (step 0.5 x 2/lambda_max of each network).";
  // Notes: verdict counts, floors, trends.
  std::string cnt;
  for (const auto& [v, n] : counts) cnt += (cnt.empty() ? "" : ", ") + fmt::format("{} {}", n, v);
  s.notes.push_back("Verdicts: " + cnt + ".");
  if (girsanov_total > 0)
    s.notes.push_back(
        fmt::format("Constant-free Girsanov right-hand side with the network's errors (init KL + exact "
                    "discretization + (1/2) sum Delta_k eps_k^2): KL below it beyond the error estimate in "
                    "{} of {} measured cases.",
                    girsanov_ok, girsanov_total));
  for (const auto& [key, pts0] : by_n) {
    if (pts0.size() < 3) continue;
    auto pts = pts0;
    std::sort(pts.begin(), pts.end(), [](const Pt& a, const Pt& b) { return a.x < b.x; });
    const Pt& lo = pts.front();
    const Pt& hi = pts.back();
    s.notes.push_back(fmt::format(
        "Floor ({}): from N={} to N={} the KL goes {:.3g} -> {:.3g}, E_D {:.3g} -> {:.3g}, E_S {:.3g} -> {:.3g} "
        "(score-error part of the Girsanov RHS at N={}: {:.3g}); the KL's non-vanishing part is the network's score "
        "error.",
        key, lo.x, hi.x, lo.kl, hi.kl, lo.ed, hi.ed, lo.es, hi.es, hi.x, hi.gs));
  }
  for (const auto& [key, pts0] : by_steps) {
    if (pts0.size() < 3) continue;
    auto pts = pts0;
    std::sort(pts.begin(), pts.end(), [](const Pt& a, const Pt& b) { return a.x < b.x; });
    std::string row;
    for (const auto& p : pts)
      row += (row.empty() ? "" : ", ") + fmt::format("{}: {:.3g} (E_S {:.3g})", p.x - 1, p.kl, p.es);
    s.notes.push_back(fmt::format("KL vs GD steps ({}): {}.", key, row));
  }
  for (const auto& [key, pts0] : by_width) {
    if (pts0.size() < 3) continue;
    auto pts = pts0;
    std::sort(pts.begin(), pts.end(), [](const Pt& a, const Pt& b) { return a.x < b.x; });
    std::string row;
    for (const auto& p : pts)
      row += (row.empty() ? "" : ", ") + fmt::format("m={}: {:.3g} (E_S {:.3g})", p.x, p.kl, p.es);
    s.notes.push_back(fmt::format("KL vs width ({}): {}.", key, row));
  }
  return s;
}

/// The composed bound for given levels, law and per-level score errors (no training): `diffbound bound full.error`.
class FullErrorBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return full_error::claim(); }
  std::string title() const override { return "Composed bound E_I + E_D + E_S with a given per-level score error"; }
  ParamSchema parameters() const override {
    ParamSchema s = full_error_schema().pick(
        {"law", "schedule"}, {{"law", law_to_json(gauss_law())}, {"schedule", levels_to_json(sampler_levels(64))}});
    s.params.push_back(ParamSpec::number("eps_sq_sigma2",
                                         "score error on the noise-prediction scale: eps_k^2 = eps_sq_sigma2/sigma_k^2")
                           .ge(0)
                           .fallback(0.1));
    s.params.push_back(constants_param());
    return s;
  }

 protected:
  /// The check's composed bound (full_error::composed_bound, as the run computes it) for a given score error.
  std::vector<BoundTerm> terms(const json& params, ScalarKind) const override {
    const DataLaw law = law_from_json(params.at("law"), "law");
    const auto levels = levels_from_json(params.at("schedule"), "schedule");
    const double e2 = parameters().number(params, "eps_sq_sigma2");
    const auto k = constants_from_json(params.at("constants"));
    const auto a = variances(levels.sigmas<double>());
    std::vector<double> eps(a.size() - 1);
    for (std::size_t i = 0; i < eps.size(); ++i) eps[i] = e2 / a[i];
    const auto cb = full_error::composed_bound<double>(a, static_cast<double>(law.dimension()), law.second_moment(),
                                                       eps, k.C_D, k.C_S, k.kappa_max);
    const ClaimInfo c = claim();
    auto q = [](double x) { return Quantity::of(x); };
    return {
        BoundTerm::computed("m2_squared", q(law.second_moment()), "second moment of the law"),
        BoundTerm::computed("kappa", q(cb.forms.geometry.kappa), "step-condition constant"),
        BoundTerm::of(c, "E_I", q(cb.terms.init), "m2^2/(2 a_0)", {"one_half"}),
        BoundTerm::of(c, "E_D", q(cb.terms.discretization), "C_D (d kappa^2 K + kappa [d (1 + L) + m2^2])", {"C_D"}),
        BoundTerm::computed("F_S", q(cb.forms.score), "sum_k Delta_k eps_k^2"),
        BoundTerm::of(c, "E_S", q(cb.terms.score), "C_S F_S", {"C_S"}),
        BoundTerm::of(c, "bound_total", q(cb.total()), "E_I + E_D + E_S", {"one_half", "C_D", "C_S"})};
  }
};

}  // namespace
}  // namespace full_error_detail
}  // namespace diffbound::checks

DIFFBOUND_REGISTER_CHECK(diffbound::checks::full_error_detail::FullError)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::full_error_detail::FullErrorBound)
