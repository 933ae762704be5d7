// Conv2d forward, NCHW, PyTorch semantics (stride, padding, dilation, groups),
// with bias and an optional fused ReLU/ReLU6.
//
// Paths. On AVX-512, convs with groups == 1 run the direct kernel
// (kernels/conv2d_ukernel.h): tiles of 14 output pixels x 32 output channels summed over
// all of K = C*KH*KW in registers, reading the input in place: a 1x1 stride-1 conv reads
// the image as it lies, other convs read the padded image split into stride phases, in
// which the pixels under a tile are contiguous for every (channel, kh, kw). A network's
// stem, over at most 4 channels, turns the tile around (kernels/conv2d_stem.h, AVX2 too):
// pixels along the vector, 4 channels at a time, stored without a transpose. Elsewhere
// (AVX2, grouped convs) a GEMM reads those same contiguous runs as its B rows, with no
// im2col buffer. Depthwise convs (groups == C == OC) have their own kernel. Weights are
// packed once, at load time, for the path the active ISA takes.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/fused_activation.h"
#include "kernels/gemm.h"

namespace tessera::kernels {

struct Conv2dShape {
  int64_t N = 1, C = 0, H = 0, W = 0;  // input
  int64_t OC = 0, KH = 1, KW = 1;      // weight [OC, C / groups, KH, KW]
  int64_t SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1, groups = 1;

  int64_t OH() const { return (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1; }
  int64_t OW() const { return (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1; }
  bool is_depthwise() const { return groups == C && OC == C && groups > 1; }
  bool is_pointwise() const { return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0; }
  void validate() const;  // throws tessera::Error naming the bad field
};

// Weights prepared once for the active ISA path.
struct PackedConv2d {
  Conv2dShape shape;               // the weight-related fields are what matter
  Isa isa = Isa::ref;
  std::vector<PackedA> groups;     // GEMM paths: one packed A [OC/g, C/g*KH*KW] per group
  std::shared_ptr<float> direct;   // direct path (groups == 1): 32-channel weight panels
  std::shared_ptr<float> stem;     // stem path (groups == 1, C <= 4): 4-channel weight blocks
  std::vector<float> weight;       // ref and depthwise paths: the weight as given
  std::vector<PackedConv2d> per_group;  // grouped convs run group by group (use_grouped_direct)
};
PackedConv2d pack_conv2d(const float* weight, const Conv2dShape& s);

// A grouped conv whose groups are wide enough for the direct path: each group then runs as
// a conv of its own (groups == 1) on its channels, packed as one.
bool use_grouped_direct(Isa isa, const Conv2dShape& s);

// y[N, OC, OH, OW] = conv(x[N, C, H, W]) + bias[OC] (bias may be null), then act.
// `s` gives the input size of this call; its weight fields must match the packed ones.
void conv2d_f32(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                const Conv2dShape& s);

// Depthwise kernels, by ISA: a run of channel planes per call, so that what depends on
// the shape alone (the AVX-512 kernel's column masks) is worked out once per run.
struct DepthwiseArgs {
  const float* x;        // [N * C, H, W] planes
  const float* w;        // [C, KH, KW]
  const float* bias;     // [C], or null
  FusedActivation act;
  float* y;              // [N * C, OH, OW] planes
  int64_t first, count;  // planes [first, first + count); plane t is channel t % C
};
// The run's planes in order, each plane's input, weights, bias and output, with no
// division per plane: the channel is carried along rather than taken as t % C, and the
// plane sizes worked out once. (Per plane, t % C twice and the output size took four
// integer divisions; without them 14 x 14 planes ran 4-6 % faster.)
class DepthwisePlanes {
 public:
  DepthwisePlanes(const DepthwiseArgs& a, const Conv2dShape& s)
      : a_(a), in_(s.H * s.W), out_(s.OH() * s.OW()), taps_(s.KH * s.KW), C_(s.C), t_(a.first), c_(a.first % s.C) {}
  bool more() const { return t_ < a_.first + a_.count; }
  void next() {
    ++t_;
    if (++c_ == C_) c_ = 0;
  }
  const float* x() const { return a_.x + t_ * in_; }
  const float* w() const { return a_.w + c_ * taps_; }
  float bias() const { return a_.bias ? a_.bias[c_] : 0.f; }
  float* y() const { return a_.y + t_ * out_; }

 private:
  const DepthwiseArgs& a_;
  int64_t in_, out_, taps_, C_, t_, c_;
};

// P consecutive planes of a run from plane t, of channel `channel` (wrapping at C): where
// each one's input, weights and output start, and its bias. For the kernels that sum
// several planes at a time and keep the map's size (x86/dwconv2d_flat_f32__<isa>.cpp):
// `plane` floats an input and an output plane, `taps` weights a channel, both worked out
// once a run (the output size takes divisions).
template <int P>
struct DepthwisePlaneGroup {
  const float* x[P];
  const float* w[P];
  float* y[P];
  float bias[P];
  DepthwisePlaneGroup(const DepthwiseArgs& a, int64_t C, int64_t plane, int64_t taps, int64_t t, int64_t channel) {
    for (int p = 0; p < P; ++p, ++t) {
      x[p] = a.x + t * plane;
      w[p] = a.w + channel * taps;
      y[p] = a.y + t * plane;
      bias[p] = a.bias ? a.bias[channel] : 0.f;
      if (++channel == C) channel = 0;
    }
  }
};

// Copies one channel plane into `scratch` zero-padded (H + 2PH rows of W + 2PW), then zeros
// one spare row and 64 + 64 * SW floats of slack for vector reads past a row's last output
// column: (H + 2PH + 1) * (W + 2PW) + 64 + 64 * SW floats in all.
void pad_plane_f32(float* scratch, const float* x, const Conv2dShape& s);
void dwconv2d_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch);
void dwconv2d_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch);

// Depthwise convs on small maps (AVX-512): several output rows to a vector, each plane copied
// into zero-padded grids of rows Wg = 4 or 8 floats long, one grid per stride phase
// (x86/dwconv2d_grid_f32__avx512.cpp). `scratch` holds dwconv2d_grid_scratch_floats(s) floats.
struct DwGrid {
  int64_t Wg = 0;     // floats a grid row: 4 or 8; 0 when the shape has no such grid
  int64_t Hg = 0;     // grid rows, each phase
  int64_t phase = 0;  // floats a phase grid: Hg * Wg
};
// The narrowest grid that holds the shape: stride 1 or 2, kernels 3, 5 or 7 wide, dilation 1.
DwGrid dwconv_grid(const Conv2dShape& s);
bool use_dwconv_grid(Isa isa, const Conv2dShape& s);
int64_t dwconv2d_grid_scratch_floats(const Conv2dShape& s);
void dwconv2d_grid_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch);

