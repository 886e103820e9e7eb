#include <diffbound/reports/latex.hpp>

#include <fmt/format.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace diffbound::reports {

namespace fs = std::filesystem;

namespace {

/// Decodes one UTF-8 code point at s[i]; advances i. Returns -1 for a malformed sequence (i moves
/// past one byte).
long decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  long cp = 0;
  if ((b0 & 0xE0) == 0xC0)
    len = 2, cp = b0 & 0x1F;
  else if ((b0 & 0xF0) == 0xE0)
    len = 3, cp = b0 & 0x0F;
  else if ((b0 & 0xF8) == 0xF0)
    len = 4, cp = b0 & 0x07;
  else {
    ++i;
    return -1;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

/// Superscript and subscript characters: the character they raise or lower.
const std::unordered_map<long, const char*>& superscripts() {
  static const std::unordered_map<long, const char*> m{
      {0x2070, "0"}, {0x00B9, "1"}, {0x00B2, "2"}, {0x00B3, "3"}, {0x2074, "4"}, {0x2075, "5"}, {0x2076, "6"},
      {0x2077, "7"}, {0x2078, "8"}, {0x2079, "9"}, {0x207A, "+"}, {0x207B, "-"}, {0x207C, "="}, {0x207D, "("},
      {0x207E, ")"}, {0x207F, "n"}, {0x2071, "i"}, {0x1D40, "T"}, {0x1D48, "d"}, {0x1D4F, "k"}, {0x02E1, "l"},
      {0x1D50, "m"}, {0x1D57, "t"}, {0x02B3, "r"}, {0x02E3, "x"}, {0x02B8, "y"}, {0x1D43, "a"}, {0x1D47, "b"},
      {0x1D9C, "c"}, {0x1D49, "e"}, {0x02B2, "j"}, {0x1D56, "p"}, {0x02E2, "s"}, {0x1D58, "u"}, {0x1D5B, "v"},
      {0x02B7, "w"}, {0x1D2E, "B"}, {0x1D30, "D"}, {0x1D3A, "N"}};
  return m;
}
const std::unordered_map<long, const char*>& subscripts() {
  static const std::unordered_map<long, const char*> m{
      {0x2080, "0"},    {0x2081, "1"}, {0x2082, "2"},      {0x2083, "3"},       {0x2084, "4"},     {0x2085, "5"},
      {0x2086, "6"},    {0x2087, "7"}, {0x2088, "8"},      {0x2089, "9"},       {0x208A, "+"},     {0x208B, "-"},
      {0x208C, "="},    {0x208D, "("}, {0x208E, ")"},      {0x2090, "a"},       {0x2091, "e"},     {0x2092, "o"},
      {0x2093, "x"},    {0x2095, "h"}, {0x2096, "k"},      {0x2097, "l"},       {0x2098, "m"},     {0x2099, "n"},
      {0x209A, "p"},    {0x209B, "s"}, {0x209C, "t"},      {0x1D62, "i"},       {0x2C7C, "j"},     {0x1D63, "r"},
      {0x1D64, "u"},    {0x1D65, "v"}, {0x1D66, "\\beta"}, {0x1D67, "\\gamma"}, {0x1D68, "\\rho"}, {0x1D69, "\\varphi"},
      {0x1D6A, "\\chi"}};
  return m;
}

/// Other non-ASCII characters: text-mode LaTeX (math commands wrapped in \ensuremath).
const std::unordered_map<long, const char*>& symbols() {
  static const std::unordered_map<long, const char*> m{
      // Greek
      {0x03B1, "\\ensuremath{\\alpha}"},
      {0x03B2, "\\ensuremath{\\beta}"},
      {0x03B3, "\\ensuremath{\\gamma}"},
      {0x03B4, "\\ensuremath{\\delta}"},
      {0x03B5, "\\ensuremath{\\varepsilon}"},
      {0x03F5, "\\ensuremath{\\epsilon}"},
      {0x03B6, "\\ensuremath{\\zeta}"},
      {0x03B7, "\\ensuremath{\\eta}"},
      {0x03B8, "\\ensuremath{\\theta}"},
      {0x03D1, "\\ensuremath{\\vartheta}"},
      {0x03B9, "\\ensuremath{\\iota}"},
      {0x03BA, "\\ensuremath{\\kappa}"},
      {0x03BB, "\\ensuremath{\\lambda}"},
      {0x03BC, "\\ensuremath{\\mu}"},
      {0x00B5, "\\ensuremath{\\mu}"},
      {0x03BD, "\\ensuremath{\\nu}"},
      {0x03BE, "\\ensuremath{\\xi}"},
      {0x03BF, "o"},
      {0x03C0, "\\ensuremath{\\pi}"},
      {0x03C1, "\\ensuremath{\\rho}"},
      {0x03C2, "\\ensuremath{\\varsigma}"},
      {0x03C3, "\\ensuremath{\\sigma}"},
      {0x03C4, "\\ensuremath{\\tau}"},
      {0x03C5, "\\ensuremath{\\upsilon}"},
      {0x03C6, "\\ensuremath{\\phi}"},
      {0x03D5, "\\ensuremath{\\phi}"},
      {0x03C7, "\\ensuremath{\\chi}"},
      {0x03C8, "\\ensuremath{\\psi}"},
      {0x03C9, "\\ensuremath{\\omega}"},
      {0x0391, "A"},
      {0x0392, "B"},
      {0x0393, "\\ensuremath{\\Gamma}"},
      {0x0394, "\\ensuremath{\\Delta}"},
      {0x0395, "E"},
      {0x0396, "Z"},
      {0x0397, "H"},
      {0x0398, "\\ensuremath{\\Theta}"},
      {0x0399, "I"},
      {0x039A, "K"},
      {0x039B, "\\ensuremath{\\Lambda}"},
      {0x039C, "M"},
      {0x039D, "N"},
      {0x039E, "\\ensuremath{\\Xi}"},
      {0x039F, "O"},
      {0x03A0, "\\ensuremath{\\Pi}"},
      {0x03A1, "P"},
      {0x03A3, "\\ensuremath{\\Sigma}"},
      {0x03A4, "T"},
      {0x03A5, "\\ensuremath{\\Upsilon}"},
      {0x03A6, "\\ensuremath{\\Phi}"},
      {0x03A7, "X"},
      {0x03A8, "\\ensuremath{\\Psi}"},
      {0x03A9, "\\ensuremath{\\Omega}"},
      // relations and operators
      {0x2264, "\\ensuremath{\\le}"},
      {0x2265, "\\ensuremath{\\ge}"},
      {0x2260, "\\ensuremath{\\ne}"},
      {0x2248, "\\ensuremath{\\approx}"},
      {0x223C, "\\ensuremath{\\sim}"},
      {0x2243, "\\ensuremath{\\simeq}"},
      {0x2245, "\\ensuremath{\\cong}"},
      {0x2261, "\\ensuremath{\\equiv}"},
      {0x221D, "\\ensuremath{\\propto}"},
      {0x226A, "\\ensuremath{\\ll}"},
      {0x226B, "\\ensuremath{\\gg}"},
      {0x2272, "\\ensuremath{\\lesssim}"},
      {0x2273, "\\ensuremath{\\gtrsim}"},
      {0x2254, "\\ensuremath{\\mathrel{:}=}"},
      {0x225C, "\\ensuremath{\\triangleq}"},
      {0x2016, "\\ensuremath{\\|}"},
      {0x2225, "\\ensuremath{\\|}"},
      {0x2223, "\\ensuremath{\\mid}"},
      {0x2207, "\\ensuremath{\\nabla}"},
      {0x2202, "\\ensuremath{\\partial}"},
      {0x221E, "\\ensuremath{\\infty}"},
      {0x2211, "\\ensuremath{\\sum}"},
      {0x220F, "\\ensuremath{\\prod}"},
      {0x222B, "\\ensuremath{\\int}"},
      {0x221A, "\\ensuremath{\\surd}"},
      {0x00B1, "\\ensuremath{\\pm}"},
      {0x2213, "\\ensuremath{\\mp}"},
      {0x00D7, "\\ensuremath{\\times}"},
      {0x00F7, "\\ensuremath{\\div}"},
      {0x00B7, "\\ensuremath{\\cdot}"},
      {0x22C5, "\\ensuremath{\\cdot}"},
      {0x2219, "\\ensuremath{\\cdot}"},
      {0x2218, "\\ensuremath{\\circ}"},
      {0x2217, "\\ensuremath{\\ast}"},
      {0x2297, "\\ensuremath{\\otimes}"},
      {0x2295, "\\ensuremath{\\oplus}"},
      {0x2212, "\\ensuremath{-}"},
      {0x2208, "\\ensuremath{\\in}"},
      {0x2209, "\\ensuremath{\\notin}"},
      {0x220B, "\\ensuremath{\\ni}"},
      {0x2282, "\\ensuremath{\\subset}"},
      {0x2286, "\\ensuremath{\\subseteq}"},
      {0x2283, "\\ensuremath{\\supset}"},
      {0x2287, "\\ensuremath{\\supseteq}"},
      {0x222A, "\\ensuremath{\\cup}"},
      {0x2229, "\\ensuremath{\\cap}"},
      {0x2205, "\\ensuremath{\\emptyset}"},
      {0x2200, "\\ensuremath{\\forall}"},
      {0x2203, "\\ensuremath{\\exists}"},
      {0x00AC, "\\ensuremath{\\neg}"},
      {0x2227, "\\ensuremath{\\wedge}"},
      {0x2228, "\\ensuremath{\\vee}"},
      {0x22A4, "\\ensuremath{\\top}"},
      {0x22A5, "\\ensuremath{\\perp}"},
      {0x27E8, "\\ensuremath{\\langle}"},
      {0x27E9, "\\ensuremath{\\rangle}"},
      {0x2329, "\\ensuremath{\\langle}"},
      {0x232A, "\\ensuremath{\\rangle}"},
      {0x2308, "\\ensuremath{\\lceil}"},
      {0x2309, "\\ensuremath{\\rceil}"},
      {0x230A, "\\ensuremath{\\lfloor}"},
      {0x230B, "\\ensuremath{\\rfloor}"},
      {0x2192, "\\ensuremath{\\to}"},
      {0x2190, "\\ensuremath{\\leftarrow}"},
      {0x2194, "\\ensuremath{\\leftrightarrow}"},
      {0x21D2, "\\ensuremath{\\Rightarrow}"},
      {0x21D0, "\\ensuremath{\\Leftarrow}"},
      {0x21D4, "\\ensuremath{\\Leftrightarrow}"},
      {0x21A6, "\\ensuremath{\\mapsto}"},
      {0x2191, "\\ensuremath{\\uparrow}"},
      {0x2193, "\\ensuremath{\\downarrow}"},
      {0x2032, "\\ensuremath{'}"},
      {0x2033, "\\ensuremath{''}"},
      {0x2113, "\\ensuremath{\\ell}"},
      {0x211D, "\\ensuremath{\\mathbb{R}}"},
      {0x2115, "\\ensuremath{\\mathbb{N}}"},
      {0x2124, "\\ensuremath{\\mathbb{Z}}"},
      {0x211A, "\\ensuremath{\\mathbb{Q}}"},
      {0x2102, "\\ensuremath{\\mathbb{C}}"},
      {0x1D53C, "\\ensuremath{\\mathbb{E}}"},
      {0x2119, "\\ensuremath{\\mathbb{P}}"},
      {0x1D4A9, "\\ensuremath{\\mathcal{N}}"},
      {0x1D4AA, "\\ensuremath{\\mathcal{O}}"},
      {0x1D4DB, "\\ensuremath{\\mathcal{L}}"},
      {0x2112, "\\ensuremath{\\mathcal{L}}"},
      {0x2130, "\\ensuremath{\\mathcal{E}}"},
      {0x2131, "\\ensuremath{\\mathcal{F}}"},
      {0x210B, "\\ensuremath{\\mathcal{H}}"},
      {0x2133, "\\ensuremath{\\mathcal{M}}"},
      {0x2026, "\\ldots{}"},
      {0x22EF, "\\ensuremath{\\cdots}"},
      {0x00B0, "\\ensuremath{^\\circ}"},
      {0x2713, "\\ensuremath{\\checkmark}"},
      {0x2714, "\\ensuremath{\\checkmark}"},
      {0x2717, "\\ensuremath{\\times}"},
      {0x2718, "\\ensuremath{\\times}"},
      {0x2605, "\\ensuremath{\\star}"},
      {0x22C6, "\\ensuremath{\\star}"},
      {0x25A1, "\\ensuremath{\\square}"},
      {0x220E, "\\ensuremath{\\blacksquare}"},
      // punctuation
      {0x00A0, "~"},
      {0x2009, "\\,"},
      {0x202F, "\\,"},
      {0x2002, "\\enskip{}"},
      {0x2003, "\\quad{}"},
      {0x200B, ""},
      {0x2010, "-"},
      {0x2011, "-"},
      {0x2012, "--"},
      {0x2013, "--"},
      {0x2014, "---"},
      {0x2015, "---"},
      {0x2018, "`"},
      {0x2019, "'"},
      {0x201C, "``"},
      {0x201D, "''"},
      {0x201A, ","},
      {0x201E, ",,"},
      {0x00AB, "\\guillemotleft{}"},
      {0x00BB, "\\guillemotright{}"},
      {0x2022, "\\textbullet{}"},
      {0x00A7, "\\S{}"},
      {0x00B6, "\\P{}"},
      {0x00A9, "\\copyright{}"},
      {0x00AE, "\\textregistered{}"},
      {0x2122, "\\texttrademark{}"},
      {0x20AC, "\\texteuro{}"},
      {0x00A3, "\\pounds{}"},
      {0x2030, "\\textperthousand{}"},
      {0x00BD, "\\ensuremath{\\tfrac12}"},
      {0x00BC, "\\ensuremath{\\tfrac14}"},
      {0x00BE, "\\ensuremath{\\tfrac34}"},
      {0x2153, "\\ensuremath{\\tfrac13}"},
      {0x2154, "\\ensuremath{\\tfrac23}"},
      {0xFEFF, ""},
  };
  return m;
}

/// Latin letters with diacritics that T1-encoded fonts and LaTeX's UTF-8 input support directly.
bool latin_passthrough(long cp) {
  if (cp >= 0xC0 && cp <= 0xFF) return cp != 0xD7 && cp != 0xF7;
  if (cp >= 0x100 && cp <= 0x17E)
    return cp != 0x126 && cp != 0x127 && cp != 0x138 && cp != 0x13F && cp != 0x140 && cp != 0x149 && cp != 0x166 &&
           cp != 0x167;
  return false;
}

void escape_ascii(char c, std::string& out) {
  switch (c) {
    case '\\':
      out += "\\textbackslash{}";
      break;
    case '{':
      out += "\\{";
      break;
    case '}':
      out += "\\}";
      break;
    case '$':
      out += "\\$";
      break;
    case '&':
      out += "\\&";
      break;
    case '%':
      out += "\\%";
      break;
    case '#':
      out += "\\#";
      break;
    case '_':
      out += "\\_";
      break;
    case '^':
      out += "\\textasciicircum{}";
      break;
    case '~':
      out += "\\textasciitilde{}";
      break;
    case '[':
      out += "{[}";
      break;
    case ']':
      out += "{]}";
      break;
    case '<':
      out += "\\textless{}";
      break;
    case '>':
      out += "\\textgreater{}";
      break;
    case '|':
      out += "\\textbar{}";
      break;
    case '"':
      out += "\\textquotedbl{}";
      break;
    case '-':
      out += "-{}";
      break;  // no -- or --- ligatures from data
    case '`':
      out += "\\textasciigrave{}";
      break;
    case '\'':
      out += "\\textquotesingle{}";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        out += ' ';
      else
        out += c;
  }
}

/// If cp is a superscript (subscript) character, appends the run of them that starts at cp as one
/// \ensuremath{^{...}} (_{...}), moves i past the run and returns true.
bool script_run(std::string_view text, long cp, std::size_t& i, std::string& out) {
  for (const auto* table : {&superscripts(), &subscripts()}) {
    auto it = table->find(cp);
    if (it == table->end()) continue;
    std::string inner = it->second;
    std::size_t j = i;
    while (j < text.size()) {
      std::size_t k = j;
      const long next = decode_utf8(text, k);
      auto jt = table->find(next);
      if (jt == table->end()) break;
      inner += jt->second;
      j = k;
    }
    i = j;
    out += std::string("\\ensuremath{") + (table == &superscripts() ? "^{" : "_{") + inner + "}}";
    return true;
  }
  return false;
}

std::string escape_impl(std::string_view text, bool breakable) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::size_t i = 0, run = 0;
  auto allow_break = [&] {
    out += "\\allowbreak{}";
    run = 0;
  };
  while (i < text.size()) {
    const std::size_t start = i;
    const long cp = decode_utf8(text, i);
    if (cp < 0) {
      out += '?';
      ++run;
      continue;
    }
    // Runs of superscript or subscript characters become one ^{...} or _{...}.
    if (script_run(text, cp, i, out)) {
      ++run;
      continue;
    }
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      escape_ascii(c, out);
      ++run;
      if (breakable) {
        if (c == '/' || c == ',' || c == ';' || c == '=' || c == ':' || c == ')' || c == '_' || c == '|')
          allow_break();
        else if (run >= 18)
          allow_break();
      }
      continue;
    }
    if (latin_passthrough(cp)) {
      out.append(text.substr(start, i - start));
      ++run;
      continue;
    }
    if (auto it = symbols().find(cp); it != symbols().end()) {
      out += it->second;
      ++run;
      continue;
    }
    out += fmt::format("[U+{:04X}]", cp);
    run += 8;
  }
  return out;
}

}  // namespace

