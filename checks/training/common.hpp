// What the four training checks share: the JSON form of a training run (data, network, loss, GD), the
// run itself with its diagnostics, the analysis of the linear phase of a loss curve, held-out judging
// with fit-based error estimates, and curve thinning for the report.
#pragma once

#include <limits>

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>

#include <diffbound/numerics/fit.hpp>
#include <diffbound/numerics/gradient_descent.hpp>
#include <diffbound/numerics/training_data.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace diffbound::checks {

/// Gradient-descent settings of a run. Exactly one of step (absolute h) and step_rel (h as a fraction
/// of 2/λ_max of the Gauss–Newton matrix at initialisation, i.e. of the linearised stability limit).
struct GdSpec {
  std::optional<double> step, step_rel;
  long max_steps = 1000;
  double stop_ratio = 0;
  double divergence_ratio = 1e6;
  long distance_every = 10;
};

/// One training run: what a user writes in a config file.
struct RunSpec {
  TrainingDataSpec data;
  NetworkOptions network;
  DsmOptions loss;
  GdSpec gd;
};

json network_to_json(const NetworkOptions& o);
NetworkOptions network_from_json(const json& j, const std::string& where = "network");
json loss_to_json(const DsmOptions& o);
DsmOptions loss_from_json(const json& j, const std::string& where = "loss");
json training_data_to_json(const TrainingDataSpec& s);
TrainingDataSpec training_data_from_json(const json& j, const std::string& where = "data");
json gd_to_json(const GdSpec& g);
GdSpec gd_from_json(const json& j, const std::string& where = "gd");
json run_to_json(const RunSpec& r);
/// Reads data, network, loss and gd from an object that may hold other keys (listed in `others`).
RunSpec run_from_json(const json& j, std::initializer_list<const char*> others, const std::string& where = "");
/// The scalar a case runs in: its own "scalar" param if present ("double" or "mpfr"), else the run's.
ScalarKind case_scalar(const json& params, const RunContext& ctx);
/// Throws ParamError naming the key if `j` has a key not in `known`.
/// Optional integer / string readers.
long long get_integer_or(const json& j, const std::string& key, long long fallback, const std::string& where);
std::string get_string_or(const json& j, const std::string& key, const std::string& fallback, const std::string& where);

/// Seeds of a run derived from the case seed: data, noise and network streams are independent.
struct RunSeeds {
  std::uint64_t data, noise, network;
  static RunSeeds from(std::uint64_t case_seed, std::uint64_t network_offset = 0) {
    return {mix64(case_seed ^ 0x1111), mix64(case_seed ^ 0x2222), mix64(case_seed ^ 0x3333 ^ mix64(network_offset))};
  }
};

/// Facts about a problem that the encoded forms use.
struct ProblemFacts {
  int n = 0, N = 0, m = 0, L = 0;
  long d = 0, P = 0;
  double delta = 0;             ///< separation of the network inputs
  double q_min = 0, q_max = 0;  ///< min/max over levels of 2 c_n β_j α_j²
  double lambda_max = 0;        ///< largest Gauss–Newton eigenvalue at initialisation
  double h = 0;                 ///< the step used
};
json facts_to_json(const ProblemFacts& f);

/// A finished run: the path and the facts.
struct RunOutput {
  ProblemFacts facts;
  GdPath path;
  ScalarKind scalar = ScalarKind::float64;
  unsigned bits = 53;
  double seconds = 0;
  double roundoff_loss = 0;  ///< losses below this are dominated by round-off (excluded from fits)
};

/// Trains one network by GD as `spec` says (λ_max, δ and h in double; the run in `kind`).
RunOutput train_run(const RunSpec& spec, const RunSeeds& seeds, ScalarKind kind,
                    std::optional<double> step_override = {});

