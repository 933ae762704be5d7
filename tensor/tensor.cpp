#include "tensor/tensor.h"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "tensor/rng.h"

namespace tessera {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    TESSERA_CHECK(d >= 0, "invalid shape ", shape_str(s), ": negative dimension");
    TESSERA_CHECK(d == 0 || n <= std::numeric_limits<int64_t>::max() / d, "invalid shape ", shape_str(s),
                  ": element count overflows");
    n *= d;
  }
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

namespace {

// Calls fn(storage_offset) for every element of a strided view, row-major order.
template <typename Fn>
void for_each_offset(const Shape& shape, const Shape& strides, int64_t offset, Fn&& fn) {
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  const size_t nd = shape.size();
  std::vector<int64_t> idx(nd, 0);
  int64_t off = offset;
  for (int64_t i = 0; i < n; ++i) {
    fn(off);
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

double load_as_double(const void* base, DType t, int64_t i) {
  switch (t) {
    case DType::f32: return static_cast<const float*>(base)[i];
    case DType::i32: return static_cast<const int32_t*>(base)[i];
    case DType::i8: return static_cast<const int8_t*>(base)[i];
    case DType::u8: return static_cast<const uint8_t*>(base)[i];
  }
  return 0;
}

// Stores v converted as torch's .to() does for in-range values (float→int truncates toward zero).
void store_from_double(void* base, DType t, int64_t i, double v) {
  switch (t) {
    case DType::f32: static_cast<float*>(base)[i] = static_cast<float>(v); break;
    case DType::i32: static_cast<int32_t*>(base)[i] = static_cast<int32_t>(v); break;
    case DType::i8: static_cast<int8_t*>(base)[i] = static_cast<int8_t>(static_cast<int64_t>(v)); break;
    case DType::u8: static_cast<uint8_t*>(base)[i] = static_cast<uint8_t>(static_cast<int64_t>(v)); break;
  }
}

}  // namespace

// ---------------------------------------------------------------- factories

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  Tensor t;
  t.storage_ = Storage::allocate(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype));
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw_data(), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor Tensor::arange(int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  for (int64_t i = 0; i < n; ++i) store_from_double(t.raw_data(), dtype, i, static_cast<double>(i));
  return t;
}

Tensor Tensor::randn(const Shape& shape, Generator& gen) {
  Tensor t = empty(shape, DType::f32);
  gen.fill_normal(t.data<float>(), t.numel());
  return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen, float lo, float hi) {
  Tensor t = empty(shape, DType::f32);
  gen.fill_uniform(t.data<float>(), t.numel(), lo, hi);
  return t;
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, DType dtype, const Shape& shape,
                            const Shape& strides, int64_t offset) {
  TESSERA_CHECK(storage != nullptr, "from_storage: null storage");
  TESSERA_CHECK(shape.size() == strides.size(), "from_storage: shape ", shape_str(shape), " and strides ",
                shape_str(strides), " differ in rank");
  TESSERA_CHECK(offset >= 0, "from_storage: negative offset ", offset);
  // The view must stay inside the storage: check its lowest and highest element.
  const int64_t n = shape_numel(shape);
  if (n > 0) {
    int64_t lo = offset, hi = offset;
    for (size_t d = 0; d < shape.size(); ++d) {
      const int64_t span = strides[d] * (shape[d] - 1);
      (span < 0 ? lo : hi) += span;
    }
    const int64_t cap = static_cast<int64_t>(storage->nbytes() / dtype_size(dtype));
    TESSERA_CHECK(lo >= 0 && hi < cap, "from_storage: view of shape ", shape_str(shape), " strides ",
                  shape_str(strides), " offset ", offset, " reaches element ", hi, " of a storage holding ",
                  cap);
  }
  Tensor t;
  t.storage_ = std::move(storage);
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.strides_ = strides;
  t.offset_ = offset;
  return t;
}

// ---------------------------------------------------------------- metadata

int64_t Tensor::numel() const { return shape_numel(shape_); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1) continue;  // size-1 dims may carry any stride, as in PyTorch
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  TESSERA_CHECK(defined(), "access to an undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

int64_t Tensor::wrap_dim(int64_t d, int64_t ndim_plus) const {
  const int64_t n = dim() + ndim_plus;
  TESSERA_CHECK(d >= -n && d < n, "dimension ", d, " out of range for a tensor of shape ", shape_str(shape_));
  return d < 0 ? d + n : d;
}

void Tensor::check_dtype(DType want, const char* what) const {
  TESSERA_CHECK(dtype_ == want, what, ": tensor holds ", dtype_name(dtype_), ", not ", dtype_name(want));
}

int64_t Tensor::element_offset(std::initializer_list<int64_t> index) const {
  TESSERA_CHECK(static_cast<int64_t>(index.size()) == dim(), "index of rank ", index.size(),
                " for a tensor of shape ", shape_str(shape_));
  int64_t off = offset_;
  size_t d = 0;
  for (int64_t i : index) {
    TESSERA_CHECK(i >= 0 && i < shape_[d], "index ", i, " out of range for dimension ", d, " of shape ",
                  shape_str(shape_));
    off += i * strides_[d++];
  }
  return off;
}

double Tensor::item() const {
  TESSERA_CHECK(numel() == 1, "item(): tensor of shape ", shape_str(shape_), " has ", numel(), " elements, not 1");
  return load_as_double(storage_->data(), dtype_, offset_);
}

double Tensor::get(int64_t flat_index) const {
  const int64_t n = numel();
  TESSERA_CHECK(flat_index >= 0 && flat_index < n, "get(): index ", flat_index, " out of range for ", n, " elements");
  int64_t off = offset_;
  for (size_t d = shape_.size(); d-- > 0;) {
    off += (flat_index % shape_[d]) * strides_[d];
    flat_index /= shape_[d];
  }
  return load_as_double(storage_->data(), dtype_, off);
}

std::vector<float> Tensor::to_float_vector() const {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(numel()));
  for_each_offset(shape_, strides_, offset_,
                  [&](int64_t off) { out.push_back(static_cast<float>(load_as_double(storage_->data(), dtype_, off))); });
  return out;
}

// ---------------------------------------------------------------- views

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d);
  TESSERA_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = shape_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Tensor t = *this;
  t.offset_ += start * strides_[d];
  t.shape_[d] = (end - start + step - 1) / step;
  t.strides_[d] *= step;
  return t;
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d);
  const int64_t n = shape_[d];
  TESSERA_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dimension ", d, " of shape ",
                shape_str(shape_));
  if (index < 0) index += n;
  Tensor t = *this;
  t.offset_ += index * strides_[d];
  t.shape_.erase(t.shape_.begin() + d);
  t.strides_.erase(t.strides_.begin() + d);
  return t;
}

