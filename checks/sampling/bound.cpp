// Check sampling.bound: the encoded VE bound E_I + E_D + E_S (theory/sampling_bound.hpp) against the exact
// KL of the Gaussian exponential-integrator sampler, with the exact Girsanov per-term decomposition
// (theory/sampling_girsanov.hpp) beside each encoded term.
//
// Sweeps. A calibration sweep (four Gaussian laws, EDM ρ = 7, geometric and κ-minimal levels with EDM's
// endpoints, N = 24 … 256, four score models) fixes the smallest constants; five held-out sweeps vary one
// axis each: larger N, larger d (up to 10⁵, or 10⁶ at full size), other spectra, other endpoints, other
// schedule families. Every case is judged with the committed constants (kDriftFactor × calibrated), and
// the summary re-fits the smallest constants per sweep and decides drift by the rule of the header.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/convergence.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/sampling/common.hpp>

#include <diffbound/numerics/fit.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/sampling_bound.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace diffbound::checks {
namespace {

using sampling_bound::kDriftFactor;

const std::vector<LevelScoreSpec> kCalibrationScores{{"exact", 1.0, 0.0, 0.0},
                                                     {"scaled0.9", 0.9, 0.0, 0.0},
                                                     {"scaled0.5", 0.5, 0.0, 0.0},
                                                     {"scaled1.1+bias0.01", 1.1, 0.01, 0.0}};

struct Ends {
  const char* name;
  double smin, smax;
};
constexpr Ends kEdm{"edm", 0.002, 80.0};

std::vector<LevelsSpec> three_families(int n, const Ends& e) {
  return {LevelsSpec::of(ScheduleSpec::edm(n, e.smin, e.smax, 7.0)),
          LevelsSpec::of(ScheduleSpec::geometric(n, e.smin, e.smax)),
          LevelsSpec::kappa_min_placement(n, e.smin, e.smax)};
}

void add_case(std::vector<CaseSpec>& out, const std::string& sweep, const GaussianDataSpec& data,
              const LevelsSpec& levels, const std::string& ends, const LevelScoreSpec& score) {
  const std::string id = sweep + "/" + data_label(data) + "/" + levels.label() + "/ends=" + ends +
                         "/N=" + std::to_string(levels.levels()) + "/" + score.name;
  out.push_back({id, json{{"sweep", sweep},
                          {"data", data_to_json(data)},
                          {"schedule", levels_to_json(levels)},
                          {"score", level_score_to_json(score)},
                          {"constants", constants_to_json(BoundConstants{})}}});
}

class SamplingBound final : public Check {
 public:
  ClaimInfo claim() const override { return sampling_bound::claim(); }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    const bool smoke = size == Size::smoke, full = size == Size::full;
    // ---- calibration ---------------------------------------------------------------------------
    std::vector<GaussianDataSpec> cal_data{iso_data(1, 0.25, 1.0), iso_data(8, 1.0, 0.0), iso_data(4, 10.0, 0.0),
                                           dyadic_data(256, 1.0, 0.5)};
    std::vector<int> cal_n{24, 32, 48, 64, 128, 256};
    auto cal_scores = kCalibrationScores;
    if (smoke)
      cal_data = {iso_data(1, 0.25, 1.0), iso_data(8, 1.0, 0.0)}, cal_n = {32, 64, 128},
      cal_scores = {kCalibrationScores[0], kCalibrationScores[1]};
    for (const auto& d : cal_data)
      for (int n : cal_n)
        for (const auto& l : three_families(n, kEdm))
          for (const auto& s : cal_scores) add_case(out, "calibration", d, l, kEdm.name, s);