std::string latex_escape(std::string_view text) { return escape_impl(text, false); }

std::string latex_breakable_tt(std::string_view text) { return "\\texttt{" + escape_impl(text, true) + "}"; }

std::string latex_number(double x, int digits) {
  if (std::isnan(x)) return "--";
  if (std::isinf(x)) return x > 0 ? "\\ensuremath{\\infty}" : "\\ensuremath{-\\infty}";
  if (x == 0) return "\\ensuremath{0}";
  const double a = std::fabs(x);
  if (a >= 1e-3 && a < 1e5) {
    std::string s = fmt::format("{:.{}g}", x, digits);
    if (s.find('e') == std::string::npos) return "\\ensuremath{" + s + "}";
  }
  int e = static_cast<int>(std::floor(std::log10(a)));
  double m = x / std::pow(10.0, e);
  // Rounding can carry the mantissa to 10.
  std::string ms = fmt::format("{:.{}f}", m, digits - 1);
  if (std::fabs(std::stod(ms)) >= 10) {
    ++e;
    ms = fmt::format("{:.{}f}", x / std::pow(10.0, e), digits - 1);
  }
  return fmt::format("\\ensuremath{{{}\\times 10^{{{}}}}}", ms, e);
}

std::string latex_count(const std::optional<std::int64_t>& n) { return n ? std::to_string(*n) : "--"; }

