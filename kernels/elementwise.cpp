#include "kernels/elementwise.h"

#include <algorithm>
#include <sstream>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

using VvFn = void (*)(BinaryOp, float*, const float*, const float*, int64_t);
using VsFn = void (*)(BinaryOp, float*, const float*, float, int64_t);

namespace {

struct InnerKernels {
  VvFn vv;
  VsFn vs;
};
InnerKernels inner_kernels() {
  static const KernelTable<VvFn> vv = [] {
    KernelTable<VvFn> t;
    t.impl[int(Isa::ref)] = binary_vv_f32_ref;
    t.impl[int(Isa::avx2)] = binary_vv_f32__avx2;
    t.impl[int(Isa::avx512)] = binary_vv_f32__avx512;
    return t;
  }();
  static const KernelTable<VsFn> vs = [] {
    KernelTable<VsFn> t;
    t.impl[int(Isa::ref)] = binary_vs_f32_ref;
    t.impl[int(Isa::avx2)] = binary_vs_f32__avx2;
    t.impl[int(Isa::avx512)] = binary_vs_f32__avx512;
    return t;
  }();
  return {vv.get(), vs.get()};
}

std::string shape_text(const int64_t* s, int n) {
  std::ostringstream os;
  os << '[';
  for (int i = 0; i < n; ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

// The iteration space after dropping size-1 dims and merging dims that stay contiguous in
// both inputs: dims[0..ndim) with the element strides of a and b (0 where broadcast).
struct Plan {
  int ndim = 0;
  int64_t dims[kMaxBroadcastDims], sa[kMaxBroadcastDims], sb[kMaxBroadcastDims];
};

Plan make_plan(const int64_t* y_shape, int y_ndim, const int64_t* a_shape, int a_ndim, const int64_t* b_shape,
               int b_ndim) {
  // Contiguous strides of each input, expanded to y's rank with 0 on broadcast dims.
  int64_t sa[kMaxBroadcastDims], sb[kMaxBroadcastDims];
  int64_t ra = 1, rb = 1;
  for (int d = y_ndim - 1; d >= 0; --d) {
    const int da = d - (y_ndim - a_ndim), db = d - (y_ndim - b_ndim);
    const int64_t ea = da >= 0 ? a_shape[da] : 1, eb = db >= 0 ? b_shape[db] : 1;
    sa[d] = ea == 1 ? 0 : ra;
    sb[d] = eb == 1 ? 0 : rb;
    ra *= ea;
    rb *= eb;
  }
  Plan p;
  for (int d = 0; d < y_ndim; ++d) {
    if (y_shape[d] == 1) continue;
    const int k = p.ndim - 1;
    if (k >= 0 && p.sa[k] == sa[d] * y_shape[d] && p.sb[k] == sb[d] * y_shape[d]) {
      p.dims[k] *= y_shape[d];  // merge into the previous dim
      p.sa[k] = sa[d];
      p.sb[k] = sb[d];
    } else {
      p.dims[p.ndim] = y_shape[d], p.sa[p.ndim] = sa[d], p.sb[p.ndim] = sb[d];
      ++p.ndim;
    }
  }
  if (p.ndim == 0) p.dims[0] = 1, p.sa[0] = p.sb[0] = 0, p.ndim = 1;  // a single element
  return p;
}

}  // namespace

std::vector<int64_t> broadcast_shape(const int64_t* a_shape, int a_ndim, const int64_t* b_shape, int b_ndim) {
  const int nd = std::max(a_ndim, b_ndim);
  std::vector<int64_t> out(nd);
  for (int d = 0; d < nd; ++d) {
    const int da = d - (nd - a_ndim), db = d - (nd - b_ndim);
    const int64_t ea = da >= 0 ? a_shape[da] : 1, eb = db >= 0 ? b_shape[db] : 1;
    TESSERA_CHECK(ea >= 0 && eb >= 0, "broadcast: negative dim in ", shape_text(a_shape, a_ndim), " or ",
                  shape_text(b_shape, b_ndim));
    TESSERA_CHECK(ea == eb || ea == 1 || eb == 1, "broadcast: shapes ", shape_text(a_shape, a_ndim), " and ",
                  shape_text(b_shape, b_ndim), " differ at dim ", d, " (", ea, " vs ", eb, ") and neither is 1");
    out[d] = ea == 1 ? eb : ea;
  }
  return out;
}

void binary_f32(BinaryOp op, float* y, const int64_t* y_shape, int y_ndim, const float* a,
                const int64_t* a_shape, int a_ndim, const float* b, const int64_t* b_shape, int b_ndim) {
  TESSERA_CHECK(y_ndim <= kMaxBroadcastDims, "binary_f32: ", y_ndim, " dims, at most ", kMaxBroadcastDims);
  const std::vector<int64_t> want = broadcast_shape(a_shape, a_ndim, b_shape, b_ndim);
  TESSERA_CHECK(want == std::vector<int64_t>(y_shape, y_shape + y_ndim), "binary_f32: output shape ",
                shape_text(y_shape, y_ndim), " is not the broadcast ", shape_text(want.data(), int(want.size())),
                " of ", shape_text(a_shape, a_ndim), " and ", shape_text(b_shape, b_ndim));
  int64_t numel = 1;
  for (int d = 0; d < y_ndim; ++d) numel *= y_shape[d];
  if (numel == 0) return;

  const Plan p = make_plan(y_shape, y_ndim, a_shape, a_ndim, b_shape, b_ndim);
  const InnerKernels k = inner_kernels();
  const int last = p.ndim - 1;
  const int64_t inner = p.dims[last], outer = numel / inner;
  const int64_t ia = p.sa[last], ib = p.sb[last];  // 1 or 0: inputs are contiguous
  auto run_inner = [&](float* yo, const float* ao, const float* bo) {
    if (ia && ib) k.vv(op, yo, ao, bo, inner);
    else if (ia) k.vs(op, yo, ao, *bo, inner);
    else if (ib) k.vs(op, yo, bo, *ao, inner);  // every op here is commutative
    else k.vs(op, yo, ao, *bo, 1), std::fill(yo + 1, yo + inner, yo[0]);
  };
  // Outer dims walked as an odometer from each thread's first row.
  parallel_for(outer, std::max<int64_t>(1, 16384 / inner), [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxBroadcastDims] = {}, oa = 0, ob = 0;
    for (int64_t r = begin, d = last - 1; d >= 0; --d) {
      idx[d] = r % p.dims[d], r /= p.dims[d];
      oa += idx[d] * p.sa[d], ob += idx[d] * p.sb[d];
    }
    for (int64_t r = begin; r < end; ++r) {
      run_inner(y + r * inner, a + oa, b + ob);
      for (int d = last - 1; d >= 0; --d) {
        oa += p.sa[d], ob += p.sb[d];
        if (++idx[d] < p.dims[d]) break;
        oa -= p.sa[d] * p.dims[d], ob -= p.sb[d] * p.dims[d], idx[d] = 0;
      }
    }
  });
}

void binary_same_f32(BinaryOp op, float* y, const float* a, const float* b, int64_t n) {
  const VvFn vv = inner_kernels().vv;
  parallel_for(n, 16384, [&](int64_t begin, int64_t end) { vv(op, y + begin, a + begin, b + begin, end - begin); });
}

void layer_scale_f32(float* y, const float* x, const float* gamma, int64_t N, int64_t C, int64_t HW) {
  const int64_t xs[3] = {N, C, HW}, gs[3] = {1, C, 1};
  binary_f32(BinaryOp::mul, y, xs, 3, x, xs, 3, gamma, gs, 3);
}

}  // namespace tessera::kernels
