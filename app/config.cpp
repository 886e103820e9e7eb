#include <diffbound/app/config.hpp>

#include <diffbound/checks/params.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace diffbound::app {

using namespace diffbound::checks;
using namespace diffbound::results;

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;  // keeps the keys in file order: "vary" is ordered

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& msg) const {
    throw ConfigError(file_ + ": " + where + ": " + msg);
  }

  void check_keys(const ojson& o, const std::string& where, std::initializer_list<const char*> known) const {
    if (!o.is_object()) fail(where, std::string("expected an object, got ") + o.type_name());
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (std::find_if(known.begin(), known.end(), [&](const char* k) { return it.key() == k; }) != known.end())
        continue;
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(where == "top level" ? it.key() : where + "." + it.key(), "unknown key (known keys: " + list + ")");
    }
  }

  std::string string_at(const ojson& o, const char* key, const std::string& where) const {
    const ojson& v = o.at(key);
    if (!v.is_string()) fail(where + "." + key, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  /// An id or label: non-empty, printable, one line.
  void check_name(const std::string& s, const std::string& where, const char* what) const {
    if (s.empty()) fail(where, std::string("empty ") + what);
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f) fail(where, std::string(what) + " '" + s + "' contains a control character");
  }

  SweepConfig parse(const ojson& root) const;

 private:
  void add_sweep(const ojson& sweep, const std::string& where, std::size_t index, ConfigEntry& entry) const;
  std::string file_;
};

/// ordered_json → json, keeping NaN and infinities as numbers (so that readers say "must be finite").
json plain(const ojson& o) {
  switch (o.type()) {
    case ojson::value_t::object: {
      json j = json::object();
      for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = plain(it.value());
      return j;
    }
    case ojson::value_t::array: {
      json j = json::array();
      for (const auto& v : o) j.push_back(plain(v));
      return j;
    }
    case ojson::value_t::string:
      return o.get<std::string>();
    case ojson::value_t::boolean:
      return o.get<bool>();
    case ojson::value_t::number_integer:
      return o.get<std::int64_t>();
    case ojson::value_t::number_unsigned:
      return o.get<std::uint64_t>();
    case ojson::value_t::number_float:
      return o.get<double>();
    default:
      return nullptr;
  }
}

/// The text of a listed value in a case id.
std::string render(const ojson& v, std::size_t index) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_float()) return shortest_decimal(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_object() && v.contains("name") && v.at("name").is_string()) return v.at("name").get<std::string>();
  if (v.is_null()) return "null";
  return "#" + std::to_string(index + 1);
}

std::vector<std::string> split_paths(const std::string& key) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(key);
  while (std::getline(in, cur, ',')) {
    const auto b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : cur.substr(b, e - b + 1));
  }
  if (!key.empty() && key.back() == ',') out.push_back("");
  return out;
}

std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

/// One varied key of a sweep: its paths and, per choice, the values and the id piece.
struct Dimension {
  std::string key;
  std::vector<std::string> paths;
  std::vector<std::vector<ojson>> values;  // [choice][path]
  std::vector<std::string> pieces;         // [choice]
};

