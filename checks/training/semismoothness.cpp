// Check training.semismoothness: the remainder R = L̄(θ̆+Δ) − L̄(θ̆) − ⟨∇L̄(θ̆), Δ⟩ at points θ̆ along a GD
// path and at random points within the path's radius ω of the initialisation, against the two-term form
// of Allen-Zhu Thm 4 (PAPER §5.1 [R]; the paper's Lemma 9 [S]):
//
//   R ≤ C_1 · sqrt(q_max P L̄(θ̆)) ω^{1/3} L² sqrt(m ln m/d) · ‖Δ‖_2 + C_2 · q_max P L² (m/d) · ‖Δ‖_2².
//
// Directions: random Gaussian, the negative gradient, and the top Gauss–Newton eigenvector, each scaled to
// ‖Δ‖_2 = s over many decades of s (MPFR, so that R is not round-off). (C_1, C_2) are fitted on the
// calibration set (the pair with the smallest mean bound/R that holds there): the GD path points and the
// first random radius (calibration_random_radii) × the top Gauss–Newton eigenvector, the negative
// gradient and the first random directions, at the steps of the calibration band (calibration_scale_band,
// default 10 scale_min to 0.1 ω). Held out: the other random directions (new directions) and the other
// random radii within ω (new points) at every scale, and every probe at the steps below and above the band
// (the form extrapolated in the step: a wrong power of ‖Δ‖ fails there), held to kDriftFactor × the fitted bound
// (theory/fitted_constants.hpp) up to the remainder's rounding. How much the fitted bound drops when a calibration
// probe holding an active constraint is left out (a Robson–Whitlock-type error of fitted extreme constants) is reported
// beside.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/convergence.hpp>
#include <diffbound/checks/training/common.hpp>

#include <diffbound/numerics/semismoothness.hpp>
#include <diffbound/theory/training_semismoothness.hpp>

#include <fmt/format.h>

#include <map>
#include <tuple>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::training_semismoothness_check {
namespace {

using training_semismoothness::linear_form;
using training_semismoothness::quadratic_form;

struct Sample {
  int point = 0;
  std::string direction;
  bool calibration = false;
  double s = 0, R = 0, a = 0, b = 0, round = 0;  ///< ‖Δ‖_2, remainder, the two form terms (without C), rounding
};

/// The (C_1, C_2) ≥ 0 that minimise Σ_k (C_1 a_k + C_2 b_k)/R_k subject to C_1 a_k + C_2 b_k ≥ R_k for
/// every sample with R_k > 0. Convex piecewise-linear in C_1 after eliminating C_2: golden section.
std::pair<double, double> fit_two_term(const std::vector<const Sample*>& cal) {
  // A one-term form (a mutant without one of the terms): the smallest constant that covers every sample.
  const bool no_a = std::all_of(cal.begin(), cal.end(), [](const Sample* x) { return x->a == 0; });
  const bool no_b = std::all_of(cal.begin(), cal.end(), [](const Sample* x) { return x->b == 0; });
  if (!cal.empty() && (no_a || no_b)) {
    double c = 0;
    for (const Sample* x : cal)
      if (x->R > 0 && (no_a ? x->b : x->a) > 0) c = std::max(c, x->R / (no_a ? x->b : x->a));
    return no_a ? std::pair{0.0, c} : std::pair{c, 0.0};
  }
  std::vector<const Sample*> pos;
  for (const Sample* s : cal)
    if (s->R > 0 && s->a > 0 && s->b > 0) pos.push_back(s);
  if (pos.empty()) return {0.0, 0.0};
  double A = 0, B = 0, c1max = 0;
  for (const Sample* s : pos) A += s->a / s->R, B += s->b / s->R, c1max = std::max(c1max, s->R / s->a);
  auto c2_of = [&](double c1) {
    double c2 = 0;
    for (const Sample* s : pos) c2 = std::max(c2, (s->R - c1 * s->a) / s->b);
    return c2;
  };
  auto f = [&](double c1) { return c1 * A + c2_of(c1) * B; };
  double lo = 0, hi = c1max;
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; ++it) {
    const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    if (f(x1) <= f(x2))
      hi = x2;
    else
      lo = x1;
  }
  double c1 = 0.5 * (lo + hi);
  // The ends of the interval are candidates too (pure quadratic or pure linear bound).
  for (double x : {0.0, c1max})
    if (f(x) < f(c1)) c1 = x;
  return {c1, c2_of(c1)};
}

