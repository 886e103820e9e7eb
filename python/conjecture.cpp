// The conjecture API of the Python module (issue 19, part 1): a bound written in Python, held against one of the
// suite's exact quantities over a hypothesis domain declared in the checks' vocabulary, searched by the suite's
// falsifier (checks/falsify.hpp) and judged by the suite's verdict rule.
//
//   diffbound.Conjecture(id, domain, bound, measured=..., arithmetic=...)
//       A Check (checks/check.hpp) whose run_case computes the measured side with the suite's machinery and calls
//       bound(case, m) back in Python, m the mpmath context of the run's scalar: mpmath.iv for MPFI, mpmath.mp
//       for MPFR, mpmath.fp for double. The case's numbers (levels, variances, spectrum, m₂², c, b) reach the
//       callable exactly: an MPFI enclosure becomes the iv interval with the same end points, an MPFR value the
//       mpf with the same bits. The callable's result comes back the same way (an iv interval is rounded
//       outward to the working precision), so a VERIFIED verdict is an interval proof of bound − measured > 0.
//   diffbound.falsify(c, budget=, seed=)   checks/falsify.hpp on that Check (Sobol starts, Nelder–Mead, shrinking)
//   diffbound.check(c, cases, out=)        verdicts (checks/dispatch.hpp's with_scalar_safe for the point kinds:
//                                          a point verdict never contradicts the interval one), results.jsonl
//
// Measured sides (the names of the model API's result dict, python/model_api.cpp):
//   Gaussian data (exact, in the run's scalar): KL (PAPER §6.1's recursion), girsanov_init, girsanov_discretization,
//     girsanov_score, girsanov_total (theory/sampling_girsanov.hpp, PAPER §6.2);
//   two-component Gaussian mixtures in 1-D or 2-D (double, with an error estimate: HOLDS at best): the same names,
//     by grid propagation and quadrature (numerics/score_model_evaluation.hpp).
#include "model_api.hpp"

#include <pybind11/eval.h>
#include <pybind11/stl.h>

#include <diffbound/checks/check.hpp>
#include <diffbound/checks/dispatch.hpp>
#include <diffbound/checks/falsify.hpp>
#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/checks/runtime.hpp>
#include <diffbound/checks/sampling/common.hpp>
#include <diffbound/results/files.hpp>
#include <diffbound/results/schema.hpp>
#include <diffbound/results/version.hpp>

#include <diffbound/numerics/gaussian_data.hpp>
#include <diffbound/numerics/gaussian_sampler.hpp>
#include <diffbound/numerics/nongaussian_data.hpp>
#include <diffbound/numerics/score_model_evaluation.hpp>
#include <diffbound/theory/sampling_girsanov.hpp>
#include <diffbound/theory/schedules.hpp>

#include <fmt/format.h>
#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>
#include <boost/version.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace diffbound;
using namespace diffbound::checks;

namespace diffbound::python {

namespace {

// ---------------------------------------------------------------------------------------------
// mpmath <-> MPFR / MPFI, exactly

/// mpmath's contexts and raw-number helpers, imported once (kept for the life of the interpreter).
struct Mpmath {
  py::object fp, mp, iv, from_man_exp, namespace_type;
  static const Mpmath& get() {
    static const Mpmath* m = [] {
      py::module_ mpmath;
      try {
        mpmath = py::module_::import("mpmath");
      } catch (py::error_already_set&) {
        throw std::runtime_error(
            "the conjecture API needs mpmath (Debian: apt-get install python3-mpmath); it evaluates bounds in its "
            "iv, mp and fp contexts");
      }
      auto* out = new Mpmath;
      out->fp = mpmath.attr("fp"), out->mp = mpmath.attr("mp"), out->iv = mpmath.attr("iv");
      out->from_man_exp = py::module_::import("mpmath.libmp").attr("from_man_exp");
      out->namespace_type = py::module_::import("types").attr("SimpleNamespace");
      return out;
    }();
    return *m;
  }
};

/// A GMP integer as a Python int (through its hexadecimal text: exact).
py::object py_int(mpz_srcptr z) {
  char* s = mpz_get_str(nullptr, 16, z);
  py::object v = py::reinterpret_steal<py::object>(PyLong_FromString(s, nullptr, 16));
  void (*free_fn)(void*, std::size_t) = nullptr;
  mp_get_memory_functions(nullptr, nullptr, &free_fn);
  free_fn(s, std::strlen(s) + 1);
  if (!v) throw py::error_already_set();
  return v;
}

/// An MPFR number as mpmath's raw tuple (sign, man, exp, bc), exactly.
py::object mpf_tuple(mpfr_srcptr x) {
  const auto& M = Mpmath::get();
  if (mpfr_nan_p(x)) return py::make_tuple(0, 0, -123, -1);
  if (mpfr_inf_p(x)) return mpfr_sgn(x) > 0 ? py::make_tuple(0, 0, -456, -2) : py::make_tuple(1, 0, -789, -3);
  if (mpfr_zero_p(x)) return py::make_tuple(0, 0, 0, 0);
  mpz_t z;
  mpz_init(z);
  const mpfr_exp_t e = mpfr_get_z_2exp(z, x);
  py::object man = py_int(z);
  mpz_clear(z);
  return M.from_man_exp(man, static_cast<long>(e));
}

/// mpmath's raw tuple into `out` (re-initialised to the tuple's bit count): exact.
void mpfr_of_tuple(mpfr_ptr out, const py::handle& t) {
  const auto tup = py::reinterpret_borrow<py::tuple>(t);
  const int sign = tup[0].cast<int>();
  const py::object man = tup[1];
  const long bc = tup[3].cast<long>();
  if (man.cast<py::int_>().equal(py::int_(0))) {
    const long e = tup[2].cast<long>();
    if (e == 0 && bc == 0)
      mpfr_set_zero(out, 1);
    else if (e == -123)
      mpfr_set_nan(out);
    else
      mpfr_set_inf(out, sign ? -1 : 1);
    return;
  }
  const std::string hex = py::str(py::module_::import("builtins").attr("format")(man, "x"));
  mpz_t z;
  mpz_init_set_str(z, hex.c_str(), 16);
  mpfr_set_prec(out, std::max<mpfr_prec_t>(static_cast<mpfr_prec_t>(bc), MPFR_PREC_MIN));
  const py::object exp = tup[2];
  mpfr_set_z_2exp(out, z, exp.cast<long>(), MPFR_RNDN);  // exact: the precision holds all bc bits
  mpz_clear(z);
  if (sign) mpfr_neg(out, out, MPFR_RNDN);
}

/// Sets mpmath's mp and iv precision for a scope (mpmath's iv has no workprec).
class MpmathPrecision {
 public:
  explicit MpmathPrecision(unsigned bits) {
    const auto& M = Mpmath::get();
    old_mp_ = M.mp.attr("prec").cast<long>(), old_iv_ = M.iv.attr("prec").cast<long>();
    M.mp.attr("prec") = bits, M.iv.attr("prec") = bits;
  }
  ~MpmathPrecision() {
    const auto& M = Mpmath::get();
    M.mp.attr("prec") = old_mp_, M.iv.attr("prec") = old_iv_;
  }
  MpmathPrecision(const MpmathPrecision&) = delete;
  MpmathPrecision& operator=(const MpmathPrecision&) = delete;

