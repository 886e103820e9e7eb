// The sampler half of full.error / design.weighting (checks/full_error_common.hpp): the law of the VE
// exponential-integrator sampler that uses a trained network, propagated on a 1-D grid at two resolutions
// (numerics/density_grid.hpp), the network's score errors along the forward process by quadrature at two
// resolutions, and the exact Girsanov terms of the law (theory/sampling_nongaussian.hpp).
#include "full_error_common.hpp"

#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/network_sampling.hpp>
#include <diffbound/theory/sampling_nongaussian.hpp>
#include <diffbound/theory/schedules.hpp>

#include <cmath>
#include <stdexcept>

namespace diffbound::checks {

namespace {

IsoMixture to_mixture(const Law1d& l) { return mixture_1d(l.weights, l.means, l.sds); }

std::vector<double> numbers(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_array() || j.at(key).empty())
    throw ParamError(where + "." + key + ": expected a non-empty array of numbers");
  std::vector<double> out;
  for (const auto& v : j.at(key)) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) throw ParamError(where + "." + key + ": expected finite numbers");
    out.push_back(v.get<double>());
  }
  return out;
}

/// The Girsanov terms (init KL, discretization) of a law at one resolution.
struct GirsanovTerms {
  double init = 0, discretization = 0;
};

GirsanovTerms girsanov_terms(const IsoMixture& f, const std::vector<double>& a, double r_feature, int nodes) {
  GridOptions o;
  o.r_feature = r_feature;
  const ChebyshevInLog J([&](double x) { return fisher_information_1d(f, x, o); }, a.back(), a.front(), nodes);
  GirsanovTerms t;
  t.init = init_kl_1d(f, a.front(), o);
  t.discretization = sampling_nongaussian::girsanov_discretization(a, J);
  return t;
}

SamplerEvaluation evaluate(const Law1d& law, const NetworkScore* model, const std::vector<double>& sigma) {
  if (sigma.size() < 2) throw ParamError("schedule: need at least 2 noise levels");
  const IsoMixture f = to_mixture(law);
  const std::vector<double> a = variances(sigma);
  SamplerEvaluation ev;
  ev.m2 = f.second_moment();
  const GridOptions coarse, fine = coarse.refined();
  // The true KL of the sampler at two resolutions.
  try {
    PropagationResult c, r;
    if (model) {
      auto fn = [&](std::size_t k, const std::vector<double>& x, std::vector<double>& s, std::vector<double>&) {
        model->evaluate_1d(x, sigma[k], s);
      };
      c = propagate_kl_model(f, a, fn, coarse);
      r = propagate_kl_model(f, a, fn, fine);
    } else {
      c = propagate_kl(f, a, 1.0, coarse);
      r = propagate_kl(f, a, 1.0, fine);
    }
    ev.kl = r.kl;
    ev.kl_error = std::fabs(r.kl - c.kl) + 40 * std::max(r.skipped_mass, c.skipped_mass) + 1e-15 * std::fabs(r.kl);
  } catch (const std::runtime_error& e) {
    ev.failure = e.what();
  }
  // ε_k² at the sampler's levels k = 0..N−2 (the score used on step k), two resolutions.
  double fs_c = 0, fs_f = 0;
  ev.eps_sq.assign(a.size() - 1, 0.0);
  if (model) {
    GridOptions qc, qf;
    qc.r_feature = 16, qf.r_feature = 32;
    for (std::size_t k = 0; k + 1 < a.size(); ++k) {
      auto fn = [&](const std::vector<double>& x, std::vector<double>& s) { model->evaluate_1d(x, sigma[k], s); };
      const double ec = score_error_1d(f, a[k], fn, qc), ef = score_error_1d(f, a[k], fn, qf);
      ev.eps_sq[k] = ef;
      fs_c += (a[k] - a[k + 1]) * ec, fs_f += (a[k] - a[k + 1]) * ef;
    }
  }
  ev.score_form = fs_f;
  ev.eps_error = std::fabs(fs_f - fs_c);
  // The exact Girsanov terms of the law (do not depend on the score model).
  const GirsanovTerms gc = girsanov_terms(f, a, 8, 64), gf = girsanov_terms(f, a, 12, 96);
  ev.girsanov_init = gf.init, ev.girsanov_discretization = gf.discretization;
  ev.girsanov_error = std::fabs(gf.init - gc.init) + std::fabs(gf.discretization - gc.discretization);
  return ev;
}

}  // namespace

std::string Law1d::label() const {
  if (weights.size() == 1) return "gauss(m=" + shortest_decimal(means[0]) + ",s=" + shortest_decimal(sds[0]) + ")";
  return "mix" + std::to_string(weights.size());
}

double Law1d::second_moment() const { return to_mixture(*this).second_moment(); }

json law1d_to_json(const Law1d& l) { return json{{"weights", l.weights}, {"means", l.means}, {"sds", l.sds}}; }

Law1d law1d_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw ParamError(where + ": expected an object with weights, means, sds");
  reject_unknown_keys(j, where, {"weights", "means", "sds"});
  Law1d l;
  l.weights = numbers(j, "weights", where), l.means = numbers(j, "means", where), l.sds = numbers(j, "sds", where);
  if (l.weights.size() != l.means.size() || l.weights.size() != l.sds.size())
    throw ParamError(where + ": weights, means and sds must have the same length");
  if (l.weights.size() > 64) throw ParamError(where + ": at most 64 components");
  for (double w : l.weights)
    if (!(w > 0)) throw ParamError(where + ".weights: must be positive");
  for (double s : l.sds)
    if (!(s > 0)) throw ParamError(where + ".sds: must be positive");
  for (double m : l.means)
    if (!(std::fabs(m) <= 1e3)) throw ParamError(where + ".means: must lie in [-1000, 1000]");
  return l;
}

SamplerEvaluation evaluate_sampler(const Law1d& law, const NetworkScore& model, const std::vector<double>& sigma) {
  return evaluate(law, &model, sigma);
}

SamplerEvaluation evaluate_sampler_exact(const Law1d& law, const std::vector<double>& sigma) {
  return evaluate(law, nullptr, sigma);
}

Eigen::MatrixXd draw_law1d(const Law1d& law, int n, std::uint64_t seed) { return draw_mixture(to_mixture(law), n, seed); }

std::vector<double> score_error_routes(const Law1d& law, const NetworkScore& model, double sigma, int samples,
                                       std::uint64_t seed) {
  const IsoMixture f = to_mixture(law);
  GridOptions q;
  q.r_feature = 32;
  const double a = sigma * sigma;
  const double quad = score_error_1d(f, a, [&](const std::vector<double>& x, std::vector<double>& s) {
    model.evaluate_1d(x, sigma, s);
  }, q);
  const auto mc = score_error_mc(f, model, a, samples, seed);
  return {quad, mc.mean, mc.std_error};
}

}  // namespace diffbound::checks
