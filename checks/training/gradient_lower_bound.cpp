// Check training.gradient_lower_bound: along each GD path the PL ratio μ_k = ‖∇L̄(θ_k)‖² / (L̄(θ_k) − L*)
// stays above the encoded Allen-Zhu form C_PL q_min δ m/(d P²) (Lemma 1's role; PAPER §3, §5.1 [R]).
//
// Three kinds of cases:
//   sweep    along one axis (width, samples, levels, dimension) from today's small base run;
//   regime   (issue 16, item 6) held-out runs with width a multiple of nNd and d of tens, C_PL calibrated
//            on today's small width runs (never on the regime's own);
//   ball     (issue 16, item 6) the smallest μ an adversarial search finds in the ball of radius ω (the
//            path's radius) around a path point, against C_PL calibrated along the run's own path.
// A sweep case: one axis (width, samples, levels, dimension). L* = 0 (over-parameterised:
// interpolation); path points whose loss is below the run's round-off guard are excluded. C_PL is the
// smallest μ_min/form over the calibration runs; each held-out run's μ_min must stay above
// C_PL·form / kDriftFactor (the drift rule of theory/fitted_constants.hpp); the Robson–Whitlock gap of
// C_PL is reported beside it.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/convergence.hpp>
#include <diffbound/checks/training/common.hpp>

#include <diffbound/numerics/pl_search.hpp>
#include <diffbound/theory/training_gradient_lower_bound.hpp>

#include <fmt/format.h>