void Reader::add_sweep(const ojson& sweep, const std::string& where, std::size_t index, ConfigEntry& entry) const {
  check_keys(sweep, where, {"id", "base", "vary", "comment"});
  std::string prefix;
  if (sweep.contains("id")) {
    prefix = string_at(sweep, "id", where);
    check_name(prefix, where + ".id", "sweep id");
  }
  if (!sweep.contains("base")) fail(where + ".base", "missing (the parameters every case starts from)");
  if (!sweep.at("base").is_object())
    fail(where + ".base", std::string("expected an object, got ") + sweep.at("base").type_name());
  const json base = plain(sweep.at("base"));

  std::vector<Dimension> dims;
  if (sweep.contains("vary")) {
    const ojson& vary = sweep.at("vary");
    if (!vary.is_object())
      fail(where + ".vary", std::string("expected an object of \"path\": [values], got ") + vary.type_name());
    std::map<std::string, int> name_count;  // last components, to spot ambiguous short names
    for (auto it = vary.begin(); it != vary.end(); ++it)
      for (const auto& p : split_paths(it.key())) ++name_count[last_component(p)];
    for (auto it = vary.begin(); it != vary.end(); ++it) {
      Dimension d;
      d.key = it.key();
      const std::string w = where + ".vary[\"" + d.key + "\"]";
      d.paths = split_paths(d.key);
      for (const auto& p : d.paths) {
        if (p.empty() || p.front() == '.' || p.back() == '.' || p.find("..") != std::string::npos)
          fail(w, "'" + p + "' is not a parameter path (keys joined by '.', several paths joined by ',')");
      }
      auto tuple = [&](const ojson& v, const std::string& wv) {
        std::vector<ojson> out;
        if (d.paths.size() == 1) {
          out.push_back(v);
        } else {
          if (!v.is_array() || v.size() != d.paths.size())
            fail(wv,
                 "expected a list of " + std::to_string(d.paths.size()) + " values (one per path), got " + v.dump());
          for (const auto& x : v) out.push_back(x);
        }
        return out;
      };
      const ojson& vals = it.value();
      if (vals.is_array()) {
        if (vals.empty()) fail(w, "empty list of values");
        for (std::size_t i = 0; i < vals.size(); ++i) {
          const auto t = tuple(vals[i], w + "[" + std::to_string(i) + "]");
          std::string piece;
          for (std::size_t p = 0; p < d.paths.size(); ++p) {
            const std::string name =
                name_count[last_component(d.paths[p])] > 1 ? d.paths[p] : last_component(d.paths[p]);
            piece += (p ? "," : "") + name + "=" + render(t[p], i);
          }
          d.values.push_back(t);
          d.pieces.push_back(piece);
        }
      } else if (vals.is_object()) {
        if (vals.empty()) fail(w, "empty set of labelled values");
        for (auto v = vals.begin(); v != vals.end(); ++v) {
          check_name(v.key(), w, "label");
          d.values.push_back(tuple(v.value(), w + "[\"" + v.key() + "\"]"));
          d.pieces.push_back(v.key());
        }
      } else {
        fail(w, "expected a list of values or an object of labelled values, got " + vals.dump());
      }
      dims.push_back(std::move(d));
    }
  }

  std::size_t total = 1;
  for (const auto& d : dims) {
    total *= d.values.size();
    if (total > 1'000'000) fail(where + ".vary", "the sweep has more than 1000000 cases");
  }
  std::vector<std::size_t> pick(dims.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    json params = base;
    std::string id = prefix;
    for (std::size_t k = 0; k < dims.size(); ++k) {
      const auto& d = dims[k];
      for (std::size_t p = 0; p < d.paths.size(); ++p) {
        try {
          set_path(params, d.paths[p], plain(d.values[pick[k]][p]));
        } catch (const std::invalid_argument& e) {
          fail(where + ".vary[\"" + d.key + "\"]", e.what());
        }
      }
      id += (id.empty() ? "" : "/") + d.pieces[pick[k]];
    }
    if (id.empty()) id = "sweep-" + std::to_string(index + 1);
    entry.cases.push_back({id, std::move(params)});
    entry.origins.push_back(where);
    // Odometer: the last key varies fastest.
    for (std::size_t k = dims.size(); k-- > 0;) {
      if (++pick[k] < dims[k].values.size()) break;
      pick[k] = 0;
    }
  }
}

SweepConfig Reader::parse(const ojson& root) const {
  SweepConfig cfg;
  cfg.file = file_;
  if (!root.is_object())
    fail("top level", std::string("expected an object with a \"checks\" list, got ") + root.type_name());
  check_keys(root, "top level", {"description", "comment", "checks"});
  if (root.contains("description")) cfg.description = string_at(root, "description", "top level");
  if (!root.contains("checks"))
    fail("checks", "missing (a list of {\"check\": ID, \"cases\": [...], \"sweeps\": [...]})");
  const ojson& checks = root.at("checks");
  if (!checks.is_array()) fail("checks", std::string("expected a list, got ") + checks.type_name());
  if (checks.empty()) fail("checks", "empty list: nothing to run");

  for (std::size_t i = 0; i < checks.size(); ++i) {
    const ojson& e = checks[i];
    const std::string where = "checks[" + std::to_string(i) + "]";
    check_keys(e, where, {"check", "size", "cases", "sweeps", "comment"});
    if (!e.contains("check")) fail(where + ".check", "missing (the id of the check to run, see 'diffbound list')");
    const std::string id = string_at(e, "check", where);
    const Check* check = Registry::instance().find(id);
    if (!check) {
      std::string known;
      for (const Check* c : Registry::instance().all()) known += (known.empty() ? "" : ", ") + c->id();
      fail(where + ".check", "unknown check '" + id + "' (known checks: " + known + ")");
    }
    auto it =
        std::find_if(cfg.entries.begin(), cfg.entries.end(), [&](const ConfigEntry& x) { return x.check == check; });
    if (it == cfg.entries.end()) {
      cfg.entries.push_back(ConfigEntry{check, {}, {}});
      it = cfg.entries.end() - 1;
    }
    ConfigEntry& entry = *it;
    const std::size_t before = entry.cases.size();

    if (e.contains("size")) {
      const std::string s = string_at(e, "size", where);
      Size size;
      try {
        size = size_from_string(s);
      } catch (const std::invalid_argument& x) {
        fail(where + ".size", x.what());
      }
      for (auto& spec : check->cases(size)) {
        entry.cases.push_back(std::move(spec));
        entry.origins.push_back(where + ".size");
      }
    }
    if (e.contains("cases")) {
      const ojson& cases = e.at("cases");
      if (!cases.is_array()) fail(where + ".cases", std::string("expected a list, got ") + cases.type_name());
      for (std::size_t k = 0; k < cases.size(); ++k) {
        const std::string w = where + ".cases[" + std::to_string(k) + "]";
        check_keys(cases[k], w, {"id", "params", "comment"});
        std::string cid = "case-" + std::to_string(k + 1);
        if (cases[k].contains("id")) {
          cid = string_at(cases[k], "id", w);
          check_name(cid, w + ".id", "case id");
        }
        if (!cases[k].contains("params")) fail(w + ".params", "missing (the case's parameters)");
        if (!cases[k].at("params").is_object())
          fail(w + ".params", std::string("expected an object, got ") + cases[k].at("params").type_name());
        entry.cases.push_back({cid, plain(cases[k].at("params"))});
        entry.origins.push_back(w);
      }
    }
    if (e.contains("sweeps")) {
      const ojson& sweeps = e.at("sweeps");
      if (!sweeps.is_array()) fail(where + ".sweeps", std::string("expected a list, got ") + sweeps.type_name());
      for (std::size_t k = 0; k < sweeps.size(); ++k)
        add_sweep(sweeps[k], where + ".sweeps[" + std::to_string(k) + "]", k, entry);
    }
    if (entry.cases.size() == before) fail(where, "no cases (give \"cases\", \"sweeps\" or \"size\")");
  }

  for (const auto& entry : cfg.entries) {
    std::map<std::string, std::size_t> seen;
    for (std::size_t k = 0; k < entry.cases.size(); ++k) {
      const auto [pos, fresh] = seen.emplace(entry.cases[k].id, k);
      if (!fresh)
        fail(entry.origins[k], "case id '" + entry.cases[k].id + "' of check " + entry.check->id() +
                                   " is also given by " + entry.origins[pos->second] + " (case ids must be unique)");
    }
    for (std::size_t k = 0; k < entry.cases.size(); ++k) {
      try {
        entry.check->validate(entry.cases[k]);
      } catch (const ParamError& e) {
        fail(entry.origins[k] + ", case '" + entry.cases[k].id + "'", e.what());
      } catch (const std::exception& e) {
        fail(entry.origins[k] + ", case '" + entry.cases[k].id + "'", std::string("bad parameters: ") + e.what());
      }
    }
  }
  return cfg;
}