// Depthwise convs at stride 1 that keep the map's size, on maps of at most 64 pixels: with
// OW == W, output f = oh * W + ow of a plane takes tap (kh, kw) from input f + offset[tap],
// so a plane is a flat run of H * W floats, and one masked load serves 16 (AVX-512) or 8
// (AVX2) outputs of a tap, the mask dropping the lanes whose tap falls outside the row or
// the plane (x86/dwconv2d_flat_f32__<isa>.cpp). The masks depend on the shape alone.
struct DwFlat {
  static constexpr int64_t kMaxVectors = 4, kMaxTaps = 25;
  int64_t vectors = 0, taps = 0;          // ceil(H * W / 16); KH * KW
  int64_t offset[kMaxTaps] = {};          // tap t reads input f + offset[t]
  uint16_t mask[kMaxTaps * kMaxVectors];  // [tap][vector]: the lanes that tap reads
};
bool use_dwconv_flat(Isa isa, const Conv2dShape& s);
DwFlat dwconv_flat(const Conv2dShape& s);
void dwconv2d_flat_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f);
void dwconv2d_flat_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f);

// Depthwise convs at stride 2 onto rows of at most 8 columns from rows of at most 16
// (AVX-512; MobileNets' 14x14 -> 7x7): output rows v and v + pairs to a vector, each tap's
// inputs picked from the two input rows under them by one permute, the plane read as it
// lies (x86/dwconv2d_row_pairs_f32__avx512.cpp). The tables depend on the shape alone.
struct DwRowPairs {
  static constexpr int64_t kMaxKW = 5, kMaxPairs = 8, kMaxRows = 2 * kMaxPairs + kMaxKW - 2;
  int64_t pairs = 0;                     // vectors: ceil(OH / 2)
  int32_t pick[kMaxKW][16] = {};         // tap kw: lane (r, c) takes column 2c + kw - PW of pair member r (r * 16 + column)
  uint16_t valid[kMaxKW] = {};           // the lanes of tap kw inside the row, with c < OW
  int64_t row[kMaxRows][2] = {};         // input row pair j: rows j - PH and j - PH + 2 * pairs, as offsets (0 outside)
  uint16_t row_mask[kMaxRows][2] = {};   // their W columns, or none for a row outside the plane
};
bool use_dwconv_row_pairs(Isa isa, const Conv2dShape& s);
DwRowPairs dwconv_row_pairs(const Conv2dShape& s);
void dwconv2d_row_pairs_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwRowPairs& r);

// Depthwise convs at stride 2 from rows of at most 32 columns on AVX2
// (x86/dwconv2d_rows_s2_f32__avx2.cpp): 8 output columns to a vector, an input row's even
// and odd columns split by two in-lane shuffles, a tap's columns taken from those as they
// are or by one lane rotation; 3x3 and 5x5 with 'same' padding.
bool use_dwconv_rows_s2_avx2(Isa isa, const Conv2dShape& s);
void dwconv2d_rows_s2_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s);

// The AVX-512 row kernels below keep all of a plane's output rows in registers, one a vector.
constexpr int kDwRowsMaxRows = 16;

// Depthwise convs at stride 1 with 'same' padding on maps of at most 16 x 16 past the flat
// kernel's 64 pixels (AVX-512; MobileNets' 14 x 14): one output row to a vector, all of a
// plane's rows in registers (x86/dwconv2d_rows_s1_f32__avx512.cpp).
bool use_dwconv_rows_s1(Isa isa, const Conv2dShape& s);
void dwconv2d_rows_s1_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s);

// Depthwise convs at stride 2 from rows of 17 to 32 columns onto at most 16 x 16, 'same'
// padding (AVX-512; MobileNets' 28 x 28 -> 14 x 14): one output row to a vector, all of a
// plane's rows in registers, an input row's taps picked by one permute each
// (x86/dwconv2d_rows_s2_f32__avx512.cpp).
bool use_dwconv_rows_s2_avx512(Isa isa, const Conv2dShape& s);
void dwconv2d_rows_s2_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s);

}  // namespace tessera::kernels
