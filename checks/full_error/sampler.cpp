// The sampler half of full.error / design.weighting (checks/full_error_common.hpp): the law of the VE
// exponential-integrator sampler that uses a trained network, propagated on a 1-D or 2-D grid at two
// resolutions (numerics/density_grid.hpp, numerics/density_grid_2d.hpp), the network's score errors along the
// forward process by quadrature at two resolutions, and the exact Girsanov terms of the law
// (theory/sampling_nongaussian.hpp).
#include <diffbound/checks/full_error/common.hpp>

#include <diffbound/numerics/density_grid.hpp>
#include <diffbound/numerics/density_grid_2d.hpp>
#include <diffbound/numerics/network_sampling.hpp>
#include <diffbound/theory/sampling_nongaussian.hpp>
#include <diffbound/theory/schedules.hpp>

#include <cmath>
#include <stdexcept>

namespace diffbound::checks {

// The file's helpers sit in a namespace of their own so that a unity build does not mix them with
// another check's; the definitions below belong to checks/full_error/common.hpp.
namespace full_error_sampler_detail {
namespace {

std::vector<double> numbers(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_array() || j.at(key).empty())
    throw ParamError(where + "." + key + ": expected a non-empty array of numbers");
  std::vector<double> out;
  for (const auto& v : j.at(key)) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw ParamError(where + "." + key + ": expected finite numbers");
    out.push_back(v.get<double>());
  }
  return out;
}

/// The Girsanov terms (init KL, discretization) of a law at one resolution.
struct GirsanovTerms {
  double init = 0, discretization = 0;
};

/// J(a) on Chebyshev nodes in ln a and the initialization KL, by the 1-D or the 2-D quadratures of the law.
GirsanovTerms girsanov_terms(const IsoMixture& f, const std::vector<double>& a, double r_feature, int nodes) {
  auto with = [&](auto o, auto fisher, auto init) {
    o.r_feature = r_feature;
    const ChebyshevInLog J([&](double x) { return fisher(f, x, o); }, a.back(), a.front(), nodes);
    return GirsanovTerms{init(f, a.front(), o), sampling_nongaussian::girsanov_discretization(a, J)};
  };
  if (f.d == 2) return with(GridOptions2d{}, fisher_information_2d, init_kl_2d);
  return with(GridOptions{}, fisher_information_1d, init_kl_1d);
}

/// ε_k² at the sampler's levels k = 0..N−2 from `err(k)` = {coarse, fine} quadratures, the score form
/// F_S = Σ_k Δ_k ε_k² (fine) and its two-resolution difference.
template <class Err>
void fill_score_errors(SamplerEvaluation& ev, const std::vector<double>& a, Err&& err) {
  double fs_c = 0, fs_f = 0;
  ev.eps_sq.assign(a.size() - 1, 0.0);
  for (std::size_t k = 0; k + 1 < a.size(); ++k) {
    const auto [ec, ef] = err(k);
    ev.eps_sq[k] = ef;
    fs_c += (a[k] - a[k + 1]) * ec, fs_f += (a[k] - a[k + 1]) * ef;
  }
  ev.score_form = fs_f;
  ev.eps_error = std::fabs(fs_f - fs_c);
}

/// The exact Girsanov terms (finer of two resolutions) and their difference.
void fill_girsanov(SamplerEvaluation& ev, const GirsanovTerms& gc, const GirsanovTerms& gf) {
  ev.girsanov_init = gf.init, ev.girsanov_discretization = gf.discretization;
  ev.girsanov_error = std::fabs(gf.init - gc.init) + std::fabs(gf.discretization - gc.discretization);
}

/// The 2-D evaluation: the same quantities on tensor grids (numerics/density_grid_2d.hpp).
SamplerEvaluation evaluate_2d(const IsoMixture& f, const NetworkScore* model, const std::vector<double>& sigma) {
  const std::vector<double> a = variances(sigma);
  SamplerEvaluation ev;
  ev.m2 = f.second_moment();
  const GridOptions2d coarse, fine = coarse.refined();
  try {
    Propagation2dResult c, r;
    if (model) {
      auto fn = [&](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) { model->evaluate(X, sigma[k], S); };
      c = propagate_kl_model_2d(f, a, fn, coarse);
      r = propagate_kl_model_2d(f, a, fn, fine);
    } else {
      c = propagate_kl_2d(f, a, 1.0, coarse);
      r = propagate_kl_2d(f, a, 1.0, fine);
    }
    ev.kl = r.kl;
    ev.kl_error = std::fabs(r.kl - c.kl) + 40 * std::max(r.skipped_mass, c.skipped_mass) +
                  2 * std::max(r.dropped_mass, c.dropped_mass) + 2 * std::max(r.tail_mass, c.tail_mass) +
                  std::max(r.narrow_mass_correction, c.narrow_mass_correction) + 1e-15 * std::fabs(r.kl);
  } catch (const std::runtime_error& e) {
    ev.failure = e.what();
  }
  GridOptions2d qc, qf;
  qc.r_feature = 8, qf.r_feature = 12;
  fill_score_errors(ev, a, [&](std::size_t k) {
    if (!model) return std::pair<double, double>{0, 0};
    auto fn = [&](const Eigen::MatrixXd& X, Eigen::MatrixXd& S) { model->evaluate(X, sigma[k], S); };
    return std::pair{score_error_2d(f, a[k], fn, qc), score_error_2d(f, a[k], fn, qf)};
  });
  fill_girsanov(ev, girsanov_terms(f, a, 6, 48), girsanov_terms(f, a, 9, 72));
  return ev;
}

SamplerEvaluation evaluate(const DataLaw& law, const NetworkScore* model, const std::vector<double>& sigma) {
  if (sigma.size() < 2) throw ParamError("schedule: need at least 2 noise levels");
  const IsoMixture f = to_mixture(law);
  if (f.d == 2) return evaluate_2d(f, model, sigma);
  if (f.d != 1) throw ParamError("law: the grid propagation is 1-D or 2-D");
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
  GridOptions qc, qf;
  qc.r_feature = 16, qf.r_feature = 32;
  fill_score_errors(ev, a, [&](std::size_t k) {
    if (!model) return std::pair<double, double>{0, 0};
    auto fn = [&](const std::vector<double>& x, std::vector<double>& s) { model->evaluate_1d(x, sigma[k], s); };
    return std::pair{score_error_1d(f, a[k], fn, qc), score_error_1d(f, a[k], fn, qf)};
  });
  // The exact Girsanov terms of the law (do not depend on the score model).
  fill_girsanov(ev, girsanov_terms(f, a, 8, 64), girsanov_terms(f, a, 12, 96));
  return ev;
}

}  // namespace
}  // namespace full_error_sampler_detail
using namespace full_error_sampler_detail;