 private:
  long old_mp_ = 53, old_iv_ = 53;
};

/// The mpmath context of a scalar type: fp (double), mp (MPFR), iv (MPFI).
template <class Real>
py::object context_of() {
  const auto& M = Mpmath::get();
  if constexpr (std::is_same_v<Real, double>)
    return M.fp;
  else if constexpr (std::is_same_v<Real, mpfr_real>)
    return M.mp;
  else
    return M.iv;
}

/// A value of the scalar type as a number of its mpmath context, exactly.
template <class Real>
py::object to_context(const Real& x) {
  const auto& M = Mpmath::get();
  if constexpr (std::is_same_v<Real, double>) {
    return py::float_(x);
  } else if constexpr (std::is_same_v<Real, mpfr_real>) {
    return M.mp.attr("make_mpf")(mpf_tuple(x.backend().data()));
  } else {
    const auto* v = x.backend().data();
    return M.iv.attr("make_mpf")(py::make_tuple(mpf_tuple(&v->left), mpf_tuple(&v->right)));
  }
}

template <class Real>
const char* arithmetic_name() {
  if constexpr (std::is_same_v<Real, double>)
    return "fp (double)";
  else if constexpr (std::is_same_v<Real, mpfr_real>)
    return "mp (MPFR)";
  else
    return "iv (MPFI)";
}

/// The callable's result as a value of the scalar type. An iv interval becomes the MPFI interval with the same
/// end points rounded outward; in interval arithmetic anything but an interval or an int is an error (a float or
/// an mpf carries no enclosure), in mp arithmetic a float is an error (its rounding would escape the estimate).
template <class Real>
Real from_context(const py::handle& v, const std::string& what) {
  const bool is_interval = py::hasattr(v, "_mpi_"), is_mpf = py::hasattr(v, "_mpf_");
  const bool is_int = PyLong_Check(v.ptr()) && !PyBool_Check(v.ptr());
  const bool is_float = PyFloat_Check(v.ptr());
  const std::string type_name = py::str(py::type::of(v).attr("__name__"));
  auto bad = [&](const std::string& why) {
    return py::type_error(what + " returned " + type_name + " in " + arithmetic_name<Real>() + " arithmetic: " + why);
  };
  Real out;
  if (is_int) {
    if constexpr (std::is_same_v<Real, double>)
      out = v.cast<double>();
    else
      out = Real(std::string(py::str(v)));  // exact (MPFR rounds to nearest, MPFI encloses)
  } else if constexpr (std::is_same_v<Real, mpfi_real>) {
    if (!is_interval)
      throw bad(
          "an enclosure needs an mpmath iv interval (compute with the context m the callable receives; "
          "a float or mpf carries no enclosure)");
    mpfr_t lo, hi;
    mpfr_inits2(MPFR_PREC_MIN, lo, hi, static_cast<mpfr_ptr>(nullptr));
    const py::tuple ends = v.attr("_mpi_");
    mpfr_of_tuple(lo, ends[0]);
    mpfr_of_tuple(hi, ends[1]);
    mpfi_interv_fr(out.backend().data(), lo, hi);  // rounded outward to the working precision
    mpfr_clears(lo, hi, static_cast<mpfr_ptr>(nullptr));
  } else {
    if (is_interval) throw bad("an interval outside interval arithmetic (use the context m the callable receives)");
    if (is_mpf) {
      mpfr_t x;
      mpfr_init2(x, MPFR_PREC_MIN);
      mpfr_of_tuple(x, v.attr("_mpf_"));
      if constexpr (std::is_same_v<Real, double>)
        out = mpfr_get_d(x, MPFR_RNDN);
      else
        mpfr_set(out.backend().data(), x, MPFR_RNDN);
      mpfr_clear(x);
    } else if (is_float) {
      if constexpr (std::is_same_v<Real, mpfr_real>)
        throw bad("a float in multiprecision arithmetic (compute with the context m the callable receives)");
      else
        out = v.cast<double>();
    } else {
      throw bad("expected a number of the context m (mpmath iv, mp or fp)");
    }
  }
  if (!is_finite(out)) throw std::domain_error(what + " is not finite: " + to_text(out, 6));
  return out;
}

/// A Python exception in the user's callable that is a programming error (TypeError, NameError, ...): it stops a
/// search at once, with the user's traceback. Not a std::exception, so that no catch-all of the suite takes it.
struct UserError {
  std::exception_ptr error;
};

/// Calls a user callable; ValueError and ArithmeticError (a point where the formula is undefined) become a
/// std::domain_error (an infeasible point for the falsifier, a failed case for check); anything else a UserError.
py::object call_user(const py::object& fn, const py::object& a, const py::object& b, const std::string& what) {
  try {
    return fn(a, b);
  } catch (py::error_already_set& e) {
    if (e.matches(PyExc_ValueError) || e.matches(PyExc_ArithmeticError))
      throw std::domain_error(what + " raised " + std::string(e.what()));
    throw UserError{std::current_exception()};
  }
}

// ---------------------------------------------------------------------------------------------
// The measured sides

enum class Measured { kl, init, discretization, score, total };

struct MeasuredInfo {
  Measured kind;
  const char* name;
  const char* text;
  const char* tex;
};
const MeasuredInfo kMeasured[] = {
    {Measured::kl, "KL", "KL(p_delta || q_N), the sampler's output law against the true marginal",
     "\\mathrm{KL}(p_\\delta \\,\\|\\, q_N)"},
    {Measured::init, "girsanov_init", "KL(p_{a_0} || N(0, a_0 I)), the initialization term",
     "\\mathrm{KL}(p_{a_0} \\,\\|\\, \\mathcal{N}(0, a_0 I))"},
    {Measured::discretization, "girsanov_discretization",
     "1/2 sum_k int_{a_{k+1}}^{a_k} (J(a) - J(a_k)) da, the Girsanov discretization term",
     "\\tfrac12 \\sum_k \\int_{a_{k+1}}^{a_k} (J(a) - J(a_k))\\, da"},
    {Measured::score, "girsanov_score", "1/2 sum_k Delta_k eps_k^2, the Girsanov score term",
     "\\tfrac12 \\sum_k \\Delta_k \\varepsilon_k^2"},
    {Measured::total, "girsanov_total", "init + discretization + score: the Girsanov right side (the path KL)",
     "\\mathrm{KL}(p_{a_0} \\| \\mathcal{N}) + \\tfrac12 \\sum_k \\int (J(a) - J(a_k))\\,da + \\tfrac12 \\sum_k "
     "\\Delta_k \\varepsilon_k^2"},
};

const MeasuredInfo& measured_info(Measured m) {
  for (const auto& i : kMeasured)
    if (i.kind == m) return i;
  throw std::logic_error("unknown measured side");
}

Measured measured_of(const std::string& s) {
  std::string names;
  for (const auto& i : kMeasured) {
    if (s == i.name) return i.kind;
    names += (names.empty() ? "" : ", ") + std::string(i.name);
  }
  throw ParamError("measured: '" + s + "' is not one of the suite's exact quantities (" + names + ")");
}

// ---------------------------------------------------------------------------------------------
// A case's parameters: Gaussian data (checks/params.hpp) or a mixture law (full.error's vocabulary)

struct CaseParams {
  bool mixture = false;
  GaussianDataSpec gauss;
  DataLaw law;
  ScheduleSpec schedule;
  ScoreErrorSpec score;
};

CaseParams read_case(const json& p) {
  reject_unknown_keys(p, "", {"data", "schedule", "score"});
  CaseParams c;
  const json& d = get_object(p, "data", "");
  c.mixture = d.contains("weights");
  if (c.mixture)
    c.law = law_from_json(d, "data");
  else
    c.gauss = data_from_json(d, "data");
  c.schedule = schedule_from_json(get_object(p, "schedule", ""), "schedule");
  c.score = p.contains("score") ? score_from_json(get_object(p, "score", ""), "score") : ScoreErrorSpec{};
  if (c.mixture && c.law.dimension() > 2)
    throw ParamError("data: a mixture law is propagated on the suite's 1-D or 2-D grids; got dimension " +
                     std::to_string(c.law.dimension()));
  return c;
}

/// The measured side of a mixture case: a double with its error estimate (grid and quadrature differences).
struct MixtureMeasure {
  double value = 0, error = 0;
  ScoreModelEvaluation ev;
};

MixtureMeasure measure_mixture(const CaseParams& p, Measured m) {
  const IsoMixture f = to_mixture(p.law);
  const std::vector<double> sigma = noise_levels<double>(p.schedule);
  auto exact = exact_score_model(f, sigma);
  const double c = p.score.c, b = p.score.b;
  auto model = [&](std::size_t k, const Eigen::MatrixXd& X, Eigen::MatrixXd& S) {
    exact(k, X, S);
    S = (c * S).array() + b;
  };
  MixtureMeasure out;
  out.ev = evaluate_score_model(f, sigma, model);
  const auto& ev = out.ev;
  if (!ev.failure.empty()) throw std::runtime_error("the grid propagation failed: " + ev.failure);
  switch (m) {
    case Measured::kl:
      out.value = ev.kl, out.error = ev.kl_error;
      break;
    case Measured::init:
      out.value = ev.girsanov_init, out.error = ev.girsanov_error;
      break;
    case Measured::discretization:
      out.value = ev.girsanov_discretization, out.error = ev.girsanov_error;
      break;
    case Measured::score:
      out.value = ev.score_form / 2, out.error = ev.score_form_error / 2;
      break;
    case Measured::total:
      out.value = ev.girsanov_init + ev.girsanov_discretization + ev.score_form / 2;
      out.error = ev.girsanov_error + ev.score_form_error / 2;
      break;
  }
  if (!std::isfinite(out.value)) throw std::runtime_error("the measured side is not finite");
  return out;
}

// ---------------------------------------------------------------------------------------------
// The domain, in the vocabulary of the sampling checks (checks/sampling/common.hpp)

/// The full vocabulary of the Gaussian sampling domain; its order is sampling_point's.
const SamplingDomainSpec kVocabularySpec{{"isotropic", "power_law", "dyadic"}, 256, 1e-10, 1e2, false, false, 64};

std::vector<DomainParam> mixture_data_params() {
  using S = DomainParam::Scale;
  return {{"data.dimension", S::integer, 1, 2, {}, "d (1 or 2: the suite's grids)"},
          {"data.w1", S::linear, 0.05, 0.95, {}, "weight of the first component (the second has 1 - w1)"},
          {"data.mu", S::linear, 0, 4, {}, "the components' means are -mu and +mu along the first axis"},
          {"data.sd", S::log, 0.05, 2, {}, "the components' standard deviation"}};
}

DomainParam sigma_min_param() {
  return {"schedule.sigma_min", DomainParam::Scale::log, 1e-4, 10, {}, "sigma_{N-1} (instead of schedule.log_span)"};
}

class UserDomain {
 public:
  static UserDomain parse(const json& j) {
    if (!j.is_object()) throw ParamError("domain: expected a dict {name: value, range or choices}");
    UserDomain u;
    if (j.contains("data.family")) {
      const json& fam = j.at("data.family");
      if (!fam.is_string() || (fam != "gaussian" && fam != "mixture"))
        throw ParamError("domain.data.family: expected 'gaussian' or 'mixture', got " + fam.dump());
      u.mixture_ = fam == "mixture";
    }
    u.vocabulary_ = vocabulary(u.mixture_);
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "data.family") continue;
      const DomainParam* p = u.find(it.key());
      if (!p) {
        std::string names = "data.family";
        for (const auto& q : u.vocabulary_) names += ", " + q.name;
        throw ParamError("domain." + it.key() + ": not a name of the " +
                         std::string(u.mixture_ ? "mixture" : "gaussian") + " domain (names: " + names + ")");
      }
      u.given_[it.key()] = it.value();
    }
    u.sigma_min_ = u.given_.count("schedule.sigma_min") > 0;
    if (u.sigma_min_ && u.given_.count("schedule.log_span"))
      throw ParamError("domain: give schedule.sigma_min or schedule.log_span, not both");
    u.build();
    return u;
  }

