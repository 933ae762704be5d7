// Tensor: a strided view (shape, strides, offset, dtype) over shared Storage.
//
// Strides and the offset count elements, as torch.Tensor.stride() does, so a
// PyTorch user reads them the same way. Views (slice, select, permute,
// transpose, reshape-when-possible, squeeze/unsqueeze, expand) share storage;
// contiguous()/clone() copy. Kernels take raw pointers and assert contiguity
// at the boundary via is_contiguous().
#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/storage.h"

namespace tessera {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "[2, 3, 4]"
int64_t shape_numel(const Shape& s);    // throws on negative dims or overflow
Shape contiguous_strides(const Shape& s);

class Generator;

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() == false

  // ---- factories ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32) { return full(shape, 1.0, dtype); }
  static Tensor arange(int64_t n, DType dtype = DType::f32);
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  static Tensor randn(const Shape& shape, Generator& gen);                 // N(0, 1), f32
  static Tensor rand(const Shape& shape, Generator& gen, float lo = 0.f, float hi = 1.f);  // U[lo, hi), f32
  // A view over storage that already exists (e.g. a memory-mapped file).
  static Tensor from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                             const Shape& strides, int64_t offset = 0);

  // ---- metadata ----
  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const { return shape_[wrap_dim(d)]; }
  int64_t stride(int64_t d) const { return strides_[wrap_dim(d)]; }
  int64_t numel() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

  // ---- raw data (the first element of this view) ----
  void* raw_data() const;
  template <typename T>
  T* data() const {
    check_dtype(dtype_of<T>::value, "data()");
    return static_cast<T*>(raw_data());
  }

  // ---- element access, for tests and small tools (bounds checked) ----
  template <typename T>
  T& at(std::initializer_list<int64_t> index) const {
    check_dtype(dtype_of<T>::value, "at()");
    return static_cast<T*>(storage_->data())[element_offset(index)];
  }
  double item() const;                       // the single element of a 1-element tensor, as double
  double get(int64_t flat_index) const;      // element at row-major position, as double
  std::vector<float> to_float_vector() const;

  // ---- views (share storage) ----
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const { return slice(dim, start, start + length); }
  Tensor select(int64_t dim, int64_t index) const;
  Tensor permute(const Shape& order) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;   // broadcast as torch.expand (-1 keeps a size)
  Tensor view(const Shape& shape) const;     // throws if the strides do not allow it
  // A view when the strides allow it, else a contiguous copy (torch.reshape semantics).
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;

  // ---- copies ----
  Tensor contiguous() const;  // self if already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  void copy_(const Tensor& src);  // same shape (src may broadcast), any strides, converts dtype
  void fill_(double value);

  std::string str() const;  // PyTorch-like printing

 private:
  int64_t wrap_dim(int64_t d, int64_t ndim_plus = 0) const;
  int64_t element_offset(std::initializer_list<int64_t> index) const;
  void check_dtype(DType want, const char* what) const;
  Shape infer_shape(const Shape& shape) const;  // resolves one -1

  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::f32;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Throws if a and b differ in shape, naming both shapes and `what`.
void check_same_shape(const Tensor& a, const Tensor& b, const char* what);
// Largest |a - b| over all elements (shapes must match), computed in double.
double max_abs_diff(const Tensor& a, const Tensor& b);

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  TESSERA_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
                " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>::value);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

}  // namespace tessera
