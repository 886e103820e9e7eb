// Check sampling.girsanov: the exact KL of the Gaussian exponential-integrator sampler against the
// Girsanov bound in closed form (PAPER §6.1, §6.2).
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/sampling/common.hpp>
#include <diffbound/checks/summary.hpp>

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>

#include <map>
#include <string_view>

// The file's own namespace keeps its names apart from the other checks' in a unity build.
namespace diffbound::checks::sampling_girsanov_check {
namespace {

struct Endpoints {
  const char* name;
  double sigma_min, sigma_max;
};
// EDM (0.002, 80) and Song's CIFAR-10 VE (0.01, 50): PAPER §5.3, §5.4 [V-code].
constexpr Endpoints kEdmEnds{"edm", ScheduleDefaults::edm_sigma_min, ScheduleDefaults::edm_sigma_max};
constexpr Endpoints kSongEnds{"song", ScheduleDefaults::song_sigma_min, ScheduleDefaults::song_sigma_max};

std::vector<GaussianDataSpec> girsanov_data(Size size) {
  auto iso = [](std::int64_t d, double lam, double mean) {
    GaussianDataSpec s;
    s.spectrum = "isotropic", s.dimension = d, s.scale = lam, s.mean = mean;
    return s;
  };
  auto pow = [](std::int64_t d, double alpha, double mean) {
    GaussianDataSpec s;
    s.spectrum = "power_law", s.dimension = d, s.scale = 1.0, s.alpha = alpha, s.mean = mean;
    return s;
  };
  std::vector<GaussianDataSpec> out{iso(1, 0.25, 1.0)};  // PAPER §6.1's example
  if (size == Size::smoke) {
    out.push_back(pow(16, 1.0, 0.5));
    return out;
  }
  out.push_back(iso(16, 0.25, 1.0));
  out.push_back(iso(1024, 0.25, 1.0));
  out.push_back(pow(16, 1.0, 0.5));
  out.push_back(pow(1024, 1.0, 0.5));
  if (size == Size::full) {
    out.push_back(iso(100000, 1.0, 0.1));
    out.push_back(pow(1024, 2.0, 0.0));
  }
  return out;
}

std::vector<int> girsanov_levels(Size size, std::int64_t modes) {
  if (size == Size::smoke) return {8, 64};
  std::vector<int> n;
  for (int x = 8; x <= 4096; x *= 2) n.push_back(x);
  if (size == Size::full) {
    n.push_back(8192);
    n.push_back(16384);
  } else if (modes > 64) {
    // Default size with a thousand distinct directions: N = 8, 32, 128, 512. An interval step costs
    // about 2.5 µs per direction at 128 bits, so N up to 4096 for them is left to the full size.
    n = {8, 32, 128, 512};
  }
  return n;
}

std::vector<ScoreErrorSpec> girsanov_scores(Size size) {
  std::vector<ScoreErrorSpec> out{{"exact", 1.0, 0.0}, {"scaled0.9", 0.9, 0.0}};
  if (size != Size::smoke) out.push_back({"scaled1.1+bias0.01", 1.1, 0.01});
  return out;
}

/// The parameters of one case, read and validated (errors name the field). "endpoints" is a label
/// only (the figures group curves by it).
struct GirsanovParams {
  GaussianDataSpec data;
  ScheduleSpec schedule;
  ScoreErrorSpec score;
};
const ParamSchema& girsanov_schema() {
  static const ParamSchema s{{
      ParamSpec::object("data",
                        "Gaussian data (data_from_json: spectrum isotropic|power_law|dyadic|list, dimension, "
                        "scale, mean[, alpha])"),
      ParamSpec::object("schedule",
                        "noise levels (schedule_from_json: kind edm|geometric|song_ve|vp|user, n_levels, ...)"),
      ParamSpec::object("score", "affine score error (score_from_json: name, c (1 = exact), b (bias))"),
      ParamSpec::string("endpoints", "a label only (the figures group curves by it)").optional_key(),
  }};
  return s;
}
GirsanovParams read_params(const json& p) {
  const ParamSchema& s = girsanov_schema();
  s.validate(p);
  return {data_from_json(s.value(p, "data"), "data"), schedule_from_json(s.value(p, "schedule"), "schedule"),
          score_from_json(s.value(p, "score"), "score")};
}

// ---- Form mutants (power table, issue 15): wrong variants of the claim, computed on the claim's own
// quantities; off unless RunContext::mutant names one. ----------------------------------------------------
const std::vector<MutantInfo> kMutants{
    {"drop_init", "dropped term", "the bound without its initialization term KL(p_T || N(0, sigma_T^2 I))"},
    {"drop_discretization", "dropped term", "the bound without its discretization term"},
    {"drop_score", "dropped term", "the bound without its score term (the regression gate's mutant, docs/ci.md)"},
    {"disc_half", "derived constant halved", "discretization term 1/4 sum f(x_k) instead of 1/2 sum f(x_k)"},
    {"f_quadratic", "missing higher-order terms",
     "f(x) = -ln(1 - x) - x replaced by its leading term x^2/2 (no log singularity as x -> 1)"},
    {"score_no_bias", "dropped term", "score term without the bias part b^2 (a_0 - a_{N-1})"},
    {"score_cubic", "larger power of the error", "score term with |1 - c|^3 instead of (1 - c)^2"},
};

/// The Girsanov right side, or a mutant of it (`mutant` empty: the claim, theory/sampling_girsanov.hpp).
template <class Real>
sampling_girsanov::Terms<Real> girsanov_terms(const DiagonalGaussian<Real>& data, const std::vector<Real>& a,
                                              const AffineScoreError<Real>& score, const std::string& mutant) {
  auto t = sampling_girsanov::bound(data, a, score);
  if (mutant.empty()) return t;
  using std::abs;
  Real sum_x(0), sum_x2(0);  // Σ_modes mult Σ_k x_k and Σ_modes mult Σ_k x_k²
  for (const auto& mode : data.modes) {
    const Real mult(mode.multiplicity);
    for (std::size_t k = 0; k + 1 < a.size(); ++k) {
      const Real x = (a[k] - a[k + 1]) / (mode.lambda + a[k]);
      sum_x += mult * x;
      sum_x2 += mult * x * x;
    }
  }
  const Real one_minus_c = Real(1) - score.c;
  const Real bias = score.b * score.b * (a.front() - a.back()) * Real(data.dimension());
  if (mutant == "drop_init") t.init = Real(0);
  if (mutant == "drop_discretization") t.discretization = Real(0);
  if (mutant == "drop_score") t.score = Real(0);
  if (mutant == "disc_half") t.discretization = t.discretization / 2;
  if (mutant == "f_quadratic") t.discretization = sum_x2 / 4;
  if (mutant == "score_no_bias") t.score = one_minus_c * one_minus_c * sum_x / 2;
  if (mutant == "score_cubic") t.score = (abs(one_minus_c) * one_minus_c * one_minus_c * sum_x + bias) / 2;
  return t;
}

const SamplingDomainSpec kGirsanovDomain{};

class SamplingGirsanov final : public Check {
 public:
  ClaimInfo claim() const override { return sampling_girsanov::claim(); }

