// The one registry of the program's parts that register themselves at start-up: the checks (Registry),
// the bound evaluators (BoundRegistry) and the commands (app::CommandRegistry) are each a RegistryOf<T>.
// An entry has a key (unique when not empty: registering a key twice is a programming error) and the
// registry keeps its entries in the order `Traits::before` gives. Each registry's instance() is defined in
// one .cpp file, so that the program's shared libraries share one instance. No MPFR, no Eigen.
#pragma once

#include <fnmatch.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffbound::checks {

/// Traits: `static std::string key(const T&)`, `static bool before(const T&, const T&)` (a strict weak order;
/// equal entries keep their registration order) and `static constexpr const char* kind` (for messages).
template <class T, class Traits>
class RegistryOf {
 public:
  RegistryOf() = default;
  RegistryOf(const RegistryOf&) = delete;
  RegistryOf& operator=(const RegistryOf&) = delete;

  /// Adds `item`; throws std::logic_error when its (non-empty) key is registered already. Returns true so that
  /// a registration can initialise a namespace-scope constant.
  bool add(std::unique_ptr<T> item) {
    const std::string key = Traits::key(*item);
    if (!key.empty() && find(key))
      throw std::logic_error(std::string(Traits::kind) + " '" + key + "' is registered twice");
    items_.push_back(std::move(item));
    std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) { return Traits::before(*a, *b); });
    return true;
  }

  /// The entry with this key, or nullptr.
  const T* find(const std::string& key) const {
    for (const auto& i : items_)
      if (Traits::key(*i) == key) return i.get();
    return nullptr;
  }

  /// Every entry, in the registry's order.
  std::vector<const T*> all() const {
    std::vector<const T*> out;
    out.reserve(items_.size());
    for (const auto& i : items_) out.push_back(i.get());
    return out;
  }

  /// Every entry, to change (a command binds its options to itself when it adds them to the parser).
  std::vector<T*> all_mutable() {
    std::vector<T*> out;
    out.reserve(items_.size());
    for (auto& i : items_) out.push_back(i.get());
    return out;
  }

  /// The entries whose key matches one of `patterns` (an exact key or a shell glob: '*', '?', '[...]'), in
  /// the registry's order; all when `patterns` is empty. Throws std::invalid_argument naming a pattern that
  /// matches nothing, with the known keys.
  std::vector<const T*> select(const std::vector<std::string>& patterns) const {
    if (patterns.empty()) return all();
    std::vector<bool> chosen(items_.size(), false);
    for (const auto& p : patterns) {
      bool any = false;
      for (std::size_t i = 0; i < items_.size(); ++i)
        if (fnmatch(p.c_str(), Traits::key(*items_[i]).c_str(), 0) == 0) chosen[i] = any = true;
      if (!any) {
        std::string known;
        for (const auto& i : items_) known += (known.empty() ? "" : ", ") + Traits::key(*i);
        throw std::invalid_argument("no " + std::string(Traits::kind) + " matches '" + p + "' (known " +
                                    Traits::kind + "s: " + known + ")");
      }
    }
    std::vector<const T*> out;
    for (std::size_t i = 0; i < items_.size(); ++i)
      if (chosen[i]) out.push_back(items_[i].get());
    return out;
  }

 private:
  std::vector<std::unique_ptr<T>> items_;
};

/// The traits of a registry whose entries are named and ordered by their id().
template <class T, const char* Kind>
struct ById {
  static std::string key(const T& t) { return t.id(); }
  static bool before(const T& a, const T& b) { return a.id() < b.id(); }
  static constexpr const char* kind = Kind;
};

}  // namespace diffbound::checks

#define DIFFBOUND_CONCAT_INNER(a, b) a##b
#define DIFFBOUND_CONCAT(a, b) DIFFBOUND_CONCAT_INNER(a, b)
/// Registers an entry (a default-constructible Type) with `RegistryType::instance()` at program start.
#define DIFFBOUND_REGISTER(RegistryType, Type)                                                               \
  namespace {                                                                                              \
  const bool DIFFBOUND_CONCAT(diffbound_registered_, __COUNTER__) = RegistryType::instance().add(std::make_unique<Type>()); \
  }
