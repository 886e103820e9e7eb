// The training half of full.error / design.weighting (checks/full_error_common.hpp): a DSM training run of
// the score network on given data points, with the readers of the training checks.
#include <diffbound/checks/full_error/common.hpp>
#include <diffbound/checks/training/common.hpp>

#include <diffbound/numerics/network_score.hpp>

#include <algorithm>

namespace diffbound::checks {

// The file's helpers sit in a namespace of their own so that a unity build does not mix them with
// another check's; the definitions below belong to checks/full_error/common.hpp.
namespace full_error_training_detail {
namespace {
struct Parsed {
  NetworkOptions network;
  DsmOptions loss;
  GdSpec gd;
};

Parsed parse(const json& run, const std::string& where) {
  if (!run.is_object()) throw ParamError(where + ": expected an object with network, loss, gd");
  reject_unknown_keys(run, where, {"network", "loss", "gd"});
  Parsed p;
  p.network = network_from_json(run.value("network", json::object()), where + ".network");
  p.loss = loss_from_json(run.value("loss", json::object()), where + ".loss");
  if (!run.contains("gd")) throw ParamError(where + ".gd: missing");
  // max_steps = 0 (the untrained network) is allowed here; the training checks' reader needs >= 1.
  json gd = run.at("gd");
  long max_steps = -1;
  if (gd.is_object() && gd.contains("max_steps") && gd.at("max_steps").is_number_integer() &&
      gd.at("max_steps").get<long long>() == 0) {
    max_steps = 0;
    gd["max_steps"] = 1;
  }
  p.gd = gd_from_json(gd, where + ".gd");
  if (max_steps == 0) p.gd.max_steps = 0;
  if (p.network.width > 4096) throw ParamError(where + ".network.width: at most 4096 here");
  if (p.gd.max_steps > 1000000) throw ParamError(where + ".gd.max_steps: at most 10^6 here");
  return p;
}
}  // namespace
}  // namespace full_error_training_detail
using namespace full_error_training_detail;

void validate_training(const json& run, const std::string& where) { (void)parse(run, where); }

std::string training_weight(const json& run) { return parse(run, "training").loss.weight; }

std::vector<double> training_levels(const json& run) {
  const Parsed p = parse(run, "training");
  auto lev = noise_levels<double>(p.loss.grid);  // decreasing
  std::reverse(lev.begin(), lev.end());
  lev.erase(lev.begin());
  return lev;
}

TrainedNetwork train_network(const json& run, const Eigen::MatrixXd& x0, std::uint64_t noise_seed,
                             std::uint64_t network_seed, const std::vector<double>& total_weights) {
  Parsed p = parse(run, "training");
  p.loss.samples = static_cast<int>(x0.cols());
  p.loss.total_weights = total_weights;
  const auto pb = make_problem<double>(p.network, p.loss, x0, noise_seed);
  const auto net = init_network<double>(p.network, pb.d_in, pb.d, network_seed);
  DsmObjective<double> obj(pb, net);
  TrainedNetwork out;
  if (p.gd.step)
    out.h = *p.gd.step;
  else {
    out.lambda_max = gauss_newton_lambda_max(obj, net.W, 40, mix64(network_seed ^ 0x4444));
    out.h = *p.gd.step_rel * 2.0 / out.lambda_max;
  }
  auto model = std::make_shared<NetworkScore>();
  model->net = net;
  if (p.gd.max_steps > 0) {
    Trainer<double> tr(obj, net.W, out.h);
    GdOptions go;
    go.max_steps = p.gd.max_steps;
    go.stop_ratio = p.gd.stop_ratio;
    go.divergence_ratio = p.gd.divergence_ratio;
    go.distance_every = 0;
    GdPath path = run_gd(tr, go);
    out.loss = std::move(path.loss);
    out.steps = path.steps();
    out.diverged = path.diverged;
    out.stop_reason = path.stop_reason;
    model->W = tr.params();
  } else {
    out.loss = {obj.value(net.W)};
    out.stop_reason = "untrained (max_steps = 0)";
    model->W = net.W;
  }
  out.score = model;
  return out;
}

}  // namespace diffbound::checks