    const std::vector<LevelScoreSpec> two_scores{kCalibrationScores[0], kCalibrationScores[1]};
    // ---- held-out: larger N ----------------------------------------------------------------------
    {
      std::vector<int> ns = smoke ? std::vector<int>{1024} : std::vector<int>{512, 1024, 4096};
      if (full) ns.push_back(16384), ns.push_back(65536);
      for (const auto& d : cal_data)
        for (int n : ns)
          for (const auto& l : three_families(n, kEdm))
            for (const auto& s : two_scores) add_case(out, "held_out_N", d, l, kEdm.name, s);
    }
    // ---- held-out: larger d ----------------------------------------------------------------------
    {
      std::vector<GaussianDataSpec> ds{dyadic_data(1024, 1.0, 0.0),   dyadic_data(4096, 1.0, 0.0),
                                       dyadic_data(16384, 1.0, 0.0),  dyadic_data(65536, 1.0, 0.0),
                                       dyadic_data(100000, 1.0, 0.0), iso_data(100000, 1.0, 0.1),
                                       dyadic_data(10000, 0.5, 0.3)};
      if (full) ds.push_back(dyadic_data(1000000, 1.0, 0.0)), ds.push_back(iso_data(1000000, 4.0, 0.0));
      if (smoke) ds = {dyadic_data(100000, 1.0, 0.0)};
      const std::vector<int> ns = smoke ? std::vector<int>{64} : std::vector<int>{32, 64, 256, 1024};
      for (const auto& d : ds)
        for (int n : ns)
          for (const auto& l : three_families(n, kEdm))
            for (const auto& s : two_scores) add_case(out, "held_out_d", d, l, kEdm.name, s);
    }
    // ---- held-out: other spectra -----------------------------------------------------------------
    {
      std::vector<GaussianDataSpec> ds{iso_data(16, 1e-4, 0.0), iso_data(4, 100.0, 1.0), power_data(64, 0.5, 0.5),
                                       dyadic_data(1024, 2.0, 0.0), iso_data(2, 3.0, 2.0)};
      if (full) ds.push_back(power_data(512, 1.0, 0.0)), ds.push_back(iso_data(3, 30.0, 0.0));
      if (smoke) ds = {iso_data(16, 1e-4, 0.0)};
      const std::vector<int> ns = smoke ? std::vector<int>{64} : std::vector<int>{32, 64, 256};
      std::vector<LevelScoreSpec> scores{kCalibrationScores[0], kCalibrationScores[1], kCalibrationScores[2]};
      if (smoke) scores = two_scores;
      for (const auto& d : ds)
        for (int n : ns)
          for (const auto& l : three_families(n, kEdm))
            for (const auto& s : scores) add_case(out, "held_out_spectra", d, l, kEdm.name, s);
    }
    // ---- held-out: other endpoints ---------------------------------------------------------------
    {
      std::vector<Ends> ends{
          {"song", 0.01, 50.0}, {"song1024", 0.002, 1348.0}, {"wide_min", 0.05, 80.0}, {"edm_ve", 0.02, 100.0}};
      if (full) ends.push_back({"small", 0.001, 10.0});
      if (smoke) ends = {{"song", 0.01, 50.0}};
      const std::vector<GaussianDataSpec> ds =
          smoke ? std::vector<GaussianDataSpec>{iso_data(1, 0.25, 1.0)}
                : std::vector<GaussianDataSpec>{iso_data(1, 0.25, 1.0), iso_data(8, 1.0, 0.0)};
      const std::vector<int> ns = smoke ? std::vector<int>{64} : std::vector<int>{32, 64, 256};
      for (const auto& e : ends)
        for (const auto& d : ds)
          for (int n : ns)
            for (const auto& l : three_families(n, e))
              for (const auto& s : two_scores) add_case(out, "held_out_endpoints", d, l, e.name, s);
    }
    // ---- held-out: other score-error models (uniform on the noise-prediction scale) -------------------
    {
      const std::vector<LevelScoreSpec> scores{
          {"eps_bias0.01", 1.0, 0.0, 0.01}, {"eps_bias0.1", 1.0, 0.0, 0.1}, {"scaled0.8+eps_bias0.05", 0.8, 0.0, 0.05}};
      std::vector<GaussianDataSpec> ds = cal_data;
      std::vector<int> ns{32, 64, 256, 1024};
      if (smoke) ds.resize(1), ns = {64};
      for (const auto& d : ds)
        for (int n : ns)
          for (const auto& l : three_families(n, kEdm))
            for (const auto& sc : scores) add_case(out, "held_out_scores", d, l, kEdm.name, sc);
    }
    // ---- held-out: other schedule families -------------------------------------------------------
    {
      const std::vector<GaussianDataSpec> ds =
          smoke ? std::vector<GaussianDataSpec>{iso_data(1, 0.25, 1.0)}
                : std::vector<GaussianDataSpec>{iso_data(1, 0.25, 1.0), iso_data(8, 1.0, 0.0)};
      std::vector<int> ns = smoke ? std::vector<int>{256} : std::vector<int>{64, 256, 1024};
      if (full) ns.push_back(4096);
      for (const auto& d : ds)
        for (int n : ns) {
          std::vector<std::pair<LevelsSpec, std::string>> ls{
              {LevelsSpec::of(ScheduleSpec::song_ve(n, 0.01, 50.0, ScheduleDefaults::song_eps)), "song"},
              {LevelsSpec::of(ScheduleSpec::vp(n, ScheduleDefaults::vp_beta_d, ScheduleDefaults::vp_beta_min,
                                               ScheduleDefaults::vp_eps_s)),
               "vp"},
              {LevelsSpec::of(ScheduleSpec::edm(n, 0.002, 80.0, 3.0)), "edm"},
              {LevelsSpec::of(ScheduleSpec::edm(n, 0.002, 80.0, 15.0)), "edm"}};
          if (smoke) ls.resize(2);
          for (const auto& [l, e] : ls)
            for (const auto& s : two_scores) add_case(out, "held_out_families", d, l, e, s);
        }
    }
    return out;
  }