// ---- Form mutants (power table, issue 15): wrong variants of the two-term form, computed by probe() when
// RunContext::mutant names one. C_1 and C_2 are [UNKNOWN] (fitted per case): only the form's terms and
// powers are mutated. Within one case m, L, d and P are fixed, so mutants of their exponents would be
// absorbed by the fitted constants: the mutants act on what varies within a case, the size of the step.
// The calibration band of step sizes (calibration_scale_band) leaves the smallest and the largest steps
// out, so a form whose power of the step is wrong is extrapolated beyond where it was fitted: a form
// growing slower than ‖Δ‖² fails above the band, one vanishing faster than ‖Δ‖² fails below it. The
// fitted C_1 is 0 in every measured case (the remainder is quadratic), so mutants of the linear term
// alone (drop_linear, quadratic_cubic: the linear term covers small steps) are not refutable. -------------
const std::vector<MutantInfo> kMutants{
    {"drop_quadratic", "dropped term", "R <= C_1 sqrt(q P L) omega^(1/3) L^2 sqrt(m ln m/d) |D| only (no |D|^2 term)"},
    {"drop_linear", "dropped term", "R <= C_2 q P L^2 (m/d) |D|^2 only (no term linear in |D|)"},
    {"quadratic_sqrt", "smaller power of the step", "quadratic term with |D|^(3/2) instead of |D|^2"},
    {"third_order", "larger power of the step",
     "R <= C_2 q P L^2 (m/d) |D|^3: the remainder claimed of third order (no linear term, |D|^3)"},
    {"quadratic_cubic", "larger power of the step", "quadratic term with |D|^3 instead of |D|^2"},
};

/// The two terms of the form at a sample (without C_1, C_2), or a mutant's.
std::pair<double, double> form_terms(const ProblemFacts& facts, double loss, double omega, double s,
                                     const std::string& mutant) {
  const double P = static_cast<double>(facts.P), m = facts.m, L = facts.L, d = static_cast<double>(facts.d);
  double a = linear_form(facts.q_max, P, loss, omega, L, m, d) * s;
  double b = quadratic_form(facts.q_max, P, L, m, d) * s * s;
  if (mutant == "drop_quadratic") b = 0;
  if (mutant == "drop_linear") a = 0;
  if (mutant == "quadratic_sqrt") b /= std::sqrt(s);
  if (mutant == "third_order") a = 0, b *= s;
  if (mutant == "quadratic_cubic") b *= s;
  return {a, b};
}

RunSpec base_run(Size size) {
  RunSpec r;
  r.data.family = "gaussian";
  r.data.gaussian.spectrum = "isotropic";
  r.data.gaussian.dimension = 2;
  r.data.gaussian.scale = 1.0;
  r.network.width = 32;
  r.network.depth = 2;
  r.loss.samples = 4;
  r.loss.grid = ScheduleSpec::geometric(3, 0.02, 100.0);
  r.gd.step_rel = 0.5;
  r.gd.max_steps = 200;
  r.gd.distance_every = 0;
  (void)size;
  return r;
}

const ParamSchema& semismoothness_schema() {
  static const ParamSchema s{{
      ParamSpec::object("run", "the training run (run_from_json: data, network, loss, gd)"),
      ParamSpec::array("path_points", "GD steps probed along the path (increasing integers >= 0)"),
      ParamSpec::array("random_radii", "random points at these multiples of the path's radius omega (positive)")
          .optional_key(),
      ParamSpec::integer("directions", "probe directions per point").ge(1).le(64).fallback(6),
      ParamSpec::integer("scales", "step sizes per direction").ge(3).le(200).fallback(22),
      ParamSpec::number("scale_min", "smallest step, a fraction of omega").gt(0).lt(1).fallback(1e-12),
      ParamSpec::integer("calibration_directions", "directions that calibrate C_2 (default: directions/2)")
          .ge(0)
          .optional_key(),
      ParamSpec::integer("calibration_random_radii",
                         "random points that calibrate (default: 1 when there are two or more, else 0)")
          .ge(0)
          .optional_key(),
      ParamSpec::array("calibration_scale_band",
                       "[lo, hi]: the calibrating steps, fractions of omega (default: [10 "
                       "scale_min, 0.1])")
          .optional_key(),
      ParamSpec::choice("scalar", {"double", "mpfr"}, "scalar of the probes").optional_key(),
  }};
  return s;
}

