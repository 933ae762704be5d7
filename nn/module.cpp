#include "nn/module.h"

#include <atomic>
#include <sstream>
#include <unordered_set>

namespace tessera::nn {

namespace {
std::atomic<uint64_t> g_generation{1};
}

uint64_t Module::weights_generation() { return g_generation.load(std::memory_order_relaxed); }

Tensor& Module::register_parameter(std::string name, Tensor t) {
  slots_.push_back(Slot{std::move(name), std::move(t), false, FileDType::f32});
  return slots_.back().tensor;
}

Tensor& Module::register_buffer(std::string name, Tensor t, FileDType file_dtype) {
  slots_.push_back(Slot{std::move(name), std::move(t), true, file_dtype});
  return slots_.back().tensor;
}

template <typename Fn>
void Module::visit(const std::string& prefix, Fn&& fn) const {
  for (int pass = 0; pass < 2; ++pass)  // parameters first, then buffers, as torch orders them
    for (const Slot& s : slots_)
      if (s.is_buffer == (pass == 1)) fn(prefix + s.name, s);
  for (const auto& [name, child] : children_) child->visit(prefix + name + ".", fn);
}

StateDict Module::state_dict() const {
  StateDict sd;
  visit("", [&](const std::string& name, const Slot& s) { sd.add(name, s.tensor.clone(), s.file_dtype); });
  return sd;
}

std::vector<std::string> Module::load_state_dict(const StateDict& sd, bool strict, bool assign) {
  std::vector<std::string> missing, unexpected, mismatched;
  std::unordered_set<std::string> expected;
  visit("", [&](const std::string& name, const Slot& s) {
    expected.insert(name);
    const StateEntry* e = sd.find(name);
    if (!e) missing.push_back(name);
    else if (e->tensor.shape() != s.tensor.shape())
      mismatched.push_back(name + " (checkpoint " + shape_str(e->tensor.shape()) + ", model " +
                           shape_str(s.tensor.shape()) + ")");
  });
  for (const StateEntry& e : sd)
    if (!expected.count(e.name)) unexpected.push_back(e.name);

  auto list = [](const std::vector<std::string>& v) {
    std::ostringstream os;
    for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    return os.str();
  };
  std::ostringstream err;
  if (!mismatched.empty()) err << " size mismatch for " << list(mismatched) << ";";
  if (strict && !missing.empty()) err << " missing keys: " << list(missing) << ";";
  if (strict && !unexpected.empty()) err << " unexpected keys: " << list(unexpected) << ";";
  TESSERA_CHECK(err.str().empty(), "load_state_dict(", type_name(), "):", err.str());

  visit("", [&](const std::string& name, const Slot& s) {
    const StateEntry* e = sd.find(name);
    if (!e) return;
    Tensor& slot = const_cast<Tensor&>(s.tensor);
    if (assign && e->tensor.dtype() == slot.dtype() && e->tensor.is_contiguous()) slot = e->tensor;
    else slot.copy_(e->tensor);
  });
  g_generation.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::string> skipped = missing;
  skipped.insert(skipped.end(), unexpected.begin(), unexpected.end());
  return skipped;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  visit("", [&](const std::string&, const Slot& s) {
    if (!s.is_buffer) n += s.tensor.numel();
  });
  return n;
}

Module& Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_)
    if (n == name) return *c;
  throw Error(std::string(type_name()) + " has no submodule '" + name + "'");
}

void Module::set_training(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->set_training(on);
}

}  // namespace tessera::nn