  /// Reads the case's parameters without running it (Check::validate on main: config files are checked
  /// before a run starts; not marked override so that this branch builds against the older interface).
  void validate(const CaseSpec& spec) const {
    require_keys(spec.params, {"sweep", "data", "schedule", "score", "constants"});
    data_from_json(spec.params.at("data"));
    levels_from_json(spec.params.at("schedule"));
    level_score_from_json(spec.params.at("score"));
    if (spec.params.contains("constants")) constants_from_json(spec.params.at("constants"));
  }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    CaseResult r = start_result(*this, spec, ctx);
    require_keys(spec.params, {"sweep", "data", "schedule", "score", "constants"});
    const auto data_spec = data_from_json(spec.params.at("data"));
    const auto levels = levels_from_json(spec.params.at("schedule"));
    const auto score_spec = level_score_from_json(spec.params.at("score"));
    const auto constants =
        spec.params.contains("constants") ? constants_from_json(spec.params.at("constants")) : BoundConstants{};
    with_scalar(ctx.scalar, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto e = evaluate_gaussian(data, levels.template sigmas<Real>(), score_spec, constants.kappa_max);
      const auto& a = e.a;
      const Real& kl = e.kl;
      const auto& forms = e.forms;
      const auto terms =
          sampling_bound::apply_constants(forms, decimal<Real>(constants.C_D), decimal<Real>(constants.C_S));
      const auto& exact = e.girsanov;
      const Real total = terms.total();
      const double ops = 40.0 * static_cast<double>(a.size()) * static_cast<double>(data.modes.size() + 1);
      r.compare(kl, total, a_priori_estimate(ctx.scalar, ops, mid_double(total), mid_double(kl)));
      r.term("E_I", terms.init);
      r.term("E_D", terms.discretization);
      r.term("E_S", terms.score);
      r.term("F_D", forms.discretization);
      r.term("F_S", forms.score);
      r.term("L", forms.geometry.log_span);
      r.term("steps", Real(forms.geometry.steps));
      r.term("kappa_step", Real(static_cast<double>(forms.geometry.kappa_step)));
      r.term("girsanov_init", exact.init);
      r.term("girsanov_discretization", exact.discretization);
      r.term("girsanov_score", exact.score);
      r.term("girsanov_total", exact.total());
      apply_step_condition(r, forms.geometry, constants.kappa_max);
    });
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override;
};

// ---------------------------------------------------------------------------------------------
// Summary: constants (calibrated vs held-out, drift), per-term comparison with the exact Girsanov terms,
// the step condition per case.

struct Row {
  std::string id, sweep, data, family, ends, score;
  double n = 0, c = 1, b = 0, eps = 0;
  double kl = 0, E_I = 0, E_D = 0, E_S = 0, F_D = 0, F_S = 0, kappa = 0, cond = 0;
  double g_init = 0, g_disc = 0, g_score = 0, bound = 0;
  std::int64_t d = 0;
};

