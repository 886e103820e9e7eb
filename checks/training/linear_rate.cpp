// Check training.linear_rate: GD on the empirical DSM loss converges linearly (Theorem 1, PAPER §3.1),
// and its rate follows the encoded form ρ ≥ C_rate h q_min δ m/(d P²) (PAPER §5.1 [R]).
//
// Two kinds of cases:
//   decades   one over-parameterised run in MPFR (plus its double twin), L* = 0: the loss must decrease
//             linearly over at least min_decades decades; the verdict holds the largest windowed per-step
//             factor (L_{k+w}/L_k)^{1/w} over the linear phase to 1.
//   sweep     runs along one axis (width, step_rel, samples, levels, depth, dimension); C_rate is the
//             smallest ρ/form over the calibration runs, and every held-out run must have
//             ρ ≥ C_rate · form / kDriftFactor (theory/fitted_constants.hpp) up to the CI of ρ; the
//             Robson–Whitlock gap of C_rate is reported beside it.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/convergence.hpp>
#include <diffbound/checks/training/common.hpp>

#include <diffbound/theory/training_linear_rate.hpp>

#include <fmt/format.h>

#include <map>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::training_linear_rate_check {
namespace {

using training_linear_rate::rate_form;

RunSpec base_run(Size size) {
  RunSpec r;
  r.data.family = "gaussian";
  r.data.gaussian.spectrum = "isotropic";
  r.data.gaussian.dimension = 2;
  r.data.gaussian.scale = 1.0;
  r.network.width = 64;
  r.network.depth = 2;
  r.loss.samples = 4;
  r.loss.grid = ScheduleSpec::geometric(3, 0.02, 100.0);  // N = 2 levels
  r.gd.step_rel = 0.5;
  r.gd.max_steps = size == Size::smoke ? 600 : (size == Size::full ? 6000 : 2500);
  r.gd.stop_ratio = 1e-13;
  r.gd.distance_every = 25;
  return r;
}

// ---- Form mutants (power table, issue 15): wrong variants of the encoded form, computed by form_of when
// RunContext::mutant names one. C_rate is [UNKNOWN] (fitted per sweep): only the form's exponents and
// factors are mutated, never the constant. ------------------------------------------------------------------
const std::vector<MutantInfo> kMutants{
    {"width_squared", "larger exponent (rate claimed faster)",
     "rho >= C h q_min delta m^2/(d P^2): the rate grows like m^2"},
    {"step_squared", "larger exponent (rate claimed faster)",
     "rho >= C h^2 q_min delta m/(d P^2): the rate grows like h^2"},
    {"samples_weaker", "smaller exponent (dependence claimed weaker)",
     "rho >= C h q_min delta m/(d P): (nN)^-1 instead of (nN)^-2"},
    {"drop_levels", "dropped factor", "P = n instead of nN: the number of noise levels does not slow GD"},
    {"drop_samples", "dropped factor", "P = N instead of nN: the number of samples does not slow GD"},
    {"drop_dimension", "dropped factor", "rho >= C h q_min delta m/P^2: no 1/d"},
};

double form_of(const ProblemFacts& f, const std::string& mutant = {}) {
  double h = f.h, m = f.m, d = static_cast<double>(f.d), P = static_cast<double>(f.P);
  if (mutant == "width_squared") m *= f.m;
  if (mutant == "step_squared") h *= f.h;
  if (mutant == "drop_levels") P = f.n;
  if (mutant == "drop_samples") P = f.N;
  if (mutant == "drop_dimension") d = 1;
  const double form = rate_form(h, f.q_min, f.delta, m, d, P);
  return mutant == "samples_weaker" ? form * P : form;
}

/// Expected exponent of ρ in the sweep variable under the encoded form, and how it is judged.
struct AxisExpectation {
  double exponent;
  SlopeRule rule;
  const char* why;
};
AxisExpectation expectation(const std::string& axis, const std::string& mutant = {}) {
  // A mutant's form predicts other exponents; its judged fits are held to them.
  if (axis == "width" && mutant == "width_squared")
    return {2.0, SlopeRule::close_to, "mutant width_squared: rho ~ h m^2"};
  if (axis == "step_rel" && mutant == "step_squared")
    return {2.0, SlopeRule::close_to, "mutant step_squared: rho ~ h^2"};
  if ((axis == "samples" || axis == "levels") && mutant == "samples_weaker")
    return {-1.0, SlopeRule::at_least, "mutant samples_weaker: rho >~ (nN)^-1"};
  if (axis == "levels" && mutant == "drop_levels") return {0.0, SlopeRule::at_least, "mutant drop_levels: rho >~ N^0"};
  if (axis == "samples" && mutant == "drop_samples")
    return {0.0, SlopeRule::at_least, "mutant drop_samples: rho >~ n^0"};
  if (axis == "dimension" && mutant == "drop_dimension")
    return {0.0, SlopeRule::at_least, "mutant drop_dimension: rho >~ d^0"};
  if (axis == "width") return {1.0, SlopeRule::close_to, "rho ~ h m at a common h [R] §5.1"};
  if (axis == "step_rel") return {1.0, SlopeRule::close_to, "rho ~ h below the stability limit [R] §5.1"};
  if (axis == "samples") return {-2.0, SlopeRule::at_least, "rho >~ (nN)^-2: the bound's exponent is a worst case [R]"};
  if (axis == "levels") return {-2.0, SlopeRule::at_least, "rho >~ (nN)^-2 [R]"};
  if (axis == "dimension") return {-1.0, SlopeRule::at_least, "rho >~ 1/d [R]"};
  return {std::numeric_limits<double>::quiet_NaN(), SlopeRule::close_to, "no depth dependence is stated [UNKNOWN]"};
}

const ParamSchema& linear_rate_schema() {
  static const ParamSchema s = [] {
    ParamSchema sc;
    sc.discriminator = "kind";
    sc.params.push_back(ParamSpec::choice("kind", {"decades", "sweep", "regime"},
                                          "decades: one long run, its linear phase over many decades; sweep: runs "
                                          "along one axis; regime: a calibrating and a held-out sweep"));
    sc.params.push_back(
        ParamSpec::object("run", "the training run (run_from_json: data, network, loss, gd)").when({"decades"}));
    sc.params.push_back(ParamSpec::number("min_decades", "decades of loss decrease the linear phase must span")
                            .fallback(20)
                            .when({"decades"}));
    sc.params.push_back(ParamSpec::boolean("double_twin", "also run the same case in double, for comparison")
                            .fallback(false)
                            .when({"decades"}));
    for (auto& p : sweep_param_specs({"sweep"}, {"regime"})) sc.params.push_back(std::move(p));
    sc.params.push_back(ParamSpec::choice("scalar", {"double", "mpfr"}, "scalar of the runs").optional_key());
    return sc;
  }();
  return s;
}

class TrainingLinearRate final : public Check {
 public:
  ClaimInfo claim() const override { return training_linear_rate::claim(); }
  std::vector<ScalarKind> scalar_kinds() const override { return {ScalarKind::float64, ScalarKind::mpfr}; }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    SweepDomainSpec d;
    d.axes = {"width", "step_rel", "samples", "levels", "dimension"};
    d.kind = "sweep";
    d.max_steps = 400;
    d.run_budget = {32, 40, 120};
    return sweep_domain(d);
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    // Linear convergence far below double's round-off, in MPFR.
    {
      // P = nN = 4 inputs, d = 2: a well-conditioned, heavily over-parameterised problem (L* = 0).
      RunSpec r = base_run(size);
      r.network.width = 32;
      r.loss.samples = 2;
      r.gd.step_rel = 0.5;
      const double decades = size == Size::smoke ? 22 : (size == Size::full ? 64 : 40);
      r.gd.stop_ratio = std::pow(10.0, -decades - 1);
      r.gd.max_steps = size == Size::full ? 40000 : 8000;
      r.gd.distance_every = 50;
      out.push_back({"decades/mpfr/m=32", json{{"kind", "decades"},
                                               {"run", run_to_json(r)},
                                               {"scalar", "mpfr"},
                                               {"min_decades", 20},
                                               {"double_twin", size != Size::smoke}}});
    }
    auto sweep = [&](const std::string& axis, std::vector<double> values, int calibration, const std::string& policy,
                     RunSpec base) {
      SweepSpec s;
      s.axis = axis, s.values = std::move(values), s.calibration = calibration, s.step_policy = policy;
      s.replicates = size == Size::smoke ? 2 : 3;
      s.base = std::move(base);
      json j = sweep_to_json(s);
      j["kind"] = "sweep";
      std::string id = "sweep/" + axis + (policy == "common" ? "/common_h" : "");
      out.push_back({id, j});
    };
    const RunSpec base = base_run(size);
    // The regime family (issue 16, item 6): held-out runs with width a multiple of nNd, d of tens and the
    // time input, at h = step_rel 2/lambda_max, judged against C_rate calibrated on today's small width
    // runs at the same step policy (never re-fitted on them).
    auto regime = [&](const std::string& axis, std::vector<double> values, RunSpec held_base) {
      out.push_back(regime_case(axis, std::move(values), std::move(held_base), base, size));
    };
    if (size == Size::smoke) {
      sweep("width", {32, 64, 128}, 2, "common", base);
      regime("width", {256, 512}, regime_base_run(16, 2, 2, 256, 300));
      return out;
    }
    if (size == Size::full) {
      RunSpec wide = base;
      wide.gd.max_steps = 4000;
      sweep("width", {64, 128, 256, 512, 1024, 2048, 4096}, 3, "common", wide);
      sweep("width", {64, 128, 256, 512, 1024, 2048, 4096}, 3, "per_run", wide);
      sweep("step_rel", {0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 1.2, 1.6}, 3, "per_run", base);
      sweep("samples", {2, 4, 8, 16, 32}, 2, "per_run", base);
      sweep("levels", {1, 2, 4, 8, 16}, 2, "per_run", base);
      sweep("depth", {1, 2, 3, 4, 6}, 2, "per_run", base);
      sweep("dimension", {1, 2, 4, 8, 16}, 2, "per_run", base);
      regime("width", {256, 512, 1024, 2048, 4096}, regime_base_run(16, 2, 2, 256, 3000));
      regime("dimension", {16, 32, 64, 128}, regime_base_run(16, 2, 2, 2048, 3000));
      return out;
    }
    sweep("width", {32, 64, 128, 256}, 2, "common", base);
    sweep("width", {32, 64, 128, 256}, 2, "per_run", base);
    sweep("step_rel", {0.05, 0.1, 0.2, 0.4, 0.8, 1.2}, 2, "per_run", base);
    sweep("samples", {2, 4, 8, 16}, 2, "per_run", base);
    sweep("levels", {1, 2, 4, 8}, 2, "per_run", base);
    sweep("depth", {1, 2, 3, 4}, 2, "per_run", base);
    regime("width", {128, 256, 512}, regime_base_run(8, 2, 2, 128, 400));
    regime("dimension", {16, 32, 64}, regime_base_run(16, 2, 2, 1024, 400));
    return out;
  }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    linear_rate_schema().validate(spec.params);
    if (linear_rate_schema().string(spec.params, "kind") == "decades") return run_decades(spec, ctx, std::move(r));
    return run_sweep_case(spec, ctx, std::move(r));
  }

  ParamSchema parameters() const override { return linear_rate_schema(); }

  Summary summarize(const std::vector<CaseResult>& results) const override;

 private:
  CaseResult run_decades(const CaseSpec& spec, const RunContext& ctx, CaseResult r) const {
    const json& p = spec.params;
    const RunSpec run = run_from_json(p.at("run"), {}, "run");
    const ScalarKind kind = case_scalar(p, ctx);
    const double min_decades = linear_rate_schema().number(p, "min_decades");
    const bool twin = linear_rate_schema().boolean(p, "double_twin");
    r.scalar = kind;
    r.precision_bits = precision_bits(kind);
    const RunSeeds seeds = RunSeeds::from(ctx.seed);
    const RunOutput out = train_run(run, seeds, kind);
    const LinearPhase ph = linear_phase(out.path.loss, 0.0, out.roundoff_loss);
    r.data["facts"] = facts_to_json(out.facts);
    r.data["phase"] = phase_to_json(ph);
    r.data["loss"] = thinned_curve(out.path.loss, 400);
    r.data["pl_ratio"] = thinned_curve(pl_ratio(out.path), 400);
    r.data["stop_reason"] = out.path.stop_reason;
    r.data["roundoff_loss"] = out.roundoff_loss;
    r.data["scalar"] = to_string(kind);
    if (twin) {
      const RunOutput dbl = train_run(run, seeds, ScalarKind::float64);
      r.data["double_twin"] = json{{"loss", thinned_curve(dbl.path.loss, 400)},
                                   {"phase", phase_to_json(linear_phase(dbl.path.loss, 0.0, dbl.roundoff_loss))},
                                   {"final_loss", dbl.path.loss.back()}};
    }
    if (!ph.ok) {
      r.verdict = Verdict::inconclusive;
      r.reason = "no linear phase: " + ph.reason;
      return r;
    }
    // Claim: the per-step factor stays below 1 over the phase. Error: the factor is a ratio of two losses
    // each known to about 1e4·ε relative above the round-off guard.
    const double err = 4e4 * std::ldexp(1.0, -static_cast<int>(out.bits));
    r.compare(ph.max_window_factor, 1.0, err);
    r.term("decades", ph.decades);
    r.term("rate", ph.rate);
    r.term("rate_lo", ph.rate_lo);
    r.term("rate_hi", ph.rate_hi);
    r.term("steps", static_cast<double>(out.path.steps()));
    if (r.verdict == Verdict::holds && ph.decades < min_decades) {
      r.verdict = Verdict::inconclusive;
      r.reason = fmt::format("linear over {:.1f} decades only (< {} required)", ph.decades, min_decades);
    }
    return r;
  }

  static std::vector<double> pl_ratio(const GdPath& path) {
    std::vector<double> v;
    for (std::size_t k = 0; k < path.grad_norm_sq.size(); ++k) v.push_back(path.grad_norm_sq[k] / path.loss[k]);
    return v;
  }

  CaseResult run_sweep_case(const CaseSpec& spec, const RunContext& ctx, CaseResult r) const {
    const bool is_regime = linear_rate_schema().string(spec.params, "kind") == "regime";
    SweepSpec s;
    std::optional<RegimeSpec> rs;
    if (is_regime) {
      rs = regime_from_json(spec.params, {"kind", "scalar"});
      s = rs->held_out;
    } else {
      s = sweep_from_json(spec.params, {"kind", "scalar"});
    }
    const ScalarKind kind = case_scalar(spec.params, ctx);
    r.scalar = kind;
    r.precision_bits = precision_bits(kind);
    const auto runs = is_regime ? run_regime(*rs, kind, ctx.seed) : run_sweep(s, kind, ctx.seed);
    // Calibration: C_rate = min over calibration runs of ρ/form.
    std::vector<double> cal_ratios;
    json jr = json::array();
    std::vector<LinearPhase> phases;
    for (const auto& run : runs) {
      phases.push_back(linear_phase(run.out.path.loss, 0.0, run.out.roundoff_loss));
      const auto& ph = phases.back();
      const bool beyond = s.axis == "step_rel" && run.value >= 1.0;
      if (run.calibration && ph.ok && !beyond) cal_ratios.push_back(ph.rate / form_of(run.out.facts, ctx.mutant));
      jr.push_back(
          json{{"value", run.value},
               {"replicate", run.replicate},
               {"role", beyond ? "beyond_stability" : (run.calibration ? "calibration" : "held_out")},
               {"facts", facts_to_json(run.out.facts)},
               {"phase", phase_to_json(ph)},
               {"form", form_of(run.out.facts, ctx.mutant)},
               {"loss", thinned_curve(run.out.path.loss, 160)},
               {"stop_reason", run.out.path.stop_reason},
               {"diverged", run.out.path.diverged},
               {"final_distance_spectral",
                run.out.path.distance_spectral.empty() ? json(nullptr) : json(run.out.path.distance_spectral.back())}});
    }
    r.data["axis"] = s.axis;
    r.data["step_policy"] = s.step_policy;
    r.data["runs"] = jr;
    if (is_regime) r.data["regime"] = true;
    if (cal_ratios.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = "no calibration run has a linear phase";
      return r;
    }
    const double c_rate = *std::min_element(cal_ratios.begin(), cal_ratios.end());
    const double c_gap = min_gap(cal_ratios);  // Robson–Whitlock error of a sample minimum
    r.data["C_rate"] = c_rate;
    r.data["C_rate_gap"] = c_gap;
    r.term("C_rate", c_rate);
    std::vector<HeldOutPoint> pts;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& run = runs[i];
      if (run.calibration) continue;
      if (s.axis == "step_rel" && run.value >= 1.0) continue;
      const auto& ph = phases[i];
      const std::string label = fmt::format("{}={} (network {})", axis_symbol(s.axis), run.value, run.replicate);
      if (!ph.ok) {
        pts.push_back(
            {label + " (no linear phase: " + ph.reason + ")", 0.0, 0.0, std::numeric_limits<double>::infinity()});
        continue;
      }
      const double form = form_of(run.out.facts, ctx.mutant);
      // Lower bound C_rate·form (as "measured") must not exceed the measured ρ (as "bound").
      const double err = 0.5 * (ph.rate_hi - ph.rate_lo);
      pts.push_back(fitted_lower(label, c_rate * form, ph.rate, err));
    }
    judge_worst(r, pts);
    return r;
  }
};

