// diffbound advise: which noise schedule to sample with, for a practitioner's d, N, σ range and score error
// (theory/design_schedule.hpp: advise()). Prints the candidates (EDM ρ = 7, geometric, the bound-optimal
// ρ, the free-form optimum) with their predicted bound terms, the recommendation and its reason; --out
// writes the recommended levels (CSV, or JSON for a .json name).
#include <diffbound/app/commands.hpp>
#include <diffbound/checks/params.hpp>
#include <diffbound/results/files.hpp>

#include <diffbound/theory/design_schedule.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace {

namespace ds = design_schedule;

/// Parses a list of variances ("1, 0.5 0.25" or one per line); `field` names the option in errors.
std::vector<double> parse_spectrum(const std::string& text, const std::string& field) {
  std::vector<double> out;
  std::string token;
  std::string cleaned = text;
  for (char& ch : cleaned)
    if (ch == ',' || ch == ';' || ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  std::istringstream words(cleaned);
  std::size_t i = 0;
  while (words >> token) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != token.size())
      throw ParamError(field + ": entry " + std::to_string(i) + " ('" + token + "') is not a number");
    out.push_back(v);
    ++i;
  }
  if (out.empty()) throw ParamError(field + ": no variances given");
  return out;
}

/// ρ of a candidate as printed: "7", "inf", with "+warp" for the free form.
std::string rho_text(const ds::Candidate& c, int digits) {
  std::string s = c.params.t > 0 ? fmt::format("{:.{}g}", 1 / c.params.t, digits) : std::string("inf");
  if (!c.params.w.empty() && !c.params.identity_warp()) s += "+warp";
  return s;
}

json candidate_json(const ds::Candidate& c) {
  json j{{"name", c.name},
         {"description", c.description},
         {"rho", c.params.t > 0 ? json(1.0 / c.params.t) : json("inf")},
         {"terms", {{"E_I", c.init}, {"E_D", c.discretization}, {"E_S", c.score}, {"total", c.total}}},
         {"kappa", c.kappa},
         {"step_condition", c.step_condition},
         {"levels", c.sigma}};
  if (!c.params.w.empty()) j["warp_coefficients"] = ds::warp_coefficients(c.params.w);
  return j;
}

/// Writes text to `path` through the suite's one atomic write (temporary, fsync, rename).
void write_file(const std::string& path, const std::string& text) {
  try {
    write_file_atomically(path, text);
  } catch (const std::exception& e) {
    throw ParamError(std::string("--out: ") + e.what());
  }
}

class AdviseCommand final : public Command {
 public:
  int order() const override { return 45; }
  CLI::App* add(CLI::App& app) override {
    auto* sub = app.add_subcommand(
        "advise",
        "Recommend a noise schedule for sampling: the candidates EDM rho = 7, geometric (Song), the rho that\n"
        "minimises the encoded bound E_I + E_D + E_S (sampling.bound, fitted constants C_D, C_S) and a free-form\n"
        "monotone schedule minimising it, with their predicted bound terms and a one-sentence reason.\n"
        "The score error eta is the RMS error per coordinate of the network's noise prediction (model eps:\n"
        "eps_k^2 = d eta^2/sigma_k^2), or 1 - c for a scaled exact score (model c, needs the data spectrum).\n"
        "The bound's constants are fitted on Gaussian sweeps; treat the numbers as a ranking, not a guarantee.\n"
        "Examples:\n"
        "  diffbound advise --dim 3072 --levels 32 --score-error 0.05\n"
        "  diffbound advise --dim 2 --levels 64 --score-error 0 --format json\n"
        "  diffbound advise --spectrum-file variances.txt --levels 18 --score-error 0.1 --out levels.csv");
    dim_opt_ = sub->add_option("--dim", in_.dimension, "Data dimension d (omit with --spectrum/--spectrum-file).");
    sub->add_option("--levels", in_.n_levels, "Number of noise levels N (N - 1 steps).")->capture_default_str();
    sub->add_option("--sigma-min", in_.sigma_min, "Smallest noise level.")->capture_default_str();
    sub->add_option("--sigma-max", in_.sigma_max, "Largest noise level.")->capture_default_str();
    sub->add_option("--score-error", eta_, "Score error eta >= 0 (see above).")->required();
    sub->add_option("--score-model", model_, "eps (noise-prediction error) or c (scaled score c = 1 - eta).")
        ->check(CLI::IsMember({"eps", "c"}))
        ->capture_default_str();
    sub->add_option("--variance", in_.variance, "Data variance per coordinate when no spectrum is given (mean 0).")
        ->capture_default_str();
    sub->add_option("--spectrum", spectrum_, "Data variances, comma-separated (d = their number).");
    sub->add_option("--spectrum-file", spectrum_file_, "File of data variances (whitespace, comma or one per line).");
    sub->add_option("--tolerance", in_.tolerance,
                    "Prefer a simpler candidate (EDM rho=7, then geometric, then optimal rho) within this relative "
                    "margin of the smallest bound.")
        ->capture_default_str();
    sub->add_flag("--no-free-form", no_free_, "Skip the free-form search.");
    sub->add_option("--format", format_, "table, json or csv.")
        ->check(CLI::IsMember({"table", "json", "csv"}))
        ->capture_default_str();
    sub->add_option("--out", out_,
                    "Write the recommended levels to FILE (JSON if it ends in .json, else CSV i,sigma).");
    return sub;
  }

