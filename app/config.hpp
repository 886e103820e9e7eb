// Custom sweeps from a file: `diffbound run --config FILE` (JSON, or TOML when the name ends in .toml).
//
// A config lists, per check, explicit cases and/or sweeps; a sweep is the cartesian product of lists of
// values over parameter paths, applied to a base parameter object. The README ("Custom sweeps") and
// examples/sweep.json describe the format:
//
//   { "description": "...",
//     "checks": [
//       { "check": "sampling.girsanov",
//         "size": "smoke",                                   (optional: the check's own cases too)
//         "cases":  [ { "id": "paper-6.2", "params": { ... } } ],
//         "sweeps": [ { "id": "edm", "base": { ... },
//                       "vary": { "schedule.n_levels": [8, 16, 32],
//                                 "score": { "exact": {...}, "c0.9": {...} },
//                                 "schedule.sigma_min,schedule.sigma_max": [[0.002, 80], [0.01, 50]] } } ] } ] }
//
// Generated case ids are readable and stable: "<sweep id>/<piece>/<piece>…", one piece per varied key,
// "n_levels=8" for a listed value (the last path component, or the whole path when two keys share it),
// the label for a labelled value. The first key of "vary" varies slowest.
#pragma once

#include <diffbound/checks/check.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound::app {

using checks::CaseSpec;
using checks::Check;
using nlohmann::json;

/// A malformed config; the message names the file, the place in it and the reason, on one line.
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The cases of one check in a config, in the order the file gives them.
struct ConfigEntry {
  const Check* check = nullptr;
  std::vector<CaseSpec> cases;
  std::vector<std::string> origins;  ///< where each case comes from, e.g. "checks[0].sweeps[1]"
};

struct SweepConfig {
  std::string file;    ///< as given on the command line
  std::string format;  ///< "json" or "toml"
  std::string description;
  std::vector<ConfigEntry> entries;  ///< one per check, in order of first appearance
};

/// Reads, parses and validates a config file: every case's parameters are read by its check
/// (Check::validate) before anything runs. Throws ConfigError.
SweepConfig load_config(const std::filesystem::path& file);

/// The same from text (`name` is used in messages; `toml` selects the syntax).
SweepConfig parse_config(const std::string& text, const std::string& name, bool toml);

/// Sets `path` (dot-separated keys) in `j` to `value`, creating objects on the way; throws
/// std::invalid_argument when a key on the way holds a value that is not an object.
void set_path(json& j, const std::string& path, const json& value);

}  // namespace diffbound::app