class TrainingSemismoothness final : public Check {
 public:
  ClaimInfo claim() const override { return training_semismoothness::claim(); }
  std::vector<ScalarKind> scalar_kinds() const override { return {ScalarKind::mpfr, ScalarKind::float64}; }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    using S = DomainParam::Scale;
    Domain dm;
    dm.params = {
        {"m", S::log_integer, 16, 64, {}, "width (at least 4 nN)"},
        {"L", S::integer, 1, 3, {}, "depth (hidden layers)"},
        {"n", S::integer, 2, 6, {}, "samples (N = 2 noise levels)"},
        {"d", S::integer, 1, 4, {}, "data dimension (isotropic Gaussian, variance 1)"},
        {"k", S::log_integer, 100, 400, {}, "GD steps of the path (points at k = 0, k/8, k/2, k)"},
        {"r_cal", S::log, 0.25, 1, {}, "calibrating random point at radius r_cal omega"},
        {"r_held", S::log, 0.25, 1, {}, "held-out random point at radius r_held omega >= r_cal omega"},
    };
    dm.constraints = {
        "points within the radius of the GD path's region (omega = the path's spectral radius; "
        "random points at r omega, r <= 1: the check's claim is within the path's radius; beyond, at r ~ 3.5, the "
        "falsifier finds the fitted form exceeded 50-fold), the held-out one not inside the calibrating one",
        "the check's calibration design (lighter): 4 path points, 4 random directions (2 "
        "calibrate), 16 scales from 1e-6 omega, in double (the remainder stays above round-off)",
        "step_rel 0.5 (h below 2/lambda_max); directions: random, -gradient, top Gauss-Newton"};
    dm.make = [](const std::vector<double>& x) {
      RunSpec r = base_run(Size::smoke);
      r.network.width = static_cast<int>(std::lround(x[0]));
      r.network.depth = static_cast<int>(std::lround(x[1]));
      r.loss.samples = static_cast<int>(std::lround(x[2]));
      r.data.gaussian.dimension = std::lround(x[3]);
      const long k = std::lround(x[4]);
      r.gd.max_steps = k;
      if (x[6] < x[5]) throw ParamError("r_held < r_cal: the held-out point lies inside the calibrating one");
      if (r.network.width < 4 * r.loss.samples * (r.loss.grid.n_levels - 1))
        throw ParamError("width < 4 nN: not over-parameterised");
      return json{{"run", run_to_json(r)},
                  {"path_points", json::array({0L, k / 8, k / 2, k})},
                  {"random_radii", json::array({x[5], x[6]})},
                  {"directions", 4},
                  {"scales", 16},
                  {"scale_min", 1e-6},
                  {"scalar", "double"},  // MPFR probes cost ~1 s a case: double, with steps >= 1e-6 omega
                  {"calibration_directions", 2},
                  {"calibration_random_radii", 1}};
    };
    dm.label = [](const std::vector<double>& x) {
      return fmt::format("m={}/L={}/n={}/d={}/k={}/r={:.3g},{:.3g}", std::lround(x[0]), std::lround(x[1]),
                         std::lround(x[2]), std::lround(x[3]), std::lround(x[4]), x[5], x[6]);
    };
    dm.run_budget = {32, 40, 120};
    return dm;
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    auto add = [&](int m, int L, int directions, int scales) {
      RunSpec r = base_run(size);
      r.network.width = m;
      r.network.depth = L;
      json j{{"run", run_to_json(r)},
             {"path_points", json::array({0, 5, 25, 100, 200})},
             {"random_radii", json::array({0.5, 1.0})},
             {"directions", directions},
             {"scales", scales},
             {"scale_min", 1e-12},
             {"calibration_directions", directions / 2}};
      out.push_back({fmt::format("m={}/L={}", m, L), j});
    };
    if (size == Size::smoke) {
      add(16, 2, 4, 14);
      return out;
    }
    // Widths at depth 2 and depths at width 32: the judged fits of C_2 across (m, L) (summarize) need at
    // least 4 points per axis (2 degrees of freedom) to have any power.
    add(16, 2, 6, 22);
    add(24, 2, 6, 22);
    add(32, 2, 6, 22);
    add(48, 2, 6, 22);
    add(64, 2, 6, 22);
    add(32, 1, 6, 22);
    add(32, 3, 6, 22);
    add(32, 4, 6, 22);
    // A tight point the falsifier found (mutant quadratic_cubic, refuted; budget 120): depth 3, two random radii
    // 0.5 and 0.7 omega, steps from 1e-6 omega in double, where a quadratic term claimed cubic in the step fails
    // on held-out steps the sweep's cases leave within round-off.
    out.push_back({"tight/m=32/L=3/n=2/d=2/k=198/r=0.5,0.7", domain()->make({32, 3, 2, 2, 198, 0.5, 0.7})});
    if (size == Size::full) {
      add(128, 2, 8, 25);
      add(256, 2, 8, 25);
      add(64, 4, 8, 25);
    }
    return out;
  }

  ParamSchema parameters() const override { return semismoothness_schema(); }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    const json& p = spec.params;
    const ParamSchema& sc = semismoothness_schema();
    sc.validate(p);
    const RunSpec run = run_from_json(p.at("run"), {}, "run");
    auto int_list = [&](const char* key) {
      std::vector<long> v;
      if (!p.contains(key) || !p.at(key).is_array() || p.at(key).empty())
        throw ParamError(std::string(key) + ": expected a non-empty array");
      for (const auto& x : p.at(key)) {
        if (!x.is_number_integer() || x.get<long>() < 0)
          throw ParamError(std::string(key) + ": expected integers >= 0");
        v.push_back(x.get<long>());
      }
      if (!std::is_sorted(v.begin(), v.end())) throw ParamError(std::string(key) + ": must be increasing");
      return v;
    };
    Config c;
    c.path_points = int_list("path_points");
    if (p.contains("random_radii")) {
      if (!p.at("random_radii").is_array()) throw ParamError("random_radii: expected an array");
      for (const auto& x : p.at("random_radii")) {
        if (!x.is_number() || !(x.get<double>() > 0)) throw ParamError("random_radii: expected positive numbers");
        c.random_radii.push_back(x.get<double>());
      }
    }
    c.directions = static_cast<int>(sc.integer(p, "directions"));
    c.scales = static_cast<int>(sc.integer(p, "scales"));
    c.scale_min = sc.number(p, "scale_min");
    c.cal_directions = static_cast<int>(get_integer_or(p, "calibration_directions", c.directions / 2, ""));
    // The band of step sizes (fractions of omega) that calibrates; below and above it every probe is held
    // out. Default: from 10 scale_min to 0.1 (a decade held out at each end; activations that flip at steps
    // below the band are rare there: a flip needs a pre-activation within that fraction of zero).
    c.band_lo = 10 * c.scale_min, c.band_hi = 0.1;
    if (p.contains("calibration_scale_band")) {
      const auto& band = p.at("calibration_scale_band");
      if (!band.is_array() || band.size() != 2 || !band[0].is_number() || !band[1].is_number())
        throw ParamError("calibration_scale_band: expected [lo, hi], fractions of omega");
      c.band_lo = band[0].get<double>(), c.band_hi = band[1].get<double>();
    }
    if (!(c.band_lo > 0 && c.band_lo < c.band_hi && c.band_hi <= 1))
      throw ParamError("calibration_scale_band: must satisfy 0 < lo < hi <= 1");
    if (c.cal_directions < 0 || c.cal_directions > c.directions)
      throw ParamError("calibration_directions: must lie in [0, directions]");
    const long n_radii = static_cast<long>(c.random_radii.size());
    c.cal_radii =
        static_cast<int>(get_integer_or(p, "calibration_random_radii", std::min(1L, std::max(0L, n_radii - 1)), ""));
    if (c.cal_radii < 0 || c.cal_radii > n_radii)
      throw ParamError("calibration_random_radii: must lie in [0, the number of random_radii]");
    const ScalarKind kind = case_scalar(p, ctx);
    r.scalar = kind;
    r.precision_bits = precision_bits(kind);
    if (kind == ScalarKind::mpfr)
      probe<mpfr_real>(run, c, ctx.seed, ctx.mutant, r);
    else if (kind == ScalarKind::float64)
      probe<double>(run, c, ctx.seed, ctx.mutant, r);
    else
      throw ParamError("scalar: semismoothness runs in double or mpfr");
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override;

 private:
  struct Config {
    std::vector<long> path_points;
    std::vector<double> random_radii;
    int directions = 6, scales = 22, cal_directions = 3, cal_radii = 1;
    double scale_min = 1e-12;
    double band_lo = 1e-6, band_hi = 0.1;  ///< calibration_scale_band
  };

  template <class Real>
  void probe(const RunSpec& run, const Config& c, std::uint64_t seed, const std::string& mutant, CaseResult& r) const {
    const RunSeeds seeds = RunSeeds::from(seed);
    const ProblemFacts facts = problem_facts(run, seeds);
    const Eigen::MatrixXd x0 = draw_data(run.data, run.loss.samples, seeds.data);
    // The GD path in double; points are snapshots converted exactly.
    std::vector<Params<Real>> points;
    std::vector<std::string> point_labels;
    std::vector<double> point_radius;
    Params<double> theta0;
    {
      const auto pb = make_problem<double>(run.network, run.loss, x0, seeds.noise);
      const auto net = init_network<double>(run.network, pb.d_in, pb.d, seeds.network);
      DsmObjective<double> obj(pb, net);
      Trainer<double> tr(obj, net.W, facts.h);
      theta0 = net.W;
      for (long k = 0; k <= c.path_points.back(); ++k) {
        if (std::find(c.path_points.begin(), c.path_points.end(), k) != c.path_points.end()) {
          points.push_back(convert_params<Real>(tr.params()));
          point_labels.push_back(fmt::format("path k={}", k));
          Params<double> diff = tr.params();
          for (std::size_t l = 0; l < diff.size(); ++l) diff[l] -= theta0[l];
          point_radius.push_back(spectral_size(diff));
        }
        if (k < c.path_points.back()) tr.step();
      }
    }
    const double omega_path = std::max(point_radius.back(), 1e-3);
    // Random points θ⁰ + ω·U, ‖U‖_2 = 1.
    NormalSource g(mix64(seed ^ 0x5555));
    auto random_dir = [&]() {
      Params<double> U = zeros_like(theta0);
      for (auto& M : U)
        for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = g();
      normalise_spectral(U);
      return U;
    };
    for (double rr : c.random_radii) {
      Params<double> U = random_dir();
      for (std::size_t l = 0; l < U.size(); ++l) U[l] = theta0[l] + (rr * omega_path) * U[l];
      points.push_back(convert_params<Real>(U));
      point_labels.push_back(fmt::format("random radius {}*omega", rr));
      point_radius.push_back(rr * omega_path);
    }
    // The objective in Real.
    const auto pb = make_problem<Real>(run.network, run.loss, x0, seeds.noise);
    const auto net = init_network<Real>(run.network, pb.d_in, pb.d, seeds.network);
    DsmObjective<Real> obj(pb, net);
    RemainderProbe<Real> probe(obj, net.W);
    // Also in double, for the round-off comparison.
    const auto pbd = make_problem<double>(run.network, run.loss, x0, seeds.noise);
    const auto netd = init_network<double>(run.network, pbd.d_in, pbd.d, seeds.network);
    DsmObjective<double> objd(pbd, netd);
    RemainderProbe<double> probed(objd, netd.W);

    const double P = static_cast<double>(facts.P), m = facts.m, L = facts.L, d = static_cast<double>(facts.d);
    const double eps = std::ldexp(1.0, -static_cast<int>(precision_bits(scalar_traits<Real>::kind)));
    std::vector<Sample> samples;
    json probes = json::array();
    for (std::size_t ip = 0; ip < points.size(); ++ip) {
      probe.set_point(points[ip]);
      probed.set_point(convert_params<double>(points[ip]));
      const double loss = mid_double(probe.loss());
      // Directions: random, −gradient, top Gauss–Newton eigenvector; each of spectral size 1.
      std::vector<std::pair<std::string, Params<Real>>> dirs;
      for (int k = 0; k < c.directions; ++k)
        dirs.push_back({fmt::format("random{}", k), convert_params<Real>(random_dir())});
      {
        Params<Real> G = probe.gradient();
        for (auto& M : G)
          for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = -M.data()[i];
        normalise_spectral(G);
        dirs.push_back({"neg_gradient", std::move(G)});
        Params<double> top;
        gauss_newton_lambda_max(objd, convert_params<double>(points[ip]), 30, mix64(seed ^ ip), &top);
        normalise_spectral(top);
        dirs.push_back({"top_gauss_newton", convert_params<Real>(top)});
      }
      for (std::size_t id = 0; id < dirs.size(); ++id) {
        // Calibration: path points × (top Gauss–Newton, −gradient, the first random directions).
        const bool cal_dir = static_cast<int>(id) < c.cal_directions || dirs[id].first == "neg_gradient" ||
                             dirs[id].first == "top_gauss_newton";
        // Path points and the first cal_radii random radii calibrate (the linear term of the form is only
        // identifiable off the path, where the loss is not small); the other radii are held out.
        const bool cal_point = ip < c.path_points.size() + static_cast<std::size_t>(c.cal_radii);
        json js = json::array(), jR = json::array(), jRd = json::array(), ja = json::array(), jb = json::array();
        const Params<double> dird = convert_params<double>(dirs[id].second);
        for (int k = 0; k < c.scales; ++k) {
          const double frac = c.scale_min * std::pow(1.0 / c.scale_min, static_cast<double>(k) / (c.scales - 1));
          const double s = frac * omega_path;
          const Real R = probe.remainder(dirs[id].second, decimal<Real>(s));
          const double Rd = probed.remainder(dird, s);
          const double omega = std::max(point_radius[ip], s);
          Sample smp;
          smp.point = static_cast<int>(ip);
          smp.direction = dirs[id].first;
          // Steps outside the calibration band are held out on every probe (the form extrapolated in the step).
          smp.calibration = cal_point && cal_dir && frac >= c.band_lo * (1 - 1e-12) && frac <= c.band_hi * (1 + 1e-12);
          smp.s = s;
          smp.R = mid_double(R);
          if (mutant.empty()) {
            smp.a = linear_form(facts.q_max, P, loss, omega, L, m, d) * s;
            smp.b = quadratic_form(facts.q_max, P, L, m, d) * s * s;
          } else {
            std::tie(smp.a, smp.b) = form_terms(facts, loss, omega, s, mutant);
          }
          smp.round = 1e3 * eps * std::max(loss, 1e-300);
          samples.push_back(smp);
          js.push_back(s), jR.push_back(smp.R), jRd.push_back(Rd), ja.push_back(smp.a), jb.push_back(smp.b);
        }
        probes.push_back(json{{"point", ip},
                              {"point_label", point_labels[ip]},
                              {"direction", dirs[id].first},
                              {"calibration", cal_point && cal_dir},
                              {"s", js},
                              {"R", jR},
                              {"R_double", jRd},
                              {"a", ja},
                              {"b", jb}});
      }
    }
    // Fit on calibration, judge held-out.
    std::vector<const Sample*> cal;
    for (const auto& s : samples)
      if (s.calibration) cal.push_back(&s);
    const auto [c1, c2] = fit_two_term(cal);
    // Leave one probe out (a probe: one point and one direction, all its scales, which are not
    // independent), for each probe that holds an active constraint: how much the bound moves without the
    // most extreme calibration probes (a Robson–Whitlock-type error of fitted extreme constants).
    std::vector<std::pair<double, double>> loo;
    std::vector<std::pair<int, std::string>> active;
    for (const Sample* s : cal)
      if (s->R > 0 && c1 * s->a + c2 * s->b <= s->R * (1 + 1e-9)) {
        const std::pair<int, std::string> key{s->point, s->direction};
        if (std::find(active.begin(), active.end(), key) == active.end()) active.push_back(key);
      }
    for (const auto& key : active) {
      std::vector<const Sample*> rest;
      for (const Sample* t : cal)
        if (t->point != key.first || t->direction != key.second) rest.push_back(t);
      loo.push_back(fit_two_term(rest));
    }
    std::vector<HeldOutPoint> pts;
    int positive = 0;
    for (const auto& s : samples) {
      if (s.calibration) continue;
      const double bound = c1 * s.a + c2 * s.b;
      // The drift allowance (kDriftFactor) stands for the error of the fitted extreme constants; the
      // leave-one-out constants are reported beside it. What remains is the remainder's rounding.
      const double err = s.round;
      if (s.R > 0) ++positive;
      pts.push_back(
          fitted_upper(fmt::format("{} / {} / |D|={:.3g}", point_labels[s.point], s.direction, s.s), s.R, bound, err));
    }
    r.data["facts"] = facts_to_json(facts);
    r.data["omega_path"] = omega_path;
    r.data["point_labels"] = point_labels;
    r.data["point_radius"] = point_radius;
    r.data["calibration_scale_band"] = {c.band_lo, c.band_hi};
    r.data["C_1"] = c1;
    r.data["C_2"] = c2;
    r.data["loo_constants"] = loo;
    r.data["probes"] = probes;
    r.term("C_1", c1);
    r.term("C_2", c2);
    r.term("held_out_positive_remainders", static_cast<double>(positive));
    judge_worst(r, pts);
  }
};

