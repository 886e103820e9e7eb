// A theorem of one's own, checked by diffbound, in one file.
//
// Claim (example.mean_error): for Gaussian data N(μ, λ) and the affine score model of PAPER §6.1 with
// 0 ≤ c ≤ 1, the mean of the exponential-integrator sampler's output is off by at most
//     |E Y − μ| ≤ |μ| · Π_k (1 − c Δ_k/(λ + a_k)) + |b| · (a_0 − a_{N−1}).
// Proof: m_{k+1} = r_k m_k + Δ_k b with 0 ≤ r_k ≤ 1, so |m_N| ≤ |μ| Π r_k + |b| Σ Δ_k.
// With b = 0 the bound is attained (m_N = −μ Π r_k): the margin is exactly 0 and an honest check can only
// answer INCONCLUSIVE there, so the sweep uses b ≠ 0, where the inequality is strict.
//
// The file has the three parts every check has: the statement (a templated function and its claim), the
// check (cases, one case, a summary with a figure), and a bound evaluator for `diffbound bound`.
#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/schedules.hpp>

#include <cmath>

using namespace diffbound;
using namespace diffbound::checks;

namespace my_theorem {

ClaimInfo claim() {
  return {
      "example.mean_error",
      "Mean error of the VE exponential-integrator sampler (a user's example)",
      "|E Y - mu| <= |mu| prod_k (1 - c Delta_k/(lambda + a_k)) + |b| (a_0 - a_{N-1}), 0 <= c <= 1",
      R"(|\mathbb E Y - \mu| \le |\mu|\prod_k\Big(1 - \frac{c\,\Delta_k}{\lambda + a_k}\Big) + |b|\,(a_0 - a_{N-1}))",
      "examples/add_a_theorem/my_theorem.cpp",
      "[D]",
      {"Gaussian data N(mu, lambda)", "affine score model with 0 <= c <= 1"},
      {}};
}

/// The right-hand side, templated on the scalar like everything in theory/.
template <class Real>
Real bound(const Real& lambda, const Real& mu, const std::vector<Real>& a, const AffineScoreError<Real>& s) {
  using std::abs;
  Real prod(1);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) prod *= Real(1) - s.c * (a[k] - a[k + 1]) / (lambda + a[k]);
  return abs(mu) * prod + abs(s.b) * (a.front() - a.back());
}

}  // namespace my_theorem

namespace {

/// The case parameters, declared once: they validate config files, feed the reader (with the defaults) and
/// are what `my-diffbound list example.mean_error` prints.
const ParamSchema& mean_error_schema() {
  static const ParamSchema s{{
      ParamSpec::object("schedule", "noise levels (schedule_from_json: kind edm|geometric|..., n_levels, ...)"),
      ParamSpec::number("lambda", "data variance").ge(0),
      ParamSpec::number("mu", "data mean"),
      ParamSpec::object("score", "affine score error (score_from_json: c in [0, 1], b)"),
  }};
  return s;
}

class MeanErrorCheck final : public Check {
 public:
  ClaimInfo claim() const override { return my_theorem::claim(); }
  ParamSchema parameters() const override { return mean_error_schema(); }

  std::vector<CaseSpec> cases(Size size) const override {
    std::vector<CaseSpec> out;
    const std::vector<int> ns = size == Size::smoke ? std::vector<int>{8, 64} : std::vector<int>{8, 32, 128, 512};
    for (int n : ns)
      for (double b : {0.01, -0.02})
        out.push_back({"N=" + std::to_string(n) + "/b=" + shortest_decimal(b),
                       json{{"schedule", schedule_to_json(ScheduleSpec::edm(n, 0.002, 80, 7))},
                            {"lambda", 0.25},
                            {"mu", 1.0},
                            {"score", score_to_json({"custom", 0.9, b})}}});
    return out;
  }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    CaseResult r = start_result(*this, spec, ctx);
    const ParamSchema& p = mean_error_schema();
    p.validate(spec.params);
    const auto sched = schedule_from_json(spec.params.at("schedule"));
    const auto score = score_from_json(spec.params.at("score"));
    const double lambda = p.number(spec.params, "lambda"), mu = p.number(spec.params, "mu");
    if (!(score.c >= 0 && score.c <= 1)) throw ParamError("score.c: the claim assumes 0 <= c <= 1");
    with_scalar(ctx.scalar, [&]<class Real>() {
      const auto a = variances(noise_levels<Real>(sched));
      const auto s = score.template make<Real>();
      const GaussianMode<Real> mode{decimal<Real>(lambda), decimal<Real>(mu), 1};
      using std::abs;
      const Real measured = abs(final_moments(mode, a, s, StepKind::exponential_integrator).mean_offset);
      const Real rhs = my_theorem::bound(mode.lambda, mode.mu, a, s);
      r.compare(measured, rhs, a_priori_estimate(ctx.scalar, 16.0 * a.size(), mid_double(rhs), mid_double(measured)));
    });
    return r;
  }

  Summary summarize(const std::vector<CaseResult>& results) const override {
    Figure f;
    f.id = "mean_error_vs_N";
    f.title = "Mean error of the sampler and its bound";
    f.xlabel = "N (noise levels)";
    f.ylabel = "|E Y - mu|";
    f.logx = f.logy = true;
    Series measured{"measured, b = 0.01", "measured", {}, {}, {}, {}, {}};
    Series bound{"bound, b = 0.01", "bound", {}, {}, {}, {}, {}};
    for (const auto& r : results) {
      if (!r.measured || r.params.value("score", json::object()).value("b", 0.0) != 0.01) continue;
      const double n = r.params.at("schedule").value("n_levels", 0);
      measured.x.push_back(n), measured.y.push_back(r.measured->mid);
      bound.x.push_back(n), bound.y.push_back(r.bound->mid);
    }
    f.series = {measured, bound};
    Summary s;
    if (!measured.x.empty()) s.figures.push_back(f);
    return s;
  }
};

class MeanErrorBound final : public BoundEvaluator {
 public:
  // The id, title and the terms' provenance come from the claim; the parameters from the check's schema.
  ClaimInfo claim() const override { return my_theorem::claim(); }
  ParamSchema parameters() const override {
    return mean_error_schema().pick({"schedule", "lambda", "mu", "score"},
                                    {{"schedule", schedule_to_json(ScheduleSpec::edm(18, 0.002, 80, 7))},
                                     {"lambda", 0.25},
                                     {"mu", 1.0},
                                     {"score", score_to_json({"custom", 0.9, 0.0})}});
  }

 protected:
  std::vector<BoundTerm> terms(const json& p, ScalarKind kind) const override {
    const auto sched = schedule_from_json(p.at("schedule"));
    const auto score = score_from_json(p.at("score"));
    const double lambda = p.at("lambda").get<double>(), mu = p.at("mu").get<double>();
    return with_scalar(kind, [&]<class Real>() {
      const auto a = variances(noise_levels<Real>(sched));
      const Real rhs = my_theorem::bound(decimal<Real>(lambda), decimal<Real>(mu), a, score.template make<Real>());
      return std::vector<BoundTerm>{BoundTerm::of(claim(), "bound", Quantity::of(rhs), "the right-hand side")};
    });
  }
};

}  // namespace

DIFFBOUND_REGISTER_CHECK(MeanErrorCheck)
DIFFBOUND_REGISTER_BOUND(MeanErrorBound)
