// What a check declares for the report, as data: figures (with their series), tables, fitted rates and
// notes. The report draws whatever is declared here; a new check gets its plots without any change to
// reports/.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace diffbound::checks {

/// One curve of a figure. `role` tells the report how to draw it:
///   measured   the measured quantity (points);  bound      the bound it is held to (line);
///   fit        a fitted curve (dashed);          reference  a reference slope or value (dotted);
///   other      anything else (line).
/// y_lo / y_hi (optional, same length as y) are an enclosure or a confidence band.
/// In a heat map (Figure::kind == "heatmap") a series is a scattered grid: point i is (x_i, y_i, z_i).
struct Series {
  std::string label;
  std::string role = "measured";
  std::vector<double> x, y, y_lo, y_hi;
  std::vector<double> z;  ///< heat maps only
};

struct Figure {
  std::string id;           ///< unique within the check; the CSV file beside the PDF is <check>--<id>.csv
  std::string kind = "xy";  ///< "xy" (curves) or "heatmap" (z over an x–y grid, first series)
  std::string title;
  std::string xlabel, ylabel;
  std::string zlabel;  ///< heat maps only
  bool logx = false, logy = false, logz = false;
  std::vector<Series> series;
  std::string caption;
};

/// A small table; cells are JSON values (numbers, strings or null).
struct Table {
  std::string id;
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
  std::string caption;
};

/// A fitted slope (least squares of log y on log x) with its confidence interval.
struct Fit {
  std::string name;  ///< e.g. "order in N, edm(rho=7), d=1"
  double slope = 0, slope_lo = 0, slope_hi = 0, intercept = 0;
  double confidence = 0.95;
  int points = 0;
  double expected = 0;     ///< the predicted slope it is compared with (NaN: none)
  std::string comparison;  ///< e.g. "slope <= -1 (decays at least as fast as the bound)"
  std::string outcome;     ///< e.g. "HOLDS", "VIOLATED", "INCONCLUSIVE"
};

struct Summary {
  std::vector<Figure> figures;
  std::vector<Table> tables;
  std::vector<Fit> fits;
  std::vector<std::string> notes;
};

void to_json(nlohmann::json& j, const Series& s);
void from_json(const nlohmann::json& j, Series& s);
void to_json(nlohmann::json& j, const Figure& f);
void from_json(const nlohmann::json& j, Figure& f);
void to_json(nlohmann::json& j, const Table& t);
void from_json(const nlohmann::json& j, Table& t);
void to_json(nlohmann::json& j, const Fit& f);
void from_json(const nlohmann::json& j, Fit& f);
void to_json(nlohmann::json& j, const Summary& s);
void from_json(const nlohmann::json& j, Summary& s);

}  // namespace diffbound::checks