std::vector<Row> collect(const std::vector<CaseResult>& results) {
  std::vector<Row> rows;
  for (const auto& r : results) {
    if (!r.measured || !r.bound || !r.error.empty()) continue;
    Row w;
    w.id = r.case_id;
    w.sweep = r.params.value("sweep", "");
    const auto& d = r.params.value("data", json::object());
    try {
      w.data = data_label(data_from_json(d));
      w.d = data_from_json(d).dimension;
    } catch (...) {
      w.data = "?";
    }
    const auto& s = r.params.value("schedule", json::object());
    w.family = s.value("kind", "?");
    if (w.family == "edm") w.family += "(rho=" + shortest_decimal(s.value("rho", 7.0)) + ")";
    w.n = s.value("n_levels", 0.0);
    const auto& sc = r.params.value("score", json::object());
    w.score = sc.value("name", "");
    w.c = sc.value("c", 1.0), w.b = sc.value("b", 0.0), w.eps = sc.value("eps_bias", 0.0);
    const auto parts = [&] {
      const auto p = r.case_id.find("/ends=");
      return p == std::string::npos ? std::string() : r.case_id.substr(p + 6, r.case_id.find('/', p + 6) - p - 6);
    }();
    w.ends = parts;
    w.kl = r.measured->mid, w.bound = r.bound->mid;
    w.E_I = term_mid(r, "E_I"), w.E_D = term_mid(r, "E_D"), w.E_S = term_mid(r, "E_S");
    w.F_D = term_mid(r, "F_D"), w.F_S = term_mid(r, "F_S"), w.kappa = term_mid(r, "kappa");
    w.cond = term_mid(r, "step_condition");
    w.g_init = term_mid(r, "girsanov_init"), w.g_disc = term_mid(r, "girsanov_discretization");
    w.g_score = term_mid(r, "girsanov_score");
    rows.push_back(std::move(w));
  }
  return rows;
}

bool exact_score(const Row& w) { return w.c == 1.0 && w.b == 0.0 && w.eps == 0.0; }

/// Smallest C_D over exact-score rows (in the hypothesis) and where it is attained.
std::pair<double, std::string> fit_cd(const std::vector<const Row*>& rows) {
  double best = 0;
  std::string where;
  for (const Row* w : rows)
    if (exact_score(*w) && w->cond == 1 && w->F_D > 0) {
      const double need = (w->kl - w->E_I) / w->F_D;
      if (need > best) best = need, where = w->id;
    }
  return {best, where};
}
/// Smallest C_S over score-error rows given C_D.
std::pair<double, std::string> fit_cs(const std::vector<const Row*>& rows, double cd) {
  double best = 0;
  std::string where;
  for (const Row* w : rows)
    if (!exact_score(*w) && w->cond == 1 && w->F_S > 0) {
      const double need = (w->kl - w->E_I - cd * w->F_D) / w->F_S;
      if (need > best) best = need, where = w->id;
    }
  return {best, where};
}

/// The drift rule: a held-out smallest constant above kDriftFactor × the calibrated one is a drift.
std::string drift_outcome(double held, double cal) {
  if (!(cal > 0)) return "INCONCLUSIVE";
  return held <= kDriftFactor * cal ? "HOLDS" : "VIOLATED";
}

