// Drawing the figures that checks declare (results' summary.figures) with gnuplot, through
// gnuplot-iostream, into PDFs for the report; and writing each figure's data as CSV.
//
// How a figure is drawn (no per-check code): measured series as points, bounds as solid lines, fits
// dashed, references dotted, other series as thin dash-dotted lines with small points; y_lo/y_hi as a
// shaded band in the series' colour. The k-th series of each role shares the k-th colour, so a check
// that declares "measured, bound" pairs in the same order gets matching colours. More than six such
// groups are split into panels with the same axes. Log axes where the figure says so (points that a
// log axis cannot show are left out, and the caption says how many). A heat map colours a cell around
// every (x, y) of its first series by z, with a colour bar; further series are drawn on top.
#pragma once

#include <diffbound/results/reader.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace diffbound::reports {

using results::Figure;
using results::Series;

struct DrawnFigure {
  std::vector<std::filesystem::path> panels;  ///< PDF files of the panels (empty: not drawn)
  std::vector<std::string> notes;             ///< plain-text remarks for the caption
  std::string error;                          ///< plain text: why the figure is not drawn
};

/// Draws every figure into `work_dir` (fig-<i>-<panel>.pdf) with one gnuplot process. Never throws
/// for a bad figure: its DrawnFigure says why it is missing.
std::vector<DrawnFigure> draw_figures(const std::vector<const Figure*>& figures, const std::filesystem::path& work_dir);

/// The CSV file name of a figure: <check>--<figure id>.csv, with characters other than letters,
/// digits and . _ - = + ( ) , replaced by '_'.
std::string figure_csv_name(const std::string& check, const std::string& figure_id);

/// The figure's data in long form: series,label,role,x,y,y_lo,y_hi,z (one row per point, every point
/// as declared; empty cells where a series has no such column, "nan" for a declared NaN/null).
std::string figure_csv(const Figure& figure);

}  // namespace diffbound::reports
