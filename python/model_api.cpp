// The model API of the Python module (issue 19, part 2): a score model from any framework, given as a Python
// callable score(x, sigma) -> numpy, evaluated by the suite's exact machinery on a 1-D or 2-D Gaussian
// mixture: the sampler's law propagated on grids (numerics/score_model_evaluation.hpp), the KL to the true
// marginal with its error estimate, the score errors ε_k² against the law's exact score, the exact Girsanov
// terms, and the VE bound with every constant derived (theory/sampling_bound_explicit.hpp) and the composed
// full.error bound with the committed fitted constants (theory/full_error.hpp).
//
// The result is a dict whose scalar entries carry the names of full.error's terms (KL, E_I, E_D, E_S, F_S,
// girsanov_*), so that a later Conjecture API can name its measured side by those names.
//
// Also here: the exact mixture score and draws (to write callbacks and training sets), and the suite's own
// C++ route on the suite's ReLU network (checks/full_error/sampler.cpp), to compare the two on one network.
#include "model_api.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/checks/params.hpp>

#include <diffbound/numerics/network_score.hpp>
#include <diffbound/numerics/nongaussian_data.hpp>
#include <diffbound/numerics/score_model_evaluation.hpp>
#include <diffbound/theory/full_error.hpp>
#include <diffbound/theory/judge.hpp>
#include <diffbound/theory/sampling_bound_explicit.hpp>
#include <diffbound/theory/schedules.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace diffbound;
using namespace diffbound::checks;

namespace diffbound::python {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

DataLaw law_of(const py::object& data) { return law_from_json(to_json(data), "data"); }

std::vector<double> levels_of(const py::object& schedule) {
  return noise_levels<double>(schedule_from_json(to_json(schedule), "schedule"));
}

void require_exponential_integrator(const std::string& step) {
  if (step_from_json(json(step), "step") != StepKind::exponential_integrator)
    throw ParamError(
        "step: the grid propagation implements the exponential integrator only (and the bounds are "
        "for it); got '" +
        step + "'");
}

/// Points as the callback sees them: (n,) in 1-D, (n, 2) in 2-D (a copy of the columns c0..c0+n−1 of X).
py::array_t<double> points_array(const Eigen::MatrixXd& X, Eigen::Index c0, Eigen::Index n) {
  const Eigen::Index d = X.rows();
  if (d == 1) {
    py::array_t<double> out(static_cast<py::ssize_t>(n));
    std::copy(X.data() + c0, X.data() + c0 + n, out.mutable_data());
    return out;
  }
  py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
  // Eigen is column-major: the columns of a d × M matrix are the C-order rows of an (M, d) array.
  std::copy(X.data() + c0 * d, X.data() + (c0 + n) * d, out.mutable_data());
  return out;
}

/// A Python score callable as the batch score model of numerics/score_model_evaluation.hpp: one call per
/// block of at most `block` points, score(x, sigma_k) -> array of the shape of x.
class CallbackScore {
 public:
  CallbackScore(py::object fn, std::vector<double> sigma, Eigen::Index block)
      : fn_(std::move(fn)), sigma_(std::move(sigma)), block_(block) {}

  void operator()(std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
    const Eigen::Index d = X.rows(), M = X.cols();
    S.resize(d, M);
    for (Eigen::Index c0 = 0; c0 < M; c0 += block_) {
      const Eigen::Index n = std::min(block_, M - c0);
      const auto t0 = Clock::now();
      py::object r = fn_(points_array(X, c0, n), sigma_[k]);
      seconds_ += seconds_since(t0);
      ++calls_, points_ += static_cast<double>(n);
      const auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(r);
      if (!arr) throw py::type_error("score: the callable must return an array of numbers (numpy)");
      const bool ok =
          d == 1 ? (arr.ndim() == 1 && arr.shape(0) == n) || (arr.ndim() == 2 && arr.shape(0) == n && arr.shape(1) == 1)
                 : arr.ndim() == 2 && arr.shape(0) == n && arr.shape(1) == d;
      if (!ok)
        throw py::value_error("score: returned an array of shape " + shape_text(arr) + " for points of shape " +
                              (d == 1 ? "(" + std::to_string(n) + ",)" : "(" + std::to_string(n) + ", 2)") +
                              "; it must have the shape of its input");
      const double* v = arr.data();
      for (Eigen::Index i = 0; i < n * d; ++i)
        if (!std::isfinite(v[i]))
          throw py::value_error("score: returned a non-finite value at sigma = " + shortest_decimal(sigma_[k]));
      std::copy(v, v + n * d, S.data() + c0 * d);
    }
  }