// ---- TOML → the same tree --------------------------------------------------------------------

ojson from_toml(const toml::node& n, const std::string& file);

ojson from_toml_table(const toml::table& t, const std::string& file) {
  // toml++ keeps tables sorted by key; put the keys back in file order ("vary" is ordered).
  std::vector<std::pair<const toml::key*, const toml::node*>> items;
  for (const auto& [k, v] : t) items.emplace_back(&k, &v);
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    const auto &sa = a.first->source().begin, &sb = b.first->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  ojson o = ojson::object();
  for (const auto& [k, v] : items) o[std::string(k->str())] = from_toml(*v, file);
  return o;
}

ojson from_toml(const toml::node& n, const std::string& file) {
  if (const auto* t = n.as_table()) return from_toml_table(*t, file);
  if (const auto* a = n.as_array()) {
    ojson o = ojson::array();
    for (const auto& x : *a) o.push_back(from_toml(x, file));
    return o;
  }
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* b = n.as_boolean()) return b->get();
  const auto& src = n.source().begin;
  throw ConfigError(file + ": line " + std::to_string(src.line) + ", column " + std::to_string(src.column) +
                    ": dates and times are not parameters");
}

}  // namespace

void set_path(json& j, const std::string& path, const json& value) {
  json* node = &j;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw std::invalid_argument("'" + path + "': empty key in the path");
    if (!node->is_object())
      throw std::invalid_argument("'" + path + "': '" + path.substr(0, start ? start - 1 : 0) +
                                  "' holds a value that is not an object (" + node->dump() + ")");
    if (dot == std::string::npos) {
      (*node)[key] = value;
      return;
    }
    node = &(*node)[key];
    if (node->is_null()) *node = json::object();
    start = dot + 1;
  }
}

SweepConfig parse_config(const std::string& text, const std::string& name, bool toml) {
  const Reader reader(name);
  auto blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) throw ConfigError(name + ": the file is empty");
  ojson root;
  if (toml) {
    try {
      const toml::table t = toml::parse(text, std::string_view(name));
      root = from_toml_table(t, name);
    } catch (const toml::parse_error& e) {
      const auto& src = e.source().begin;
      throw ConfigError(name + ": not valid TOML: line " + std::to_string(src.line) + ", column " +
                        std::to_string(src.column) + ": " + std::string(e.description()));
    }
  } else {
    try {
      root = ojson::parse(text);
    } catch (const ojson::exception& e) {
      std::string what = e.what();
      if (what.rfind("[json.exception.", 0) == 0) what = what.substr(what.find(']') + 2);
      throw ConfigError(name + ": not valid JSON: " + what);
    }
  }
  SweepConfig cfg = reader.parse(root);
  cfg.format = toml ? "toml" : "json";
  return cfg;
}

SweepConfig load_config(const fs::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (ec || !fs::exists(status)) throw ConfigError(name + ": cannot read the config: no such file");
  if (fs::is_directory(status)) throw ConfigError(name + ": cannot read the config: it is a folder, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(name + ": cannot read the config: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(name + ": cannot read the config: " + std::strerror(errno));
  const std::string ext = file.extension().string();
  return parse_config(text.str(), name, ext == ".toml" || ext == ".TOML");
}

}  // namespace diffbound::app