std::string gnuplot_quote(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    const std::size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

std::string latex_log_errors(const std::string& log, std::size_t max_lines, std::optional<std::size_t>* first_line) {
  static const std::regex file_line(R"(^(.*\.(tex|sty|cls|def|cfg|fd)):([0-9]+): (.*)$)");
  static const std::regex context(R"(^l\.([0-9]+) )");
  std::istringstream in(log);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines.size() && out.size() < max_lines; ++i) {
    std::smatch m;
    const bool is_error = std::regex_match(lines[i], m, file_line) || lines[i].rfind("! ", 0) == 0;
    if (!is_error) continue;
    if (lines[i].find("==> Fatal error occurred") != std::string::npos) continue;
    if (first_line && !*first_line && m.size() > 3 && m[1].str().find("report.tex") != std::string::npos)
      *first_line = static_cast<std::size_t>(std::stoul(m[3].str()));
    out.push_back(lines[i]);
    // The context: up to the "l.<n> ..." line and the line after it.
    for (std::size_t k = i + 1; k < lines.size() && k <= i + 8 && out.size() < max_lines; ++k) {
      if (lines[k].empty()) continue;
      if (lines[k].rfind("Here is how much", 0) == 0) break;
      out.push_back("  " + lines[k]);
      if (std::regex_search(lines[k], context)) {
        if (k + 1 < lines.size() && !lines[k + 1].empty() && out.size() < max_lines) out.push_back("  " + lines[k + 1]);
        i = k + 1;
        break;
      }
      i = k;
    }
  }
  std::string s;
  for (const auto& l : out) s += l + "\n";
  return s;
}