/// Linear phase of a loss curve L_k (k = 0..K) above L*: where it starts, ends, and the fitted
/// per-step contraction.
struct LinearPhase {
  bool ok = false;
  std::string reason;                            ///< why not ok
  long start = 0, end = 0;                       ///< inclusive step indices
  double slope = 0, slope_lo = 0, slope_hi = 0;  ///< of ln(L − L*) per step, with 95% CI
  double intercept = 0;                          ///< of the same fit (ln(L − L*) at k = 0)
  double rate = 0, rate_lo = 0, rate_hi = 0;     ///< ρ = 1 − e^slope, with CI
  double decades = 0;                            ///< log10 of the decrease across the phase
  double max_window_factor = 0;                  ///< max over windows of (L_{k+w}/L_k)^{1/w}
  long window = 1;
  double r_squared = 0;
};
LinearPhase linear_phase(const std::vector<double>& loss, double l_star, double roundoff_loss,
                         double start_ratio = 1e-3);

json phase_to_json(const LinearPhase& ph);

/// The axes a sweep can vary, and the run it makes from a base run and a value.
///   width (m), depth (L), samples (n), levels (N, the grid gets N + 1 levels), dimension (d of the
///   data; gaussian isotropic/power_law or mixture), step_rel (h as a fraction of 2/lambda_max).
RunSpec apply_axis(const RunSpec& base, const std::string& axis, double value);
/// The value of the run's variable that the encoded forms use on that axis (m, L, n, N, d or h).
const char* axis_symbol(const std::string& axis);

/// Problem facts (δ, q, λ_max; h from the gd spec) in double, without training.
ProblemFacts problem_facts(const RunSpec& spec, const RunSeeds& seeds);

/// A sweep: runs made from a base run by varying one axis. The first `calibration` values calibrate
/// the unknown constant; the others are held out. step_policy "per_run": each run takes its step from
/// gd (step or step_rel); "common": one absolute h for every run, step_rel · 2/λ_max of the run with the
/// largest λ_max (so that every run is below its stability limit and h is the same).
struct SweepSpec {
  std::string axis;
  std::vector<double> values;
  int calibration = 2;
  std::string step_policy = "per_run";
  /// Scale each run's max_steps by h_ref/h (capped at 32; never below 1), h_ref being the run's own
  /// step at the base step_rel, so that every run covers about the same time h·λ·k and reaches its
  /// asymptotic (linear) phase: slow runs (small h, small width at a common h) get more steps.
  bool equal_time = true;
  /// Independent networks (initialisations) per value; each is a run of its own.
  int replicates = 1;
  RunSpec base;
};
json sweep_to_json(const SweepSpec& s);
SweepSpec sweep_from_json(const json& params, std::initializer_list<const char*> others);

struct SweepRun {
  double value = 0;
  int replicate = 0;
  bool calibration = false;
  RunOutput out;
};
std::vector<SweepRun> run_sweep(const SweepSpec& s, ScalarKind kind, std::uint64_t case_seed);

/// A regime case (issue 16, item 6): runs far from the calibration runs, in the over-parameterised regime
/// the theorems assume (width a multiple of nNd, d of tens, the time input). The constant is calibrated
/// on `calibrate` (every run of it calibrates: the small runs of today's sweeps) and every run of
/// `held_out` is held out, so the constant is never re-fitted on the regime. Calibration runs take their
/// seeds from the case seed, held-out runs from an independent stream.
struct RegimeSpec {
  SweepSpec calibrate, held_out;
};
json regime_to_json(const RegimeSpec& s);
/// Reads {"calibrate": sweep, "held_out": sweep} plus `others` from a case's params.
RegimeSpec regime_from_json(const json& params, std::initializer_list<const char*> others);
/// The schema entries of a sweep case's keys (read by sweep_from_json, applying to the discriminator values
/// `sweep_kinds`) and of a regime case's (regime_from_json; `regime_kinds`), for the checks' ParamSchema.
std::vector<ParamSpec> sweep_param_specs(const std::vector<std::string>& sweep_kinds,
                                         const std::vector<std::string>& regime_kinds);
