// Check training.floor: Remark 1 (PAPER §2.1, §6.3.1). C̄ < 0, and the DSM loss of any network, in
// expectation over fresh data and noise, is at least its floor F* (= −C̄ for the paper's normalisation);
// the empirical loss with fixed noise may go lower (memorisation).
//
// Cases:
//   sign/gaussian   C̄ in closed form, in MPFI: VERIFIED when the enclosure of −C̄ lies above 0.
//   sign/mixture    C̄ by Monte Carlo of E‖σ̄ ∇log p_σ̄ + ξ‖² per level: HOLDS when −C̄ exceeds 3 standard errors.
//   trained         GD on a training set; every eval_every steps, (a) the population loss (fresh data and
//                   fresh noise, Monte Carlo) against F*(p) and (b) the fresh-noise loss on the training
//                   points against F*(p̂_n), the floor of their empirical law (Monte Carlo); both must hold
//                   at every evaluation, with 3 combined standard errors as error estimate.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/training/common.hpp>

#include <diffbound/theory/training_floor.hpp>

#include <fmt/format.h>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::training_floor_check {
namespace {

constexpr double kZ = 3.0;  // standard errors allowed for a Monte Carlo comparison

/// Per-level f_j = E‖σ̄_j ∇log p_σ̄(X) + ξ‖² = σ̄_j²(−C_j) with standard errors: closed form (Gaussian data,
/// se 0) or Monte Carlo (mixture; or the empirical law of x0 when given).
struct LevelFloors {
  std::vector<double> f, se;
};

LevelFloors level_floors(const TrainingDataSpec& data, const std::vector<double>& sigma, int samples,
                         std::uint64_t seed, const Eigen::MatrixXd* empirical_x0) {
  LevelFloors out;
  if (!empirical_x0 && data.family == "gaussian") {
    const auto law = make_data<double>(data.gaussian);
    for (double s : sigma) {
      out.f.push_back(s * s * training_floor::gaussian_neg_C(law, s));
      out.se.push_back(0.0);
    }
    return out;
  }
  const EqualWeightMixture law = empirical_x0 ? empirical_law(*empirical_x0) : mixture_law(data);
  for (std::size_t j = 0; j < sigma.size(); ++j) {
    McEstimate e = mc_scaled_floor(law, sigma[j], samples, mix64(seed ^ (j + 1)), mixture_drawer(law));
    out.f.push_back(e.mean);
    out.se.push_back(e.std_error);
  }
  return out;
}

/// F* = n c_n Σ_j β_j (κ_j/σ̄_j)² f_j and its standard error.
std::pair<double, double> floor_of(const DsmOptions& lo, int n, const LevelFloors& lf) {
  const auto w = level_weights<double>(lo);
  const double ncn = n * normalisation_constant<double>(lo, n);
  double v = 0, var = 0;
  for (std::size_t j = 0; j < w.beta.size(); ++j) {
    const double k = w.beta[j] * (w.kappa[j] / w.sigma[j]) * (w.kappa[j] / w.sigma[j]) * ncn;
    v += k * lf.f[j];
    var += k * k * lf.se[j] * lf.se[j];
  }
  return {v, std::sqrt(var)};
}

// ---- Form mutants (power table, issue 15): wrong variants of Remark 1, computed by run_trained when
// RunContext::mutant names one (the sign cases, C-bar < 0, are the same fact under every mutant). -----------
const std::vector<MutantInfo> kMutants{
    {"no_fisher", "dropped term",
     "per-level floor f_j = d: the Fisher-information term of f_j = d - sigma_j^2 J(p_sigma_j) dropped (the floor "
     "of the zero score)"},
    {"fisher_half", "derived constant halved", "f_j = d - sigma_j^2 J(p_sigma_j)/2: the Fisher term with 1/2"},
    {"fresh_noise_population_floor", "wrong law (memorisation denied)",
     "the fresh-noise loss on the training points stays above F*(p) (instead of the floor of their empirical law)"},
    {"fixed_noise_population_floor", "wrong loss (memorisation denied)",
     "the empirical loss with its fixed noise draws stays above F*(p)"},
    {"fixed_noise_empirical_floor", "wrong loss (memorisation denied)",
     "the empirical loss with its fixed noise draws stays above the floor of the training points' law"},
};

/// A mutant's per-level floors from the true ones: d (no_fisher) or (d + f_j)/2 (fisher_half).
LevelFloors mutate_floors(LevelFloors lf, double d, const std::string& mutant) {
  for (std::size_t j = 0; j < lf.f.size(); ++j) {
    if (mutant == "no_fisher") lf.f[j] = d, lf.se[j] = 0;
    if (mutant == "fisher_half") lf.f[j] = (d + lf.f[j]) / 2, lf.se[j] /= 2;
  }
  return lf;
}

TrainingDataSpec gaussian_data(std::int64_t d, double scale) {
  TrainingDataSpec s;
  s.family = "gaussian";
  s.gaussian.spectrum = "isotropic";
  s.gaussian.dimension = d;
  s.gaussian.scale = scale;
  return s;
}
TrainingDataSpec power_data(std::int64_t d) {
  TrainingDataSpec s;
  s.family = "gaussian";
  s.gaussian.spectrum = "power_law";
  s.gaussian.dimension = d;
  s.gaussian.scale = 1.0;
  s.gaussian.alpha = 1.0;
  s.gaussian.mean = 0.5;
  return s;
}
TrainingDataSpec mixture_data(std::int64_t d, int k) {
  TrainingDataSpec s;
  s.family = "mixture";
  s.dimension = d;
  s.components = k;
  s.radius = 2.0;
  s.spread = 0.5;
  return s;
}

/// The closed form for Gaussian data (theory/training_floor.hpp) at the loss's levels: -C_t per level, C-bar
/// and the population floor, as run_sign and the bound evaluator compute them.
template <class Real>
struct GaussianFloor {
  LevelWeights<Real> w;
  std::vector<Real> neg_c;
  Real c_bar, floor;
};

template <class Real>
GaussianFloor<Real> gaussian_floor(const TrainingDataSpec& data, const DsmOptions& lo) {
  const auto law = make_data<Real>(data.gaussian);
  GaussianFloor<Real> g{level_weights<Real>(lo), {}, Real(0), Real(0)};
  for (const auto& s : g.w.sigma) g.neg_c.push_back(training_floor::gaussian_neg_C(law, s));
  g.c_bar = training_floor::c_bar(g.w.beta, g.neg_c);
  g.floor = training_floor::loss_floor(normalisation_constant<Real>(lo, lo.samples), lo.samples, g.w.beta, g.w.kappa,
                                       g.neg_c);
  return g;
}

const ParamSchema& floor_schema() {
  static const ParamSchema s{
      {
          ParamSpec::choice("kind", {"sign", "trained"},
                            "sign: the sign of C-bar (closed form for gaussian data, Monte Carlo otherwise); trained: "
                            "a trained network's loss against the floor"),
          ParamSpec::object("data", "training data (training_data_from_json: family gaussian|mixture, dimension, ...)")
              .when({"sign"}),
          ParamSpec::object("loss",
                            "the DSM loss (loss_from_json: samples, grid, residual, time, weight, "
                            "normalisation; default: its defaults)")
              .optional_key()
              .when({"sign"}),
          ParamSpec::choice("scalar", {"mpfi", "double", "mpfr"},
                            "scalar of the closed form (default mpfi; Monte Carlo cases run in double)")
              .optional_key()
              .when({"sign"}),
          ParamSpec::integer("mc_samples", "Monte Carlo samples per level of the floor f_j")
              .ge(10)
              .le(1e8)
              .fallback(20000)
              .when({"sign"}),
          ParamSpec::object("run", "the training run (run_from_json: data, network, loss, gd)").when({"trained"}),
          ParamSpec::integer("mc_samples", "fresh population points").ge(16).fallback(2048).when({"trained"}),
          ParamSpec::integer("noise_replicates", "replicate noise draws on the training points")
              .ge(2)
              .fallback(32)
              .when({"trained"}),
          ParamSpec::integer("floor_samples", "Monte Carlo samples of the floor")
              .ge(10)
              .fallback(20000)
              .when({"trained"}),
          ParamSpec::integer("evaluations", "points along the path where the loss is compared")
              .ge(1)
              .fallback(16)
              .when({"trained"}),
          ParamSpec::choice("scalar", {"double", "mpfr"}, "trained cases run in double")
              .optional_key()
              .when({"trained"}),
      },
      "kind"};
  return s;
}

class TrainingFloor final : public Check {
 public:
  ClaimInfo claim() const override { return training_floor::claim(); }
  std::vector<ScalarKind> scalar_kinds() const override { return {ScalarKind::float64, ScalarKind::mpfr}; }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    DsmOptions lo;  // defaults: geometric grid in [0.02, 100], N = 4, sigma-scaled residual
    DsmOptions lo_score = lo;
    lo_score.residual = "score";
    lo_score.normalisation = "half_mean";
    lo_score.weight = "one";
    DsmOptions lo_edm = lo;
    lo_edm.grid = ScheduleSpec::edm(9, 0.002, 80.0, 7.0);
    lo_edm.weight = "edm";
    auto sign = [&](const std::string& tag, const TrainingDataSpec& data, const DsmOptions& l, int mc) {
      json j{{"kind", "sign"}, {"data", training_data_to_json(data)}, {"loss", loss_to_json(l)}};
      if (data.family == "gaussian")
        j["scalar"] = "mpfi";
      else
        j["mc_samples"] = mc;
      out.push_back({"sign/" + data.label() + "/" + tag, j});
    };
    const int mc = size == Size::smoke ? 2000 : (size == Size::full ? 200000 : 20000);
    sign("default", gaussian_data(2, 1.0), lo, mc);
    sign("score_residual", gaussian_data(16, 0.25), lo_score, mc);
    sign("edm_grid", power_data(64), lo_edm, mc);
    sign("default", mixture_data(4, 2), lo, mc);
    if (size != Size::smoke) {
      sign("score_residual", mixture_data(8, 4), lo_score, mc);
      sign("edm_grid", mixture_data(2, 2), lo_edm, mc);
    }
    auto trained = [&](const TrainingDataSpec& data, int n, int m, long steps) {
      RunSpec r;
      r.data = data;
      r.network.width = m;
      r.network.depth = 2;
      r.loss.samples = n;
      r.gd.step_rel = 0.5;
      r.gd.max_steps = steps;
      r.gd.distance_every = 0;
      json j{{"kind", "trained"},
             {"run", run_to_json(r)},
             {"mc_samples", size == Size::smoke ? 256 : 2048},
             {"noise_replicates", size == Size::smoke ? 8 : 32},
             {"floor_samples", mc},
             {"evaluations", size == Size::smoke ? 6 : 16}};
      out.push_back({fmt::format("trained/{}/n={}/m={}", data.label(), n, m), j});
    };
    // A tight case where the falsifier found the trained population loss closest to the floor (two noise
    // levels above sigma_min, a narrow network trained to convergence): there a floor with the Fisher term
    // halved (mutant fisher_half) is exceeded. The domain's own Monte Carlo sizes: about 0.2 s.
    auto tight = [&](int n, int m, long steps, int levels) {
      out.push_back({fmt::format("tight/iso(d=2)/n={}/m={}/steps={}/N={}", n, m, steps, levels),
                     domain()->make({0.0, 2.0, double(n), double(m), double(steps), double(levels)})});
    };
    if (size == Size::smoke) {
      trained(gaussian_data(2, 1.0), 8, 32, 150);
      tight(16, 16, 1100, 2);
      return out;
    }
    tight(16, 16, 1100, 2);
    trained(gaussian_data(2, 1.0), 16, 64, 1500);
    trained(mixture_data(2, 2), 16, 64, 1500);
    trained(gaussian_data(2, 1.0), 64, 128, 1500);
    if (size == Size::full) {
      trained(mixture_data(4, 2), 128, 256, 4000);
      trained(gaussian_data(8, 1.0), 256, 256, 4000);
    }
    return out;
  }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    using S = DomainParam::Scale;
    Domain dm;
    dm.params = {
        {"data", S::choice, 0, 0, {"gaussian", "mixture"}, "isotropic Gaussian (variance 1) or a 2-component mixture"},
        {"d", S::integer, 1, 4, {}, "data dimension"},
        {"n", S::log_integer, 4, 32, {}, "training samples"},
        {"m", S::log_integer, 16, 64, {}, "width"},
        {"steps", S::log_integer, 30, 3000, {}, "GD steps (step_rel 0.5)"},
        {"N", S::integer, 2, 5, {}, "noise levels (geometric grid on [0.02, 100])"},
    };
    dm.constraints = {"any network and any GD budget: Remark 1's floor binds every score model",
                      "Monte Carlo: 256 population points, 8 fresh-noise replicates, 2000 floor samples per level"};
    dm.make = [](const std::vector<double>& x) {
      RunSpec r;
      const std::int64_t d = std::lround(x[1]);
      r.data = x[0] < 0.5 ? gaussian_data(d, 1.0) : mixture_data(d, 2);
      r.loss.samples = static_cast<int>(std::lround(x[2]));
      r.loss.grid = ScheduleSpec::geometric(static_cast<int>(std::lround(x[5])) + 1, 0.02, 100.0);
      r.network.width = static_cast<int>(std::lround(x[3]));
      r.network.depth = 2;
      r.gd.step_rel = 0.5;
      r.gd.max_steps = std::lround(x[4]);
      r.gd.distance_every = 0;
      return json{{"kind", "trained"},     {"run", run_to_json(r)}, {"mc_samples", 256}, {"noise_replicates", 8},
                  {"floor_samples", 2000}, {"evaluations", 4},      {"scalar", "double"}};
    };
    dm.label = [](const std::vector<double>& x) {
      return fmt::format("trained/{}/d={}/n={}/m={}/steps={}/N={}", x[0] < 0.5 ? "gaussian" : "mixture",
                         std::lround(x[1]), std::lround(x[2]), std::lround(x[3]), std::lround(x[4]), std::lround(x[5]));
    };
    dm.run_budget = {28, 40, 120};
    return dm;
  }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    floor_schema().validate(spec.params);
    if (floor_schema().string(spec.params, "kind") == "sign") return run_sign(spec, ctx, std::move(r));
    return run_trained(spec, ctx, std::move(r));
  }

  ParamSchema parameters() const override { return floor_schema(); }

  Summary summarize(const std::vector<CaseResult>& results) const override;

 private:
  CaseResult run_sign(const CaseSpec& spec, const RunContext& ctx, CaseResult r) const {
    const json& p = spec.params;
    const TrainingDataSpec data = training_data_from_json(p.at("data"));
    const DsmOptions lo = loss_from_json(p.value("loss", json::object()));
    if (data.family == "gaussian") {
      // Closed form; in MPFI unless the case asks otherwise.
      const std::string sk = get_string_or(p, "scalar", "mpfi", "");
      const ScalarKind kind = sk == "mpfi" ? ScalarKind::mpfi : case_scalar(p, ctx);
      r.scalar = kind;
      r.precision_bits = precision_bits(kind);
      with_scalar(kind, [&]<class Real>() {
        const auto g = gaussian_floor<Real>(data, lo);
        const auto& negc = g.neg_c;
        const Real &cbar = g.c_bar, &fl = g.floor;
        // Claim C̄ < 0: measured C̄ against the bound 0. In closed form −C(σ̄) = Σ_i λ_i/(σ̄²(λ_i + σ̄²)) > 0
        // (theory/training_floor.hpp), so C̄ = −½ Σ_j β_j (−C(σ̄_j)) < 0 by algebra: a sanity check of the code
        // (issue 16), counted apart. The Monte Carlo sign cases on mixtures below stay evidence.
        r.compare(cbar, Real(0),
                  a_priori_estimate(kind, 16.0 * static_cast<double>(negc.size() + 8), 0.0, mid_double(cbar)));
        r.kind = results::CaseKind::identity;
        r.term("C_bar", cbar);
        r.term("loss_floor", fl);
        json lv = json::array();
        for (std::size_t j = 0; j < negc.size(); ++j)
          lv.push_back(json{
              {"sigma", mid_double(g.w.sigma[j])}, {"beta", mid_double(g.w.beta[j])}, {"neg_C", mid_double(negc[j])}});
        r.data["levels"] = lv;
      });
      return r;
    }
    const int mc = static_cast<int>(floor_schema().integer(p, "mc_samples"));
    r.scalar = ScalarKind::float64;
    r.precision_bits = 53;
    const auto w = level_weights<double>(lo);
    const LevelFloors lf = level_floors(data, w.sigma, mc, ctx.seed, nullptr);
    // C̄ = −½ Σ β_j f_j/σ̄_j²
    double cbar = 0, var = 0;
    json lv = json::array();
    for (std::size_t j = 0; j < w.sigma.size(); ++j) {
      const double k = 0.5 * w.beta[j] / (w.sigma[j] * w.sigma[j]);
      cbar -= k * lf.f[j];
      var += k * k * lf.se[j] * lf.se[j];
      lv.push_back(json{{"sigma", w.sigma[j]},
                        {"beta", w.beta[j]},
                        {"neg_C", lf.f[j] / (w.sigma[j] * w.sigma[j])},
                        {"neg_C_se", lf.se[j] / (w.sigma[j] * w.sigma[j])}});
    }
    r.compare(cbar, 0.0, kZ * std::sqrt(var));
    r.term("C_bar", cbar);
    r.term("C_bar_std_error", std::sqrt(var));
    r.term("loss_floor", floor_of(lo, lo.samples, lf).first);
    r.data["levels"] = lv;
    return r;
  }

  CaseResult run_trained(const CaseSpec& spec, const RunContext& ctx, CaseResult r) const {
    const json& p = spec.params;
    const ParamSchema& sc = floor_schema();
    const RunSpec run = run_from_json(p.at("run"), {}, "run");
    const int M = static_cast<int>(sc.integer(p, "mc_samples"));
    const int R = static_cast<int>(sc.integer(p, "noise_replicates"));
    const int F = static_cast<int>(sc.integer(p, "floor_samples"));
    const int E = static_cast<int>(sc.integer(p, "evaluations"));
    if (static_cast<double>(M) * run.loss.levels() * run.network.width > 2e9)
      throw ParamError("mc_samples: too large for the width and levels (memory)");
    if (case_scalar(p, ctx) != ScalarKind::float64)
      throw ParamError("scalar: trained floor cases run in double (Monte Carlo errors dominate round-off)");
    r.scalar = ScalarKind::float64;
    r.precision_bits = 53;
    const RunSeeds seeds = RunSeeds::from(ctx.seed);
    const ProblemFacts facts = problem_facts(run, seeds);
    const int n = run.loss.samples;
    const Eigen::MatrixXd x0 = draw_data(run.data, n, seeds.data);
    const auto pb = make_problem<double>(run.network, run.loss, x0, seeds.noise);
    const auto net = init_network<double>(run.network, pb.d_in, pb.d, seeds.network);
    DsmObjective<double> obj(pb, net);
    // Fresh noise on the training points: R replicate problems. Population: M fresh points, fresh noise.
    std::vector<DsmProblem<double>> rep_pb;
    rep_pb.reserve(R);
    for (int k = 0; k < R; ++k)
      rep_pb.push_back(make_problem<double>(run.network, run.loss, x0, mix64(seeds.noise ^ (0x100 + k))));
    std::vector<std::unique_ptr<DsmObjective<double>>> rep;
    for (auto& q : rep_pb) rep.push_back(std::make_unique<DsmObjective<double>>(q, net));
    const Eigen::MatrixXd xpop = draw_data(run.data, M, mix64(seeds.data ^ 0x777));
    const auto pop_pb = make_problem<double>(run.network, run.loss, xpop, mix64(seeds.noise ^ 0x888));
    DsmObjective<double> pop(pop_pb, net);
    const double ncn = n * pb.c_n;  // E[L̄_em] = n c_n E[Σ_j β_j ‖r_j‖²] per data point

    // Floors.
    const auto w = level_weights<double>(run.loss);
    const double dim = static_cast<double>(x0.rows());
    const LevelFloors lf_pop =
        mutate_floors(level_floors(run.data, w.sigma, F, mix64(ctx.seed ^ 0x999), nullptr), dim, ctx.mutant);
    const LevelFloors lf_emp =
        mutate_floors(level_floors(run.data, w.sigma, F, mix64(ctx.seed ^ 0xaaa), &x0), dim, ctx.mutant);
    const auto [floor_pop, floor_pop_se] = floor_of(run.loss, n, lf_pop);
    const auto [floor_emp, floor_emp_se] = floor_of(run.loss, n, lf_emp);

    Trainer<double> tr(obj, net.W, facts.h);
    std::vector<double> emp_loss;
    json evals = json::array();
    std::vector<HeldOutPoint> pts;
    const long K = run.gd.max_steps;
    std::vector<long> eval_steps;
    for (int e = 0; e <= E; ++e) {
      const long k = static_cast<long>(std::llround(std::pow(static_cast<double>(K), static_cast<double>(e) / E))) -
                     (e == 0 ? 1 : 0);
      if (eval_steps.empty() || k > eval_steps.back()) eval_steps.push_back(std::max(0L, k));
    }
    std::size_t next = 0;
    auto evaluate = [&](long k) {
      const auto& W = tr.params();
      const double le = obj.value(W);
      std::vector<double> lv_emp;
      for (double v : obj.level_losses()) lv_emp.push_back(v);
      double s = 0, s2 = 0;
      for (auto& o : rep) {
        const double v = o->value(W);
        s += v, s2 += v * v;
      }
      const double fresh = s / R, fresh_se = std::sqrt(std::max(0.0, (s2 - R * fresh * fresh) / (R - 1)) / R);
      pop.value(W);
      std::vector<double> per(M, 0.0);
      const auto& cl = pop.column_losses();
      for (Eigen::Index c = 0; c < static_cast<Eigen::Index>(cl.size()); ++c) per[c % M] += cl[c] / pop_pb.c_n;
      double ps = 0, ps2 = 0;
      for (double v : per) ps += v, ps2 += v * v;
      const double pm = ps / M, psd = std::sqrt(std::max(0.0, (ps2 - M * pm * pm) / (M - 1)));
      const double popl = ncn * pm, pop_se = ncn * psd / std::sqrt(static_cast<double>(M));
      evals.push_back(json{{"step", k},
                           {"empirical", le},
                           {"empirical_levels", lv_emp},
                           {"fresh_noise", fresh},
                           {"fresh_noise_se", fresh_se},
                           {"population", popl},
                           {"population_se", pop_se}});
      pts.push_back({fmt::format("k={} population loss vs F*(p)", k), floor_pop, popl,
                     kZ * std::sqrt(pop_se * pop_se + floor_pop_se * floor_pop_se)});
      if (ctx.mutant == "fresh_noise_population_floor")
        pts.push_back({fmt::format("k={} fresh-noise loss vs F*(p) (mutant)", k), floor_pop, fresh,
                       kZ * std::sqrt(fresh_se * fresh_se + floor_pop_se * floor_pop_se)});
      else
        pts.push_back({fmt::format("k={} fresh-noise loss vs F*(empirical law)", k), floor_emp, fresh,
                       kZ * std::sqrt(fresh_se * fresh_se + floor_emp_se * floor_emp_se)});
      // The empirical loss is exact (its noise draws are fixed): the floors' Monte Carlo errors only.
      if (ctx.mutant == "fixed_noise_population_floor")
        pts.push_back({fmt::format("k={} fixed-noise loss vs F*(p) (mutant)", k), floor_pop, le, kZ * floor_pop_se});
      if (ctx.mutant == "fixed_noise_empirical_floor")
        pts.push_back(
            {fmt::format("k={} fixed-noise loss vs F*(empirical law) (mutant)", k), floor_emp, le, kZ * floor_emp_se});
    };
    for (long k = 0; k <= K; ++k) {
      if (next < eval_steps.size() && eval_steps[next] == k) {
        evaluate(k);
        ++next;
      }
      if (k == K) break;
      emp_loss.push_back(tr.step());
      if (!std::isfinite(emp_loss.back())) break;
    }
    emp_loss.push_back(tr.evaluate());
    r.data["facts"] = facts_to_json(facts);
    r.data["evaluations"] = evals;
    r.data["empirical_loss"] = thinned_curve(emp_loss, 300);
    r.data["floor_population"] = floor_pop;
    r.data["floor_population_se"] = floor_pop_se;
    r.data["floor_empirical_law"] = floor_emp;
    r.data["floor_empirical_law_se"] = floor_emp_se;
    r.data["final_empirical_loss"] = emp_loss.back();
    r.term("floor_population", floor_pop);
    r.term("floor_empirical_law", floor_emp);
    r.term("final_empirical_loss", emp_loss.back());
    r.term("empirical_below_population_floor", emp_loss.back() < floor_pop ? 1.0 : 0.0);
    judge_worst(r, pts);
    return r;
  }
};