LatexResult run_pdflatex(const fs::path& tex_file, int passes) {
  const std::string exe = find_program("pdflatex");
  if (exe.empty())
    throw std::runtime_error("pdflatex not found on PATH (install texlive-latex-base; scripts/setup.sh does)");
  const fs::path dir = tex_file.parent_path().empty() ? fs::path(".") : tex_file.parent_path();
  const fs::path log = dir / (tex_file.stem().string() + ".log");
  const fs::path console = dir / "pdflatex.out";
  LatexResult r;
  for (int pass = 0; pass < passes; ++pass) {
    // After two passes, a third one only when LaTeX asks for it (page references moved).
    if (pass >= 2) {
      std::ifstream in(log);
      std::ostringstream buf;
      buf << in.rdbuf();
      if (buf.str().find("Rerun to get") == std::string::npos &&
          buf.str().find("may have changed. Rerun") == std::string::npos)
        break;
    }
    const std::string cmd = "cd " + shell_quote(dir.string()) + " && " + shell_quote(exe) +
                            " -interaction=nonstopmode -halt-on-error -file-line-error " +
                            shell_quote(tex_file.filename().string()) + " > " + shell_quote(console.string()) +
                            " 2>&1 < /dev/null";
    const int status = std::system(cmd.c_str());
    if (status != 0) {
      std::ifstream in(log);
      std::ostringstream buf;
      buf << in.rdbuf();
      r.errors = latex_log_errors(buf.str(), 20, &r.error_line);
      if (r.errors.empty()) {
        std::ifstream cin(console);
        std::ostringstream cbuf;
        cbuf << cin.rdbuf();
        const std::string text = cbuf.str();
        r.errors = text.size() > 2000 ? text.substr(text.size() - 2000) : text;
        if (r.errors.empty()) r.errors = fmt::format("pdflatex exited with status {}", status);
      }
      r.ok = false;
      return r;
    }
  }
  std::error_code ec;
  const fs::path pdf = dir / (tex_file.stem().string() + ".pdf");
  r.ok = fs::is_regular_file(pdf, ec) && fs::file_size(pdf, ec) > 0;
  if (!r.ok) r.errors = "pdflatex reported success but wrote no PDF";
  return r;
}

}  // namespace diffbound::reports