Tensor Tensor::permute(const Shape& order) const {
  TESSERA_CHECK(static_cast<int64_t>(order.size()) == dim(), "permute: order ", shape_str(order),
                " does not match a tensor of shape ", shape_str(shape_));
  std::vector<bool> seen(order.size(), false);
  Tensor t = *this;
  for (size_t i = 0; i < order.size(); ++i) {
    const int64_t d = wrap_dim(order[i]);
    TESSERA_CHECK(!seen[d], "permute: dimension ", d, " repeated in ", shape_str(order));
    seen[d] = true;
    t.shape_[i] = shape_[d];
    t.strides_[i] = strides_[d];
  }
  return t;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  d0 = wrap_dim(d0);
  d1 = wrap_dim(d1);
  Tensor t = *this;
  std::swap(t.shape_[d0], t.shape_[d1]);
  std::swap(t.strides_[d0], t.strides_[d1]);
  return t;
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, 1);
  Tensor t = *this;
  const int64_t st = d < dim() ? strides_[d] * shape_[d] : 1;
  t.shape_.insert(t.shape_.begin() + d, 1);
  t.strides_.insert(t.strides_.begin() + d, st);
  return t;
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d);
  if (shape_[d] != 1) return *this;  // torch.squeeze(dim) leaves other sizes alone
  Tensor t = *this;
  t.shape_.erase(t.shape_.begin() + d);
  t.strides_.erase(t.strides_.begin() + d);
  return t;
}