/// The evaluators' parameters of the network's shape: width m (at least `m_min`, default `m_default`), output
/// dimension d, samples n, noise levels N (P = nN inputs), with the check's defaults.
std::vector<ParamSpec> network_shape_specs(long m_min, double m_default, const std::string& m_help);
/// The calibration runs (calibration = true) followed by the held-out runs (calibration = false).
std::vector<SweepRun> run_regime(const RegimeSpec& s, ScalarKind kind, std::uint64_t case_seed);
/// The base run of the regime family: isotropic Gaussian data of dimension d, n samples, N levels in
/// EDM's VE range, width m, depth 2, the paper's input (t_j, X_ij) (PAPER §2.2 [S], Das et al.) with t
/// entering as the suite's default feature ¼ ln σ̄ (how t enters is [UNKNOWN], PAPER §2.3), step_rel 0.5.
RunSpec regime_base_run(long d, int n, int N, int m, long max_steps);
/// The case of the regime family along `axis`: calibrated on today's width runs {32, 64} from
/// `calibration_base` (2 replicates at smoke, 3 otherwise), held out at `values` from `held_base` (one
/// network each); id regime/<axis>/d=…/n=…/N=…/m=…. Shared by training.gradient_lower_bound and
/// training.linear_rate (both at the per-run step policy).
CaseSpec regime_case(const std::string& axis, std::vector<double> values, RunSpec held_base,
                     const RunSpec& calibration_base, Size size);

/// The hypothesis domain of a fitted-constant sweep (training.linear_rate, training.gradient_lower_bound;
/// issue 15): a sweep along one of `axes` from a small base run (isotropic Gaussian data of dimension d,
/// width m, depth L, n samples, N levels, step_rel), values v, 2v, 4v (step_rel: s/4, s/2, s), the first
/// two calibrating and the last held out, one network per value. Constraints (ParamError outside): every
/// run over-parameterised with width >= 32 and >= 4 nN d, four times the number of scalar targets (the lazy regime,
/// L* = 0), and step_rel < 1 (h below the linearised stability limit 2/lambda_max).
struct SweepDomainSpec {
  std::vector<std::string> axes;                       ///< the axes the domain may sweep (the first is the simplest)
  long max_steps = 400;                                ///< GD steps of a run (before equal_time scaling)
  std::string kind;                                    ///< the case's "kind" (empty: none)
  std::array<std::size_t, 3> run_budget{32, 40, 120};  ///< the search takes at least 4 (n + 1) = 32
};
Domain sweep_domain(const SweepDomainSpec& spec);

/// A point of a held-out test: the claim is measured ≤ bound, up to `error` (fit-based + rounding).
/// `ratio_to_calibrated` (fitted constants only): how far the point needs the fitted constant to move,
/// measured/fitted bound for an upper bound, fitted/measured for a lower bound; > 1 means beyond the
/// calibrated constant, and the point is held to kDriftFactor (theory/fitted_constants.hpp).
struct HeldOutPoint {
  std::string label;
  double measured = 0, bound = 0, error = 0;
  double ratio_to_calibrated = std::numeric_limits<double>::quiet_NaN();
};
/// Held-out point of an upper bound with a fitted constant: measured ≤ kDriftFactor · fitted_bound.
HeldOutPoint fitted_upper(std::string label, double measured, double fitted_bound, double error);
/// Held-out point of a lower bound with a fitted constant: fitted_lower / kDriftFactor ≤ measured.
HeldOutPoint fitted_lower(std::string label, double fitted_lower, double measured, double error);
/// "; held-out points need up to X × the calibrated constant (drift allowance K ×)" from a result of
/// judge_worst with fitted points, or "" without.
std::string drift_phrase(const CaseResult& r);
/// The summary note that states the drift rule of the training checks.
std::string drift_rule_note();
/// Sets r's comparison from the decisive point: the most violated one if any violates, else the least
/// clear inconclusive one, else the one with the smallest relative margin. Records counts as terms.
void judge_worst(CaseResult& r, const std::vector<HeldOutPoint>& points);

/// Robson–Whitlock estimate of the error of a sample maximum used as a constant: x₍₁₎ − x₍₂₎ (0 with
/// fewer than two values).
double max_gap(std::vector<double> values);
/// The same for a sample minimum: x₍₂₎ − x₍₁₎ of the two smallest values.
double min_gap(std::vector<double> values);

/// At most `max_points` indices of 0..n−1, evenly spread, first and last included.
std::vector<std::size_t> thin_indices(std::size_t n, std::size_t max_points = 240);
/// (x, y) of a curve thinned to max_points.
json thinned_curve(const std::vector<double>& y, std::size_t max_points = 240, long x_offset = 0);

}  // namespace diffbound::checks