Summary TrainingSemismoothness::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  Table t;
  t.id = "fitted_constants";
  t.title = "Fitted semi-smoothness constants per configuration";
  t.columns = {"case", "m", "L", "omega (path radius)", "C_1", "C_2", "verdict", "held-out points", "violated"};
  for (const auto& r : results) {
    if (!r.error.empty() || !r.data.contains("probes")) continue;
    const double c1 = r.data.value("C_1", 0.0), c2 = r.data.value("C_2", 0.0);
    t.rows.push_back({r.case_id, r.data["facts"]["m"], r.data["facts"]["L"], r.data["omega_path"], c1, c2,
                      to_string(r.verdict),
                      r.terms.contains("held_out_points") ? r.terms["held_out_points"]["mid"] : json(nullptr),
                      r.terms.contains("held_out_violated") ? r.terms["held_out_violated"]["mid"] : json(nullptr)});
    // One figure per case: |R| vs ‖Δ‖ at the initialisation and at the last path point, with the fitted form.
    Figure f;
    f.id = "remainder_vs_delta_" + r.case_id;
    for (auto& ch : f.id)
      if (ch == '/' || ch == '=') ch = '_';
    f.title = "Semi-smoothness remainder vs ||Delta||_2 (" + r.case_id + ")";
    f.xlabel = "||Delta||_2 (largest spectral norm over layers)";
    f.ylabel = "|R| = |L(th+D) - L(th) - <grad L, D>|";
    f.logx = f.logy = true;
    bool first_bound = true;
    for (const auto& pr : r.data["probes"]) {
      const std::string dir = pr["direction"];
      if (dir != "top_gauss_newton" && dir != "random0" && dir != "neg_gradient") continue;
      const std::string lab = pr["point_label"].get<std::string>() + ", " + dir;
      Series m{lab + (pr["calibration"].get<bool>() ? " (cal.)" : " (held out)"), "measured", {}, {}, {}, {}, {}};
      Series dd{lab + ", double", "other", {}, {}, {}, {}, {}};
      Series b{"fitted form, " + pr["point_label"].get<std::string>(), "fit", {}, {}, {}, {}, {}};
      for (std::size_t k = 0; k < pr["s"].size(); ++k) {
        const double sv = pr["s"][k].get<double>(), R = pr["R"][k].get<double>(), Rd = pr["R_double"][k].get<double>();
        if (std::fabs(R) > 0) m.x.push_back(sv), m.y.push_back(std::fabs(R));
        if (std::fabs(Rd) > 0 && dir == "top_gauss_newton") dd.x.push_back(sv), dd.y.push_back(std::fabs(Rd));
        b.x.push_back(sv);
        b.y.push_back(c1 * pr["a"][k].get<double>() + c2 * pr["b"][k].get<double>());
      }
      f.series.push_back(m);
      if (!dd.x.empty() && pr["point"].get<int>() == 0) f.series.push_back(dd);
      if (dir == "top_gauss_newton" && (first_bound || pr["point"].get<int>() > 0)) {
        f.series.push_back(b);
        first_bound = false;
      }
    }
    f.caption =
        "Remainder in MPFR (points) for the top Gauss-Newton eigenvector, the negative gradient and a random "
        "direction, at every path/random point; the same remainder in double at the initialisation shows its "
        "round-off plateau; dashed: C_1 a + C_2 b with (C_1, C_2) fitted on the calibration points.";
    s.figures.push_back(std::move(f));
    s.notes.push_back(fmt::format("{}: C_1 = {:.4g}, C_2 = {:.4g}; verdict {}{}{}.", r.case_id, c1, c2,
                                  to_string(r.verdict), r.reason.empty() ? "" : " (" + r.reason + ")",
                                  drift_phrase(r)));
  }
  s.notes.push_back(drift_rule_note());
  {
    // Across configurations the fitted C_2 should stay of one order if the encoded m- and L-dependence is
    // right: report the spread (a measurement, not a verdict).
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    std::string at_lo, at_hi;
    for (const auto& r : results) {
      if (!r.error.empty() || !r.data.contains("C_2")) continue;
      const double c2 = r.data.value("C_2", 0.0);
      if (!(c2 > 0)) continue;
      if (c2 < lo) lo = c2, at_lo = r.case_id;
      if (c2 > hi) hi = c2, at_hi = r.case_id;
    }
    if (hi > 0 && at_lo != at_hi)
      s.notes.push_back(
          fmt::format("Spread of the fitted C_2 across configurations: {:.3g} ({}) to {:.3g} ({}), a factor "
                      "{:.3g}. A spread well above the drift allowance means the encoded q_max P L^2 m/d "
                      "scaling of the quadratic term does not describe these small networks.",
                      lo, at_lo, hi, at_hi, hi / lo));
  }
  // Judged fits (issue 16, item 2): the form's quadratic term scales like q_max P L^2 (m/d), so its fitted
  // constant C_2 must not grow with m (at depth 2) nor with L (at width 32): a remainder growing faster than
  // m^1 or L^2 would show as a positive slope of ln C_2. The claim is an upper bound, so a C_2 that falls
  // (the form loose at large m or L) is consistent with it: rule slope <= 0.
  for (const auto& [axis, fixed_key, fixed_value] :
       {std::tuple<const char*, const char*, double>{"m", "L", 2.0}, {"L", "m", 32.0}}) {
    std::map<double, double> c2_at;
    for (const auto& r : results) {
      // The sweep's cases only: a tight case (tight/...) has its own n, d and path, not the sweep's base.
      if (!r.error.empty() || r.kind != results::CaseKind::evidence || !r.data.contains("facts") ||
          r.case_id.rfind("tight/", 0) == 0)
        continue;
      const double c2 = r.data.value("C_2", 0.0);
      if (!(c2 > 0) || r.data["facts"][fixed_key].get<double>() != fixed_value) continue;
      c2_at[r.data["facts"][axis].get<double>()] = c2;
    }
    if (c2_at.size() < 2) continue;
    ConvergenceStudy study;
    study.name = fmt::format("exponent of the fitted C_2 in {} at {} = {:g} (form: C_2 q_max P L^2 (m/d) |D|^2 [R])",
                             axis, fixed_key, fixed_value);
    study.key_label = axis, study.value_label = "C_2";
    for (const auto& [x, c2] : c2_at) study.key.push_back(x), study.value.push_back(c2);
    study.expected = 0.0;
    study.rule = SlopeRule::at_most;
    s.tables.push_back(study.table(std::string("c2_vs_") + axis));
    s.fits.push_back(study.fit());
  }
  if (!t.rows.empty()) {
    t.caption =
        "C_1, C_2: the pair fitted on the calibration points (smallest mean bound/R). Constants that stay of "
        "the same order across m and L support the encoded m- and L-dependence.";
    s.tables.push_back(std::move(t));
  }
  s.notes.push_back(
      "For small ||Delta|| the remainder is exactly quadratic (no activation changes sign), so the quadratic term "
      "carries the fit there; activation flips at larger ||Delta|| are what the linear term of Allen-Zhu's form is "
      "for. A fitted C_1 of 0 means the quadratic term alone bounds every calibration remainder.");
  return s;
}

class SemismoothnessBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return training_semismoothness::claim(); }
  std::string title() const override { return "Encoded semi-smoothness bound on L(th+D) - L(th) - <grad L, D>"; }
  ParamSchema parameters() const override {
    ParamSchema s{{
        ParamSpec::number("C_1", "Lemma 9's constant of the linear term (unknown: the check fits it)")
            .ge(0)
            .fallback(1.0),
        ParamSpec::number("C_2", "Lemma 9's constant of the quadratic term (unknown: the check fits it)")
            .ge(0)
            .fallback(1.0),
        ParamSpec::number("q_max", "max_j 2 c_n beta_j alpha_j^2").gt(0).fallback(0.5),
        ParamSpec::number("loss", "L(theta) at the point").ge(0).fallback(1.0),
        ParamSpec::number("omega", "radius: max(||theta - theta0||_2, ||Delta||_2)").gt(0).fallback(0.5),
        ParamSpec::integer("L", "depth").ge(1).fallback(2),
        ParamSpec::number("delta_norm", "||Delta||_2").gt(0).fallback(0.01),
    }};
    for (auto& spec : network_shape_specs(2, 32, "width (at least 2: ln m)")) s.params.push_back(std::move(spec));
    return s;
  }

 protected:
  /// The check's forms (linear_form, quadratic_form) with given constants.
  std::vector<BoundTerm> terms(const json& p, ScalarKind) const override {
    const ParamSchema sc = parameters();
    auto num = [&](const char* name) { return sc.number(p, name); };
    const double c1 = num("C_1"), c2 = num("C_2"), q = num("q_max"), P = num("n") * num("N"), loss = num("loss");
    const double omega = num("omega"), L = num("L"), m = num("m"), d = num("d"), dn = num("delta_norm");
    const double a = linear_form(q, P, loss, omega, L, m, d) * dn, b = quadratic_form(q, P, L, m, d) * dn * dn;
    const ClaimInfo c = claim();
    return {BoundTerm::of(c, "linear_term", Quantity::of(c1 * a),
                          "C_1 sqrt(q P L) omega^(1/3) L^2 sqrt(m ln m/d) ||D||_2 (Allen-Zhu Thm 4, PAPER §5.1)",
                          {"C_1", "omega_exponent"}),
            BoundTerm::of(c, "quadratic_term", Quantity::of(c2 * b), "C_2 q P L^2 (m/d) ||D||_2^2", {"C_2"}),
            BoundTerm::of(c, "C_1", Quantity::of(c1), "Lemma 9's constant of the linear term", {"C_1"}),
            BoundTerm::of(c, "C_2", Quantity::of(c2), "Lemma 9's constant of the quadratic term", {"C_2"}),
            BoundTerm::of(c, "bound", Quantity::of(c1 * a + c2 * b), "upper bound on the remainder",
                          {"C_1", "C_2", "omega_exponent"})};
  }
};

}  // namespace
}  // namespace diffbound::checks::training_semismoothness_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::training_semismoothness_check::TrainingSemismoothness)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::training_semismoothness_check::SemismoothnessBound)