DataLaw DataLaw::line(std::vector<double> w, const std::vector<double>& m, std::vector<double> s) {
  DataLaw l;
  l.weights = std::move(w), l.sds = std::move(s);
  for (double x : m) l.means.push_back({x});
  return l;
}

std::string DataLaw::label() const {
  if (dimension() == 1) {
    if (weights.size() == 1) return "gauss(m=" + shortest_decimal(means[0][0]) + ",s=" + shortest_decimal(sds[0]) + ")";
    return "mix" + std::to_string(weights.size());
  }
  const std::string dim = std::to_string(dimension()) + "d";
  if (weights.size() == 1) {
    std::string m;
    for (double x : means[0]) m += (m.empty() ? "" : ",") + shortest_decimal(x);
    return "gauss" + dim + "(m=(" + m + "),s=" + shortest_decimal(sds[0]) + ")";
  }
  return "mix" + std::to_string(weights.size()) + "_" + dim;
}

double DataLaw::second_moment() const { return to_mixture(*this).second_moment(); }

IsoMixture to_mixture(const DataLaw& l) {
  IsoMixture f;
  f.d = l.dimension();
  f.w = l.weights, f.m = l.means;
  for (double s : l.sds) f.v.push_back(s * s);
  double sw = 0;
  for (double w : f.w) sw += w;
  for (double& w : f.w) w /= sw;
  f.validate();
  return f;
}