#include <map>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::training_gradient_lower_bound_check {
namespace {

using training_gradient_lower_bound::pl_form;

// ---- Form mutants (power table, issue 15): wrong variants of the encoded form, computed by form_of when
// RunContext::mutant names one. C_PL is [UNKNOWN] (fitted per sweep): only exponents and factors of the
// form are mutated, never the constant. ----------------------------------------------------------------------
const std::vector<MutantInfo> kMutants{
    {"width_squared", "larger exponent (PL ratio claimed larger)", "mu >= C q_min delta m^2/(d P^2): grows like m^2"},
    {"samples_weaker", "smaller exponent (dependence claimed weaker)",
     "mu >= C q_min delta m/(d P): (nN)^-1 instead of (nN)^-2"},
    {"drop_levels", "dropped factor", "P = n instead of nN: the number of noise levels does not enter"},
    {"drop_samples", "dropped factor", "P = N instead of nN: the number of samples does not enter"},
    {"drop_dimension", "dropped factor", "mu >= C q_min delta m/P^2: no 1/d"},
};

double form_of(const ProblemFacts& f, const std::string& mutant = {}) {
  double m = f.m, d = static_cast<double>(f.d), P = static_cast<double>(f.P);
  if (mutant == "width_squared") m *= f.m;
  if (mutant == "drop_levels") P = f.n;
  if (mutant == "drop_samples") P = f.N;
  if (mutant == "drop_dimension") d = 1;
  const double form = pl_form(f.q_min, f.delta, m, d, P);
  return mutant == "samples_weaker" ? form * P : form;
}

struct PlPath {
  std::vector<double> ratio;  ///< μ_k for the admissible steps (NaN elsewhere)
  double min = std::numeric_limits<double>::quiet_NaN();
  long argmin = -1;
  long admissible = 0;
};

PlPath pl_path(const RunOutput& out) {
  PlPath p;
  const auto& path = out.path;
  for (std::size_t k = 0; k < path.grad_norm_sq.size(); ++k) {
    const double l = path.loss[k];
    if (!(l > out.roundoff_loss) || !std::isfinite(l)) {
      p.ratio.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    const double mu = path.grad_norm_sq[k] / l;
    p.ratio.push_back(mu);
    ++p.admissible;
    if (!(mu >= p.min)) p.min = mu, p.argmin = static_cast<long>(k);
  }
  return p;
}

RunSpec base_run(Size size) {
  RunSpec r;
  r.data.family = "gaussian";
  r.data.gaussian.spectrum = "isotropic";
  r.data.gaussian.dimension = 2;
  r.data.gaussian.scale = 1.0;
  r.network.width = 64;
  r.network.depth = 2;
  r.loss.samples = 4;
  r.loss.grid = ScheduleSpec::geometric(3, 0.02, 100.0);
  r.gd.step_rel = 0.5;
  r.gd.max_steps = size == Size::smoke ? 600 : (size == Size::full ? 6000 : 2500);
  r.gd.stop_ratio = 1e-13;
  r.gd.distance_every = 20;
  return r;
}

struct AxisExpectation {
  double exponent;
  SlopeRule rule;
};
AxisExpectation expectation(const std::string& axis, const std::string& mutant = {}) {
  // A mutant's form predicts other exponents; its judged fits are held to them.
  if (axis == "width" && mutant == "width_squared") return {2.0, SlopeRule::close_to};
  if ((axis == "samples" || axis == "levels") && mutant == "samples_weaker") return {-1.0, SlopeRule::at_least};
  if (axis == "levels" && mutant == "drop_levels") return {0.0, SlopeRule::at_least};
  if (axis == "samples" && mutant == "drop_samples") return {0.0, SlopeRule::at_least};
  if (axis == "dimension" && mutant == "drop_dimension") return {0.0, SlopeRule::at_least};
  if (axis == "width") return {1.0, SlopeRule::close_to};
  if (axis == "samples" || axis == "levels") return {-2.0, SlopeRule::at_least};
  if (axis == "dimension") return {-1.0, SlopeRule::at_least};
  return {std::numeric_limits<double>::quiet_NaN(), SlopeRule::close_to};
}

const ParamSchema& gradient_schema() {
  static const ParamSchema s = [] {
    ParamSchema sc;
    sc.discriminator = "kind";
    sc.params.push_back(ParamSpec::choice("kind", {"sweep", "regime", "ball"},
                                          "sweep: runs along one axis, C_PL calibrated on the first values; regime: "
                                          "a calibrating and a held-out sweep; ball: an adversarial search around "
                                          "the GD path")
                            .fallback("sweep"));
    for (auto& p : sweep_param_specs({"sweep"}, {"regime"})) sc.params.push_back(std::move(p));
    sc.params.push_back(
        ParamSpec::object("run", "the training run (run_from_json: data, network, loss, gd)").when({"ball"}));
    sc.params.push_back(
        ParamSpec::number("path_fraction", "where on the GD path the ball is centred (0: start, 1: end)")
            .ge(0)
            .le(1)
            .when({"ball"}));
    sc.params.push_back(ParamSpec::integer("random_starts", "random starting points of the search")
                            .ge(0)
                            .le(64)
                            .fallback(6)
                            .when({"ball"}));
    sc.params.push_back(
        ParamSpec::integer("iterations", "descent iterations per start").ge(0).le(1000).fallback(20).when({"ball"}));
    sc.params.push_back(
        ParamSpec::choice("scalar", {"double", "mpfr"}, "scalar of the runs (the ball search: double)").optional_key());
    return sc;
  }();
  return s;
}

class TrainingGradientLowerBound final : public Check {
 public:
  ClaimInfo claim() const override { return training_gradient_lower_bound::claim(); }
  std::vector<ScalarKind> scalar_kinds() const override { return {ScalarKind::float64, ScalarKind::mpfr}; }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    SweepDomainSpec d;
    d.axes = {"width", "samples", "levels", "dimension"};
    d.max_steps = 400;
    d.run_budget = {32, 40, 120};
    return sweep_domain(d);
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    auto sweep = [&](const std::string& axis, std::vector<double> values, int calibration, RunSpec base) {
      SweepSpec s;
      s.axis = axis, s.values = std::move(values), s.calibration = calibration, s.base = std::move(base);
      s.replicates = size == Size::smoke ? 2 : 3;
      out.push_back({"sweep/" + axis, sweep_to_json(s)});
    };
    const RunSpec base = base_run(size);
    // The regime family (issue 16, item 6): held-out runs with width a multiple of nNd, d of tens and the
    // time input, judged against C_PL calibrated on today's small width runs (never re-fitted on them).
    auto regime = [&](const std::string& axis, std::vector<double> values, RunSpec held_base) {
      out.push_back(regime_case(axis, std::move(values), std::move(held_base), base, size));
    };
    // The gradient lower bound over a ball around path points (adversarial directions), a case per point.
    auto ball = [&](double fraction, const RunSpec& run, int random_starts, int iterations) {
      out.push_back({fmt::format("ball/m={}/k={}K", run.network.width, fraction), json{{"kind", "ball"},
                                                                                       {"run", run_to_json(run)},
                                                                                       {"path_fraction", fraction},
                                                                                       {"random_starts", random_starts},
                                                                                       {"iterations", iterations}}});
    };
    if (size == Size::smoke) {
      sweep("width", {32, 64, 128}, 2, base);
      regime("width", {256, 512}, regime_base_run(16, 2, 2, 256, 300));
      ball(0.5, regime_base_run(16, 2, 2, 256, 300), 1, 8);
      return out;
    }
    if (size == Size::full) {
      sweep("width", {64, 128, 256, 512, 1024, 2048, 4096}, 3, base);
      sweep("samples", {2, 4, 8, 16, 32}, 2, base);
      sweep("levels", {1, 2, 4, 8, 16}, 2, base);
      sweep("dimension", {1, 2, 4, 8, 16, 32}, 2, base);
      regime("width", {256, 512, 1024, 2048, 4096}, regime_base_run(16, 2, 2, 256, 3000));
      regime("dimension", {16, 32, 64, 128}, regime_base_run(16, 2, 2, 2048, 3000));
      for (double f : {0.0, 0.25, 0.5, 0.9}) ball(f, regime_base_run(16, 2, 2, 1024, 3000), 6, 60);
      return out;
    }
    sweep("width", {32, 64, 128, 256}, 2, base);
    sweep("samples", {2, 4, 8, 16}, 2, base);
    sweep("levels", {1, 2, 4, 8}, 2, base);
    sweep("dimension", {1, 2, 4, 8}, 2, base);
    regime("width", {128, 256, 512}, regime_base_run(8, 2, 2, 128, 400));
    regime("dimension", {16, 32, 64}, regime_base_run(16, 2, 2, 1024, 400));
    for (double f : {0.0, 0.5}) ball(f, regime_base_run(16, 2, 2, 512, 1000), 2, 20);
    return out;
  }

  ParamSchema parameters() const override { return gradient_schema(); }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    gradient_schema().validate(spec.params);
    const std::string case_kind = gradient_schema().string(spec.params, "kind");
    if (case_kind == "ball") return run_ball(spec, ctx, std::move(r));
    const bool is_regime = case_kind == "regime";
    SweepSpec s;
    std::optional<RegimeSpec> rs;
    if (is_regime) {
      rs = regime_from_json(spec.params, {"scalar", "kind"});
      s = rs->held_out;
    } else {
      s = sweep_from_json(spec.params, {"scalar", "kind"});
    }
    const ScalarKind kind = case_scalar(spec.params, ctx);
    r.scalar = kind;
    r.precision_bits = precision_bits(kind);
    const auto runs = is_regime ? run_regime(*rs, kind, ctx.seed) : run_sweep(s, kind, ctx.seed);
    std::vector<double> cal;
    std::vector<PlPath> pls;
    json jr = json::array();
    for (const auto& run : runs) {
      pls.push_back(pl_path(run.out));
      const auto& pl = pls.back();
      const double form = form_of(run.out.facts, ctx.mutant);
      if (run.calibration && std::isfinite(pl.min)) cal.push_back(pl.min / form);
      jr.push_back(
          json{{"value", run.value},
               {"replicate", run.replicate},
               {"role", run.calibration ? "calibration" : "held_out"},
               {"facts", facts_to_json(run.out.facts)},
               {"form", form},
               {"pl_min", std::isfinite(pl.min) ? json(pl.min) : json(nullptr)},
               {"pl_argmin", pl.argmin},
               {"admissible_steps", pl.admissible},
               {"pl_ratio", thinned_curve(pl.ratio, 160)},
               {"loss", thinned_curve(run.out.path.loss, 160)},
               {"final_loss", run.out.path.loss.back()},
               {"stop_reason", run.out.path.stop_reason},
               {"final_distance_spectral",
                run.out.path.distance_spectral.empty() ? json(nullptr) : json(run.out.path.distance_spectral.back())}});
    }
    r.data["axis"] = s.axis;
    r.data["runs"] = jr;
    if (is_regime) r.data["regime"] = true;
    if (cal.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = "no calibration run has an admissible path point";
      return r;
    }
    const double c_pl = *std::min_element(cal.begin(), cal.end());
    const double gap = min_gap(cal);
    r.data["C_PL"] = c_pl;
    r.data["C_PL_gap"] = gap;
    r.term("C_PL", c_pl);
    std::vector<HeldOutPoint> pts;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].calibration) continue;
      const std::string label =
          fmt::format("{}={} (network {})", axis_symbol(s.axis), runs[i].value, runs[i].replicate);
      if (!std::isfinite(pls[i].min)) {
        pts.push_back({label + " (no admissible path point)", 0, 0, std::numeric_limits<double>::infinity()});
        continue;
      }
      const double form = form_of(runs[i].out.facts, ctx.mutant);
      // μ is a ratio of double-rounded quantities: 1e-12 relative covers its rounding comfortably.
      pts.push_back(fitted_lower(label, c_pl * form, pls[i].min, 1e-12 * pls[i].min));
    }
    judge_worst(r, pts);
    return r;
  }

  /// The gradient lower bound over a ball (issue 16, item 6): C_PL is calibrated along the run's own GD
  /// path (the smallest μ/form, as the sweeps calibrate); the held-out point is the smallest μ an
  /// adversarial search finds in the ball ‖Δ‖₂ ≤ ω around the path point θ_k, ω the path's radius
  /// max_k ‖θ_k − θ⁽⁰⁾‖₂, held to C_PL·form/kDriftFactor. The form is the same at every point of one run,
  /// so the verdict reads: the ball's minimum stays above half the path's minimum.
  CaseResult run_ball(const CaseSpec& spec, const RunContext& ctx, CaseResult r) const {
    const json& p = spec.params;
    const ParamSchema& sc = gradient_schema();
    const RunSpec run = run_from_json(p.at("run"), {}, "run");
    const double fraction = sc.number(p, "path_fraction");
    const long starts = static_cast<long>(sc.integer(p, "random_starts"));
    const long iterations = static_cast<long>(sc.integer(p, "iterations"));
    if (case_scalar(p, ctx) != ScalarKind::float64 && p.contains("scalar"))
      throw ParamError("scalar: the ball search runs in double");
    if (run.gd.distance_every <= 0) throw ParamError("run.gd.distance_every: the ball needs the path's radius (> 0)");
    r.scalar = ScalarKind::float64;
    r.precision_bits = 53;
    const RunSeeds seeds = RunSeeds::from(ctx.seed);
    const RunOutput out = train_run(run, seeds, ScalarKind::float64);
    const PlPath pl = pl_path(out);
    double omega = 0;
    for (const auto& rec : out.path.distance_spectral)
      for (double x : rec) omega = std::max(omega, x);
    long last = -1;  // the admissible path: steps before the loss first falls below the round-off guard
    for (std::size_t k = 0; k < out.path.grad_norm_sq.size(); ++k) {
      if (!(out.path.loss[k] > out.roundoff_loss) || !std::isfinite(out.path.loss[k])) break;
      last = static_cast<long>(k);
    }
    r.data["facts"] = facts_to_json(out.facts);
    r.data["omega_path"] = omega;
    {
      // How lazy the run is: the path's radius against the size of the initial weights.
      const auto net0 = init_network<double>(run.network, input_dimension(run.network, run.data.dim()), run.data.dim(),
                                             seeds.network);
      r.data["omega_over_init_norm"] = omega / spectral_size(net0.W);
    }
    r.data["pl_ratio"] = thinned_curve(pl.ratio, 160);
    if (last < 0 || !std::isfinite(pl.min) || !(omega > 0)) {
      r.verdict = Verdict::inconclusive;
      r.reason = "no admissible path point or a zero path radius";
      return r;
    }
    const long k_point = std::lround(fraction * static_cast<double>(last));
    // θ_k by the same GD in double (the same network, data, noise and step as the run).
    const Eigen::MatrixXd x0 = draw_data(run.data, run.loss.samples, seeds.data);
    const auto pb = make_problem<double>(run.network, run.loss, x0, seeds.noise);
    const auto net = init_network<double>(run.network, pb.d_in, pb.d, seeds.network);
    DsmObjective<double> obj(pb, net);
    Trainer<double> tr(obj, net.W, out.facts.h);
    for (long k = 0; k < k_point; ++k) tr.step();
    const Params<double> centre = tr.params();
    PlSearchOptions so;
    so.radius = omega;
    so.random_starts = static_cast<int>(starts);
    so.iterations = static_cast<int>(iterations);
    so.min_excess = out.roundoff_loss;
    so.seed = mix64(ctx.seed ^ 0xba11);
    const PlSearchResult res = search_pl_ratio(obj, centre, so);
    Params<double> from0 = res.minimiser;
    for (std::size_t l = 0; l < from0.size(); ++l) from0[l] -= net.W[l];
    const double form = form_of(out.facts, ctx.mutant);
    const double c_pl = pl.min / form;
    json js = json::array();
    for (const auto& st : res.starts)
      js.push_back(json{{"start", st.label},
                        {"start_ratio", std::isfinite(st.start_ratio) ? json(st.start_ratio) : json(nullptr)},
                        {"end_ratio", std::isfinite(st.end_ratio) ? json(st.end_ratio) : json(nullptr)},
                        {"end_radius", st.end_radius},
                        {"accepted_steps", st.accepted}});
    r.data["path_point"] = k_point;
    r.data["admissible_steps"] = last + 1;
    r.data["pl_path_min"] = pl.min;
    r.data["pl_path_argmin"] = pl.argmin;
    r.data["pl_at_point"] = res.centre_ratio;
    r.data["ball_min"] = res.min_ratio;
    r.data["ball_min_start"] = res.min_label;
    r.data["ball_min_radius"] = res.min_radius;
    r.data["ball_min_loss"] = res.min_loss;
    r.data["ball_min_distance_from_init"] = spectral_size(from0);
    r.data["random_start_min"] = std::isfinite(res.min_random_ratio) ? json(res.min_random_ratio) : json(nullptr);
    r.data["starts"] = js;
    r.data["evaluations"] = res.evaluations;
    r.data["form"] = form;
    r.data["C_PL"] = c_pl;
    r.term("C_PL", c_pl);
    r.term("ball_min_over_path_min", res.min_ratio / pl.min);
    const std::string label = fmt::format("ball of radius omega around k={}", k_point);
    if (!std::isfinite(res.min_ratio)) {
      judge_worst(r, {{label + " (no admissible point)", 0, 0, std::numeric_limits<double>::infinity()}});
      return r;
    }
    judge_worst(r, {fitted_lower(label, c_pl * form, res.min_ratio, 1e-12 * res.min_ratio)});
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override {
    Summary s;
    const std::string mutant = results.empty() ? std::string() : results.front().mutant;
    Table bt;  // the ball cases
    bt.id = "pl_ball_vs_path";
    bt.title = "Smallest PL ratio over a ball of radius omega around path points vs along the path";
    bt.columns = {"case",
                  "k",
                  "omega",
                  "mu at theta_k",
                  "min mu along path",
                  "min mu at random points",
                  "min mu in ball (search)",
                  "ball/path",
                  "found from",
                  "verdict"};
    for (const auto& r : results) {
      if (r.error.empty() && r.data.contains("ball_min")) {
        auto num = [&](const char* k) { return r.data.contains(k) ? r.data[k] : json(nullptr); };
        const double ratio = r.data["ball_min"].is_number() && r.data["pl_path_min"].is_number()
                                 ? r.data["ball_min"].get<double>() / r.data["pl_path_min"].get<double>()
                                 : std::numeric_limits<double>::quiet_NaN();
        bt.rows.push_back({r.case_id, num("path_point"), num("omega_path"), num("pl_at_point"), num("pl_path_min"),
                           num("random_start_min"), num("ball_min"), std::isfinite(ratio) ? json(ratio) : json(nullptr),
                           num("ball_min_start"), to_string(r.verdict)});
        continue;
      }
      if (!r.error.empty() || !r.data.contains("runs")) continue;
      const bool regime = r.data.value("regime", false);
      const std::string axis = r.data.value("axis", std::string());
      const std::string sym = axis_symbol(axis);
      const double c_pl = r.data.value("C_PL", std::numeric_limits<double>::quiet_NaN());
      Figure pf;
      const std::string tag = (regime ? "regime_" : "") + axis;
      pf.id = "pl_ratio_along_path_" + tag;
      pf.title = "PL ratio ||grad L||^2/(L - L*) along GD, " + axis + " sweep";
      pf.xlabel = "GD step k";
      pf.ylabel = "||grad L||^2 / L   (L* = 0)";
      pf.logy = true;
      Figure mf;
      mf.id = "pl_min_vs_" + tag;
      mf.title = "Smallest PL ratio along the path vs " + sym;
      mf.xlabel = sym;
      mf.ylabel = "min_k ||grad L||^2 / L";
      mf.logx = mf.logy = true;
      Series meas{"min PL ratio", "measured", {}, {}, {}, {}, {}},
          bnd{"C_PL * q delta m/(d P^2)", "bound", {}, {}, {}, {}, {}};
      ConvergenceStudy study;
      study.name = "min PL ratio vs " + sym + " (" + r.case_id + ")";
      study.key_label = sym;
      study.value_label = "min PL ratio";
      const auto ex = expectation(axis, mutant);
      study.expected = ex.exponent;
      study.rule = ex.rule;
      study.slack = 0.3;
      std::map<double, double> per_value;  // the smallest over the networks of a value (a lower bound's worst case)
      for (const auto& run : r.data["runs"]) {
        const double v = run["value"].get<double>();
        Series c{fmt::format("{}={} #{}", sym, v, run.value("replicate", 0)), "measured", {}, {}, {}, {}, {}};
        const json& pr = run["pl_ratio"];
        for (std::size_t i = 0; i < pr["x"].size(); ++i)
          if (pr["y"][i].is_number() && pr["y"][i].get<double>() > 0) {
            c.x.push_back(pr["x"][i].get<double>());
            c.y.push_back(pr["y"][i].get<double>());
          }
        pf.series.push_back(c);
        if (std::isfinite(c_pl)) {
          Series b{fmt::format("bound {}={} #{}", sym, v, run.value("replicate", 0)), "bound", {}, {}, {}, {}, {}};
          const double y = c_pl * run["form"].get<double>();
          if (!c.x.empty()) b.x = {c.x.front(), c.x.back()}, b.y = {y, y};
          pf.series.push_back(b);
        }
        if (!run["pl_min"].is_number()) continue;
        if (regime && run["role"] == "calibration") continue;  // the regime's fits are over its held-out runs
        meas.x.push_back(v);
        meas.y.push_back(run["pl_min"].get<double>());
        if (std::isfinite(c_pl)) {
          bnd.x.push_back(v);
          bnd.y.push_back(c_pl * run["form"].get<double>());
        }
        per_value[v] =
            std::min(per_value.count(v) ? per_value[v] : run["pl_min"].get<double>(), run["pl_min"].get<double>());
      }
      for (const auto& [v, y] : per_value) study.key.push_back(v), study.value.push_back(y);
      pf.caption =
          "PL ratio along each GD path (points, L* = 0, steps below the round-off guard omitted) and the "
          "encoded lower bound with C_PL fitted on the calibration runs (lines).";
      mf.series = {meas, bnd};
      mf.caption =
          "Smallest PL ratio along each path; the bound's constant is fitted on the first runs (calibration) "
          "and the others are held out.";
      s.figures.push_back(std::move(pf));
      s.figures.push_back(std::move(mf));
      {
        // How the measured minimum compares with the form, value by value (smallest over the networks).
        Table rt;
        rt.id = "pl_over_form_" + tag;
        rt.title = "min PL ratio / form per " + sym + " (smallest over the networks), " + r.case_id;
        rt.columns = {sym, "min PL ratio", "form q delta m/(d P^2)", "ratio"};
        std::map<double, std::pair<double, double>> worst;  // value -> (ratio, pl_min)
        std::map<double, double> form_of_value;
        for (const auto& run : r.data["runs"]) {
          if (!run["pl_min"].is_number()) continue;
          if (regime && run["role"] == "calibration") continue;
          const double v = run["value"].get<double>(), ratio = run["pl_min"].get<double>() / run["form"].get<double>();
          if (!worst.count(v) || ratio < worst[v].first)
            worst[v] = {ratio, run["pl_min"].get<double>()}, form_of_value[v] = run["form"].get<double>();
        }
        for (const auto& [v, w] : worst) rt.rows.push_back({v, w.second, form_of_value[v], w.first});
        rt.caption =
            "A constant ratio across the sweep is what the encoded form predicts; the calibration constant "
            "C_PL is the smallest ratio over the calibration values.";
        if (!rt.rows.empty()) s.tables.push_back(std::move(rt));
      }
      if (study.key.size() >= 3) {
        s.tables.push_back(study.table("pl_min_" + tag));
        Fit f = study.fit();
        f.name = std::string(regime ? "regime: " : "") + "exponent of min PL ratio in " + sym +
                 " (Allen-Zhu form: m^1 (nN)^-2 d^-1 [R])";
        s.fits.push_back(f);
      }
      if (std::isfinite(c_pl))
        s.notes.push_back(fmt::format("{}: C_PL = {:.4g} (calibration), verdict {}{}{}.", r.case_id, c_pl,
                                      to_string(r.verdict), r.reason.empty() ? "" : " (" + r.reason + ")",
                                      drift_phrase(r)));
    }
    if (!bt.rows.empty()) {
      bt.caption =
          "Each ball case calibrates C_PL along its own GD path and holds the smallest PL ratio an adversarial "
          "search (projected descent on mu from the centre, random directions and +-the top Gauss-Newton "
          "eigenvector, all at radius omega = the path's spectral radius) finds in the ball to C_PL form / 2.";
      s.tables.push_back(std::move(bt));
    }
    s.notes.push_back(drift_rule_note());
    s.notes.push_back(
        "L* = 0 here (the runs interpolate); the PL ratio along the path is the quantity Lemma 1 bounds below. In the "
        "lazy regime it tends to twice the smallest eigenvalue of the weighted tangent kernel, which grows like m; "
        "Allen-Zhu's n^-2 and 1/d are worst-case factors, so measured exponents above them are consistent.");
    return s;
  }
};

class PlBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return training_gradient_lower_bound::claim(); }
  std::string title() const override {
    return "Encoded PL lower bound ||grad L||^2 >= C_PL q_min delta m/(d P^2) (L - L*)";
  }
  ParamSchema parameters() const override {
    ParamSchema s{{
        ParamSpec::number("C_PL", "the unknown constant (the check fits it per sweep)").ge(0).fallback(1.0),
        ParamSpec::number("q_min", "min_j 2 c_n beta_j alpha_j^2").gt(0).fallback(0.5),
        ParamSpec::number("delta", "separation of the network inputs").gt(0).fallback(0.25),
        ParamSpec::number("excess_loss", "L(theta) - L*").ge(0).fallback(1.0),
    }};
    for (auto& spec : network_shape_specs(1, 64, "width")) s.params.push_back(std::move(spec));
    return s;
  }

 protected:
  /// The check's form (pl_form) with a given constant.
  std::vector<BoundTerm> terms(const json& p, ScalarKind) const override {
    const ParamSchema sc = parameters();
    auto num = [&](const char* name) { return sc.number(p, name); };
    const double c = num("C_PL"), e = num("excess_loss");
    const double form = pl_form(num("q_min"), num("delta"), num("m"), num("d"), num("n") * num("N"));
    const ClaimInfo cl = claim();
    const std::vector<std::string> exps{"exponent_m", "exponent_P", "exponent_d"},
        with_c{"C_PL", "exponent_m", "exponent_P", "exponent_d"};
    return {
        BoundTerm::of(cl, "form", Quantity::of(form), "q_min delta m/(d (nN)^2): Allen-Zhu Thm 3 (PAPER §5.1)", exps),
        BoundTerm::of(cl, "C_PL", Quantity::of(c), "Lemma 1's constant (PAPER §3)", {"C_PL"}),
        BoundTerm::of(cl, "pl_lower_bound", Quantity::of(c * form), "lower bound on ||grad L||^2/(L - L*)", with_c),
        BoundTerm::of(cl, "grad_norm_sq_lower_bound", Quantity::of(c * form * e), "lower bound on ||grad L||_F^2",
                      with_c)};
  }
};

}  // namespace
}  // namespace diffbound::checks::training_gradient_lower_bound_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::training_gradient_lower_bound_check::TrainingGradientLowerBound)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::training_gradient_lower_bound_check::PlBound)