Summary SamplingBound::summarize(const std::vector<CaseResult>& results) const {
  Summary s;
  const auto rows = collect(results);
  if (rows.empty()) return s;
  std::map<std::string, std::vector<const Row*>> by_sweep;
  std::vector<std::string> sweep_order;
  for (const auto& w : rows) {
    if (!by_sweep.count(w.sweep)) sweep_order.push_back(w.sweep);
    by_sweep[w.sweep].push_back(&w);
  }

  // ---- constants ---------------------------------------------------------------------------------
  const auto [cd_cal, cd_where] = fit_cd(by_sweep["calibration"]);
  const auto [cs_cal, cs_where] = fit_cs(by_sweep["calibration"], cd_cal);
  Table tc;
  tc.id = "constants";
  tc.title = "Smallest constants: calibration sweep and held-out sweeps";
  tc.columns = {"sweep",
                "cases (in hypothesis)",
                "smallest C_D",
                "C_D / calibrated",
                "smallest C_S (given calibrated C_D)",
                "C_S / calibrated",
                "drift rule",
                "attained at (C_D; C_S)"};
  std::vector<std::string> drifted;
  for (const auto& sw : sweep_order) {
    const auto& rs = by_sweep[sw];
    std::size_t in_hyp = 0;
    for (const Row* w : rs) in_hyp += w->cond == 1;
    const auto [cd, cdw] = fit_cd(rs);
    const auto [cs, csw] = fit_cs(rs, cd_cal);
    const bool cal = sw == "calibration";
    const std::string rule =
        cal ? "-"
            : ((drift_outcome(cd, cd_cal) == "VIOLATED" || drift_outcome(cs, cs_cal) == "VIOLATED") ? "DRIFT"
                                                                                                    : "no drift");
    if (rule == "DRIFT") drifted.push_back(sw);
    bool any_exact = false;
    for (const Row* w : rs) any_exact = any_exact || (exact_score(*w) && w->cond == 1);
    tc.rows.push_back({sw, static_cast<double>(in_hyp), any_exact ? json(cd) : json(nullptr),
                       any_exact && cd_cal > 0 ? json(cd / cd_cal) : json(nullptr), cs,
                       cs_cal > 0 ? json(cs / cs_cal) : json(nullptr), rule, cdw + " ; " + csw});
  }
  tc.caption = fmt::format(
      "Sequential fit: C_D = max (KL - E_I)/F_D over exact-score cases, then C_S = max (KL - E_I - C_D F_D)/F_S over "
      "score-error cases (C_D = calibrated value for every sweep), only cases with kappa <= kappa_max. Drift rule: a "
      "held-out smallest constant above {} x the calibrated one is a drift (the encoded bound uses {} x calibrated: "
      "C_D = {}, C_S = {}); committed calibration in theory/sampling_bound.hpp: C_D = {}, C_S = {}.",
      shortest_decimal(kDriftFactor), shortest_decimal(kDriftFactor), shortest_decimal(sampling_bound::committed_CD()),
      shortest_decimal(sampling_bound::committed_CS()), shortest_decimal(sampling_bound::kCalibratedCD),
      shortest_decimal(sampling_bound::kCalibratedCS));
  s.tables.push_back(tc);

  // Trend of the required constant along N and d (the O(·) claim: it must not grow). The trend uses KL/F_D
  // (E_I not subtracted, so that the large-N rows, where KL < E_I, still count).
  auto trend = [&](const std::string& name, const std::string& axis, double allowed, auto select, auto key) {
    std::map<double, double> need;  // axis value -> largest KL/F_D over the selected exact-score rows
    for (const auto& w : rows)
      if (select(w) && exact_score(w) && w.cond == 1 && w.F_D > 0 && w.kl > 0)
        need[key(w)] = std::max(need[key(w)], w.kl / w.F_D);
    if (need.size() < 3) return;
    ConvergenceStudy st;
    st.name = "largest KL/F_D vs " + axis + " (" + name + ")";
    st.key_label = axis;
    st.value_label = "KL/F_D";
    for (const auto& [k, v] : need) st.key.push_back(k), st.value.push_back(v);
    st.expected = allowed;
    st.rule = SlopeRule::at_most;
    Fit f = st.fit();
    f.comparison = fmt::format(
        "slope of log(KL/F_D) on log {} <= {:g} (the constant does not grow faster than a "
        "logarithm)",
        axis, allowed);
    s.fits.push_back(f);
    s.tables.push_back(st.table(safe_id("trend_" + axis)));
  };
  trend(
      "calibration + held_out_N, every law and schedule", "N", 0.0,
      [](const Row& w) { return w.sweep == "calibration" || w.sweep == "held_out_N"; },
      [](const Row& w) { return w.n; });
  trend(
      "held_out_d, dyadic alpha = 1, mean 0", "d", 0.1,
      [](const Row& w) { return w.sweep == "held_out_d" && w.data.rfind("dyadic1(", 0) == 0; },
      [](const Row& w) { return static_cast<double>(w.d); });

  // ---- per-term comparison with the exact Gaussian decomposition ----------------------------------
  Table tt;
  tt.id = "terms_vs_exact";
  tt.title = "Encoded terms beside the exact Girsanov terms (PAPER 6.2), data iso(d=1,l=0.25,m=1)";
  tt.columns = {
      "schedule",  "N",   "score",       "KL",        "E_I",   "exact init", "E_I/exact", "E_D", "exact discretization",
      "E_D/exact", "E_S", "exact score", "E_S/exact", "bound", "bound/KL"};
  std::map<std::string, std::array<Series, 3>> ratio_series;
  for (const auto& w : rows) {
    if (w.data != "iso(d=1,l=0.25,m=1)" || w.ends != "edm") continue;
    if (w.score != "exact" && w.score != "scaled0.9") continue;
    const bool pick = (w.n == 32 || w.n == 64 || w.n == 256 || w.n == 1024 || w.n == 4096) &&
                      (w.sweep == "calibration" || w.sweep == "held_out_N");
    if (pick)
      tt.rows.push_back({w.family, w.n, w.score, w.kl, w.E_I, w.g_init, w.E_I / w.g_init, w.E_D, w.g_disc,
                         w.E_D / w.g_disc, w.E_S, w.g_score, w.g_score > 0 ? json(w.E_S / w.g_score) : json(nullptr),
                         w.bound, w.bound / w.kl});
    if (w.score != "scaled0.9") continue;
    auto& ser = ratio_series[w.family];
    if (ser[0].label.empty()) {
      ser[0] = Series{"E_I/exact init, " + w.family, "other", {}, {}, {}, {}, {}};
      ser[1] = Series{"E_D/exact discretization, " + w.family, "bound", {}, {}, {}, {}, {}};
      ser[2] = Series{"E_S/exact score, " + w.family, "measured", {}, {}, {}, {}, {}};
    }
    ser[0].x.push_back(w.n), ser[0].y.push_back(w.E_I / w.g_init);
    ser[1].x.push_back(w.n), ser[1].y.push_back(w.E_D / w.g_disc);
    ser[2].x.push_back(w.n), ser[2].y.push_back(w.E_S / w.g_score);
  }
  std::sort(tt.rows.begin(), tt.rows.end(), [](const auto& x, const auto& y) {
    return std::make_tuple(x[0].template get<std::string>(), x[2].template get<std::string>(),
                           x[1].template get<double>()) < std::make_tuple(y[0].template get<std::string>(),
                                                                          y[2].template get<std::string>(),
                                                                          y[1].template get<double>());
  });
  tt.caption =
      "Each encoded term (committed constants) next to the exact term of the Girsanov decomposition of the "
      "same case; a ratio far above 1 shows where the encoded bound is loose.";
  s.tables.push_back(tt);
  if (!ratio_series.empty()) {
    Figure f;
    f.id = "term_ratios";
    f.title = "Encoded term / exact Girsanov term, iso(d=1,l=0.25,m=1), c = 0.9";
    f.xlabel = "N (noise levels)";
    f.ylabel = "encoded / exact";
    f.logx = f.logy = true;
    for (auto& [fam, ser] : ratio_series)
      for (auto& x : ser) {
        std::vector<std::size_t> idx(x.x.size());
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](auto i, auto j) { return x.x[i] < x.x[j]; });
        Series y = x;
        for (std::size_t i = 0; i < idx.size(); ++i) y.x[i] = x.x[idx[i]], y.y[i] = x.y[idx[i]];
        f.series.push_back(y);
      }
    f.caption =
        "Ratio of each encoded term (constants in place) to the exact term of the Gaussian Girsanov "
        "decomposition: E_I is tight up to the convexity gap, E_S is a constant multiple, E_D grows like "
        "the ratio of the kappa-form to the exact discretization sum.";
    s.figures.push_back(std::move(f));
  }

  // ---- measured KL and bound against N (calibration + larger N), exact score -------------------------
  {
    std::map<std::string, std::pair<Series, Series>> curves;
    for (const auto& w : rows) {
      if (w.data != "iso(d=8,l=1,m=0)" || w.ends != "edm" || !exact_score(w)) continue;
      if (w.sweep != "calibration" && w.sweep != "held_out_N") continue;
      auto& c = curves[w.family];
      if (c.first.label.empty())
        c = {Series{"KL, " + w.family, "measured", {}, {}, {}, {}, {}},
             Series{"bound, " + w.family, "bound", {}, {}, {}, {}, {}}};
      c.first.x.push_back(w.n), c.first.y.push_back(w.kl);
      c.second.x.push_back(w.n), c.second.y.push_back(w.bound);
    }
    if (!curves.empty()) {
      Figure f;
      f.id = "kl_and_bound";
      f.title = "Exact KL and encoded bound, iso(d=8,l=1,m=0), exact score";
      f.xlabel = "N (noise levels)";
      f.ylabel = "KL (nats)";
      f.logx = f.logy = true;
      for (auto& [fam, c] : curves) f.series.push_back(c.first), f.series.push_back(c.second);
      f.caption = "Points: exact KL of the sampler; lines: E_I + E_D + E_S with the committed constants.";
      s.figures.push_back(std::move(f));
    }
  }

  // ---- the step condition, per family -------------------------------------------------------------
  {
    struct Acc {
      std::size_t cases = 0, in = 0;
      double kmin = 1e300, kmax = 0, nmin_in = 1e300;
    };
    std::map<std::string, Acc> acc;
    for (const auto& w : rows) {
      auto& a = acc[w.family];
      ++a.cases;
      a.in += w.cond == 1;
      a.kmin = std::min(a.kmin, w.kappa), a.kmax = std::max(a.kmax, w.kappa);
      if (w.cond == 1) a.nmin_in = std::min(a.nmin_in, w.n);
    }
    Table t;
    t.id = "step_condition";
    t.title = "Step condition gamma_k <= kappa min{1, s_(k+1)}, kappa <= kappa_max = 1, per schedule family";
    t.columns = {"family",         "cases",         "in hypothesis",           "outside",
                 "smallest kappa", "largest kappa", "smallest N in hypothesis"};
    for (const auto& [fam, a] : acc)
      t.rows.push_back({fam, static_cast<double>(a.cases), static_cast<double>(a.in),
                        static_cast<double>(a.cases - a.in), a.kmin, a.kmax,
                        a.nmin_in < 1e300 ? json(a.nmin_in) : json(nullptr)});
    t.caption =
        "kappa is computed per case (term 'kappa', with the step that attains it in 'kappa_step'); cases "
        "outside the hypothesis are reported, never counted as violations of the theorem.";
    s.tables.push_back(t);
  }

  // ---- notes -------------------------------------------------------------------------------------------
  s.notes.push_back(fmt::format(
      "Calibration (this run): smallest C_D = {:.4g} (at {}), smallest C_S = {:.4g} given that C_D (at {}); committed: "
      "C_D = {} and C_S = {} (x{} drift factor in the encoded bound).",
      cd_cal, cd_where, cs_cal, cs_where, shortest_decimal(sampling_bound::kCalibratedCD),
      shortest_decimal(sampling_bound::kCalibratedCS), shortest_decimal(kDriftFactor)));
  if (cd_cal > sampling_bound::kCalibratedCD * (1 + 1e-9) || cs_cal > sampling_bound::kCalibratedCS * (1 + 1e-9))
    s.notes.push_back(
        "The committed calibrated constants are SMALLER than this run's calibration fit: update "
        "theory/sampling_bound.hpp (kCalibratedCD, kCalibratedCS).");
  s.notes.push_back(
      "Why the constants cannot drift in d for Gaussian data: the measured KL and the form F_D = d kappa^2 K + kappa "
      "[d (1 + L) + m2^2] are both sums over directions, so KL/F_D of any diagonal Gaussian is a weighted average "
      "of one-direction ratios and never exceeds the largest one-direction ratio; a trend along d (table trend_d) "
      "only moves spectral mass between direction shapes (the dyadic spectrum piles up at lambda ~ sigma_min^2 as d "
      "grows), it cannot grow without bound.");
  s.notes.push_back(drifted.empty() ? "Drift rule (held-out smallest constant <= " + shortest_decimal(kDriftFactor) +
                                          " x calibrated): no held-out sweep drifts."
                                    : "Drift rule: DRIFT in " + fmt::format("{}", fmt::join(drifted, ", ")) +
                                          " (the encoded form does not carry over with one constant).");
  {
    // Which term is loose: medians of encoded/exact over the rows of table terms_vs_exact.
    auto median = [](std::vector<double> v) {
      if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::vector<double> ri, rd, rs, rb;
    for (const auto& row : tt.rows) {
      ri.push_back(row[6].get<double>()), rd.push_back(row[9].get<double>()), rb.push_back(row[14].get<double>());
      if (!row[12].is_null()) rs.push_back(row[12].get<double>());
    }
    s.notes.push_back(fmt::format(
        "Which term is loose (medians over table terms_vs_exact): E_I/exact init = {:.3g} (the convexity gap of "
        "PAPER §3.2), E_D/exact discretization = {:.3g}, E_S/exact score = {:.3g} (= C_S/(1/2)), bound/KL = {:.3g}. "
        "C_D is fitted against the KL, which decays like N^-2, so E_D can sit below the exact Girsanov discretization "
        "term (which decays like N^-1); the score-error constant carries the looseness.",
        median(ri), median(rd), median(rs), median(rb)));
  }
  return s;
}