json law_to_json(const DataLaw& l) {
  json means = json::array();
  for (const auto& m : l.means) means.push_back(l.dimension() == 1 ? json(m[0]) : json(m));
  return json{{"weights", l.weights}, {"means", means}, {"sds", l.sds}};
}

DataLaw law_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw ParamError(where + ": expected an object with weights, means, sds");
  reject_unknown_keys(j, where, {"weights", "means", "sds"});
  DataLaw l;
  l.weights = numbers(j, "weights", where), l.sds = numbers(j, "sds", where);
  if (!j.contains("means") || !j.at("means").is_array() || j.at("means").empty())
    throw ParamError(where + ".means: expected a non-empty array (numbers in 1-D, pairs [x, y] in 2-D)");
  const json& mj = j.at("means");
  const bool points = mj.front().is_array();
  for (const auto& m : mj) {
    std::vector<double> x;
    if (points) {
      if (!m.is_array() || m.size() != mj.front().size())
        throw ParamError(where + ".means: every mean must be a point of the same dimension");
      for (const auto& v : m) {
        if (!v.is_number() || !std::isfinite(v.get<double>()))
          throw ParamError(where + ".means: expected finite numbers");
        x.push_back(v.get<double>());
      }
    } else {
      if (!m.is_number() || !std::isfinite(m.get<double>()))
        throw ParamError(where + ".means: expected finite numbers (1-D) or pairs [x, y] (2-D)");
      x.push_back(m.get<double>());
    }
    l.means.push_back(std::move(x));
  }
  if (l.dimension() < 1 || l.dimension() > 2)
    throw ParamError(where + ".means: the grid propagation is 1-D or 2-D (means are numbers or pairs)");
  if (l.weights.size() != l.means.size() || l.weights.size() != l.sds.size())
    throw ParamError(where + ": weights, means and sds must have the same length");
  if (l.weights.size() > 64) throw ParamError(where + ": at most 64 components");
  for (double w : l.weights)
    if (!(w > 0)) throw ParamError(where + ".weights: must be positive");
  for (double s : l.sds)
    if (!(s > 0)) throw ParamError(where + ".sds: must be positive");
  for (const auto& m : l.means)
    for (double x : m)
      if (!(std::fabs(x) <= 1e3)) throw ParamError(where + ".means: must lie in [-1000, 1000]");
  return l;
}

SamplerEvaluation evaluate_sampler(const DataLaw& law, const NetworkScore& model, const std::vector<double>& sigma) {
  return evaluate(law, &model, sigma);
}

SamplerEvaluation evaluate_sampler_exact(const DataLaw& law, const std::vector<double>& sigma) {
  return evaluate(law, nullptr, sigma);
}

Eigen::MatrixXd draw_law(const DataLaw& law, int n, std::uint64_t seed) {
  return draw_mixture(to_mixture(law), n, seed);
}

std::vector<double> score_error_routes(const DataLaw& law, const NetworkScore& model, double sigma, int samples,
                                       std::uint64_t seed) {
  const IsoMixture f = to_mixture(law);
  const double a = sigma * sigma;
  double quad = 0;
  if (f.d == 2) {
    GridOptions2d q;
    q.r_feature = 12;
    quad = score_error_2d(
        f, a, [&](const Eigen::MatrixXd& X, Eigen::MatrixXd& S) { model.evaluate(X, sigma, S); }, q);
  } else {
    GridOptions q;
    q.r_feature = 32;
    quad = score_error_1d(
        f, a, [&](const std::vector<double>& x, std::vector<double>& s) { model.evaluate_1d(x, sigma, s); }, q);
  }
  const auto mc = score_error_mc(f, model, a, samples, seed);
  return {quad, mc.mean, mc.std_error};
}

}  // namespace diffbound::checks