  int run() override {
    if (!spectrum_.empty() && !spectrum_file_.empty())
      throw ParamError("--spectrum: give either --spectrum or --spectrum-file, not both");
    if (!spectrum_.empty()) in_.spectrum = parse_spectrum(spectrum_, "--spectrum");
    if (!spectrum_file_.empty()) {
      std::ifstream f(spectrum_file_);
      if (!f) throw ParamError("--spectrum-file: cannot open '" + spectrum_file_ + "'");
      std::ostringstream text;
      std::string line;
      while (std::getline(f, line)) {
        const auto hash = line.find('#');
        text << (hash == std::string::npos ? line : line.substr(0, hash)) << '\n';
      }
      in_.spectrum = parse_spectrum(text.str(), "--spectrum-file");
    }
    if (in_.spectrum.empty() && dim_opt_->count() == 0)
      throw ParamError("--dim: required (or give --spectrum/--spectrum-file)");
    in_.score.model = ds::error_model_from_string(model_);
    in_.score.eta = eta_;
    in_.free_form = !no_free_;
    ds::validate(in_);
    const std::int64_t d = in_.spectrum.empty() ? in_.dimension : static_cast<std::int64_t>(in_.spectrum.size());
    const auto adv = ds::advise(in_);
    const auto& rec = adv.candidates[adv.recommended];

    if (!out_.empty()) {
      std::string text;
      if (out_.size() >= 5 && out_.substr(out_.size() - 5) == ".json") {
        text = json{{"schedule", rec.name}, {"description", rec.description}, {"levels", rec.sigma}}.dump(2) + "\n";
      } else {
        text = "i,sigma\n";
        for (std::size_t i = 0; i < rec.sigma.size(); ++i) text += fmt::format("{},{:.17g}\n", i, rec.sigma[i]);
      }
      write_file(out_, text);
    }

    if (format_ == "json") {
      json input{{"dimension", d},
                 {"n_levels", in_.n_levels},
                 {"sigma_min", in_.sigma_min},
                 {"sigma_max", in_.sigma_max},
                 {"score_model", model_},
                 {"score_error", eta_},
                 {"second_moment", ds::advice_data(in_).second_moment()},
                 {"C_D", in_.C_D},
                 {"C_S", in_.C_S},
                 {"tolerance", in_.tolerance}};
      json out{{"input", input}, {"recommended", rec.name}, {"reason", adv.reason}, {"candidates", json::array()}};
      for (const auto& c : adv.candidates) out["candidates"].push_back(candidate_json(c));
      std::cout << out.dump(2) << '\n';
    } else if (format_ == "csv") {
      std::cout << "name,rho,E_I,E_D,E_S,total,kappa,step_condition,recommended,description\n";
      for (std::size_t i = 0; i < adv.candidates.size(); ++i) {
        const auto& c = adv.candidates[i];
        std::cout << fmt::format("{},{},{:.10g},{:.10g},{:.10g},{:.10g},{:.6g},{},{},{}\n", c.name, rho_text(c, 10),
                                 c.init, c.discretization, c.score, c.total, c.kappa, c.step_condition ? 1 : 0,
                                 i == adv.recommended ? 1 : 0, csv_field(c.description));
      }
    } else {
      std::cout << fmt::format("diffbound advise: d = {}, N = {}, sigma in [{}, {}], score error {} (model {})\n", d,
                               in_.n_levels, shortest_decimal(in_.sigma_min), shortest_decimal(in_.sigma_max),
                               shortest_decimal(eta_), model_);
      std::cout << fmt::format("encoded bound of sampling.bound, C_D = {}, C_S = {} (fitted constants)\n\n",
                               shortest_decimal(in_.C_D), shortest_decimal(in_.C_S));
      std::cout << fmt::format("  {:<18} {:>10} {:>11} {:>11} {:>11} {:>11} {:>8}  {}\n", "candidate", "rho", "E_I",
                               "E_D", "E_S", "total", "kappa", "");
      for (std::size_t i = 0; i < adv.candidates.size(); ++i) {
        const auto& c = adv.candidates[i];
        std::cout << fmt::format("{} {:<18} {:>10} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>8.3g}  {}\n",
                                 i == adv.recommended ? "*" : " ", c.name, rho_text(c, 4), c.init, c.discretization,
                                 c.score, c.total, c.kappa, c.step_condition ? "" : "(step condition fails)");
      }
      std::cout << "\n" << adv.reason << "\n\nrecommended levels (" << rec.name << "):\n";
      for (std::size_t i = 0; i < rec.sigma.size(); ++i)
        std::cout << fmt::format("{:>12.6g}{}", rec.sigma[i], (i % 8 == 7 || i + 1 == rec.sigma.size()) ? "\n" : " ");
      if (!out_.empty()) std::cout << "written to " << out_ << '\n';
    }
    return 0;
  }

 private:
  ds::AdviceInput in_;
  double eta_ = 0;
  std::string model_ = "eps", spectrum_, spectrum_file_, format_ = "table", out_;
  bool no_free_ = false;
  CLI::Option* dim_opt_ = nullptr;
};

}  // namespace
}  // namespace diffbound::app

DIFFBOUND_REGISTER_COMMAND(diffbound::app::AdviseCommand)
