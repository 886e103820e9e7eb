#include <diffbound/reports/plots.hpp>

#include <diffbound/reports/latex.hpp>

#include <fmt/format.h>
#include <gnuplot-iostream.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace diffbound::reports {

namespace fs = std::filesystem;
using namespace diffbound::results;

namespace {

// Colour-blind-safe colours (Okabe–Ito, then Tol's), and filled point shapes first.
const char* const kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00",
                                "#882255", "#117733", "#332288", "#999933", "#AA4499", "#44AA99"};
constexpr std::size_t kNumColours = sizeof(kColours) / sizeof(kColours[0]);
const int kPointTypes[] = {7, 5, 9, 11, 13, 6, 4, 8, 10, 12};
constexpr std::size_t kNumPointTypes = sizeof(kPointTypes) / sizeof(kPointTypes[0]);
const char* const kReferenceColours[] = {"#444444", "#999999", "#000000"};
constexpr std::size_t kGroupsPerPanel = 6;
constexpr const char* kFont = "Latin Modern Roman";

std::string canonical_role(const std::string& r) {
  if (r == "measured" || r == "bound" || r == "fit" || r == "reference") return r;
  return "other";
}

struct Point {
  double x, y, lo, hi;
};

/// A series ready to draw: the points a (log) axis can show, and its colour group.
struct Prepared {
  const Series* series;
  std::string role;
  std::vector<Point> points;
  bool band = false;
  std::size_t group = 0;  ///< colour group (reference: index among references)
};