  bool mixture() const { return mixture_; }
  const std::vector<DomainParam>& searched() const { return searched_; }

  /// The case parameters of a point (one value per searched coordinate, choices by index).
  json make(const std::vector<double>& x) const {
    std::map<std::string, double> value = fixed_;
    std::map<std::string, std::string> choice = fixed_choice_;
    for (std::size_t i = 0; i < searched_.size(); ++i) {
      const auto& p = searched_[i];
      if (p.scale == DomainParam::Scale::choice)
        choice[p.name] = p.choices.at(static_cast<std::size_t>(x.at(i)));
      else
        value[p.name] = x.at(i);
    }
    // The point of the suite's sampling domain, in sampling_domain_params' order.
    const auto names = sampling_domain_params(kVocabularySpec);
    std::vector<double> full(names.size(), 0.0);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto& p = names[i];
      if (p.scale == DomainParam::Scale::choice) {
        const std::string c = choice.count(p.name) ? choice.at(p.name) : p.choices.front();
        full[i] = static_cast<double>(std::find(p.choices.begin(), p.choices.end(), c) - p.choices.begin());
      } else if (value.count(p.name)) {
        full[i] = value.at(p.name);
      } else {
        full[i] = p.lo;  // not part of this domain (e.g. the data coordinates of a mixture domain)
      }
      if (p.name == "schedule.log_span" && sigma_min_) {
        const double smax = value.at("schedule.sigma_max"), smin = value.at("schedule.sigma_min");
        if (!(smin < smax))
          throw ParamError("schedule.sigma_min: must be below schedule.sigma_max (" + shortest_decimal(smin) +
                           " >= " + shortest_decimal(smax) + ")");
        full[i] = std::log(smax / smin);
      }
    }
    const SamplingPoint sp = sampling_point(kVocabularySpec, full);
    json params{{"schedule", schedule_to_json(sp.schedule)},
                {"score", score_to_json({sp.score.name, sp.score.c, sp.score.b})}};
    if (!mixture_) {
      params["data"] = data_to_json(sp.data);
    } else {
      const int d = static_cast<int>(value.at("data.dimension"));
      const double w1 = value.at("data.w1"), mu = value.at("data.mu"), sd = value.at("data.sd");
      DataLaw law;
      law.weights = {w1, std::stod(shortest_decimal(1 - w1))};
      law.means = {std::vector<double>(static_cast<std::size_t>(d), 0.0),
                   std::vector<double>(static_cast<std::size_t>(d), 0.0)};
      law.means[0][0] = -mu, law.means[1][0] = mu;
      law.sds = {sd, sd};
      params["data"] = law_to_json(law);
    }
    return params;
  }

  /// A short label of a case's parameters, for case ids.
  static std::string label(const json& params) {
    const CaseParams p = read_case(params);
    std::string data;
    if (p.mixture) {
      data = "mix(d=" + std::to_string(p.law.dimension()) + ",w1=" + shortest_decimal(p.law.weights.at(0)) +
             ",mu=" + shortest_decimal(p.law.means.at(1).at(0)) + ",sd=" + shortest_decimal(p.law.sds.at(0)) + ")";
    } else {
      data = data_label(p.gauss);
    }
    std::string score = p.score.name;
    if (p.score.c != 1 || p.score.b != 0)
      score = "c=" + shortest_decimal(p.score.c) + ",b=" + shortest_decimal(p.score.b);
    return data + "/" + p.schedule.label() + "/N=" + std::to_string(p.schedule.n_levels) + "/" + score;
  }

  /// The domain as a dict: name -> fixed value, [lo, hi, scale] or choices.
  json describe() const {
    json out{{"data.family", mixture_ ? "mixture" : "gaussian"}};
    for (const auto& p : vocabulary_) {
      if (fixed_choice_.count(p.name))
        out[p.name] = fixed_choice_.at(p.name);
      else if (fixed_.count(p.name))
        out[p.name] = fixed_.at(p.name);
    }
    for (const auto& p : searched_) {
      if (p.scale == DomainParam::Scale::choice)
        out[p.name] = p.choices;
      else
        out[p.name] = json{{"lo", p.lo}, {"hi", p.hi}, {"scale", DomainParam::scale_name(p.scale)}};
    }
    for (const auto& name : irrelevant_) out.erase(name);
    return out;
  }

  /// The domain in words, for the claim's assumptions.
  std::vector<std::string> in_words() const {
    std::vector<std::string> out;
    out.push_back(mixture_ ? "data: two-component Gaussian mixtures w1 N(-mu e1, sd^2 I) + (1 - w1) N(mu e1, sd^2 I)"
                           : "data: Gaussian N(mu, diag(lambda_i)) with the spectra of checks/params.hpp");
    bool weights = false;
    for (const auto& p : searched_) {
      if (p.name.rfind("schedule.w", 0) == 0) {  // the twelve simplex weights of user levels, in one line
        if (!weights)
          out.push_back("schedule.w1 ... schedule.w12 in [" + shortest_decimal(p.lo) + ", " + shortest_decimal(p.hi) +
                        "] (" + DomainParam::scale_name(p.scale) + "): the weights of the log-gaps of user levels");
        weights = true;
        continue;
      }
      if (p.scale == DomainParam::Scale::choice) {
        std::string c;
        for (const auto& s : p.choices) c += (c.empty() ? "" : " | ") + s;
        out.push_back(p.name + " in {" + c + "}");
      } else {
        out.push_back(p.name + " in [" + shortest_decimal(p.lo) + ", " + shortest_decimal(p.hi) + "] (" +
                      DomainParam::scale_name(p.scale) + ")");
      }
    }
    std::string fixed;
    for (const auto& [k, v] : fixed_choice_)
      if (!irrelevant_.count(k)) fixed += (fixed.empty() ? "" : ", ") + k + " = " + v;
    for (const auto& [k, v] : fixed_)
      if (!irrelevant_.count(k)) fixed += (fixed.empty() ? "" : ", ") + k + " = " + shortest_decimal(v);
    if (!fixed.empty()) out.push_back("fixed: " + fixed);
    return out;
  }

  static json vocabulary_json(bool mixture) {
    json out = json::object();
    for (const auto& p : vocabulary(mixture)) {
      json e{{"scale", DomainParam::scale_name(p.scale)}, {"help", p.help}};
      if (p.scale == DomainParam::Scale::choice)
        e["choices"] = p.choices;
      else
        e["lo"] = p.lo, e["hi"] = p.hi;
      out[p.name] = e;
    }
    return out;
  }

 private:
  static DomainParam::Scale scale_of(const std::string& s, const std::string& where) {
    using S = DomainParam::Scale;
    for (const S k : {S::linear, S::log, S::integer, S::log_integer})
      if (s == DomainParam::scale_name(k)) return k;
    throw ParamError(where + ".scale: expected linear, log, integer or log_integer, got '" + s + "'");
  }

  /// The names of a family's domain: data coordinates, then the schedule and score coordinates of the suite's
  /// sampling domain, and schedule.sigma_min as an alternative to schedule.log_span.
  static std::vector<DomainParam> vocabulary(bool mixture) {
    std::vector<DomainParam> out;
    if (mixture) out = mixture_data_params();
    for (const auto& p : sampling_domain_params(kVocabularySpec)) {
      if (mixture && p.name.rfind("data.", 0) == 0) continue;
      out.push_back(p);
      if (p.name == "schedule.log_span") out.push_back(sigma_min_param());
    }
    return out;
  }

  const DomainParam* find(const std::string& name) const {
    for (const auto& p : vocabulary_)
      if (p.name == name) return &p;
    return nullptr;
  }

  /// Whether a coordinate matters given the choices (rho only for EDM, the weights only for user levels, c and b
  /// only for the affine score, alpha only for a non-isotropic spectrum, sigma_min or log_span, not both).
  bool relevant(const std::string& name, const std::map<std::string, std::vector<std::string>>& choices) const {
    auto has = [&](const std::string& key, const std::string& c) {
      const auto& v = choices.at(key);
      return std::find(v.begin(), v.end(), c) != v.end();
    };
    if (name == "schedule.rho") return has("schedule.kind", "edm");
    if (name.rfind("schedule.w", 0) == 0) return has("schedule.kind", "user");
    if (name == "score.c" || name == "score.b") return has("score.kind", "affine");
    if (name == "data.alpha") return has("data.spectrum", "power_law") || has("data.spectrum", "dyadic");
    if (name == "schedule.sigma_min") return sigma_min_;
    if (name == "schedule.log_span") return !sigma_min_;
    return true;
  }

  void build() {
    // Choices first: they decide which numeric coordinates matter.
    std::map<std::string, std::vector<std::string>> choices;
    for (const auto& p : vocabulary_) {
      if (p.scale != DomainParam::Scale::choice) continue;
      const std::string where = "domain." + p.name;
      std::vector<std::string> c = p.choices;
      if (p.name == "data.spectrum" && !given_.count(p.name)) c = {"isotropic", "power_law"};  // the checks' default
      if (given_.count(p.name)) {
        const json& v = given_.at(p.name);
        c.clear();
        if (v.is_string()) {
          c.push_back(v.get<std::string>());
        } else if (v.is_array() && !v.empty()) {
          for (const auto& e : v) {
            if (!e.is_string()) throw ParamError(where + ": expected a name or a list of names, got " + v.dump());
            c.push_back(e.get<std::string>());
          }
        } else {
          throw ParamError(where + ": expected a name or a list of names, got " + v.dump());
        }
        for (const auto& s : c)
          if (std::find(p.choices.begin(), p.choices.end(), s) == p.choices.end()) {
            std::string known;
            for (const auto& k : p.choices) known += (known.empty() ? "" : ", ") + k;
            throw ParamError(where + ": '" + s + "' is not one of " + known);
          }
      }
      choices[p.name] = c;
      if (c.size() == 1) {
        fixed_choice_[p.name] = c.front();
      } else {
        DomainParam q = p;
        q.choices = c;
        searched_.push_back(q);
      }
    }
    std::vector<DomainParam> numeric;
    for (const auto& p : vocabulary_) {
      if (p.scale == DomainParam::Scale::choice) continue;
      const std::string where = "domain." + p.name;
      if (!relevant(p.name, choices)) {
        irrelevant_.insert(p.name);
        fixed_[p.name] = p.lo;
        continue;
      }
      DomainParam q = p;
      if (!given_.count(p.name)) {
        if (mixture_ && p.name == "data.dimension") {
          fixed_[p.name] = 1;  // the 2-D grids take seconds per case: asked for, not searched by default
          continue;
        }
      } else {
        const json& v = given_.at(p.name);
        if (v.is_number()) {
          q.lo = q.hi = v.get<double>();
        } else if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
          q.lo = v[0].get<double>(), q.hi = v[1].get<double>();
        } else if (v.is_object()) {
          reject_unknown_keys(v, where, {"lo", "hi", "scale"});
          q.lo = get_number(v, "lo", where), q.hi = get_number(v, "hi", where);
          if (v.contains("scale")) q.scale = scale_of(get_string(v, "scale", where), where);
        } else {
          throw ParamError(where + ": expected a number, a range [lo, hi] or {lo, hi, scale}, got " + v.dump());
        }
      }
      if (!std::isfinite(q.lo) || !std::isfinite(q.hi) || q.lo > q.hi)
        throw ParamError(where + ": expected finite lo <= hi, got [" + shortest_decimal(q.lo) + ", " +
                         shortest_decimal(q.hi) + "]");
      const bool log_scale = q.scale == DomainParam::Scale::log || q.scale == DomainParam::Scale::log_integer;
      if (log_scale && !(q.lo > 0)) throw ParamError(where + ": a log scale needs lo > 0");
      const bool integral = q.scale == DomainParam::Scale::integer || q.scale == DomainParam::Scale::log_integer;
      if (integral && (q.lo != std::floor(q.lo) || q.hi != std::floor(q.hi)))
        throw ParamError(where + ": expected whole numbers");
      if (p.name == "schedule.n_levels" && q.lo < 2) throw ParamError(where + ": N must be at least 2");
      if (p.name == "data.dimension" && q.lo < 1) throw ParamError(where + ": d must be at least 1");
      if (mixture_ && p.name == "data.dimension" && q.hi > 2) throw ParamError(where + ": the grids are 1-D or 2-D");
      if (q.lo == q.hi)
        fixed_[p.name] = q.lo;
      else
        numeric.push_back(q);
    }
    searched_.insert(searched_.end(), numeric.begin(), numeric.end());
  }

  bool mixture_ = false, sigma_min_ = false;
  std::vector<DomainParam> vocabulary_;
  std::map<std::string, json> given_;
  std::vector<DomainParam> searched_;
  std::map<std::string, double> fixed_;
  std::map<std::string, std::string> fixed_choice_;
  std::set<std::string> irrelevant_;
};

