// The Python module `diffbound`: the schedules, the exact Gaussian sampler and the encoded bounds, for
// notebooks; the model API (a score model from any framework on the suite's grids) is python/model_api.cpp, the
// conjecture API (a bound written in Python, falsified and judged by the suite) python/conjecture.cpp. Parameters
// are the same JSON-like dicts the command line and config files use; results in double are floats, in mpfr/mpfi dicts
// {lo, hi, mid, text} (an outward-rounded enclosure, the value rounded to nearest, and the full-precision text).
#include "model_api.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <diffbound/checks/bounds.hpp>
#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/results/version.hpp>

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>

namespace py = pybind11;
using namespace diffbound;
using namespace diffbound::checks;

namespace {

using diffbound::python::to_json;
using diffbound::python::to_python;

template <class Real>
py::object value(const Real& x) {
  if constexpr (std::is_same_v<Real, double>) {
    return py::float_(x);
  } else {
    return to_python(json(Quantity::of(x)));
  }
}

/// Runs body<Real>() at the requested scalar kind and precision.
template <class Body>
py::object at_scalar(const std::string& scalar, unsigned precision, Body&& body) {
  PrecisionScope scope(precision);
  return with_scalar(scalar_kind_from_string(scalar), std::forward<Body>(body));
}

py::object noise_levels_py(const py::object& schedule, const std::string& scalar, unsigned precision) {
  const auto spec = schedule_from_json(to_json(schedule));
  return at_scalar(scalar, precision, [&]<class Real>() -> py::object {
    py::list out;
    for (const auto& s : noise_levels<Real>(spec)) out.append(value(s));
    return out;
  });
}

StepKind step_of(const std::string& s) { return step_from_json(json(s), "step"); }

py::object sampler_kl_py(const py::object& data, const py::object& schedule, const py::object& score,
                         const std::string& step, const std::string& scalar, unsigned precision) {
  const auto d = data_from_json(to_json(data));
  const auto sched = schedule_from_json(to_json(schedule));
  const auto sc = score.is_none() ? ScoreErrorSpec{} : score_from_json(to_json(score));
  const StepKind kind = step_of(step);
  return at_scalar(scalar, precision, [&]<class Real>() -> py::object {
    return value(sampler_kl(make_data<Real>(d), variances(noise_levels<Real>(sched)), sc.template make<Real>(), kind));
  });
}

py::object sampler_moments_py(double lambda, double mu, const py::object& schedule, double c, double b,
                              const std::string& step) {
  const auto sched = schedule_from_json(to_json(schedule));
  const auto mm = final_moments(GaussianMode<double>{lambda, mu, 1}, variances(noise_levels<double>(sched)),
                                AffineScoreError<double>{c, b}, step_of(step));
  py::dict out;
  out["mean"] = mu + mm.mean_offset;
  out["variance"] = mm.variance();
  out["true_variance"] = mm.true_variance;
  return out;
}

py::object girsanov_terms_py(const py::object& data, const py::object& schedule, const py::object& score,
                             const std::string& scalar, unsigned precision) {
  const auto d = data_from_json(to_json(data));
  const auto sched = schedule_from_json(to_json(schedule));
  const auto sc = score.is_none() ? ScoreErrorSpec{} : score_from_json(to_json(score));
  return at_scalar(scalar, precision, [&]<class Real>() -> py::object {
    const auto t =
        sampling_girsanov::bound(make_data<Real>(d), variances(noise_levels<Real>(sched)), sc.template make<Real>());
    py::dict out;
    out["init"] = value(t.init);
    out["discretization"] = value(t.discretization);
    out["score"] = value(t.score);
    out["total"] = value(Real(t.total()));
    return out;
  });
}

py::list bounds_py() {
  py::list out;
  for (const auto* b : BoundRegistry::instance().all()) {
    py::dict d;
    d["id"] = b->id();
    d["title"] = b->title();
    d["defaults"] = to_python(b->defaults());
    py::dict help;
    for (const auto& [k, v] : b->parameter_help()) help[py::str(k)] = v;
    d["parameters"] = help;
    out.append(d);
  }
  return out;
}

py::list evaluate_bound_py(const std::string& id, const py::object& params, const std::string& scalar,
                           unsigned precision) {
  const BoundEvaluator* b = BoundRegistry::instance().find(id);
  if (!b) throw py::key_error("unknown bound '" + id + "'");
  json p = b->defaults();
  p.merge_patch(to_json(params));
  PrecisionScope scope(precision);
  py::list out;
  for (const auto& t : b->evaluate(p, scalar_kind_from_string(scalar))) {
    py::dict d;
    d["name"] = t.name;
    d["value"] = to_python(json(t.value));
    d["provenance"] = t.provenance;
    d["paper_tag"] = t.paper_tag;
    d["claim"] = t.claim;
    d["constants"] = to_python(json(t.constants));
    d["description"] = t.description;
    out.append(d);
  }
  return out;
}

py::list checks_py() {
  py::list out;
  for (const Check* c : Registry::instance().all()) {
    const auto claim = c->claim();
    py::dict d;
    d["id"] = claim.id;
    d["title"] = claim.title;
    d["statement"] = claim.statement;
    d["statement_tex"] = claim.statement_tex;
    d["source"] = claim.source;
    d["paper_tag"] = claim.paper_tag;
    out.append(d);
  }
  return out;
}

/// A check's case parameters (its ParamSchema): name, type, default, lo, hi, choices, help (and required,
/// lo_open, hi_open, only_for).
py::list parameters_py(const std::string& check_id) {
  const Check* c = Registry::instance().find(check_id);
  if (!c) throw py::key_error("unknown check '" + check_id + "'");
  py::list out;
  for (const auto& e : schema_to_json(c->parameters())) out.append(to_python(e));
  return out;
}

}  // namespace