bool shown(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

/// The range padded by `pad` of its span (in log space on a log axis).
std::pair<double, double> padded(Range r, bool log, double pad) {
  if (log) {
    double a = std::log10(r.lo), b = std::log10(r.hi);
    if (b - a < 1e-12) a -= 0.3, b += 0.3;
    const double p = pad * (b - a);
    return {std::pow(10.0, a - p), std::pow(10.0, b + p)};
  }
  double a = r.lo, b = r.hi;
  if (b - a <= 1e-12 * std::max(std::fabs(a), std::fabs(b))) {
    const double w = a == 0 ? 1.0 : 0.1 * std::fabs(a);
    a -= w, b += w;
  }
  const double p = pad * (b - a);
  return {a - p, b + p};
}

std::string num(double v) { return fmt::format("{:.17g}", v); }

/// gnuplot commands for one axis: label, log scale, range, tics and their format.
std::string axis_commands(const std::string& axis, const std::string& label, bool log,
                          std::pair<double, double> range) {
  std::string s;
  if (!label.empty()) s += fmt::format("set {}label '{}' noenhanced\n", axis, gnuplot_quote(label));
  if (log) s += fmt::format("set logscale {} 10\n", axis);
  s += fmt::format("set {}range [{}:{}]\n", axis, num(range.first), num(range.second));
  if (log) {
    const double decades = std::log10(range.second / range.first);
    if (decades >= 2.0) {
      s += fmt::format("set format {} '10^{{%L}}'\n", axis);
      if (decades > 16) s += fmt::format("set {}tics {}\n", axis, num(std::pow(10.0, std::ceil(decades / 8))));
    } else {
      // Less than two decades: tics at 1, 2, 5 × 10^k (and every integer multiple when that is too few).
      std::vector<double> tics;
      for (const std::vector<int>& mult : {std::vector<int>{1, 2, 5}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
        tics.clear();
        for (int k = static_cast<int>(std::floor(std::log10(range.first))) - 1;
             k <= static_cast<int>(std::ceil(std::log10(range.second))); ++k)
          for (int m : mult) {
            const double v = m * std::pow(10.0, k);
            if (v >= range.first && v <= range.second) tics.push_back(v);
          }
        if (tics.size() >= 3) break;
      }
      if (tics.size() >= 2) {
        s += fmt::format("set {}tics (", axis);
        for (std::size_t i = 0; i < tics.size(); ++i) s += (i ? ", " : "") + fmt::format("{:.6g}", tics[i]);
        s += ")\n";
        s += fmt::format("set format {} '%g'\n", axis);
      }
    }
  }
  return s;
}

std::string common_header(const fs::path& pdf, double width_cm, double height_cm) {
  return fmt::format(
      "reset\n"
      "set terminal pdfcairo enhanced color font '{},11' size {:.2f}cm,{:.2f}cm linewidth 1 rounded\n"
      "set output '{}'\n"
      "set encoding utf8\n"
      "set minussign\n"
      "set border lw 0.7 lc rgb '#333333'\n"
      "set tics scale 0.7 nomirror out\n"
      "set mxtics default\nset mytics default\n"
      "set grid xtics ytics lc rgb '#dddddd' lw 0.5 dt 1\n"
      "set datafile missing 'nan'\n",
      kFont, width_cm, height_cm, gnuplot_quote(pdf.string()));
}

/// The gnuplot process and a copy of the commands sent to it (kept in the work folder as plots.gp).
struct Session {
  explicit Session(const std::string& cmd) : gp(cmd) {}
  Gnuplot gp;
  std::string script;
  void cmd(const std::string& s) {
    gp << s;
    script += s;
  }
  template <class Rows>
  void send(const Rows& rows) {
    gp.send1d(rows);
    script += fmt::format("# ({} rows of data)\ne\n", rows.size());
  }
};

using Row2 = std::tuple<double, double>;
using Row3 = std::tuple<double, double, double>;

/// The data of one figure, cleaned for drawing; notes say what was left out.
struct PreparedFigure {
  std::vector<Prepared> series;
  std::size_t groups = 0;
  std::vector<std::string> notes;
};

PreparedFigure prepare_xy(const Figure& f, std::size_t first_series) {
  PreparedFigure out;
  std::map<std::string, std::size_t> next_index;  // per role
  std::size_t dropped = 0, no_x = 0, mismatched = 0;
  for (std::size_t i = first_series; i < f.series.size(); ++i) {
    const Series& s = f.series[i];
    Prepared p{&s, canonical_role(s.role), {}, false, 0};
    std::size_t n = s.y.size();
    std::vector<double> x = s.x;
    if (x.empty() && n > 0) {
      ++no_x;
      for (std::size_t k = 0; k < n; ++k) x.push_back(static_cast<double>(k + 1));
    }
    if (x.size() != s.y.size()) ++mismatched;
    n = std::min(x.size(), s.y.size());
    const bool band = s.y_lo.size() == s.y.size() && s.y_hi.size() == s.y.size() && !s.y.empty();
    for (std::size_t k = 0; k < n; ++k) {
      if (!shown(x[k], f.logx) || !shown(s.y[k], f.logy)) {
        ++dropped;
        continue;
      }
      Point pt{x[k], s.y[k], std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
      if (band && shown(s.y_lo[k], f.logy) && shown(s.y_hi[k], f.logy)) {
        pt.lo = s.y_lo[k];
        pt.hi = s.y_hi[k];
        p.band = true;
      }
      p.points.push_back(pt);
    }
    std::stable_sort(p.points.begin(), p.points.end(), [&](const Point& a, const Point& b) {
      return p.role == "measured" ? false : a.x < b.x;  // lines in x order; measured points as given
    });
    p.group = next_index[p.role == "reference" ? "reference" : p.role]++;
    if (p.role != "reference") out.groups = std::max(out.groups, p.group + 1);
    if (!p.points.empty())
      out.series.push_back(std::move(p));
    else if (!s.y.empty() || !s.x.empty())
      out.notes.push_back(fmt::format("series '{}' has no point that can be drawn", s.label));
  }
  if (dropped > 0)
    out.notes.push_back(fmt::format("{} point{} not shown (not finite{})", dropped, dropped == 1 ? "" : "s",
                                    (f.logx || f.logy) ? ", or not positive on a log axis" : ""));
  if (no_x > 0) out.notes.push_back(fmt::format("{} series without x values, drawn against their index", no_x));
  if (mismatched > 0)
    out.notes.push_back(
        fmt::format("{} series with x and y of different lengths (the shorter length is used)", mismatched));
  return out;
}

/// Key layout: columns from the longest label, rows from the entries.
std::pair<int, int> key_layout(const std::vector<std::string>& labels, double width_cm) {
  if (labels.empty()) return {0, 0};
  std::size_t longest = 0;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  const double entry_cm = 0.17 * static_cast<double>(longest) + 1.7;
  int cols = std::clamp(static_cast<int>((width_cm - 0.5) / entry_cm), 1, 4);
  cols = std::min<int>(cols, static_cast<int>(labels.size()));
  const int rows =
      static_cast<int>((labels.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
  return {cols, rows};
}

/// Colours of series drawn over a heat map: black, white, then two the viridis map lacks.
const char* const kOverlayColours[] = {"#000000", "#FFFFFF", "#D55E00", "#CC79A7"};

std::string colour_of(const Prepared& p, bool overlay) {
  if (overlay) return kOverlayColours[p.group % 4];
  if (p.role == "reference") return kReferenceColours[p.group % 3];
  return kColours[p.group % kNumColours];
}

std::string style_of(const Prepared& p, bool for_key, bool overlay = false) {
  const std::string c = colour_of(p, overlay);
  const int pt = kPointTypes[p.group % kNumPointTypes];
  const bool single = p.points.size() == 1 && !for_key;
  if (p.role == "measured") {
    const double ps = p.points.size() > 300 ? 0.3 : 0.55;
    return fmt::format("with points pt {} ps {} lc rgb '{}'", pt, ps, c);
  }
  if (single) return fmt::format("with points pt 2 ps 0.6 lc rgb '{}'", c);
  if (p.role == "bound") return fmt::format("with lines lw 1.6 dt 1 lc rgb '{}'", c);
  if (p.role == "fit") return fmt::format("with lines lw 1.4 dt (7,4) lc rgb '{}'", c);
  if (p.role == "reference") return fmt::format("with lines lw 1.3 dt (1.5,3) lc rgb '{}'", c);
  return fmt::format("with linespoints lw 0.9 dt (6,3,1.5,3) pt 1 ps 0.45 lc rgb '{}'", c);
}

/// Draws an xy panel; `groups_shown` selects colour groups (references always drawn).
void plot_xy_panel(Session& gp, const Figure& f, const PreparedFigure& pf, const std::set<std::size_t>& groups_shown,
                   std::pair<double, double> xr, std::pair<double, double> yr, const fs::path& pdf,
                   std::vector<const Prepared*>* drawn_out = nullptr) {
  std::vector<const Prepared*> drawn;
  for (const auto& p : pf.series)
    if (p.role == "reference" || groups_shown.count(p.group)) drawn.push_back(&p);
  // Key entries in group order: measured, bound, fit, other; then references.
  std::vector<const Prepared*> keyed = drawn;
  auto role_rank = [](const std::string& r) {
    return r == "measured" ? 0 : r == "bound" ? 1 : r == "fit" ? 2 : r == "other" ? 3 : 4;
  };
  std::stable_sort(keyed.begin(), keyed.end(), [&](const Prepared* a, const Prepared* b) {
    const bool ra = a->role == "reference", rb = b->role == "reference";
    if (ra != rb) return rb;
    if (!ra && a->group != b->group) return a->group < b->group;
    return role_rank(a->role) < role_rank(b->role);
  });
  std::vector<std::string> labels;
  for (const auto* p : keyed) labels.push_back(p->series->label.empty() ? "(no label)" : p->series->label);
  const double width = 16.0;
  const auto [key_cols, key_rows] = key_layout(labels, width);
  const double height = std::min(8.6 + 0.45 * key_rows, 24.0);

  std::string s = common_header(pdf, width, height);
  s += axis_commands("x", f.xlabel, f.logx, xr);
  s += axis_commands("y", f.ylabel, f.logy, yr);
  if (key_cols > 0)
    s += fmt::format(
        "set key below center horizontal Left reverse maxcols {} samplen 2.6 spacing 1.1 width 1 "
        "height 0.6 font ',10' noenhanced\n",
        key_cols);
  else
    s += "unset key\n";

  // Drawing order: bands, references, lines, other, then measured points on top; titles come from
  // keyentry items in the key order.
  std::vector<std::string> elements;
  std::vector<std::function<void()>> senders;
  for (const auto* p : drawn)
    if (p->band) {
      elements.push_back(
          fmt::format("'-' using 1:2:3 with filledcurves fc rgb '{}' fs transparent solid 0.18 "
                      "noborder notitle",
                      colour_of(*p, false)));
      senders.push_back([&gp, p] {
        std::vector<Row3> rows;
        std::vector<Point> pts = p->points;
        std::stable_sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
        for (const auto& q : pts)
          if (std::isfinite(q.lo)) rows.emplace_back(q.x, q.lo, q.hi);
        gp.send(rows);
      });
    }
  for (const char* role : {"reference", "bound", "fit", "other", "measured"})
    for (const auto* p : drawn) {
      if (p->role != role) continue;
      elements.push_back("'-' using 1:2 " + style_of(*p, false) + " notitle");
      senders.push_back([&gp, p] {
        std::vector<Row2> rows;
        for (const auto& q : p->points) rows.emplace_back(q.x, q.y);
        gp.send(rows);
      });
    }
  for (std::size_t i = 0; i < keyed.size(); ++i)
    elements.push_back("keyentry " + style_of(*keyed[i], true) + " title '" + gnuplot_quote(labels[i]) + "'");
  s += "plot ";
  for (std::size_t i = 0; i < elements.size(); ++i) s += (i ? ", \\\n     " : "") + elements[i];
  s += "\n";
  gp.cmd(s);
  for (auto& send : senders) send();
  gp.cmd("unset output\n");
  if (drawn_out) *drawn_out = drawn;
}

/// Cell edges around sorted distinct values (midpoints; in log space on a log axis).
std::vector<double> cell_edges(const std::vector<double>& v, bool log) {
  std::vector<double> e(v.size() + 1);
  auto t = [&](double a) { return log ? std::log10(a) : a; };
  auto inv = [&](double a) { return log ? std::pow(10.0, a) : a; };
  if (v.size() == 1) {
    const double w = log ? 0.5 : (v[0] == 0 ? 0.5 : 0.5 * std::fabs(v[0]));
    e[0] = inv(t(v[0]) - w), e[1] = inv(t(v[0]) + w);
    return e;
  }
  for (std::size_t i = 1; i < v.size(); ++i) e[i] = inv(0.5 * (t(v[i - 1]) + t(v[i])));
  e[0] = inv(t(v[0]) - (t(e[1]) - t(v[0])));
  e[v.size()] = inv(t(v.back()) + (t(v.back()) - t(e[v.size() - 1])));
  return e;
}

bool draw_heatmap(Session& gp, const Figure& f, const fs::path& pdf, std::vector<std::string>& notes) {
  const Series& s = f.series.front();
  struct Cell {
    double x, y, z;
  };
  std::vector<Cell> cells;
  std::size_t dropped = 0;
  const std::size_t n = std::min({s.x.size(), s.y.size(), s.z.size()});
  if (s.x.size() != s.y.size() || s.x.size() != s.z.size())
    notes.push_back("the heat map's x, y and z have different lengths (the shortest is used)");
  for (std::size_t i = 0; i < n; ++i) {
    if (!shown(s.x[i], f.logx) || !shown(s.y[i], f.logy) || !shown(s.z[i], f.logz)) {
      ++dropped;
      continue;
    }
    cells.push_back({s.x[i], s.y[i], s.z[i]});
  }
  if (dropped > 0)
    notes.push_back(fmt::format("{} cell{} not shown (not finite, or not positive on a log scale)", dropped,
                                dropped == 1 ? "" : "s"));
  if (cells.empty()) return false;
  std::vector<double> xs, ys;
  Range zr;
  for (const auto& c : cells) xs.push_back(c.x), ys.push_back(c.y), zr.add(c.z);
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  std::sort(ys.begin(), ys.end());
  ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
  const auto ex = cell_edges(xs, f.logx), ey = cell_edges(ys, f.logy);

  // Overlays: further series, drawn like xy series.
  PreparedFigure overlay = prepare_xy(f, 1);
  for (auto& note : overlay.notes) notes.push_back("overlay: " + note);
  std::vector<std::string> labels;
  for (const auto& p : overlay.series) labels.push_back(p.series->label.empty() ? "(no label)" : p.series->label);
  const auto [key_cols, key_rows] = key_layout(labels, 16.0);
  const double height = std::min(9.5 + 0.45 * key_rows, 24.0);
  auto [zlo, zhi] = zr.lo < zr.hi ? std::pair{zr.lo, zr.hi} : padded(zr, f.logz, 0.0);

  // Two plots side by side (multiplot): the cells, and a colour bar drawn as boxes too. Boxes get an
  // outline in their own colour, so that no viewer shows hairline seams between them (gnuplot's own
  // colour box is a stack of polygons that anti-aliasing viewers draw with seams).
  const double bottom = (1.5 + 0.45 * key_rows) / height, top = 1.0 - 0.35 / height;
  std::string sc = common_header(pdf, 16.0, height);
  sc +=
      "set palette defined (0 '#440154', 0.13 '#482878', 0.25 '#3e4989', 0.38 '#31688e', 0.5 '#26828e', "
      "0.63 '#1f9e89', 0.75 '#35b779', 0.88 '#6ece58', 1 '#fde725')\n";
  if (f.logz) sc += "set logscale cb 10\n";
  sc += fmt::format("set cbrange [{}:{}]\nunset colorbox\n", num(zlo), num(zhi));
  sc += fmt::format(
      "set multiplot\nset bmargin at screen {:.4f}\nset tmargin at screen {:.4f}\n"
      "set rmargin at screen 0.835\n",
      bottom, top);
  sc += axis_commands("x", f.xlabel, f.logx, {ex.front(), ex.back()});
  sc += axis_commands("y", f.ylabel, f.logy, {ey.front(), ey.back()});
  sc += "set grid noxtics noytics\nset tics front\n";
  if (key_cols > 0)
    sc += fmt::format(
        "set key below center horizontal Left reverse maxcols {} samplen 2.6 spacing 1.1 height 0.6 "
        "font ',10' noenhanced\n",
        key_cols);
  else
    sc += "unset key\n";

  auto index_of = [](const std::vector<double>& v, double a) {
    return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), a) - v.begin());
  };
  // Values printed in the cells when the grid is small enough to read them; the text is light on
  // dark cells and dark on light ones.
  const bool labelled = xs.size() <= 12 && ys.size() <= 12;
  auto tone = [&](double z) {
    if (!(zhi > zlo)) return 0.5;
    return f.logz ? std::log10(z / zlo) / std::log10(zhi / zlo) : (z - zlo) / (zhi - zlo);
  };
  std::vector<Cell> light_text, dark_text;
  if (labelled)
    for (const auto& c : cells) (tone(c.z) < 0.55 ? light_text : dark_text).push_back(c);
  std::vector<std::string> elements{
      "'-' using 1:2:3:4:5:6:7 with boxxyerror lc palette lw 0.6 fs solid 1.0 border notitle"};
  if (!light_text.empty()) elements.push_back("'-' using 1:2:3 with labels font ',9' tc rgb '#ffffff' notitle");
  if (!dark_text.empty()) elements.push_back("'-' using 1:2:3 with labels font ',9' tc rgb '#000000' notitle");
  for (const char* role : {"reference", "bound", "fit", "other", "measured"})
    for (const auto& p : overlay.series)
      if (p.role == role) elements.push_back("'-' using 1:2 " + style_of(p, false, true) + " notitle");
  for (std::size_t i = 0; i < overlay.series.size(); ++i)
    elements.push_back("keyentry " + style_of(overlay.series[i], true, true) + " title '" + gnuplot_quote(labels[i]) +
                       "'");
  sc += "plot ";
  for (std::size_t i = 0; i < elements.size(); ++i) sc += (i ? ", \\\n     " : "") + elements[i];
  sc += "\n";
  gp.cmd(sc);
  std::vector<std::tuple<double, double, double, double, double, double, double>> boxes;
  for (const auto& c : cells) {
    const std::size_t i = index_of(xs, c.x), j = index_of(ys, c.y);
    boxes.emplace_back(c.x, c.y, ex[i], ex[i + 1], ey[j], ey[j + 1], c.z);
  }
  gp.send(boxes);
  for (const auto* list : {&light_text, &dark_text}) {
    if (list->empty()) continue;
    std::string rows;
    for (const auto& c : *list) rows += num(c.x) + ' ' + num(c.y) + " \"" + fmt::format("{:.3g}", c.z) + "\"\n";
    gp.gp << rows << "e\n";
    gp.script += fmt::format("# ({} labels)\ne\n", list->size());
  }
  for (const char* role : {"reference", "bound", "fit", "other", "measured"})
    for (const auto& p : overlay.series)
      if (p.role == role) {
        std::vector<Row2> rows;
        for (const auto& q : p.points) rows.emplace_back(q.x, q.y);
        gp.send(rows);
      }

  // The colour bar: 120 boxes from zlo to zhi (log-spaced on a log scale), labelled on the right.
  std::string bar =
      "unset key\nunset xtics\nunset ytics\nunset mxtics\nunset mytics\nunset xlabel\nunset ylabel\n"
      "unset logscale x\nunset logscale y\nunset grid\nset xrange [0:1]\n"
      "set lmargin at screen 0.865\nset rmargin at screen 0.89\n"
      "set border 15 lw 0.5 lc rgb '#333333'\nset y2tics out scale 0.6 nomirror\nset my2tics default\n";
  bar += axis_commands("y2", f.zlabel, f.logz, {zlo, zhi});
  bar += "plot '-' using 1:2:3:4:5:6:7 axes x1y2 with boxxyerror lc palette lw 0.6 fs solid 1.0 border notitle\n";
  gp.cmd(bar);
  std::vector<std::tuple<double, double, double, double, double, double, double>> steps;
  constexpr int kSteps = 120;
  for (int k = 0; k < kSteps; ++k) {
    auto at = [&](double t) { return f.logz ? zlo * std::pow(zhi / zlo, t) : zlo + t * (zhi - zlo); };
    const double a = at(static_cast<double>(k) / kSteps), b = at(static_cast<double>(k + 1) / kSteps);
    const double mid = at((k + 0.5) / kSteps);
    steps.emplace_back(0.5, mid, 0.0, 1.0, a, b, mid);
  }
  gp.send(steps);
  gp.cmd("unset multiplot\nunset output\n");
  return true;
}

/// Draws one figure; returns the PDFs it writes (possibly several panels).
std::vector<fs::path> draw_one(Session& gp, const Figure& f, std::size_t index, const fs::path& work,
                               std::vector<std::string>& notes) {
  if (f.series.empty()) {
    notes.push_back("the figure declares no series");
    return {};
  }
  if (f.kind == "heatmap") {
    const fs::path pdf = work / fmt::format("fig-{}-1.pdf", index);
    if (draw_heatmap(gp, f, pdf, notes)) return {pdf};
    notes.push_back("the heat map has no cell that can be drawn");
    return {};
  }
  if (f.kind != "xy") notes.push_back("unknown figure kind '" + f.kind + "', drawn as xy");
  PreparedFigure pf = prepare_xy(f, 0);
  for (auto& n : pf.notes) notes.push_back(n);
  if (pf.series.empty()) {
    notes.push_back("no series has a point that can be drawn");
    return {};
  }
  Range xr, yr;
  for (const auto& p : pf.series)
    for (const auto& q : p.points) {
      xr.add(q.x), yr.add(q.y);
      if (std::isfinite(q.lo)) yr.add(q.lo), yr.add(q.hi);
    }
  const auto xrange = padded(xr, f.logx, 0.03), yrange = padded(yr, f.logy, 0.05);
  const std::size_t panels = std::max<std::size_t>(1, (pf.groups + kGroupsPerPanel - 1) / kGroupsPerPanel);
  const std::size_t per_panel = panels == 1 ? std::max<std::size_t>(pf.groups, 1) : (pf.groups + panels - 1) / panels;
  std::vector<fs::path> out;
  for (std::size_t k = 0; k < panels; ++k) {
    std::set<std::size_t> groups;
    for (std::size_t g = k * per_panel; g < std::min(pf.groups, (k + 1) * per_panel); ++g) groups.insert(g);
    const fs::path pdf = work / fmt::format("fig-{}-{}.pdf", index, k + 1);
    plot_xy_panel(gp, f, pf, groups, xrange, yrange, pdf);
    out.push_back(pdf);
  }
  if (panels > 1)
    notes.push_back(fmt::format("{} groups of series, drawn in {} panels with the same axes", pf.groups, panels));
  std::size_t bands = 0;
  for (const auto& p : pf.series) bands += p.band ? 1 : 0;
  if (bands > 0) notes.push_back("shaded: the declared y_lo to y_hi range of a series, in its colour");
  return out;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(const std::vector<double>& v, std::size_t i) {
  if (i >= v.size()) return "";
  return std::isfinite(v[i]) ? fmt::format("{:.17g}", v[i]) : (std::isnan(v[i]) ? "nan" : (v[i] > 0 ? "inf" : "-inf"));
}

/// Splits a log into the parts after each "@@figure <i>" marker.
std::map<std::size_t, std::string> split_log(const std::string& log) {
  std::map<std::size_t, std::string> out;
  std::istringstream in(log);
  std::string line;
  std::size_t current = 0;
  bool have = false;
  while (std::getline(in, line)) {
    if (line.rfind("@@figure ", 0) == 0) {
      current = std::stoul(line.substr(9));
      have = true;
      continue;
    }
    if (have && !line.empty()) out[current] += line + "\n";
  }
  return out;
}

}  // namespace

std::string figure_csv_name(const std::string& check, const std::string& figure_id) {
  auto clean = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("._-=+(),").find(c) != std::string_view::npos;
      out += ok ? c : '_';
    }
    return out.empty() ? std::string("_") : out;
  };
  return clean(check) + "--" + clean(figure_id) + ".csv";
}