// ---------------------------------------------------------------------------------------------
// The conjecture as a check

enum class Arithmetic { iv, mp, fp };

Arithmetic arithmetic_of(const std::string& s, const std::string& where) {
  if (s == "iv") return Arithmetic::iv;
  if (s == "mp") return Arithmetic::mp;
  if (s == "fp") return Arithmetic::fp;
  throw ParamError(where + ": expected 'iv' (mpmath intervals), 'mp' (multiprecision) or 'fp' (floats), got '" + s +
                   "'");
}
const char* to_string(Arithmetic a) { return a == Arithmetic::iv ? "iv" : a == Arithmetic::mp ? "mp" : "fp"; }
ScalarKind scalar_of(Arithmetic a) {
  return a == Arithmetic::iv ? ScalarKind::mpfi : a == Arithmetic::mp ? ScalarKind::mpfr : ScalarKind::float64;
}

std::string callable_name(const py::object& fn) {
  if (py::hasattr(fn, "__qualname__")) return py::str(fn.attr("__qualname__"));
  return py::str(py::repr(fn));
}

class ConjectureCheck final : public Check {
 public:
  ConjectureCheck(ClaimInfo claim, UserDomain domain, py::object bound, Measured measured, Arithmetic arithmetic,
                  py::object hypotheses)
      : claim_(std::move(claim)),
        domain_(std::move(domain)),
        bound_(std::move(bound)),
        hypotheses_(std::move(hypotheses)),
        measured_(measured),
        arithmetic_(arithmetic) {}

  ClaimInfo claim() const override { return claim_; }
  std::vector<ScalarKind> scalar_kinds() const override {
    switch (arithmetic_) {
      case Arithmetic::iv:
        return {ScalarKind::mpfi, ScalarKind::mpfr, ScalarKind::float64};
      case Arithmetic::mp:
        return {ScalarKind::mpfr, ScalarKind::float64};
      case Arithmetic::fp:
        break;
    }
    return {ScalarKind::float64};
  }
  std::vector<CaseSpec> cases(Size) const override { return {}; }
  void validate_case(const CaseSpec& spec) const override { read_case(spec.params); }