  std::vector<MutantInfo> mutants() const override { return kMutants; }

  std::optional<Domain> domain() const override {
    Domain d;
    d.params = sampling_domain_params(kGirsanovDomain);
    d.constraints = {
        "Gaussian data (any lambda >= 0, mean, dimension), any noise levels a_0 > ... > a_{N-1} > 0, "
        "any affine score error (c, b): the Girsanov right side is exact KL-chain algebra, no "
        "step-size condition"};
    d.make = [](const std::vector<double>& x) {
      const auto p = sampling_point(kGirsanovDomain, x);
      return json{{"data", data_to_json(p.data)},
                  {"schedule", schedule_to_json(p.schedule)},
                  {"score", score_to_json({p.score.name, p.score.c, p.score.b})}};
    };
    d.label = [](const std::vector<double>& x) {
      const auto p = sampling_point(kGirsanovDomain, x);
      return data_label(p.data) + "/" + p.schedule.label() + "/N=" + std::to_string(p.schedule.n_levels) + "/" +
             p.score.name;
    };
    d.run_budget = {150, 600, 3000};
    return d;
  }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    for (const auto& data : girsanov_data(size)) {
      const std::int64_t modes = data.spectrum == "isotropic" ? 1 : data.dimension;
      for (const auto& ends : {kEdmEnds, kSongEnds})
        for (const bool edm : {true, false})
          for (int n : girsanov_levels(size, modes))
            for (const auto& score : girsanov_scores(size)) {
              const ScheduleSpec sched = edm ? ScheduleSpec::edm(n, ends.sigma_min, ends.sigma_max, 7.0)
                                             : ScheduleSpec::geometric(n, ends.sigma_min, ends.sigma_max);
              const std::string id = data.label() + "/" + sched.label() + "/ends=" + ends.name +
                                     "/N=" + std::to_string(n) + "/" + score.name;
              out.push_back({id, json{{"data", data_to_json(data)},
                                      {"schedule", schedule_to_json(sched)},
                                      {"endpoints", ends.name},
                                      {"score", score_to_json(score)}}});
            }
    }
    return out;
  }