  long calls() const { return calls_; }
  double points() const { return points_; }
  double seconds() const { return seconds_; }

 private:
  static std::string shape_text(const py::array& a) {
    std::string s = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
  }
  py::object fn_;
  std::vector<double> sigma_;
  Eigen::Index block_;
  long calls_ = 0;
  double points_ = 0, seconds_ = 0;
};

py::array_t<double> vector_array(const std::vector<double>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

/// The sampler's law on its final grid with the true marginal p_δ on the same nodes.
py::dict law_dict(const ScoreModelEvaluation& ev, const IsoMixture& f) {
  py::dict out;
  const MixtureAtLevel P(f, ev.a.back());
  if (ev.dimension == 1) {
    py::array_t<double> x(static_cast<py::ssize_t>(ev.nx)), q(static_cast<py::ssize_t>(ev.nx)),
        p(static_cast<py::ssize_t>(ev.nx));
    for (std::size_t i = 0; i < ev.nx; ++i) {
      const double xi = ev.x0 + ev.h * static_cast<double>(i);
      x.mutable_data()[i] = xi, q.mutable_data()[i] = ev.q[i], p.mutable_data()[i] = std::exp(P.log_density_1d(xi));
    }
    out["x"] = x, out["q"] = q, out["p"] = p;
  } else {
    py::array_t<double> x(static_cast<py::ssize_t>(ev.nx)), y(static_cast<py::ssize_t>(ev.ny));
    py::array_t<double> q({static_cast<py::ssize_t>(ev.nx), static_cast<py::ssize_t>(ev.ny)}),
        p({static_cast<py::ssize_t>(ev.nx), static_cast<py::ssize_t>(ev.ny)});
    for (std::size_t i = 0; i < ev.nx; ++i) x.mutable_data()[i] = ev.x0 + ev.h * static_cast<double>(i);
    for (std::size_t j = 0; j < ev.ny; ++j) y.mutable_data()[j] = ev.y0 + ev.h * static_cast<double>(j);
    for (std::size_t i = 0; i < ev.nx; ++i)
      for (std::size_t j = 0; j < ev.ny; ++j) {
        const double pt[2] = {x.data()[i], y.data()[j]};
        q.mutable_data()[i * ev.ny + j] = ev.q[i * ev.ny + j];
        p.mutable_data()[i * ev.ny + j] = std::exp(P.log_density(pt));
      }
    out["x"] = x, out["y"] = y, out["q"] = q, out["p"] = p;
  }
  out["h"] = ev.h;
  return out;
}

void put_judgement(py::dict& d, double margin, double error) {
  const Judgement j = judge<double>(margin, error);
  d["verdict"] = std::string(to_string(j.verdict));
  d["reason"] = j.reason;
}

/// The flat result dict (names as full.error's terms) from an evaluation.
py::dict result_dict(const ScoreModelEvaluation& ev, const std::vector<double>& sigma) {
  const auto& a = ev.a;
  const double d = ev.dimension;
  py::dict out;
  out["dimension"] = ev.dimension;
  out["N"] = static_cast<int>(sigma.size());
  out["sigma"] = vector_array(sigma);
  const bool ok = ev.failure.empty();
  out["failure"] = ok ? py::object(py::none()) : py::object(py::str(ev.failure));
  out["KL"] = ev.kl, out["KL_coarse"] = ev.kl_coarse, out["KL_error"] = ok ? ev.kl_error : NAN;
  out["eps_sq"] = vector_array(ev.eps_sq), out["eps_sq_coarse"] = vector_array(ev.eps_sq_coarse);
  out["F_S"] = ev.score_form, out["F_S_error"] = ev.score_form_error;
  out["m2_squared"] = ev.m2;

  // The exact Girsanov right side (C_S = 1/2) against the KL.
  const double g_score = ev.score_form / 2, g_total = ev.girsanov_init + ev.girsanov_discretization + g_score;
  out["girsanov_init"] = ev.girsanov_init, out["girsanov_discretization"] = ev.girsanov_discretization;
  out["girsanov_score"] = g_score, out["girsanov_total"] = g_total;
  out["girsanov_error"] = ev.girsanov_error;

  // sampling.bound: every constant derived (theory/sampling_bound_explicit.hpp).
  const auto t = sampling_bound_explicit::bound(a, d, ev.m2, ev.score_form);
  out["E_I"] = t.init, out["E_D"] = t.discretization, out["E_S"] = t.score;
  out["E_D_steps"] = t.parts.steps, out["E_D_trace"] = t.parts.trace, out["x_max"] = t.parts.x_max;
  out["bound"] = t.total();
  const double margin = t.total() - ev.kl, margin_error = ev.kl_error + ev.score_form_error / 2;
  out["margin"] = margin, out["margin_error"] = margin_error;
  py::dict verdict;
  put_judgement(verdict, margin, margin_error);
  out["verdict"] = verdict["verdict"], out["reason"] = verdict["reason"];
  py::dict gir;
  put_judgement(gir, g_total - ev.kl, ev.kl_error + ev.girsanov_error + ev.score_form_error / 2);
  out["girsanov_margin"] = g_total - ev.kl, out["girsanov_verdict"] = gir["verdict"];

  // full.error's composed bound with the committed fitted constants (C_D, C_S [UNKNOWN] in the paper).
  const double C_D = sampling_bound::committed_CD(), C_S = sampling_bound::committed_CS();
  const auto cb = full_error::composed_bound<double>(a, d, ev.m2, ev.eps_sq, C_D, C_S);
  py::dict fe;
  fe["E_I"] = cb.terms.init, fe["E_D"] = cb.terms.discretization, fe["E_S"] = cb.terms.score;
  fe["total"] = cb.total(), fe["C_D"] = C_D, fe["C_S"] = C_S, fe["kappa"] = cb.forms.geometry.kappa;
  fe["margin"] = cb.total() - ev.kl;
  put_judgement(fe, cb.total() - ev.kl, ev.kl_error + C_S * ev.score_form_error);
  fe["provenance"] = "C_D, C_S fitted on Gaussian data (sampling.bound's calibration); the paper's are [UNKNOWN]";
  out["full_error"] = fe;
  return out;
}

py::dict sampler_law_py(const py::object& score, const py::object& data, const py::object& schedule,
                        const std::string& step, long block, bool with_law) {
  const auto t0 = Clock::now();
  if (!PyCallable_Check(score.ptr())) throw py::type_error("score: expected a callable score(x, sigma)");
  if (block < 1) throw ParamError("block: must be at least 1");
  require_exponential_integrator(step);
  const IsoMixture f = to_mixture(law_of(data));
  const std::vector<double> sigma = levels_of(schedule);
  CallbackScore model(score, sigma, static_cast<Eigen::Index>(block));
  const ScoreModelEvaluation ev = evaluate_score_model(f, sigma, model);
  py::dict out = result_dict(ev, sigma);
  if (with_law && ev.failure.empty()) out["law"] = law_dict(ev, f);
  py::dict diag;
  diag["score_calls"] = model.calls(), diag["score_points"] = model.points();
  diag["score_seconds"] = model.seconds(), diag["seconds"] = seconds_since(t0);
  diag["mass"] = ev.mass, diag["max_points"] = ev.max_points;
  diag["kernel_steps"] = ev.kernel_steps, diag["narrow_steps"] = ev.narrow_steps;
  out["diagnostics"] = diag;
  return out;
}

/// Reads points (n,) / (n, 1) in 1-D or (n, d) into a d × n matrix.
Eigen::MatrixXd points_of(const py::object& x, int d) {
  const auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(x);
  if (!arr) throw py::type_error("x: expected an array of numbers");
  const bool ok =
      d == 1 ? arr.ndim() == 1 || (arr.ndim() == 2 && arr.shape(1) == 1) : arr.ndim() == 2 && arr.shape(1) == d;
  if (!ok) throw py::value_error("x: expected shape (n,) for 1-D data or (n, 2) for 2-D data");
  const auto n = static_cast<Eigen::Index>(arr.shape(0));
  Eigen::MatrixXd X(d, n);
  std::copy(arr.data(), arr.data() + n * d, X.data());
  return X;
}

py::array_t<double> matrix_array(const Eigen::MatrixXd& S) { return points_array(S, 0, S.cols()); }

py::array_t<double> mixture_score_py(const py::object& data, const py::object& x, double sigma) {
  if (!(sigma > 0) || !std::isfinite(sigma)) throw ParamError("sigma: must be positive and finite");
  const IsoMixture f = to_mixture(law_of(data));
  const Eigen::MatrixXd X = points_of(x, f.d);
  const MixtureAtLevel L(f, sigma * sigma);
  Eigen::MatrixXd S(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.cols(); ++i) L.score(X.col(i).data(), S.col(i).data());
  return matrix_array(S);
}

py::array_t<double> mixture_log_density_py(const py::object& data, const py::object& x, double sigma) {
  if (!(sigma >= 0) || !std::isfinite(sigma)) throw ParamError("sigma: must be non-negative and finite");
  const IsoMixture f = to_mixture(law_of(data));
  const Eigen::MatrixXd X = points_of(x, f.d);
  const MixtureAtLevel L(f, sigma * sigma);
  py::array_t<double> out(static_cast<py::ssize_t>(X.cols()));
  for (Eigen::Index i = 0; i < X.cols(); ++i) out.mutable_data()[i] = L.log_density(X.col(i).data());
  return out;
}

py::array_t<double> draw_py(const py::object& data, long n, std::uint64_t seed) {
  if (n < 1 || n > 100000000) throw ParamError("n: must be in [1, 1e8]");
  return matrix_array(draw_law(law_of(data), static_cast<int>(n), seed));
}

/// full.error's training run at the smoke size (checks/full_error/full_error.cpp, base_training): width 32,
/// depth 2, raw inputs; DSM loss on 9 geometric levels in [0.02, 80] with the inv_sigma weighting; GD.
json default_training() {
  json network{{"width", 32}, {"depth", 2}, {"input_normalisation", "raw"}};
  json loss{{"grid", schedule_to_json(ScheduleSpec::geometric(9, 0.02, 80.0))}, {"weight", "inv_sigma"}};
  json gd{{"step_rel", 0.5}, {"max_steps", 200}};
  return json{{"network", network}, {"loss", loss}, {"gd", gd}};
}

/// The suite's ReLU score network (numerics/network_score.hpp), trained by the suite (full.error's route).
struct SuiteNetwork {
  TrainedNetwork trained;
  int dimension = 1;
};

py::array_t<double> mat_array(const Eigen::MatrixXd& M) {
  py::array_t<double> out({static_cast<py::ssize_t>(M.rows()), static_cast<py::ssize_t>(M.cols())});
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) out.mutable_data()[i * M.cols() + j] = M(i, j);
  return out;
}

std::shared_ptr<SuiteNetwork> train_network_py(const py::object& data, const py::object& training, long samples,
                                               std::uint64_t seed) {
  if (samples < 1 || samples > 100000) throw ParamError("samples: must be in [1, 100000]");
  const DataLaw law = law_of(data);
  json run = default_training();
  if (!training.is_none()) run.merge_patch(to_json(training));
  auto out = std::make_shared<SuiteNetwork>();
  out->dimension = law.dimension();
  const Eigen::MatrixXd x0 = draw_law(law, static_cast<int>(samples), mix64(seed ^ 0x7a11));
  out->trained = train_network(run, x0, mix64(seed ^ 0x0153), mix64(seed ^ 0x2e7));
  return out;
}

py::array_t<double> network_evaluate(const SuiteNetwork& n, const py::object& x, double sigma) {
  if (!(sigma > 0) || !std::isfinite(sigma)) throw ParamError("sigma: must be positive and finite");
  const Eigen::MatrixXd X = points_of(x, n.dimension);
  Eigen::MatrixXd S;
  n.trained.score->evaluate(X, sigma, S);
  return matrix_array(S);
}

py::dict network_weights(const SuiteNetwork& n) {
  const NetworkScore& s = *n.trained.score;
  py::dict out;
  out["A"] = mat_array(s.net.A), out["B"] = mat_array(s.net.B);
  py::list W;
  for (const auto& Wl : s.W) W.append(mat_array(Wl));
  out["W"] = W;
  const NetworkOptions& o = s.net.options;
  py::dict opt;
  opt["noise_feature"] = o.noise_feature, opt["noise_feature_scale"] = o.noise_feature_scale;
  opt["x_scaling"] = o.x_scaling, opt["sigma_data"] = o.sigma_data;
  opt["input_normalisation"] = o.input_normalisation, opt["output_scaling"] = o.output_scaling;
  out["options"] = opt;
  return out;
}

/// The suite's own C++ route (checks/full_error/sampler.cpp): the trained suite network, or the exact score.
py::dict suite_sampler_law_py(const py::object& data, const py::object& schedule,
                              const std::shared_ptr<SuiteNetwork>& network) {
  const DataLaw law = law_of(data);
  const std::vector<double> sigma = levels_of(schedule);
  if (network && network->dimension != law.dimension())
    throw ParamError("network: trained on " + std::to_string(network->dimension) + "-D data, the law is " +
                     std::to_string(law.dimension()) + "-D");
  const SamplerEvaluation se =
      network ? evaluate_sampler(law, *network->trained.score, sigma) : evaluate_sampler_exact(law, sigma);
  ScoreModelEvaluation ev;
  ev.dimension = law.dimension();
  for (double s : sigma) ev.a.push_back(s * s);
  ev.kl = se.failure.empty() ? se.kl : NAN, ev.kl_coarse = NAN, ev.kl_error = se.kl_error, ev.failure = se.failure;
  ev.eps_sq = se.eps_sq, ev.score_form = se.score_form, ev.score_form_error = se.eps_error;
  ev.girsanov_init = se.girsanov_init, ev.girsanov_discretization = se.girsanov_discretization;
  ev.girsanov_error = se.girsanov_error, ev.m2 = se.m2;
  return result_dict(ev, sigma);
}

}  // namespace