  std::optional<Domain> domain() const override {
    Domain d;
    d.params = domain_.searched();
    d.constraints = domain_.in_words();
    const UserDomain* u = &domain_;
    d.make = [u](const std::vector<double>& x) { return u->make(x); };
    d.label = [u](const std::vector<double>& x) { return UserDomain::label(u->make(x)); };
    return d;
  }

  const UserDomain& user_domain() const { return domain_; }
  Measured measured() const { return measured_; }
  Arithmetic arithmetic() const { return arithmetic_; }

  CaseResult run_case(const CaseSpec& spec, const RunContext& ctx) const override {
    try {
      return run_case_unguarded(spec, ctx);
    } catch (const std::exception& e) {
      last_failure_ = e.what();  // for the message when no point of a search can be evaluated
      throw;
    }
  }

  /// Why the last case failed (empty: none failed).
  const std::string& last_failure() const { return last_failure_; }

 private:
  CaseResult run_case_unguarded(const CaseSpec& spec, const RunContext& ctx) const {
    // Ctrl-C in a long search: a KeyboardInterrupt stops it (a UserError, which no catch of the suite takes).
    if (PyErr_CheckSignals() != 0) throw UserError{std::make_exception_ptr(py::error_already_set())};
    CaseResult r = start_result(*this, spec, ctx);
    const CaseParams p = read_case(spec.params);
    // The falsifier's search needs the margin only: one evaluation, no perturbed runs.
    const bool search = spec.id == "falsify/search";
    if (!p.mixture) {
      auto body = [&]<class Real>() { gaussian_body<Real>(spec, p, r); };
      if (search)
        with_scalar(ctx.scalar, body);
      else
        with_scalar_safe(ctx, r, body);
    } else {
      const MixtureMeasure mm = measure_mixture(p, measured_);
      auto body = [&]<class Real>() { mixture_body<Real>(spec, p, mm, r); };
      if (search) {
        with_scalar(ctx.scalar, body);
      } else {
        with_scalar_safe(ctx, r, body);
        keep_grid_error(r, mm.error);
      }
    }
    if (!search && arithmetic_ != Arithmetic::iv && r.verdict == Verdict::inconclusive &&
        r.reason.find("re-evaluation is not finite") != std::string::npos)
      r.reason += " (the bound is declared arithmetic='" + std::string(to_string(arithmetic_)) +
                  "': it cannot be re-evaluated in intervals)";
    if (!hypotheses_.is_none()) apply_hypotheses(spec, p, r);
    return r;
  }

  /// The case as the callable sees it, numbers in the context of Real.
  template <class Real>
  py::object case_object(const CaseSpec& spec, const CaseParams& p, const std::vector<Real>& sigma,
                         const std::vector<Real>& a) const {
    py::dict kw;
    kw["id"] = spec.id;
    kw["params"] = to_python(spec.params);
    kw["N"] = static_cast<int>(sigma.size());
    py::list s, av;
    for (const auto& x : sigma) s.append(to_context(x));
    for (const auto& x : a) av.append(to_context(x));
    kw["sigma"] = s, kw["a"] = av;
    kw["c"] = to_context(decimal<Real>(p.score.c));
    kw["b"] = to_context(decimal<Real>(p.score.b));
    if (!p.mixture) {
      const auto data = make_data<Real>(p.gauss);
      kw["family"] = "gaussian";
      kw["d"] = static_cast<long long>(data.dimension());
      py::list modes;
      Real m2(0);
      for (const auto& mode : data.modes) {
        modes.append(py::make_tuple(to_context(mode.lambda), to_context(mode.mu), mode.multiplicity));
        m2 += Real(mode.multiplicity) * (mode.lambda + mode.mu * mode.mu);
      }
      kw["modes"] = modes;
      kw["m2"] = to_context(m2);
    } else {
      kw["family"] = "mixture";
      const int d = p.law.dimension();
      kw["d"] = d;
      Real sw(0), m2(0);
      std::vector<Real> w;
      for (double x : p.law.weights) w.push_back(decimal<Real>(x)), sw += w.back();
      py::list weights, means, sds;
      for (std::size_t j = 0; j < w.size(); ++j) {
        const Real wj = w[j] / sw, sd = decimal<Real>(p.law.sds[j]);
        Real mm(0);
        py::list mean;
        for (double x : p.law.means[j]) {
          const Real mx = decimal<Real>(x);
          mean.append(to_context(mx));
          mm += mx * mx;
        }
        m2 += wj * (mm + Real(d) * sd * sd);
        weights.append(to_context(wj)), means.append(mean), sds.append(to_context(sd));
      }
      kw["weights"] = weights, kw["means"] = means, kw["sds"] = sds;
      kw["m2"] = to_context(m2);
    }
    return Mpmath::get().namespace_type(**kw);
  }

  template <class Real>
  Real evaluate_bound(const CaseSpec& spec, const CaseParams& p, const std::vector<Real>& sigma,
                      const std::vector<Real>& a) const {
    const MpmathPrecision prec(precision_of<Real>());
    const py::object c = case_object(spec, p, sigma, a);
    const py::object v = call_user(bound_, c, context_of<Real>(), "the bound " + callable_name(bound_));
    return from_context<Real>(v, "the bound " + callable_name(bound_));
  }

  template <class Real>
  static unsigned precision_of() {
    if constexpr (std::is_same_v<Real, double>)
      return 53;
    else
      return precision_bits_of(scalar_traits<Real>::kind);
  }

  /// Whether the bound may be called in Real's context. with_scalar_safe re-evaluates a close point margin in MPFI:
  /// a bound declared 'mp' or 'fp' is then not called, the case stays without an enclosure (INCONCLUSIVE).
  template <class Real>
  bool supported() const {
    if constexpr (std::is_same_v<Real, mpfi_real>) return arithmetic_ == Arithmetic::iv;
    if constexpr (std::is_same_v<Real, mpfr_real>) return arithmetic_ != Arithmetic::fp;
    return true;
  }

  template <class Real>
  void gaussian_body(const CaseSpec& spec, const CaseParams& p, CaseResult& r) const {
    if (!supported<Real>()) return;
    const auto data = make_data<Real>(p.gauss);
    const auto sigma = noise_levels<Real>(p.schedule);
    const auto a = variances(sigma);
    const auto score = p.score.template make<Real>();
    const auto g = sampling_girsanov::bound(data, a, score);
    const Real kl = sampler_kl(data, a, score, StepKind::exponential_integrator);
    Real measured;
    switch (measured_) {
      case Measured::kl:
        measured = kl;
        break;
      case Measured::init:
        measured = g.init;
        break;
      case Measured::discretization:
        measured = g.discretization;
        break;
      case Measured::score:
        measured = g.score;
        break;
      case Measured::total:
        measured = g.total();
        break;
    }
    const Real bound = evaluate_bound(spec, p, sigma, a);
    // sampling.girsanov's a-priori count of rounding steps (the perturbed runs measure the rest).
    const double ops = 24.0 * static_cast<double>(a.size()) + 8.0 * static_cast<double>(data.modes.size());
    r.compare(measured, bound,
              a_priori_estimate(scalar_traits<Real>::kind, ops, mid_double(bound), mid_double(measured)));
    r.term("KL", kl);
    r.term("girsanov_init", g.init);
    r.term("girsanov_discretization", g.discretization);
    r.term("girsanov_score", g.score);
    r.term("girsanov_total", Real(g.total()));
  }

  template <class Real>
  void mixture_body(const CaseSpec& spec, const CaseParams& p, const MixtureMeasure& mm, CaseResult& r) const {
    if (!supported<Real>()) return;
    const auto sigma = noise_levels<Real>(p.schedule);
    const auto a = variances(sigma);
    const Real bound = evaluate_bound(spec, p, sigma, a);
    // The measured side is a double with an error estimate (not an enclosure): HOLDS at best. In MPFI an estimate of
    // 0 would make the point value of the grids an enclosure (judge_enclosure: VERIFIED); the smallest positive one
    // keeps the rule for estimates (HOLDS when the whole enclosure lies above it).
    r.compare(Real(mm.value), bound, std::max(mm.error, std::numeric_limits<double>::denorm_min()));
    const auto& ev = mm.ev;
    r.term("KL", Real(ev.kl));
    r.term("girsanov_init", Real(ev.girsanov_init));
    r.term("girsanov_discretization", Real(ev.girsanov_discretization));
    r.term("girsanov_score", Real(ev.score_form / 2));
    r.term("girsanov_total", Real(ev.girsanov_init + ev.girsanov_discretization + ev.score_form / 2));
    r.data["measured_error"] = mm.error;
    r.data["KL_error"] = ev.kl_error;
    r.data["girsanov_error"] = ev.girsanov_error;
  }