// ---------------------------------------------------------------------------------------------

class SamplingBoundEvaluator final : public BoundEvaluator {
 public:
  std::string id() const override { return "sampling.bound"; }
  std::string title() const override { return sampling_bound::claim().title; }
  json defaults() const override {
    return json{{"data", data_to_json(iso_data(1, 0.25, 1.0))},
                {"schedule", schedule_to_json(ScheduleSpec::edm(128, 0.002, 80, 7))},
                {"score", level_score_to_json(LevelScoreSpec{})},
                {"constants", constants_to_json(BoundConstants{})}};
  }
  std::vector<std::pair<std::string, std::string>> parameter_help() const override {
    return {
        {"data", "Gaussian data: spectrum isotropic|power_law|dyadic|list, dimension, scale, mean[, alpha]"},
        {"schedule", "noise levels: kind edm|geometric|song_ve|vp|user|kappa_min, n_levels, sigma_min, sigma_max, ..."},
        {"score",
         "score error: c (scale, 1 = exact), b (bias), eps_bias (bias eps_bias/sigma_k: uniform error on the "
         "noise-prediction scale)"},
        {"constants", "C_D, C_S (default: committed calibration), kappa_max (step-condition hypothesis)"}};
  }
  std::vector<BoundTerm> evaluate(const json& params, ScalarKind kind) const override {
    require_keys(params, {"data", "schedule", "score", "constants"});
    const auto data_spec = data_from_json(params.at("data"));
    const auto levels = levels_from_json(params.at("schedule"));
    const auto score_spec = level_score_from_json(params.at("score"));
    const auto c = params.contains("constants") ? constants_from_json(params.at("constants")) : BoundConstants{};
    return with_scalar(kind, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto e = evaluate_gaussian(data, levels.template sigmas<Real>(), score_spec, c.kappa_max);
      const auto& f = e.forms;
      const auto t = sampling_bound::apply_constants(f, decimal<Real>(c.C_D), decimal<Real>(c.C_S));
      const auto& g = e.girsanov;
      const std::string cond =
          f.geometry.condition == 1 ? "holds" : (f.geometry.condition == -1 ? "FAILS" : "undecided");
      return std::vector<BoundTerm>{
          {"kappa", Quantity::of(f.geometry.kappa), "derived", "[D]",
           "max_k gamma_k/min{1, s_(k+1)}, OU step gamma_k (step condition " + cond +
               " for kappa_max = " + shortest_decimal(c.kappa_max) + ")"},
          {"E_I", Quantity::of(t.init), "derived", "[D✓]", "m2^2/(2 a_0) (PAPER §3.2)"},
          {"F_D", Quantity::of(f.discretization), "derived", "[D]", "d kappa^2 K + kappa [d (1 + L) + m2^2]"},
          {"E_D", Quantity::of(t.discretization), "unknown: fitted", "[UNKNOWN]",
           "C_D F_D, C_D = " + shortest_decimal(c.C_D)},
          {"F_S", Quantity::of(f.score), "derived", "[D]", "sum_k (a_k - a_(k+1)) eps_k^2"},
          {"E_S", Quantity::of(t.score), "unknown: fitted", "[UNKNOWN]", "C_S F_S, C_S = " + shortest_decimal(c.C_S)},
          {"girsanov_init", Quantity::of(g.init), "derived", "[D✓]", "exact KL(p_T || N(0, a_0 I)) beside E_I"},
          {"girsanov_discretization", Quantity::of(g.discretization), "derived", "[D✓]",
           "exact discretization term beside E_D"},
          {"girsanov_score", Quantity::of(g.score), "derived", "[D✓]", "exact score term (= F_S/2) beside E_S"},
          {"measured_kl", Quantity::of(e.kl), "derived", "[D✓]", "exact KL(p_delta || sampler), PAPER §6.1"},
          {"total", Quantity::of(t.total()), "unknown: fitted", "[D]", "E_I + E_D + E_S"}};
    });
  }
};

}  // namespace
}  // namespace diffbound::checks

DIFFBOUND_REGISTER_CHECK(diffbound::checks::SamplingBound)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::SamplingBoundEvaluator)