Tensor Tensor::expand(const Shape& shape) const {
  TESSERA_CHECK(static_cast<int64_t>(shape.size()) >= dim(), "expand: cannot expand shape ", shape_str(shape_),
                " to fewer dimensions ", shape_str(shape));
  Tensor t = *this;
  const size_t lead = shape.size() - shape_.size();
  t.shape_.assign(shape.begin(), shape.end());
  t.strides_.assign(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      TESSERA_CHECK(shape[i] >= 0, "expand: new leading dimension ", i, " must be given, got ", shape[i]);
      continue;
    }
    const int64_t have = shape_[i - lead];
    const int64_t want = shape[i] == -1 ? have : shape[i];
    TESSERA_CHECK(want == have || have == 1, "expand: shape ", shape_str(shape_), " cannot expand to ",
                  shape_str(shape));
    t.shape_[i] = want;
    t.strides_[i] = (have == 1 && want != 1) ? 0 : strides_[i - lead];
  }
  return t;
}

Shape Tensor::infer_shape(const Shape& shape) const {
  Shape out = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TESSERA_CHECK(infer_at < 0, "reshape: only one dimension can be -1 in ", shape_str(shape));
      infer_at = static_cast<int64_t>(i);
    } else {
      TESSERA_CHECK(out[i] >= 0, "reshape: invalid size ", out[i], " in ", shape_str(shape));
      known *= out[i];
    }
  }
  const int64_t n = numel();
  if (infer_at >= 0) {
    TESSERA_CHECK(known != 0 && n % known == 0, "reshape: shape ", shape_str(shape), " is invalid for input of size ",
                  n);
    out[infer_at] = n / known;
  }
  TESSERA_CHECK(shape_numel(out) == n, "reshape: shape ", shape_str(shape), " is invalid for input of shape ",
                shape_str(shape_), " (", n, " elements)");
  return out;
}

namespace {
// Strides for viewing (shape, strides) as new_shape without copying, if possible
// (the algorithm of torch's computeStride: merge runs of dims that are laid out contiguously).
bool view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape, Shape& out) {
  out.assign(new_shape.size(), 0);
  if (shape_numel(shape) == 0) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  const Shape target = infer_shape(shape);
  Shape st;
  TESSERA_CHECK(view_strides(shape_, strides_, target, st), "view: shape ", shape_str(target),
                " is incompatible with the strides ", shape_str(strides_), " of a tensor of shape ",
                shape_str(shape_), "; use reshape() (copies) instead");
  Tensor t = *this;
  t.shape_ = target;
  t.strides_ = st;
  return t;
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape target = infer_shape(shape);
  Shape st;
  if (view_strides(shape_, strides_, target, st)) {
    Tensor t = *this;
    t.shape_ = target;
    t.strides_ = st;
    return t;
  }
  return clone().view(target);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim);
  end_dim = wrap_dim(end_dim);
  TESSERA_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " is after end_dim ", end_dim);
  Shape s(shape_.begin(), shape_.begin() + start_dim);
  int64_t m = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) m *= shape_[d];
  s.push_back(m);
  s.insert(s.end(), shape_.begin() + end_dim + 1, shape_.end());
  return reshape(s);
}

// ---------------------------------------------------------------- copies

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor t = empty(shape_, dtype);
  t.copy_(*this);
  return t;
}