  /// A point verdict on a grid-measured side re-evaluated in MPFI (with_scalar_safe, step 2): the enclosure bounds
  /// the rounding of the point margin only, not the grids' error, which the measured double carries into the
  /// enclosure unseen. The case's estimate is the sum of both, and the verdict is judged again with it, so that it
  /// is never better than the interval verdict (which judges the enclosure against the grids' error).
  static void keep_grid_error(CaseResult& r, double grid_error) {
    if (!r.margin || !r.error.empty() || !r.data.contains("reevaluated")) return;
    const double estimate =
        std::nextafter(r.error_estimate + grid_error, std::numeric_limits<double>::infinity());  // rounded up
    const auto j = judge_estimate(r.margin->mid, estimate);
    r.error_estimate = estimate;
    r.verdict = j.verdict;
    r.reason = j.reason;
    if (!r.reason.empty())
      r.reason += " (the grids' error estimate plus the rounding, bounded by a " +
                  r.data["reevaluated"].value("precision_bits", json(0)).dump() + "-bit interval re-evaluation)";
  }

  /// hypotheses(case, m) in floats: True/None inside, False or a reason (str) outside.
  void apply_hypotheses(const CaseSpec& spec, const CaseParams& p, CaseResult& r) const {
    const auto sigma = noise_levels<double>(p.schedule);
    const auto a = variances(sigma);
    const py::object c = case_object(spec, p, sigma, a);
    const py::object v = call_user(hypotheses_, c, Mpmath::get().fp, "the hypotheses " + callable_name(hypotheses_));
    if (v.is_none()) return;
    if (PyBool_Check(v.ptr())) {
      if (!v.cast<bool>())
        r.outside_hypotheses("outside the conjecture's hypotheses (" + callable_name(hypotheses_) + ")");
      return;
    }
    if (py::isinstance<py::str>(v)) {
      const std::string why = v.cast<std::string>();
      if (!why.empty()) r.outside_hypotheses(why);
      return;
    }
    throw py::type_error("the hypotheses " + callable_name(hypotheses_) +
                         " must return True/None (inside) or False / a reason (outside)");
  }

  ClaimInfo claim_;
  UserDomain domain_;
  py::object bound_, hypotheses_;
  Measured measured_;
  Arithmetic arithmetic_;
  mutable std::string last_failure_;
};

// ---------------------------------------------------------------------------------------------
// Python-facing objects

struct ConjectureHandle {
  std::shared_ptr<ConjectureCheck> check;
};

const std::regex& id_pattern() {
  static const std::regex re("[A-Za-z0-9][A-Za-z0-9._-]*");
  return re;
}

ConjectureHandle make_conjecture(const std::string& id, const py::object& domain, const py::object& bound,
                                 const std::string& measured, const std::string& arithmetic,
                                 const py::object& hypotheses, const std::string& title, const std::string& statement,
                                 const std::string& statement_tex) {
  if (!std::regex_match(id, id_pattern()))
    throw ParamError("id: letters, digits, '.', '_' and '-' only, starting with a letter or digit; got '" + id + "'");
  if (!PyCallable_Check(bound.ptr())) throw py::type_error("bound: expected a callable bound(case, m)");
  if (!hypotheses.is_none() && !PyCallable_Check(hypotheses.ptr()))
    throw py::type_error("hypotheses: expected a callable hypotheses(case, m) or None");
  Mpmath::get();  // a clear message now when mpmath is missing
  const Measured m = measured_of(measured);
  const Arithmetic ar = arithmetic_of(arithmetic, "arithmetic");
  UserDomain dom = UserDomain::parse(to_json(domain));
  const auto& info = measured_info(m);
  ClaimInfo claim;
  claim.id = id;
  claim.title = title.empty() ? "user conjecture: " + std::string(info.name) + " <= " + callable_name(bound) : title;
  claim.statement = statement.empty() ? std::string(info.text) + " <= " + callable_name(bound) + "(case)" : statement;
  claim.statement_tex = statement_tex.empty() ? std::string(info.tex) + " \\le B(\\mathrm{case})" : statement_tex;
  claim.source = "user conjecture (diffbound.Conjecture from Python; bound " + callable_name(bound) +
                 ", evaluated in mpmath's " + to_string(ar) + " context)";
  claim.paper_tag = "user";
  claim.assumptions = dom.in_words();
  claim.assumptions.push_back("measured side: " + std::string(info.name) + " = " + info.text +
                              (dom.mixture() ? " (grid propagation and quadrature, double with an error estimate)"
                                             : " (exact, in the run's scalar)"));
  if (py::hasattr(bound, "__doc__") && !bound.attr("__doc__").is_none()) {
    std::string doc = py::str(bound.attr("__doc__"));
    const auto nl = doc.find('\n', doc.find_first_not_of(" \n"));
    doc = doc.substr(0, nl);
    doc.erase(0, doc.find_first_not_of(' '));
    if (!doc.empty()) claim.assumptions.push_back("bound: " + doc);
  }
  auto check = std::make_shared<ConjectureCheck>(std::move(claim), std::move(dom), bound, m, ar, hypotheses);
  return {check};
}

/// A case result as a dict (the results schema's case record, without version and commit).
py::dict result_py(const CaseResult& r) {
  json j;
  results::to_json(j, r);
  py::dict d = to_python(j).cast<py::dict>();
  d["relative_margin"] = r.relative_margin();
  return d;
}

/// CaseSpecs from what a user passes to check(): a falsify() report, a list of its cases or of params dicts.
std::vector<CaseSpec> specs_of(const py::object& cases) {
  json j = to_json(cases);
  if (j.is_object() && j.contains("cases")) j = j.at("cases");  // a falsify() report
  if (j.is_object()) j = json::array({j});
  if (!j.is_array()) throw ParamError("cases: expected a list of cases (dicts with params) or a falsify() report");
  std::vector<CaseSpec> out;
  for (std::size_t k = 0; k < j.size(); ++k) {
    const json& e = j[k];
    const std::string where = "cases[" + std::to_string(k) + "]";
    if (!e.is_object()) throw ParamError(where + ": expected a dict");
    CaseSpec s;
    if (e.contains("params")) {
      s.params = e.at("params");
      s.id = e.contains("case") && e.at("case").is_string() ? e.at("case").get<std::string>()
             : e.contains("id") && e.at("id").is_string()   ? e.at("id").get<std::string>()
                                                            : "";
    } else {
      s.params = e;
    }
    try {
      if (s.id.empty()) s.id = "user/" + UserDomain::label(s.params);
    } catch (const std::invalid_argument& err) {
      throw ParamError(where + ": " + err.what());
    }
    out.push_back(std::move(s));
  }
  return out;
}

