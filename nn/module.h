// Module: the torch.nn.Module of Tessera's inference path.
//
// A module owns named parameters and buffers and named child modules; their dotted
// names ("layer1.0.conv1.weight") and state_dict order (own parameters, own buffers,
// then children) are PyTorch's, so checkpoints move between the two unchanged.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"
#include "weights/state_dict.h"

namespace tessera::nn {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  virtual const char* type_name() const = 0;

  StateDict state_dict() const;
  // As torch's load_state_dict: with strict, missing and unexpected keys are errors; a
  // shape mismatch always is. Every problem is reported at once, by name, in one error.
  // Returns the keys that were skipped (non-strict: missing + unexpected). With assign (as
  // torch's assign=True), a parameter or buffer whose entry is contiguous and of its dtype
  // takes the entry's tensor itself, sharing its storage, instead of a copy: a checkpoint
  // mapped from its file (load_weights) then becomes the model's weights without being
  // copied or its pages touched before use. Others are copied as without it.
  std::vector<std::string> load_state_dict(const StateDict& sd, bool strict = true, bool assign = false);

  void eval() { set_training(false); }
  void train(bool on = true) { set_training(on); }
  bool training() const { return training_; }

  int64_t num_parameters() const;
  // A child by name ("layer1", "0"); throws naming the module if absent.
  Module& child(const std::string& name) const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

  // Bumped by every load_state_dict anywhere: caches derived from weights (packed, BN-folded)
  // compare it with the generation they were built at.
  static uint64_t weights_generation();

 protected:
  Tensor& register_parameter(std::string name, Tensor t);
  Tensor& register_buffer(std::string name, Tensor t, FileDType file_dtype);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> m) {
    children_.emplace_back(std::move(name), m);
    return m;
  }

 private:
  struct Slot {
    std::string name;
    Tensor tensor;
    bool is_buffer;
    FileDType file_dtype;
  };
  template <typename Fn>
  void visit(const std::string& prefix, Fn&& fn) const;
  void set_training(bool on);

  std::deque<Slot> slots_;  // deque: references handed out by register_* stay valid
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = false;
};

}  // namespace tessera::nn