void register_model_api(py::module_& m) {
  m.def("sampler_law", &sampler_law_py, py::arg("score"), py::arg("data"), py::arg("schedule"),
        py::arg("step") = "exponential_integrator", py::arg("block") = 65536, py::arg("law") = true,
        "The VE exponential-integrator sampler that uses the score model score(x, sigma) -> scores (x of shape "
        "(n,) in 1-D or (n, 2) in 2-D, numpy; one call per level per block of at most `block` points), evaluated "
        "on the mixture `data` = {'weights', 'means', 'sds'}: its law on a grid, KL(p_delta || q_N) with its error "
        "estimate (two resolutions), eps_k^2 against the exact score, the exact Girsanov terms, the derived VE "
        "bound E_I + E_D + E_S with its verdict (sampling.bound) and full.error's composed bound.");
  m.def("mixture_score", &mixture_score_py, py::arg("data"), py::arg("x"), py::arg("sigma"),
        "The exact score grad log p_{sigma^2}(x) of the mixture noised to level sigma (x: (n,) or (n, 2)).");
  m.def("mixture_log_density", &mixture_log_density_py, py::arg("data"), py::arg("x"), py::arg("sigma") = 0.0,
        "log p_{sigma^2}(x) of the mixture noised to level sigma.");
  m.def("draw", &draw_py, py::arg("data"), py::arg("n"), py::arg("seed") = 0,
        "n draws of the mixture (shape (n,) or (n, 2)), reproducible from the seed (numerics/network_sampling.hpp).");

  py::class_<SuiteNetwork, std::shared_ptr<SuiteNetwork>>(
      m, "SuiteNetwork", "The suite's ReLU score network (numerics/relu_network.hpp), trained by full.error's route.")
      .def("__call__", &network_evaluate, py::arg("x"), py::arg("sigma"), "S(theta; sigma, x), evaluated in C++.")
      .def_property_readonly("weights", &network_weights,
                             "A, W (list), B and the input/output options: z = (x c_in, c log sigma, 1) for raw "
                             "inputs, h = relu(A z), h = relu(W_l h), S = (B h)/sigma.")
      .def_property_readonly("loss", [](const SuiteNetwork& n) { return n.trained.loss; })
      .def_property_readonly("dimension", [](const SuiteNetwork& n) { return n.dimension; });
  m.def("train_network", &train_network_py, py::arg("data"), py::arg("training") = py::none(), py::arg("samples") = 16,
        py::arg("seed") = 0,
        "Trains the suite's ReLU score network on `samples` draws of the mixture by GD on the DSM loss "
        "(training = {'network', 'loss', 'gd'} merged over full.error's smoke-size run).");
  m.def("suite_sampler_law", &suite_sampler_law_py, py::arg("data"), py::arg("schedule"),
        py::arg("network") = std::shared_ptr<SuiteNetwork>{},
        "The suite's own C++ route (full.error's evaluation) with the suite network or, without one, the exact "
        "score: the same entries as sampler_law without the law and diagnostics.");
}

}  // namespace diffbound::python