namespace {

// dst[i...] = src[i...] over `shape` with element strides, same element type. The last two
// dims are copied in 32x32 tiles so that a transpose (permute) reads and writes whole
// cache lines; the dims before them are walked with an index counter.
template <typename T>
void strided_copy(T* dst, const Shape& dst_st, const T* src, const Shape& src_st, const Shape& shape) {
  const size_t nd = shape.size();
  if (nd == 0) {
    *dst = *src;
    return;
  }
  const int64_t rows = nd >= 2 ? shape[nd - 2] : 1, cols = shape[nd - 1];
  const int64_t dr = nd >= 2 ? dst_st[nd - 2] : 0, sr = nd >= 2 ? src_st[nd - 2] : 0;
  const int64_t dc = dst_st[nd - 1], sc = src_st[nd - 1];
  const size_t outer_dims = nd >= 2 ? nd - 2 : 0;
  int64_t outer = 1;
  for (size_t d = 0; d < outer_dims; ++d) outer *= shape[d];
  std::vector<int64_t> idx(outer_dims, 0);
  int64_t doff = 0, soff = 0;
  constexpr int64_t kTile = 32;
  for (int64_t o = 0; o < outer; ++o) {
    T* d0 = dst + doff;
    const T* s0 = src + soff;
    for (int64_t r0 = 0; r0 < rows; r0 += kTile)
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) d0[r * dr + c * dc] = s0[r * sr + c * sc];
      }
    for (size_t d = outer_dims; d-- > 0;) {
      doff += dst_st[d];
      soff += src_st[d];
      if (++idx[d] < shape[d]) break;
      doff -= dst_st[d] * shape[d];
      soff -= src_st[d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

void Tensor::copy_(const Tensor& src) {
  TESSERA_CHECK(defined() && src.defined(), "copy_: undefined tensor");
  const Tensor s = src.shape_ == shape_ ? src : src.expand(shape_);
  if (dtype_ == s.dtype_ && is_contiguous() && s.is_contiguous()) {
    std::memmove(raw_data(), s.raw_data(), nbytes());
    return;
  }
  if (numel() == 0) return;
  if (dtype_ == s.dtype_ && storage_ != s.storage_) {  // the common case: a layout change (permute, slice)
    if (dtype_size(dtype_) == 4)
      strided_copy(static_cast<uint32_t*>(raw_data()), strides_, static_cast<const uint32_t*>(s.raw_data()), s.strides_,
                   shape_);
    else
      strided_copy(static_cast<uint8_t*>(raw_data()), strides_, static_cast<const uint8_t*>(s.raw_data()), s.strides_,
                   shape_);
    return;
  }
  // Gather src into row-major order, then scatter into this view (handles overlap-free
  // views of any layout and dtype conversion).
  std::vector<double> buf;
  buf.reserve(static_cast<size_t>(numel()));
  for_each_offset(s.shape_, s.strides_, s.offset_,
                  [&](int64_t off) { buf.push_back(load_as_double(s.storage_->data(), s.dtype_, off)); });
  size_t i = 0;
  for_each_offset(shape_, strides_, offset_,
                  [&](int64_t off) { store_from_double(storage_->data(), dtype_, off, buf[i++]); });
}

void Tensor::fill_(double value) {
  for_each_offset(shape_, strides_, offset_,
                  [&](int64_t off) { store_from_double(storage_->data(), dtype_, off, value); });
}

// ---------------------------------------------------------------- printing

std::string Tensor::str() const {
  std::ostringstream os;
  if (!defined()) return "tensor(undefined)";
  const bool is_float = dtype_ == DType::f32;
  os << "tensor(";
  if (is_float) os << std::setprecision(4) << std::fixed;
  const int64_t n = numel();
  const int64_t limit = 1000;  // like torch's print threshold: summarise with "..." beyond it
  std::vector<int64_t> idx(shape_.size(), 0);
  if (shape_.empty()) {
    os << load_as_double(storage_->data(), dtype_, offset_);
  } else {
    int64_t printed = 0;
    os << std::string(shape_.size(), '[');
    for (int64_t i = 0; i < n; ++i) {
      if (printed < limit || i == n - 1) {
        if (printed == limit) os << "..., ";
        os << get(i);
        ++printed;
      }
      // close/open brackets at dimension boundaries
      size_t closes = 0;
      for (size_t d = shape_.size(); d-- > 0;) {
        if (++idx[d] < shape_[d]) break;
        idx[d] = 0;
        ++closes;
      }
      if (i < n - 1) {
        os << std::string(closes, ']') << (closes ? ",\n" + std::string(7 + shape_.size() - closes, ' ') : ", ")
           << std::string(closes, '[');
      }
    }
    os << std::string(shape_.size(), ']');
  }
  if (dtype_ != DType::f32) os << ", dtype=" << dtype_name(dtype_);
  if (n == 0) os << ", size=" << shape_str(shape_);
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

void check_same_shape(const Tensor& a, const Tensor& b, const char* what) {
  TESSERA_CHECK(a.shape() == b.shape(), what, ": shape mismatch, ", shape_str(a.shape()), " vs ",
                shape_str(b.shape()));
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "max_abs_diff");
  double m = 0;
  const int64_t n = a.numel();
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  for (int64_t i = 0; i < n; ++i) {
    const double d = std::fabs(ac.get(i) - bc.get(i));
    if (d > m || std::isnan(d)) m = std::isnan(d) ? INFINITY : d;
  }
  return m;
}

}  // namespace tessera