  ParamSchema parameters() const override { return girsanov_schema(); }
  void validate_case(const CaseSpec& spec) const override { read_params(spec.params); }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    require_mutant(ctx.mutant);
    CaseResult r = start_result(*this, spec, ctx);
    const auto [data_spec, sched, score_spec] = read_params(spec.params);
    with_scalar_safe(ctx, r, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto a = variances(noise_levels<Real>(sched));
      const auto score = score_spec.template make<Real>();
      const Real kl = sampler_kl(data, a, score, StepKind::exponential_integrator);
      const auto terms = girsanov_terms(data, a, score, ctx.mutant);
      const Real rhs = terms.total();
      const double ops = 24.0 * static_cast<double>(a.size()) + 8.0 * static_cast<double>(data.modes.size());
      r.compare(kl, rhs, a_priori_estimate(ctx.scalar, ops, mid_double(rhs), mid_double(kl)));
      r.term("init", terms.init);
      r.term("discretization", terms.discretization);
      r.term("score", terms.score);
    });
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override {
    // One figure per data law: measured KL and bound against N, exact score, for each schedule/endpoints.
    std::map<std::string, CurvePairs> by_data;
    std::vector<std::string> data_order;
    for (const auto& r : results) {
      if (!r.measured || !r.bound) continue;
      if (r.params.value("score", json::object()).value("name", "") != "exact") continue;
      const std::string data = r.case_id.substr(0, r.case_id.find('/'));
      const auto& sj = r.params.at("schedule");
      const std::string curve = std::string(sj.value("kind", "")) + (sj.value("kind", "") == "edm" ? "(rho=7)" : "") +
                                ", " + r.params.value("endpoints", "") + " ends";
      if (!by_data.count(data)) data_order.push_back(data);
      by_data.try_emplace(data, "KL ", "bound ", CurvePairs::Order::by_label)
          .first->second.add(curve, sj.value("n_levels", 0), r.measured->mid, r.bound->mid);
    }
    Summary s;
    for (const auto& data : data_order) {
      Figure f;
      f.id = "kl_vs_N_" + data;
      f.title = "Sampler KL and Girsanov bound, " + data + ", exact score";
      f.xlabel = "N (noise levels)";
      f.ylabel = "KL (nats)";
      f.logx = f.logy = true;
      by_data.at(data).append_to(f);
      f.caption = "Exact KL(p_delta || sampler) (points) and the closed-form Girsanov bound (lines).";
      s.figures.push_back(std::move(f));
    }
    return s;
  }
};

class SamplingGirsanovBound final : public BoundEvaluator {
 public:
  ClaimInfo claim() const override { return sampling_girsanov::claim(); }
  ParamSchema parameters() const override {
    GaussianDataSpec d;
    d.spectrum = "isotropic", d.dimension = 1, d.scale = 0.25, d.mean = 1.0;
    return girsanov_schema().pick({"data", "schedule", "score"},
                                  {{"data", data_to_json(d)},
                                   {"schedule", schedule_to_json(ScheduleSpec::edm(18, 0.002, 80, 7))},
                                   {"score", score_to_json({"exact", 1.0, 0.0})}});
  }

 protected:
  /// The check's reader and the check's right side (girsanov_terms, as run_case computes it).
  std::vector<BoundTerm> terms(const json& params, ScalarKind kind) const override {
    const auto [data_spec, sched, score_spec] = read_params(params);
    const ClaimInfo c = claim();
    return with_scalar(kind, [&]<class Real>() {
      const auto data = make_data<Real>(data_spec);
      const auto a = variances(noise_levels<Real>(sched));
      const auto score = score_spec.template make<Real>();
      const auto t = girsanov_terms(data, a, score, "");
      return std::vector<BoundTerm>{
          BoundTerm::of(c, "init", Quantity::of(t.init), "KL(p_T || N(0, sigma_T^2 I)), exact for Gaussian data"),
          BoundTerm::of(c, "discretization", Quantity::of(t.discretization),
                        "1/2 sum_k [-ln(1 - x_k) - x_k], x_k = Delta_k/(lambda + a_k)", {"one_half"}),
          BoundTerm::of(c, "score", Quantity::of(t.score), "1/2 sum_k [(1 - c)^2 x_k + b^2 Delta_k]", {"one_half"}),
          BoundTerm::of(c, "total", Quantity::of(t.total()), "the Girsanov bound (PAPER §6.2)", {"one_half"}),
          BoundTerm::of(c, "measured_kl", Quantity::of(sampler_kl(data, a, score, StepKind::exponential_integrator)),
                        "exact KL(p_delta || sampler) of the exponential-integrator sampler (PAPER §6.1)")};
    });
  }
};

}  // namespace
}  // namespace diffbound::checks::sampling_girsanov_check

DIFFBOUND_REGISTER_CHECK(diffbound::checks::sampling_girsanov_check::SamplingGirsanov)
DIFFBOUND_REGISTER_BOUND(diffbound::checks::sampling_girsanov_check::SamplingGirsanovBound)