/// Runs one case as the runner does: a failure becomes a failed case with its reason; a UserError propagates.
CaseResult run_one(const ConjectureCheck& check, const CaseSpec& spec, const RunContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  CaseResult r;
  try {
    r = check.run_case(spec, ctx);
  } catch (const std::exception& e) {
    r = start_result(check, spec, ctx);
    r.verdict = Verdict::inconclusive;
    r.error = e.what();
    r.reason = std::string("the case failed to run: ") + e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

/// The summary of a conjecture's cases for the report: a table of the cases and a figure of both sides.
results::Summary summary_of(const ConjectureCheck& c, const std::vector<CaseResult>& rs) {
  results::Summary s;
  results::Table t;
  t.id = "cases";
  t.title = "The conjecture's cases";
  t.columns = {"case", "measured", "bound", "relative margin", "verdict"};
  results::Figure f;
  f.id = "measured_and_bound";
  f.title = "Measured side and bound per case";
  f.xlabel = "case (in the order checked)";
  f.ylabel = measured_info(c.measured()).name;
  f.logy = true;
  results::Series meas{"measured (" + std::string(measured_info(c.measured()).name) + ")", "measured", {}, {}, {}, {}};
  results::Series bnd{"bound", "bound", {}, {}, {}, {}};
  for (std::size_t k = 0; k < rs.size(); ++k) {
    const auto& r = rs[k];
    t.rows.push_back({r.case_id, r.measured ? json(r.measured->mid) : json(nullptr),
                      r.bound ? json(r.bound->mid) : json(nullptr), results::number_or_null(r.relative_margin()),
                      std::string(to_string(r.verdict))});
    if (r.measured && r.bound) {
      meas.x.push_back(static_cast<double>(k + 1)), meas.y.push_back(r.measured->mid);
      bnd.x.push_back(static_cast<double>(k + 1)), bnd.y.push_back(r.bound->mid);
      if (!(r.measured->mid > 0) || !(r.bound->mid > 0)) f.logy = false;
    }
  }
  t.caption = "Measured side (the suite's " + std::string(c.user_domain().mixture() ? "grid" : "exact") +
              " computation) against the user's bound, per case; falsify/... cases are the falsifier's.";
  f.series = {meas, bnd};
  f.caption = "Points: the measured side; line: the user's bound evaluated on the same case.";
  s.tables.push_back(std::move(t));
  if (meas.x.size() >= 3) s.figures.push_back(std::move(f));
  s.notes.push_back(
      "A user conjecture written in Python (diffbound.Conjecture), checked by the suite's machinery: the measured side "
      "is computed by the suite, the bound by the user's callable in mpmath's " +
      std::string(to_string(c.arithmetic())) +
      " context. VERIFIED needs the bound evaluated in intervals (mpmath.iv) and an exact measured side.");
  return s;
}

/// The program name of the run record of a results file written by check(); a file of another program is never
/// overwritten.
constexpr const char* kProgram = "diffbound (Python module, user conjectures)";

/// Writes DIR/results.jsonl: the conjecture's cases and check record. When the file holds earlier conjectures
/// written by check(), their records are kept (one report for several conjectures) and this conjecture's are
/// replaced; the run and end records are rewritten. The file is written whole (results/files.hpp).
void write_results(const std::filesystem::path& dir, const ConjectureCheck& c, ScalarKind kind, unsigned bits,
                   const std::vector<CaseResult>& rs, double wall) {
  namespace keys = results::keys;
  const std::filesystem::path path = dir / "results.jsonl";
  std::vector<json> other_cases, other_checks;
  std::vector<std::string> ids;
  double other_wall = 0;
  std::map<std::string, std::vector<CaseResult>> other_results;
  if (std::filesystem::exists(path)) {
    const auto old = results::read_records(path);
    const std::string program = old.run.value(keys::program, "");
    if (program != kProgram)
      throw ParamError("out: " + path.string() + " holds a run of '" + program +
                       "'; the results of conjectures go to a folder of their own");
    for (const auto& j : old.run.value(keys::checks, json::array()))
      if (j.is_string() && j.get<std::string>() != c.id()) ids.push_back(j.get<std::string>());
    for (const auto& j : old.cases) {
      if (j.value(keys::check, "") == c.id()) continue;
      other_cases.push_back(j);
      CaseResult r;
      results::from_json(j, r);
      other_results[r.check].push_back(r);
    }
    for (const auto& j : old.checks)
      if (j.value(keys::check, "") != c.id()) other_checks.push_back(j);
    if (old.end) other_wall = old.end->value(keys::wall_seconds, 0.0);
  }
  ids.push_back(c.id());
  json run{
      {keys::type, keys::type_run},
      {keys::program, kProgram},
      {keys::version, version::string},
      {keys::commit, version::commit},
      {keys::compiler, std::string("g++ ") + __VERSION__},
      {keys::boost, fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
      {keys::mpfr, mpfr_get_version()},
      {keys::mpfi, mpfi_get_version()},
      {keys::date, results::utc_time()},
      {keys::size, "user"},
      {keys::scalar, to_string(kind)},
      {keys::precision_bits, bits},
      {keys::threads, 1},
      {keys::seed, 0},
      {keys::bound_factor, 1.0},
      {keys::checks, ids},
      {keys::selection, json{{keys::cases, other_cases.size() + rs.size()}}}};
  std::string text = run.dump() + "\n";
  // Per check, in the order of the run record: its cases, then its check record.
  std::vector<results::CheckOutcome> outcomes;
  for (const auto& id : ids) {
    if (id == c.id()) {
      for (const auto& r : rs) text += results::case_record(r).dump() + "\n";
      const auto outcome = results::outcome_of(c.id(), rs);
      json summary;
      results::to_json(summary, summary_of(c, rs));
      text += results::check_record(c.claim(), kind, bits, outcome, summary).dump() + "\n";
      outcomes.push_back(outcome);
      continue;
    }
    for (const auto& j : other_cases)
      if (j.value(keys::check, "") == id) text += j.dump() + "\n";
    for (const auto& j : other_checks)
      if (j.value(keys::check, "") == id) text += j.dump() + "\n";
    outcomes.push_back(results::outcome_of(id, other_results[id]));
  }
  text += results::end_record(outcomes, other_wall + wall).dump() + "\n";
  std::filesystem::create_directories(dir);
  results::write_file_atomically(path, text);
}

ScalarKind decision_kind(const ConjectureCheck& c, const py::object& arithmetic) {
  if (arithmetic.is_none()) return scalar_of(c.arithmetic());
  const Arithmetic a = arithmetic_of(arithmetic.cast<std::string>(), "arithmetic");
  const auto kinds = c.scalar_kinds();
  if (std::find(kinds.begin(), kinds.end(), scalar_of(a)) == kinds.end())
    throw ParamError("arithmetic: the conjecture's bound is declared arithmetic='" +
                     std::string(to_string(c.arithmetic())) + "'; it cannot be evaluated in '" + to_string(a) + "'");
  return scalar_of(a);
}

py::list check_py(const ConjectureHandle& h, const py::object& cases, const py::object& arithmetic, unsigned precision,
                  const py::object& out) {
  const auto t0 = std::chrono::steady_clock::now();
  const ConjectureCheck& c = *h.check;
  const ScalarKind kind = decision_kind(c, arithmetic);
  const auto specs = specs_of(cases);
  const WorkingPrecision wp(precision);
  const unsigned bits = precision_bits_of(kind);
  std::vector<CaseResult> rs;
  try {
    for (const auto& s : specs) {
      RunContext ctx;
      ctx.scalar = kind;
      ctx.precision_bits = bits;
      rs.push_back(run_one(c, s, ctx));
    }
  } catch (const UserError& e) {
    std::rethrow_exception(e.error);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.is_none()) write_results(std::filesystem::path(py::str(out).cast<std::string>()), c, kind, bits, rs, wall);
  py::list l;
  for (const auto& r : rs) l.append(result_py(r));
  return l;
}

py::dict falsify_py(const ConjectureHandle& h, std::size_t budget, std::uint64_t seed, int restarts,
                    const py::object& arithmetic, unsigned precision) {
  const auto t0 = std::chrono::steady_clock::now();
  const ConjectureCheck& c = *h.check;
  if (c.user_domain().searched().empty())
    throw ParamError("falsify: every coordinate of the domain is fixed; there is nothing to search (use check)");
  if (restarts < 1) throw ParamError("restarts: must be at least 1");
  if (budget < 1) throw ParamError("budget: must be at least 1");
  const ScalarKind kind = decision_kind(c, arithmetic);
  const WorkingPrecision wp(precision);
  std::vector<FalsifyResult> found;
  std::size_t evaluations = 0, infeasible = 0;
  for (int k = 0; k < restarts; ++k) {
    FalsifyOptions o;
    o.budget = budget;
    o.seed = seed + static_cast<std::uint64_t>(k);
    o.scalar = kind;
    try {
      found.push_back(falsify(c, o));
    } catch (const UserError& e) {
      std::rethrow_exception(e.error);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(e.what()) +
                               (c.last_failure().empty() ? "" : "; the last failure: " + c.last_failure()));
    }
    evaluations += found.back().evaluations, infeasible += found.back().infeasible;
  }
  std::stable_sort(found.begin(), found.end(), [](const FalsifyResult& a, const FalsifyResult& b) {
    return a.decided.relative_margin() < b.decided.relative_margin();
  });
  const Domain domain = *c.domain();
  py::list cases;
  std::set<std::string> seen;
  bool refuted = false;
  // The verdict of the search, from its decided cases: VIOLATED when one is, else INCONCLUSIVE when one is (with
  // its reason: "not refuted" must not read as "survived"), else HOLDS when one only holds, else VERIFIED.
  auto rank = [](Verdict v) {
    return v == Verdict::violated ? 3 : v == Verdict::inconclusive ? 2 : v == Verdict::holds ? 1 : 0;
  };
  Verdict verdict = Verdict::verified;
  std::string reason;
  for (const auto& f : found) {
    if (!seen.insert(f.worst_case.id).second) continue;
    if (rank(f.decided.verdict) > rank(verdict)) verdict = f.decided.verdict, reason = f.decided.reason;
    py::dict d = result_py(f.decided);
    d["found_margin"] = f.found_margin;
    d["shrunk_margin"] = f.shrunk_margin;
    d["search_scalar"] = to_string(f.search_scalar);
    py::dict point;
    for (std::size_t i = 0; i < domain.params.size(); ++i) {
      const auto& p = domain.params[i];
      if (p.scale == DomainParam::Scale::choice)
        point[py::str(p.name)] = p.choices.at(static_cast<std::size_t>(f.point[i]));
      else
        point[py::str(p.name)] = f.point[i];
    }
    d["point"] = point;
    refuted = refuted || f.decided.verdict == Verdict::violated;
    cases.append(d);
  }
  py::dict out;
  out["conjecture"] = c.id();
  out["refuted"] = refuted;
  out["verdict"] = to_string(verdict);
  out["reason"] = reason;
  out["cases"] = cases;
  out["tightest_relative_margin"] = found.front().decided.relative_margin();
  out["budget"] = budget;
  out["restarts"] = restarts;
  out["seed"] = seed;
  out["evaluations"] = evaluations;
  out["infeasible"] = infeasible;
  out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

// Small helpers in Python: max and min that are correct for mpmath intervals.
const char* kHelpers = R"PY(
def maximum(values):
    """The largest of numbers of one mpmath context. For iv intervals: [max of the lower ends, max of the upper
    ends], an enclosure of the maximum (Python's max compares intervals by 'possibly' and is not)."""
    values = list(values)
    if not values:
        raise ValueError("maximum of no values")
    if any(hasattr(v, "_mpi_") for v in values):
        from mpmath import iv, mp
        ends = [iv.convert(v)._mpi_ for v in values]
        lo = max(mp.make_mpf(e[0]) for e in ends)
        hi = max(mp.make_mpf(e[1]) for e in ends)
        return iv.make_mpf((lo._mpf_, hi._mpf_))
    return max(values)


def minimum(values):
    """The smallest of numbers of one mpmath context; for iv intervals an enclosure of the minimum."""
    values = list(values)
    if not values:
        raise ValueError("minimum of no values")
    if any(hasattr(v, "_mpi_") for v in values):
        from mpmath import iv, mp
        ends = [iv.convert(v)._mpi_ for v in values]
        lo = min(mp.make_mpf(e[0]) for e in ends)
        hi = min(mp.make_mpf(e[1]) for e in ends)
        return iv.make_mpf((lo._mpf_, hi._mpf_))
    return min(values)
)PY";

}  // namespace

void register_conjecture_api(py::module_& m) {
  py::class_<ConjectureHandle>(m, "Conjecture",
                               "A bound written in Python, held against one of the suite's exact quantities over a "
                               "hypothesis domain in the checks' vocabulary (docs/python.md).")
      .def(py::init(&make_conjecture), py::arg("id"), py::arg("domain"), py::arg("bound"), py::kw_only(),
           py::arg("measured") = "KL", py::arg("arithmetic") = "iv", py::arg("hypotheses") = py::none(),
           py::arg("title") = "", py::arg("statement") = "", py::arg("statement_tex") = "",
           "Conjecture(id, domain, bound, *, measured='KL', arithmetic='iv', hypotheses=None, title='', "
           "statement='', statement_tex='').\n"
           "domain: {name: value | [lo, hi] | {'lo', 'hi', 'scale'} | [choices]} (names: domain_vocabulary()).\n"
           "bound(case, m) -> number of the mpmath context m (iv, mp or fp); case has id, params, family, d, N, sigma, "
           "a, c, b, m2 and modes (Gaussian) or weights, means, sds (mixture).\n"
           "measured: KL, girsanov_init, girsanov_discretization, girsanov_score, girsanov_total.\n"
           "arithmetic: the contexts the bound supports: 'iv' (all three), 'mp' (mp and fp), 'fp' (floats only).\n"
           "hypotheses(case, m) (floats): True/None inside, False or a reason outside (a failure there is "
           "INCONCLUSIVE).")
      .def_property_readonly("id", [](const ConjectureHandle& h) { return h.check->id(); })
      .def_property_readonly(
          "measured", [](const ConjectureHandle& h) { return std::string(measured_info(h.check->measured()).name); })
      .def_property_readonly("arithmetic",
                             [](const ConjectureHandle& h) { return std::string(to_string(h.check->arithmetic())); })
      .def_property_readonly("domain",
                             [](const ConjectureHandle& h) { return to_python(h.check->user_domain().describe()); })
      .def_property_readonly("claim",
                             [](const ConjectureHandle& h) { return to_python(results::claim_json(h.check->claim())); })
      .def(
          "case",
          [](const ConjectureHandle& h, const py::dict& point) {
            const auto& dom = h.check->user_domain();
            const json pj = to_json(point);
            std::vector<double> x;
            for (const auto& p : dom.searched()) {
              if (!pj.contains(p.name)) throw ParamError("point: no value for " + p.name);
              const json& v = pj.at(p.name);
              if (p.scale == DomainParam::Scale::choice) {
                if (!v.is_string()) throw ParamError("point." + p.name + ": expected one of the choices");
                const auto it = std::find(p.choices.begin(), p.choices.end(), v.get<std::string>());
                if (it == p.choices.end()) throw ParamError("point." + p.name + ": not a choice of the domain");
                x.push_back(static_cast<double>(it - p.choices.begin()));
              } else {
                if (!v.is_number()) throw ParamError("point." + p.name + ": expected a number");
                x.push_back(v.get<double>());
              }
            }
            for (auto it = pj.begin(); it != pj.end(); ++it) {
              bool known = false;
              for (const auto& p : dom.searched()) known = known || p.name == it.key();
              if (!known) throw ParamError("point." + it.key() + ": not a searched coordinate of the domain");
            }
            const json params = dom.make(x);
            py::dict d;
            d["id"] = "user/" + UserDomain::label(params);
            d["params"] = to_python(params);
            return d;
          },
          py::arg("point"),
          "The case (id, params) of a point given by its searched coordinates, e.g. {'data.scale': 1e-12, ...}.")
      .def("__repr__", [](const ConjectureHandle& h) {
        return "Conjecture('" + h.check->id() + "', measured='" + measured_info(h.check->measured()).name +
               "', arithmetic='" + to_string(h.check->arithmetic()) + "', " +
               std::to_string(h.check->user_domain().searched().size()) + " searched coordinates)";
      });

  m.def("falsify", &falsify_py, py::arg("conjecture"), py::kw_only(), py::arg("budget") = 600, py::arg("seed") = 1,
        py::arg("restarts") = 1, py::arg("arithmetic") = py::none(), py::arg("precision") = 128,
        "Searches the conjecture's domain for its tightest case (checks/falsify.hpp: Sobol and random starts, "
        "Nelder-Mead, shrinking; the margin in mp (MPFR) when the bound supports it), `restarts` times with seeds "
        "seed, seed+1, ... and `budget` evaluations each. Each found case is decided in `arithmetic` (default: the "
        "best the bound supports, iv: an interval verdict). Returns {refuted, cases (tightest first, each a case "
        "record with found_margin, shrunk_margin, point), tightest_relative_margin, evaluations, seconds, ...}.");
  m.def("check", &check_py, py::arg("conjecture"), py::arg("cases"), py::kw_only(), py::arg("arithmetic") = py::none(),
        py::arg("precision") = 128, py::arg("out") = py::none(),
        "Verdicts on cases (a falsify() report, its cases, or params dicts {data, schedule, score}) by the suite's "
        "rule: VERIFIED only in arithmetic='iv' with an exact measured side; HOLDS at best in 'mp' and 'fp'. With "
        "out=FOLDER, writes FOLDER/results.jsonl for `diffbound report --in FOLDER`.");
  m.def(
      "domain_vocabulary",
      [](const std::string& family) {
        if (family != "gaussian" && family != "mixture")
          throw ParamError("family: expected 'gaussian' or 'mixture', got '" + family + "'");
        return to_python(UserDomain::vocabulary_json(family == "mixture"));
      },
      py::arg("family") = "gaussian",
      "The names of a conjecture's domain with their default ranges, scales and meaning (data.family selects the "
      "family).");
  py::exec(kHelpers, m.attr("__dict__"));
}

}  // namespace diffbound::python