PYBIND11_MODULE(diffbound, m) {
  m.doc() =
      "diffbound: schedules, the exact Gaussian VE sampler and the encoded bounds of arXiv 2406.12839.\n"
      "Parameters are dicts as in the command line's JSON (e.g. {'kind': 'edm', 'n_levels': 18,\n"
      "'sigma_min': 0.002, 'sigma_max': 80, 'rho': 7}); scalar is 'double', 'mpfr' or 'mpfi'.";
  // Bad parameters raise ValueError with the field named (ParamError is a std::invalid_argument).
  m.def("noise_levels", &noise_levels_py, py::arg("schedule"), py::arg("scalar") = "double", py::arg("precision") = 128,
        "Noise levels sigma_0 > ... > sigma_{N-1} of a schedule dict (kind edm|geometric|song_ve|vp|user).");
  m.def("sampler_kl", &sampler_kl_py, py::arg("data"), py::arg("schedule"), py::arg("score") = py::none(),
        py::arg("step") = "exponential_integrator", py::arg("scalar") = "double", py::arg("precision") = 128,
        "Exact KL(p_delta || sampler) for Gaussian data (PAPER §6.1); data = {'spectrum': 'isotropic', "
        "'dimension': d, 'scale': lambda, 'mean': mu}, score = {'c': 1, 'b': 0}.");
  m.def("sampler_moments", &sampler_moments_py, py::arg("lam"), py::arg("mu"), py::arg("schedule"), py::arg("c") = 1.0,
        py::arg("b") = 0.0, py::arg("step") = "exponential_integrator",
        "Mean and variance of the sampler's output along one direction (double).");
  m.def("girsanov_terms", &girsanov_terms_py, py::arg("data"), py::arg("schedule"), py::arg("score") = py::none(),
        py::arg("scalar") = "double", py::arg("precision") = 128,
        "The Girsanov bound's init, discretization and score terms and their total (PAPER §6.2).");
  m.def("bounds", &bounds_py, "The encoded bounds: id, title, default parameters, parameter help.");
  m.def("evaluate_bound", &evaluate_bound_py, py::arg("id"), py::arg("params") = py::none(), py::arg("scalar") = "mpfi",
        py::arg("precision") = 128,
        "Terms of an encoded bound with their provenance; params are merged over the bound's defaults.");
  m.def("checks", &checks_py, "The registered checks with their claims and sources.");
  m.def("parameters", &parameters_py, py::arg("check_id"),
        "A check's case parameters: a list of dicts with name, type, default (None: required or optional), lo, hi "
        "(None: unbounded), choices, help, required, lo_open, hi_open and only_for (the discriminator's values).");
  diffbound::python::register_model_api(m);
  diffbound::python::register_conjecture_api(m);
  m.attr("__version__") = std::string(diffbound::version::string);
  m.attr("__commit__") = std::string(diffbound::version::commit);
}