Summary TrainingFloor::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  Table t;
  t.id = "c_bar";
  t.title = "C-bar and the loss floor per data law and loss option";
  t.columns = {"case", "scalar", "C_bar", "loss floor F*", "verdict"};
  for (const auto& r : results) {
    if (!r.error.empty()) continue;
    if (r.terms.contains("C_bar")) {
      t.rows.push_back({r.case_id, to_string(r.scalar), r.terms["C_bar"]["text"], r.terms["loss_floor"]["mid"],
                        to_string(r.verdict)});
      continue;
    }
    if (!r.data.contains("evaluations")) continue;
    Figure f;
    f.id = "loss_and_floor_" + r.case_id;
    for (auto& ch : f.id)
      if (ch == '/' || ch == '=' || ch == '(' || ch == ')') ch = '_';
    f.title = "Empirical, fresh-noise and population DSM loss vs the floors (" + r.case_id + ")";
    f.xlabel = "GD step k (+1)";
    f.ylabel = "loss";
    f.logx = f.logy = true;
    Series emp{"empirical loss (fixed noise)", "measured", {}, {}, {}, {}, {}};
    const json& c = r.data["empirical_loss"];
    for (std::size_t i = 0; i < c["x"].size(); ++i)
      if (c["y"][i].is_number() && c["y"][i].get<double>() > 0)
        emp.x.push_back(c["x"][i].get<double>() + 1), emp.y.push_back(c["y"][i].get<double>());
    Series fresh{"fresh noise, training points (3 s.e.)", "measured", {}, {}, {}, {}, {}};
    Series popu{"population: fresh data and noise (3 s.e.)", "measured", {}, {}, {}, {}, {}};
    for (const auto& e : r.data["evaluations"]) {
      const double k = e["step"].get<double>() + 1;
      fresh.x.push_back(k), fresh.y.push_back(e["fresh_noise"].get<double>());
      fresh.y_lo.push_back(e["fresh_noise"].get<double>() - kZ * e["fresh_noise_se"].get<double>());
      fresh.y_hi.push_back(e["fresh_noise"].get<double>() + kZ * e["fresh_noise_se"].get<double>());
      popu.x.push_back(k), popu.y.push_back(e["population"].get<double>());
      popu.y_lo.push_back(e["population"].get<double>() - kZ * e["population_se"].get<double>());
      popu.y_hi.push_back(e["population"].get<double>() + kZ * e["population_se"].get<double>());
    }
    const double x1 = emp.x.empty() ? 1.0 : emp.x.front(), x2 = emp.x.empty() ? 2.0 : emp.x.back();
    Series fp{"floor F*(p) = population minimum (-C-bar scaled)",
              "bound",
              {x1, x2},
              {r.data["floor_population"].get<double>(), r.data["floor_population"].get<double>()},
              {},
              {},
              {}};
    Series fe{"floor of the empirical law of the training points",
              "reference",
              {x1, x2},
              {r.data["floor_empirical_law"].get<double>(), r.data["floor_empirical_law"].get<double>()},
              {},
              {},
              {}};
    f.series = {emp, fresh, popu, fp, fe};
    f.caption =
        "Remark 1: the population loss (fresh data and noise) stays above F*(p); the fresh-noise loss on the "
        "training points stays above the floor of their empirical law; the empirical loss with the fixed noise "
        "draws goes below both (memorisation of the noise).";
    s.figures.push_back(std::move(f));
    s.notes.push_back(fmt::format(
        "{}: population floor F*(p) = {:.4g}, empirical-law floor = {:.4g}; final empirical loss {:.3g} ({} the "
        "population floor); verdict {}.",
        r.case_id, r.data["floor_population"].get<double>(), r.data["floor_empirical_law"].get<double>(),
        r.data["final_empirical_loss"].get<double>(),
        r.data["final_empirical_loss"].get<double>() < r.data["floor_population"].get<double>() ? "below" : "above",
        to_string(r.verdict)));
  }
  if (!t.rows.empty()) {
    t.caption =
        "C-bar = 1/2 sum_j beta_j C_{t_j} (the paper's definition) and the floor F* of the loss as normalised "
        "here (n c_n sum_j beta_j kappa_j^2 (-C_j)). Gaussian rows: closed form in MPFI; mixtures: Monte Carlo.";
    s.tables.push_back(std::move(t));
  }
  s.notes.push_back(
      "L* differs by check: the population DSM minimum here is F* = -C-bar (scaled to the loss's normalisation), the "
      "minimum over all functions; an over-parameterised network reaches L = 0 on the fixed-noise empirical loss.");
  return s;
}

class FloorBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return training_floor::claim(); }
  std::string title() const override { return "C-bar and the population DSM floor for Gaussian data (closed form)"; }
  ParamSchema parameters() const override {
    return floor_schema().pick({"data", "loss"}, {{"data", training_data_to_json(gaussian_data(2, 1.0))},
                                                  {"loss", loss_to_json(DsmOptions{})}});
  }

 protected:
  /// The check's closed form (gaussian_floor, as run_sign computes it).
  std::vector<BoundTerm> terms(const json& p, ScalarKind kind) const override {
    const TrainingDataSpec data = training_data_from_json(p.at("data"));
    if (data.family != "gaussian") throw ParamError("data.family: the closed form needs gaussian data");
    const DsmOptions lo = loss_from_json(p.at("loss"));
    const ClaimInfo c = claim();
    return with_scalar(kind, [&]<class Real>() {
      const auto g = gaussian_floor<Real>(data, lo);
      std::vector<BoundTerm> out;
      for (std::size_t j = 0; j < g.neg_c.size(); ++j)
        out.push_back(
            BoundTerm::computed(fmt::format("neg_C_{}", j + 1), Quantity::of(g.neg_c[j]),
                                fmt::format("-C_t at sigma = {:.6g}: sum_i lambda_i/(sigma^2(lambda_i + sigma^2))",
                                            mid_double(g.w.sigma[j]))));
      out.push_back(
          BoundTerm::of(c, "C_bar", Quantity::of(g.c_bar), "1/2 sum_j beta_j C_{t_j} (Remark 1: < 0)", {"one_half"}));
      out.push_back(BoundTerm::computed("loss_floor", Quantity::of(g.floor),
                                        "n c_n sum_j beta_j kappa_j^2 (-C_j): the population minimum of the loss"));
      return out;
    });
  }
};

}  // namespace
}  // namespace diffbound::checks::training_floor_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::training_floor_check::TrainingFloor)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::training_floor_check::FloorBound)