Summary TrainingLinearRate::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  const std::string mutant = results.empty() ? std::string() : results.front().mutant;
  auto finite = [](const json& v) { return v.is_number() && std::isfinite(v.get<double>()); };
  for (const auto& r : results) {
    if (!r.error.empty()) continue;
    if (r.data.contains("phase") && r.data.contains("loss")) {
      // decades case
      Figure f;
      f.id = "loss_vs_step_decades";
      f.title = "Linear convergence far below double round-off (" + r.case_id + ")";
      f.xlabel = "GD step k";
      f.ylabel = "empirical DSM loss L(theta_k) - L*  (L* = 0)";
      f.logy = true;
      Series m{"loss, " + r.data.value("scalar", std::string("mpfr")), "measured", {}, {}, {}, {}, {}};
      for (std::size_t i = 0; i < r.data["loss"]["x"].size(); ++i)
        if (finite(r.data["loss"]["y"][i]) && r.data["loss"]["y"][i].get<double>() > 0) {
          m.x.push_back(r.data["loss"]["x"][i].get<double>());
          m.y.push_back(r.data["loss"]["y"][i].get<double>());
        }
      f.series.push_back(m);
      const json& ph = r.data["phase"];
      if (ph.value("ok", false)) {
        Series fit{fmt::format("fit: rate {:.4g} per step", ph["rate"].get<double>()), "fit", {}, {}, {}, {}, {}};
        for (double k : {ph["start"].get<double>(), ph["end"].get<double>()}) {
          fit.x.push_back(k);
          fit.y.push_back(std::exp(ph["intercept"].get<double>() + ph["slope"].get<double>() * k));
        }
        f.series.push_back(fit);
      }
      if (r.data.contains("double_twin")) {
        Series d{"loss, double (same run)", "other", {}, {}, {}, {}, {}};
        const json& c = r.data["double_twin"]["loss"];
        for (std::size_t i = 0; i < c["x"].size(); ++i)
          if (finite(c["y"][i]) && c["y"][i].get<double>() > 0) {
            d.x.push_back(c["x"][i].get<double>());
            d.y.push_back(c["y"][i].get<double>());
          }
        f.series.push_back(d);
      }
      f.caption =
          "One over-parameterised run (L* = 0) in MPFR and the same run in double: the double run stalls "
          "at its round-off floor, the MPFR run keeps its linear rate; the dashed line is the least-squares "
          "fit of ln L on the linear phase.";
      s.figures.push_back(std::move(f));
      if (ph.value("ok", false))
        s.notes.push_back(fmt::format(
            "{}: linear over {:.1f} decades in {} ({} steps), per-step contraction rho = {:.5g} [{:.5g}, {:.5g}] "
            "(95% CI of the LS slope; serial correlation makes it optimistic), max windowed factor {:.6f}.",
            r.case_id, ph["decades"].get<double>(), r.data.value("scalar", std::string("mpfr")), ph["end"].get<long>(),
            ph["rate"].get<double>(), ph["rate_lo"].get<double>(), ph["rate_hi"].get<double>(),
            ph["max_window_factor"].get<double>()));
      if (r.data.contains("double_twin"))
        s.notes.push_back(fmt::format("{}: the same run in double stops decreasing at L = {:.3g} (round-off floor).",
                                      r.case_id, r.data["double_twin"]["final_loss"].get<double>()));
      continue;
    }
    if (!r.data.contains("runs")) continue;
    const bool regime = r.data.value("regime", false);
    const std::string axis = r.data.value("axis", std::string());
    const std::string policy = std::string(regime ? "regime_" : "") + r.data.value("step_policy", std::string());
    const std::string sym = axis_symbol(axis);
    const double c_rate = r.data.value("C_rate", std::numeric_limits<double>::quiet_NaN());
    // Loss curves with fitted lines.
    Figure lf;
    lf.id = "loss_vs_step_" + axis + "_" + policy;
    lf.title = "GD loss along the " + axis + " sweep (" + policy + " step)";
    lf.xlabel = "GD step k";
    lf.ylabel = "L(theta_k)  (L* = 0)";
    lf.logy = true;
    // Rate vs the variable.
    Figure rf;
    rf.id = "rate_vs_" + axis + "_" + policy;
    rf.title = "Fitted per-step rate rho vs " + sym + " (" + policy + " step)";
    rf.xlabel = sym;
    rf.ylabel = "rho (per-step contraction on the linear phase)";
    rf.logx = rf.logy = true;
    Series meas{"rho (95% CI)", "measured", {}, {}, {}, {}, {}}, bound{"C_rate * form", "bound", {}, {}, {}, {}, {}};
    Series beyond{"rho beyond 2/lambda_max", "other", {}, {}, {}, {}, {}};
    ConvergenceStudy study;
    study.name = "rho vs " + sym + " (" + r.case_id + ")";
    study.key_label = sym;
    study.value_label = "rho";
    const auto ex = expectation(axis, mutant);
    study.expected = ex.exponent;
    study.rule = ex.rule;
    study.slack = 0.3;
    std::map<double, double> per_value;  // the smallest rate over the networks of a value
    for (const auto& run : r.data["runs"]) {
      const double v = run["value"].get<double>();
      const json& ph = run["phase"];
      Series c{fmt::format("{}={} #{}", sym, v, run.value("replicate", 0)), "measured", {}, {}, {}, {}, {}};
      for (std::size_t i = 0; i < run["loss"]["x"].size(); ++i)
        if (finite(run["loss"]["y"][i]) && run["loss"]["y"][i].get<double>() > 0) {
          c.x.push_back(run["loss"]["x"][i].get<double>());
          c.y.push_back(run["loss"]["y"][i].get<double>());
        }
      lf.series.push_back(c);
      if (!ph.value("ok", false)) continue;
      Series fit{fmt::format("fit {}={} #{}", sym, v, run.value("replicate", 0)), "fit", {}, {}, {}, {}, {}};
      for (double k : {ph["start"].get<double>(), ph["end"].get<double>()}) {
        fit.x.push_back(k);
        fit.y.push_back(std::exp(ph["intercept"].get<double>() + ph["slope"].get<double>() * k));
      }
      lf.series.push_back(fit);
      const double x = axis == "step_rel" ? run["facts"]["h"].get<double>() : v;
      if (regime && run["role"] == "calibration") continue;  // the regime's fits are over its held-out runs
      if (run["role"] == "beyond_stability") {
        beyond.x.push_back(x);
        beyond.y.push_back(ph["rate"].get<double>());
        continue;
      }
      meas.x.push_back(x);
      meas.y.push_back(ph["rate"].get<double>());
      meas.y_lo.push_back(ph["rate_lo"].get<double>());
      meas.y_hi.push_back(ph["rate_hi"].get<double>());
      if (std::isfinite(c_rate)) {
        bound.x.push_back(x);
        bound.y.push_back(c_rate * run["form"].get<double>());
      }
      per_value[x] = std::min(per_value.count(x) ? per_value[x] : ph["rate"].get<double>(), ph["rate"].get<double>());
    }
    for (const auto& [x, y] : per_value) study.key.push_back(x), study.value.push_back(y);
    lf.caption = "Loss curves (points) and least-squares fits of ln L on each run's linear phase (dashed).";
    rf.series = {meas, bound};
    if (!beyond.x.empty()) rf.series.push_back(beyond);
    rf.caption =
        "Measured rate with its 95% CI and the encoded lower bound C_rate h q_min delta m/(d P^2), C_rate "
        "fitted on the calibration runs (the first ones). Held-out runs must lie above the bound.";
    s.figures.push_back(std::move(lf));
    s.figures.push_back(std::move(rf));
    {
      Table rt;
      rt.id = "rate_over_form_" + axis + "_" + policy;
      rt.title = "rho / form per run, " + r.case_id;
      rt.columns = {sym, "network", "h", "rho", "rho 95% CI", "form", "rho/form", "decades", "role"};
      for (const auto& run : r.data["runs"]) {
        const json& ph = run["phase"];
        if (!ph.value("ok", false)) continue;
        rt.rows.push_back({run["value"], run.value("replicate", 0), run["facts"]["h"], ph["rate"],
                           fmt::format("[{:.4g}, {:.4g}]", ph["rate_lo"].get<double>(), ph["rate_hi"].get<double>()),
                           run["form"], ph["rate"].get<double>() / run["form"].get<double>(), ph["decades"],
                           run["role"]});
      }
      rt.caption = "The encoded form predicts a ratio rho/form bounded below by C_rate across the sweep.";
      if (!rt.rows.empty()) s.tables.push_back(std::move(rt));
    }
    if (study.key.size() >= 3) {
      s.tables.push_back(study.table("rate_" + axis + "_" + policy));
      Fit f = study.fit();
      f.name = fmt::format("exponent of rho in {} ({} step); encoded form: {}", sym, policy, ex.why);
      if (axis == "width" && (policy == "per_run" || policy == "regime_per_run")) {
        // h ∝ 1/lambda_max ∝ 1/m at a fixed step_rel: the form predicts a flat rate (the mutant
        // width_squared: a rate like m).
        const double e = mutant == "width_squared" ? 1.0 : 0.0;
        f.expected = e;
        f.comparison = fmt::format("|slope - {:g}| <= 0.3 (h = step_rel 2/lambda_max shrinks like 1/m)", e);
        f.outcome = (f.slope_lo >= e - 0.3 && f.slope_hi <= e + 0.3) ? "HOLDS"
                    : (f.slope_hi < e - 0.3 || f.slope_lo > e + 0.3) ? "VIOLATED"
                                                                     : "INCONCLUSIVE";
      }
      s.fits.push_back(f);
    }
    if (std::isfinite(c_rate))
      s.notes.push_back(fmt::format("{}: C_rate = {:.4g} fitted on the calibration runs; verdict {} ({}){}.", r.case_id,
                                    c_rate, to_string(r.verdict),
                                    r.reason.empty() ? "all held-out runs above" : r.reason, drift_phrase(r)));
  }
  s.notes.push_back(drift_rule_note());
  s.notes.push_back(
      "L* = 0 in every run here: the networks are over-parameterised (L m^2 weights against nN d targets) and the "
      "loss decreases to the round-off floor. The encoded exponents are Allen-Zhu's worst-case ones [R]; a measured "
      "slope that decays more slowly than the bound in n or N is consistent with the claim (a lower bound).");
  return s;
}

class LinearRateBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return training_linear_rate::claim(); }
  std::string title() const override {
    return "Encoded lower bound on the per-step GD rate, rho >= C_rate h q_min delta m/(d P^2)";
  }
  ParamSchema parameters() const override {
    ParamSchema s{{
        ParamSpec::number("C_rate", "the unknown constant (the check fits it per sweep; 1 shows the bare form)")
            .ge(0)
            .fallback(1.0),
        ParamSpec::number("h", "GD step size").gt(0).fallback(0.05),
        ParamSpec::number("q_min", "min_j 2 c_n beta_j alpha_j^2 (effective per-sample weight)").gt(0).fallback(0.5),
        ParamSpec::number("delta", "separation of the network inputs").gt(0).fallback(0.25),
    }};
    for (auto& spec : network_shape_specs(1, 64, "width")) s.params.push_back(std::move(spec));
    return s;
  }

 protected:
  /// The check's form (rate_form) with a given constant.
  std::vector<BoundTerm> terms(const json& p, ScalarKind) const override {
    const ParamSchema sc = parameters();
    auto num = [&](const char* name) { return sc.number(p, name); };
    const double c = num("C_rate"), h = num("h"), q = num("q_min"), delta = num("delta"), m = num("m"), d = num("d");
    const double P = num("n") * num("N"), form = rate_form(h, q, delta, m, d, P);
    const ClaimInfo cl = claim();
    return {
        BoundTerm::computed("P", Quantity::of(P), "number of network inputs nN"),
        BoundTerm::of(cl, "form", Quantity::of(form),
                      "h q_min delta m/(d P^2): Allen-Zhu's per-step factor (PAPER §5.1)",
                      {"exponent_m", "exponent_P", "exponent_h"}),
        BoundTerm::of(cl, "C_rate", Quantity::of(c), "contraction constant (PAPER §3.1)", {"C_rate"}),
        BoundTerm::of(cl, "rho_lower_bound", Quantity::of(c * form), "C_rate * form: the rate the theory guarantees",
                      {"C_rate", "exponent_m", "exponent_P", "exponent_h"}),
        BoundTerm::of(cl, "steps_per_decade", Quantity::of(std::log(10.0) / -std::log1p(-std::min(c * form, 0.999999))),
                      "GD steps per decade of loss decrease at that rate",
                      {"C_rate", "exponent_m", "exponent_P", "exponent_h"})};
  }
};

}  // namespace
}  // namespace diffbound::checks::training_linear_rate_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::training_linear_rate_check::TrainingLinearRate)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::training_linear_rate_check::LinearRateBound)