std::string figure_csv(const Figure& f) {
  std::string out = "series,label,role,x,y,y_lo,y_hi,z\n";
  for (std::size_t i = 0; i < f.series.size(); ++i) {
    const Series& s = f.series[i];
    const std::size_t n = std::max({s.x.size(), s.y.size(), s.z.size()});
    for (std::size_t k = 0; k < n; ++k)
      out += fmt::format("{},{},{},{},{},{},{},{}\n", i + 1, csv_cell(s.label), csv_cell(s.role), csv_number(s.x, k),
                         csv_number(s.y, k), csv_number(s.y_lo, k), csv_number(s.y_hi, k), csv_number(s.z, k));
  }
  return out;
}

std::vector<DrawnFigure> draw_figures(const std::vector<const Figure*>& figures, const fs::path& work_dir) {
  std::vector<DrawnFigure> out(figures.size());
  if (figures.empty()) return out;
  const std::string exe = find_program("gnuplot");
  if (exe.empty()) {
    for (auto& d : out) d.error = "gnuplot was not found on PATH (install gnuplot-nox; scripts/setup.sh does)";
    return out;
  }
  const fs::path log = work_dir / "gnuplot.log";
  // A gnuplot that dies must not kill the program with SIGPIPE.
  auto* old_handler = std::signal(SIGPIPE, SIG_IGN);
  {
    // gnuplot's status is not used (each figure's PDF is checked instead): "; true" keeps pclose quiet.
    Session gp(shell_quote(exe) + " > " + shell_quote(log.string()) + " 2>&1; true");
    for (std::size_t i = 0; i < figures.size(); ++i) {
      gp.cmd(fmt::format("print '@@figure {}'\n", i));
      out[i].panels = draw_one(gp, *figures[i], i + 1, work_dir, out[i].notes);
    }
    gp.cmd("exit\n");
    gp.gp.flush();
    std::ofstream(work_dir / "plots.gp") << gp.script;
  }  // the destructor waits for gnuplot to finish
  std::signal(SIGPIPE, old_handler);

  std::ifstream in(log);
  std::ostringstream buf;
  buf << in.rdbuf();
  const auto messages = split_log(buf.str());
  for (std::size_t i = 0; i < figures.size(); ++i) {
    bool ok = !out[i].panels.empty();
    std::error_code ec;
    for (const auto& p : out[i].panels) ok = ok && fs::is_regular_file(p, ec) && fs::file_size(p, ec) > 0;
    if (!ok) {
      auto it = messages.find(i);
      std::string why = out[i].panels.empty() ? "nothing to draw" : "gnuplot did not draw it";
      if (it != messages.end()) why += ": " + it->second.substr(0, 600);
      out[i].error = why;
      out[i].panels.clear();
    }
  }
  return out;
}

}  // namespace diffbound::reports
