// The blocked SGEMM driver (BLIS loop order) and its dispatch.
//
//   for jc in N by NC:            B block  (kc x nc)  packed per thread, lives in L2/L3
//     for pc in K by KC:
//       pack B[pc:, jc:]
//       for ic in M by MC:        A block  (mc x kc)  pre-packed, or packed panel by panel at jr = 0; L2
//         for jr in nc by NR:     B micro-panel (kc x NR) stays in L2 (L1 if small) across ir
//           for ir in mc by MR:   microkernel
//
// (A conv's short K into a large C swaps the two inner loops: c_major below.)
// Threads split whole MR/NR tiles along N or M, whichever divides more evenly.
#include "kernels/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "kernels/gemm_pack.h"
#include "kernels/gemm_ukernel.h"
#include "kernels/parallel.h"
#include "kernels/ref/gemm_f32.h"
#include "tensor/aligned_alloc.h"
#include "tensor/error.h"

namespace tessera::kernels {

namespace {

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Packing once (pack_a, pack_b) takes a thread per 256K floats (1 MiB) of output.
constexpr int64_t kPackFloatsPerThread = int64_t(1) << 18;

// The microkernel for this path.
GemmUkernel ukernel_for(Isa isa) {
  switch (isa) {
    case Isa::avx512:
    case Isa::avx512vnni: return gemm_f32_ukernel_14x32__avx512;
    case Isa::avx2: return gemm_f32_ukernel_6x16__avx2;
    case Isa::ref: break;
  }
  return nullptr;
}

// The tile for B panels of at most 8 columns: a narrow B (a classifier head at small
// batch) takes the 14 x n (AVX-512) or 6 x n (AVX2) kernel, which wastes no columns.
// On AVX2 these had run on the 6 x 16 tile with masked loads. One thread, alternating in
// one process: heads at batch 1 (1000 x 768 to 4096 x 4096) 2.4-3.5x faster, at batch 4-8
// 1.3-1.6x; MobileNetV2's 1x1 convs on 7x7 maps (49 = 3 x 16 + 1 pixels) 1.2-1.4x.
GemmNarrowUkernel narrow_ukernel_for(Isa isa) {
  if (isa == Isa::avx2) return gemm_f32_ukernel_6xn__avx2;
  return isa == Isa::avx512 || isa == Isa::avx512vnni ? gemm_f32_ukernel_14xn__avx512 : nullptr;
}

// The same tile reading MR full rows of A in place (ASource::rows).
GemmRowsUkernel rows_ukernel_for(Isa isa) {
  return isa == Isa::avx2 ? gemm_f32_ukernel_6x16_rows__avx2 : gemm_f32_ukernel_14x32_rows__avx512;
}

// Up to 8 rows read in place, where the path has such a tile (see gemm_ukernel.h).
GemmShortRowsUkernel short_rows_ukernel_for(Isa isa) {
  return isa == Isa::avx512 || isa == Isa::avx512vnni ? gemm_f32_ukernel_8x32_rows__avx512 : nullptr;
}

// A per-thread scratch buffer that only grows: no allocation on the hot path after warm-up.
float* scratch(int slot, size_t floats) {
  struct Buf {
    float* p = nullptr;
    size_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[2];
  Buf& b = bufs[slot];
  if (b.n < floats) {
    std::free(b.p);
    b.p = static_cast<float*>(allocate_aligned(floats * 4));
    TESSERA_CHECK(b.p, "gemm: out of memory for packing buffers");
    b.n = floats;
  }
  return b.p;
}

struct ASource {
  const PackedA* packed;  // or, when null, op(A) packed per block:
  bool trans;
  const float* A;
  int64_t lda;
  bool rows = false;  // full MR-row panels of a row-major A read in place (rows_ukernel_for)

  // What the tile before A micro-panel [m0, m0 + rows) x [k0, k0 + kc) pulls toward L2:
  // the packed panel itself (at `panel` in the block), or the rows of op(A) it is packed from.
  PrefetchRows panel_pull(const float* panel, int64_t mr, int64_t m0, int64_t rows, int64_t k0, int64_t kc) const {
    if (packed) return PrefetchRows{panel, 0, 1, mr * kc};
    return trans ? PrefetchRows{A + k0 * lda + m0, lda, kc, rows} : PrefetchRows{A + m0 * lda + k0, lda, rows, kc};
  }
};

void gemm_blocked(Isa isa, const ASource& a, const BSource& b, int64_t M, int64_t N, int64_t K, float* C, int64_t ldc,
                  const GemmEpilogue& ep) {
  const GemmGeometry g = gemm_geometry(isa);
  const GemmUkernel uk = ukernel_for(isa);
  // B's last panel, when it has at most 8 columns, takes the narrow kernel too: a
  // 14 x 32 tile spends a 16-column vector of multiply-adds per row on those few columns
  // (ViT's 197 tokens, a 14 x 14 map's 196 pixels). One thread, alternating in one
  // process: [768 x 768] x [768 x 197] +8 %, [3072 x 768] x [768 x 197] +3 %, 1 x 1
  // convs on 14 x 14 maps +4 %, [96 x 96] x [96 x 36] +17 %; +3 % down to K = 32.
  const GemmNarrowUkernel uk_narrow = narrow_ukernel_for(isa);
  const GemmRowsUkernel uk_rows = a.rows ? rows_ukernel_for(isa) : nullptr;
  const GemmShortRowsUkernel uk_short = a.rows ? short_rows_ukernel_for(isa) : nullptr;
  const bool prepacked_b = b.packed != nullptr;
  const bool in_place = b.pack == nullptr && !prepacked_b;
  // A B that is narrow all through is packed as wide as it is: a 32-wide panel for the x
  // of a batch-1 head made packing write, and the kernel read, a 64-byte line per k for
  // 4 bytes of x, more traffic than the weights' 56. (A 1000 x 2048 head, one thread, in
  // one process with oneDNN: from 0.78x to 0.90x its speed with weights from memory, from
  // 0.55x to 0.92x with weights in L2; the kernel's several panels per call did the rest.)
  const int64_t b_width = uk_narrow && N <= 8 && !prepacked_b ? N : g.nr;
  // A B read in place is re-read for every A block, from rows scattered over an image.
  // When K is short the A block is small: make it taller, up to the same L2 footprint,
  // so each B micro-panel serves more rows (ResNet-50's 64 -> 256 1x1 conv, K = 64, when
  // it ran in this order: 19 row tiles per panel instead of 8 with MC 112, +1-3 % at one
  // and two threads). A
  // packed B streams from L2 and gains nothing (512^3 with MC 224: -1 %).
  const int64_t mc_blk = in_place ? std::max(g.mc, g.mc * g.kc / std::min(g.kc, K) / g.mr * g.mr) : g.mc;

  // A K of at most 256 and a C over 1 MiB, B read in place: a 1x1 conv on a large map
  // (MobileNetV2's 16 -> 96 at 112x112, K = 16; ResNet-50's 64 -> 256 and 256 -> 128 at
  // 56x56), where writing C sets the pace. Each A panel then sweeps the whole row of B
  // panels, so every output channel plane is written front to back in long runs, where
  // the BLIS order writes 128 bytes into each of M planes per B panel. The block's B is
  // first copied into contiguous panels (read in place, a panel's rows lie a plane apart),
  // which every A panel then reads from L2: on several threads a claim's copy (below) is
  // K x 4 KiB, at most half of L2; one thread copies its block whole (K x 8 KiB; copying it
  // in halves, or quarters, was level). Threads split the columns, so that each copies
  // only its own. Pinned 16-core Xeon, alternating in one process with oneDNN, against
  // the BLIS order over panels copied one at a time (below):
  // - K <= 64: 64 -> 256 at 56x56 0.83x -> 0.96-0.97x its speed on one thread, 0.77-0.85x
  //   -> 0.88-0.97x on two; 48 -> 192 at 56x56 0.73-0.76x -> 0.93-0.98x and +10-15 %;
  //   24 -> 144 at 56x56 0.70x -> 0.82-0.83x and +4-8 %; 16 -> 96 at 112x112 +4-14 % on one
  //   thread but -2-4 % on two; 64 -> 384 at 28x28 +2-7 % and +1-10 %. (In place, K =
  //   40-64 in this order ran level to -5 %, and K <= 32 gained a third of what it gains
  //   copied.)
  // - K = 96-256 at 56x56: 256 -> 128 0.85x -> 0.91x and 0.90x -> 0.94x, 256 -> 256 0.82x
  //   -> 0.94x and 0.90x -> 0.93x, 128 -> 256 +6 % and level, 96 -> 576 1.01x -> 1.22x and
  //   0.95x -> 1.10x. At 28x28 level (256 -> 512, 512 -> 256: too small a C for this order
  //   from 512 channels); the AVX2 path level.
  // - A C over 512 KiB suffices on maps of 1024 pixels or more, two runs: at 56x56
  //   256 -> 64 +13 % on one thread and +5-6 % on two, 64 -> 64 +1-4 % and +5-7 %, 24 -> 64
  //   -2 to +24 % and +10 %. At 28x28 such a C gained on one thread but lost on two (32 ->
  //   192 and 40 -> 240: -8 to -13 %, the threads' shares there under one claim of panels).
  const int64_t c_bytes = M * N * 4;
  const bool c_major = a.packed && in_place && !a.rows && K <= 256 &&
                       (c_bytes > (int64_t(1) << 20) || (c_bytes > (int64_t(512) << 10) && N >= 1024));
  // Otherwise a B read in place over a large map (N >= 1024) is copied, one column panel at
  // a time, into a contiguous buffer that the A block's row tiles then share from L1. In
  // place, a panel's k rows lie an image plane apart: a line pair each in a few L1 sets
  // (the sets the output planes go through), and an offset load per k step. Pinned 16-core
  // Xeon, alternating in one process with oneDNN: 1x1 convs at 56x56, 64 -> 256 0.68x ->
  // 0.79x its speed on one thread and +13-16 % on two, 48 -> 192 +19 % and +12 %; the
  // AVX2 path's 256 -> 64 +51 %. At 28x28 and 14x14 it was +5 % on one thread but lost up
  // to 12 % on two, which split the rows and so halve each copy's reuse: hence the size.
  // Copied for a single row tile it loses (grouped 3x3s with 4 or 8 channels a group: -10 to
  // -27 %), so a block needs 3 row tiles (56 channels a group, 4 tiles: +11 %).
  // A K of 256 or more is copied on any map: its panel's rows lie on as many pages, and a
  // row of a map whose width is no multiple of 16 spans a line more than its copy. 2-vCPU
  // Xeon VM, alternating in one process with oneDNN, 9 rounds: the AVX2 path's 1x1 convs
  // (ResNet-50's and MobileNetV2's on 28x28 to 7x7, K = 320-2048) +5-23 % on one thread,
  // -8 to +18 % and level on average on two; grouped 3x3s (AVX-512) with 48 channels a
  // group (K = 432) +41-47 % on one and two threads, with 32 (K = 288) level to +4 %. With
  // K under 256 (14x14 and 28x28, K = 32-192) it was -8 to +7 %.
  const bool pack_panels = in_place && !c_major && (N >= 1024 || K >= 256);
  // C-major over a K of at most 48: the AVX-512 tile fetches its own C rows into L1 over
  // its last 48 k steps, here fewer, so C's lines (write misses, from L3 on a large map)
  // arrive late. The tile after each one then has its C lines fetched for writing
  // (PREFETCHW) a tile ahead. One thread, alternating in one process with oneDNN and the
  // same code without it, 3-7 runs a shape: 16 -> 96 at 112x112 +1-16 %, 24 -> 96 and
  // 32 -> 96 +3-13 %; +1-14 % on two threads; at 56x56, where C mostly fits in L2, -6 to
  // +5 %; with K = 64 (ResNet-50's 64 -> 256, the tile's own prefetch leading by 48 steps) -3 %.
  const bool fetch_next_c = c_major && (isa == Isa::avx512 || isa == Isa::avx512vnni) && K <= 48;
  // The epilogue of the tile at (row, col) in the K block [first, last]: beta and the
  // biases and activation apply once, on the first and the last block.
  auto epilogue_at = [&ep](int64_t row, int64_t col, bool first, bool last) {
    UkernelEpilogue e{ep.alpha, first ? ep.beta : 1.f, nullptr, nullptr, FusedActivation::none};
    if (last) {
      if (ep.bias) (ep.bias_per_row ? e.bias_row : e.bias_col) = ep.bias + (ep.bias_per_row ? row : col);
      e.act = ep.act;
    }
    return e;
  };
  const GemmSplit split = gemm_split(g, M, N, K, get_num_threads(), c_major);
  const bool split_n = split.split_n;
  // Exactly split.threads threads: a minimum chunk of tiles / threads, rounded up, gave an
  // odd tile count one thread where it asked for two (VGG-16's 4096 x 4096 head).
  auto run = [&](int64_t t0, int64_t t1) {
    const int64_t m_lo = split_n ? 0 : t0 * g.mr, m_hi = split_n ? M : std::min(M, t1 * g.mr);
    const int64_t n_lo = split_n ? t0 * g.nr : 0, n_hi = split_n ? std::min(N, t1 * g.nr) : N;
    float* bp = in_place || prepacked_b ? nullptr : scratch(0, static_cast<size_t>(g.kc * g.nc));
    float* ap = a.packed ? nullptr : scratch(1, static_cast<size_t>(g.mc * g.kc));
    float* panel = pack_panels ? scratch(0, static_cast<size_t>(g.kc * g.nr)) : nullptr;
    float* b_copy = c_major ? scratch(0, static_cast<size_t>(std::min(K, g.kc) * g.nc)) : nullptr;
    for (int64_t jc = n_lo; jc < n_hi; jc += g.nc) {
      const int64_t nc = std::min(g.nc, n_hi - jc);
      for (int64_t pc = 0; pc < K; pc += g.kc) {
        const int64_t kc = std::min(g.kc, K - pc);
        const bool first = pc == 0, last = pc + kc == K;
        if (!in_place && !prepacked_b) b.pack(b.ctx, bp, pc, kc, jc, nc, b_width);
        const float* bblk = prepacked_b ? b.packed->block(pc, jc) : bp;  // the B block's panels
        const int64_t* offsets = in_place ? b.offsets + pc : nullptr;  // null: a packed panel
        if (c_major) pack_b_rows_at(b_copy, g.nr, b.base, offsets, jc, nc, kc);  // shared by every A block
        for (int64_t ic = m_lo; ic < m_hi; ic += mc_blk) {
          const int64_t mc = std::min(mc_blk, m_hi - ic);
          const float* ablk = a.packed ? a.packed->block(pc, ic) : ap;
          if (c_major) {  // one A panel across every B panel of the block, then the next
            for (int64_t ir = 0; ir < mc; ir += g.mr) {
              const int64_t m = std::min(g.mr, mc - ir);
              for (int64_t jr = 0; jr < nc; jr += g.nr) {
                const int64_t n = std::min(g.nr, nc - jr);
                const int64_t row = ic + ir, col = jc + jr;
                const UkernelEpilogue e = epilogue_at(row, col, first, last);
                if (fetch_next_c && jr + g.nr < nc) {
                  const float* next = C + row * ldc + col + g.nr;
                  const int64_t next_n = std::min(g.nr, nc - jr - g.nr);
                  for (int64_t i = 0; i < m; ++i)
                    for (int64_t j = 0; j < next_n; j += 16) __builtin_prefetch(next + i * ldc + j, 1, 3);
                }
                if (n <= 8 && uk_narrow)
                  uk_narrow(kc, ablk + ir * kc, b.base + col, b_width, offsets, C + row * ldc + col, ldc, m, n, e);
                else
                  uk(kc, ablk + ir * kc, b_copy + jr * kc, nullptr, C + row * ldc + col, ldc, m, n, e, nullptr);
              }
            }
            continue;
          }
          // A row tail of 1 or 2 and the full tile before it run as two tiles of up to 8
          // rows read in place, 7 + 8 or 8 + 8 (one thread, alternating in one process:
          // 128^3 +2 %, [197 x 768] x [768 x 768] +2 %, 29 x 128 x 128 +8 %).
          const int64_t tail = mc % g.mr;
          const int64_t split = uk_short && (tail == 1 || tail == 2) && mc > g.mr ? mc - tail - g.mr : -1;
          for (int64_t jr = 0; jr < nc; jr += g.nr) {
            const int64_t n = std::min(g.nr, nc - jr);
            const bool narrow_b = n <= 8 && uk_narrow;  // the narrow kernel reads B in place
            const bool packed_panel = pack_panels && !narrow_b && mc >= 3 * g.mr;
            if (packed_panel) pack_b_rows_at(panel, g.nr, b.base, offsets, jc + jr, n, kc);
            for (int64_t ir = 0, tile_m; ir < mc; ir += tile_m) {
              const bool short_tile = split >= 0 && ir >= split;
              // The narrow kernel walks several packed A panels per call (gemm_ukernel.h).
              const bool narrow = narrow_b && !a.rows;
              tile_m = short_tile ? (ir == split ? g.mr + tail - 8 : 8)
                                  : std::min((narrow ? narrow_ukernel_panels(n) : 1) * g.mr, mc - ir);
              const int64_t row = ic + ir, col = jc + jr;
              const UkernelEpilogue e = epilogue_at(row, col, first, last);
              // An unpacked A micro-panel is packed just before its first tile, and that
              // tile pulls the next panel's rows toward L2, so packing reads L2 rather than
              // memory (+0.3-1.6 % from 512^3 to 2048^3, one and two threads). A pre-packed
              // A's first pass pulls its next panel the same way (+2-3.6 % at 1024^3 and
              // 2048^3, 0-3 % at 512^3: streamed from memory by the hardware alone,
              // pre-packed A had run 3 % slower than packing it in the call).
              PrefetchRows next;
              const PrefetchRows* pull = nullptr;
              const bool a_rows = a.rows && ir + g.mr <= mc;  // a row tail is packed, zero-padded
              if (jr == 0 && !a.packed && !a_rows && !short_tile)
                pack_a_block(ap + ir * kc, a.trans, a.A, a.lda, row, tile_m, pc, kc, g.mr);
              if (jr == 0 && ir + tile_m < mc && !narrow)
                pull = &(next = a.panel_pull(ablk + (ir + g.mr) * kc, g.mr, row + tile_m,
                                             std::min(g.mr, mc - ir - tile_m), pc, kc));
              const float* bpanel = packed_panel ? panel : in_place ? b.base + col : bblk + jr * kc;
              if (short_tile)
                uk_short(kc, a.A + row * a.lda + pc, a.lda, bpanel, C + row * ldc + col, ldc, tile_m, n, e, pull);
              else if (a_rows)
                uk_rows(kc, a.A + row * a.lda + pc, a.lda, bpanel, C + row * ldc + col, ldc, n, e, pull);
              else if (narrow_b)
                uk_narrow(kc, ablk + ir * kc, bpanel, b_width, offsets, C + row * ldc + col, ldc, tile_m, n, e);
              else
                uk(kc, ablk + ir * kc, bpanel, packed_panel ? nullptr : offsets, C + row * ldc + col, ldc,
                   std::min(g.mr, mc - ir), n, e, pull);
            }
          }
        }
      }
    }
  };
  // A packed beforehand and B read in place (the GEMM path of convs): nothing shared is
  // packed in the call (B's copies are the claiming thread's own), so tiles can move
  // between threads for free. They are claimed a block at a time (8 B panels, or one A
  // block, whose pass over B a static split makes anyway), and a thread that finishes takes
  // the rest of another's: this VM's two vCPUs differ by up to 1.4x for spells on such
  // memory-heavy products. Two threads, alternating in one process: 1x1 convs 16 -> 96 at
  // 112^2 +5 to +32 %, 24 -> 144 at 56^2 +5 to +14 %, 64 -> 256 at 56^2 +1 to +5 %,
  // 64 -> 384 at 14^2 level. (SGEMM proper packs B per thread; balancing it needed
  // barriers and lost on small products: kernels/README.md.)
  // C-major, a claim is 32 B panels: 4 KiB runs of each output plane where 8 panels wrote
  // 1 KiB. Pinned 16-core Xeon, two threads, two runs: 16 -> 96 at 112^2 0.58-0.59x ->
  // 0.75-0.77x oneDNN, 16 -> 64 at 112^2 +8-10 %, 48 -> 192 at 56^2 +0-5 %, the others
  // level to -3 %.
  const int64_t claim = split_n ? (c_major ? 32 : 8) : mc_blk / g.mr;
  if (a.packed && in_place) parallel_for_balanced(split.tiles, claim, run, split.threads);
  else parallel_for(split.tiles, 1, run, split.threads);
}

// A row-major A with short rows is read in place, its full MR-row panels by the rows
// entry of the microkernel: packing an A panel costs ~30 % of the multiply-adds of one B
// panel, and the in-place panel streams from L1/L2 as well as a packed one, however many
// B panels re-read it. One thread, in place against packed, alternating in one process
// with operands cycling through copies. AVX-512: 64^3 +4 %, 128^3 +5 %, 256^3 +3 %,
// 512^3 +2 %, [3136 x 384] x [384 x 96] (a Swin/ConvNeXt MLP) +3 % (+7 % at two
// threads), [1024 x 256] x [256 x 768] +5 %, attention's P V at 64 x 197 x 64 +5 %;
// level to +3 % from 8 to 64 B panels. AVX2: +1 to +5 %. (An earlier measurement had it
// 4 % slower at N = 768, and only products of up to 4 B panels read A in place; measured
// again with operands cycling through copies as the benchmark does, it won at every width
// tried.) Rows 3 KiB apart (ViT-B's 768-wide tokens) still gain 1-2 %; 4 KiB apart they
// all fall in one L1 set (1024^3: -5 %, rows of 3072: -10 %). (N > 8: the narrow 14 x n
// kernel has no rows entry.)
bool reads_a_in_place(bool trans_a, int64_t N, int64_t lda) { return !trans_a && N > 8 && lda <= 768; }

bool degenerate(int64_t M, int64_t N, int64_t K) { return M == 0 || N == 0 || K == 0; }

}  // namespace

std::shared_ptr<float> packed_buffer(int64_t floats, const char* what) {
  const size_t bytes = static_cast<size_t>(round_up(std::max<int64_t>(floats, 1) * 4, 64));
  float* raw = static_cast<float*>(allocate_aligned(bytes));
  TESSERA_CHECK(raw, what, ": out of memory (", bytes, " bytes)");
  return std::shared_ptr<float>(raw, [](float* q) { std::free(q); });
}

GemmGeometry gemm_geometry(Isa isa) {
  switch (isa) {
    // KC = 1024: each pass over K re-reads and re-writes C, and at 1024^3 the second pass of
    // KC 512 cost ~4 % (C tiles come from memory). The 128 KiB B micro-panel and the 56 KiB
    // A micro-panel stream from L2, B prefetched; MC*KC*4 = 224 KiB of packed A stays in
    // L2 next to them; NC*KC*4 = 4 MiB of packed B in L3, which other tenants share: NC
    // 2048 (8 MiB) ran 2 % slower at 2048^3 while the machine was busy (~187 GFLOP/s) and
    // the same when it was quiet (~197), even though A is now packed once per NC block.
    // MC 56 rather than 112 re-reads B from L3 twice as often, yet on a shared Xeon
    // (Emerald Rapids VM, alternating in one process) 2048^3 ran 1-5 % faster on one and
    // two threads, 1024^3 level to +4 %; Linears and GEMM convs level (Zen 5: MC 56-168
    // within 0.5 %; KC 1024 ahead of 512 and 768 by 1-4 %).
    case Isa::avx512:
    case Isa::avx512vnni: return {14, 32, 14 * 4, 1024, 32 * 32};
    // AVX2 (CPUs without AVX-512, often 32 KiB L1 and 256 KiB-1 MiB L2): KC 512 for the same
    // reason, a 32 KiB B micro-panel, MC*KC*4 = 144 KiB of packed A. (Zen 5 on this path:
    // 104 GFLOP/s at 1024^3 against 96 with KC 192 / MC 336; KC 1024 / MC 48 reached 106.)
    case Isa::avx2: return {6, 16, 6 * 12, 512, 16 * 128};
    case Isa::ref: break;
  }
  return {1, 1, 1, int64_t(1) << 40, int64_t(1) << 40};  // ref: packed A is plain row-major A
}

GemmSplit gemm_split(const GemmGeometry& g, int64_t M, int64_t N, int64_t K, int available, bool columns) {
  const int64_t m_tiles = (M + g.mr - 1) / g.mr, n_tiles = (N + g.nr - 1) / g.nr;
  // A parallel region costs a few microseconds (3-4 on a 2-vCPU VM), so each thread
  // gets at least ~5 us of one core's work, or the call stays on fewer threads (64^3 at
  // two threads took 7.4 us against 4.1 on one). Work is the larger of the FLOPs and the
  // bytes of A, B and C at ~10 FLOPs each: a call that streams its operands from memory
  // (a classifier head at batch 1, a 1x1 conv over few channels) goes faster on more
  // threads, which fetch them faster.
  constexpr double kMinWorkPerThread = 1e6;
  const double work = std::max(2.0 * double(M) * double(N) * double(K),
                               40.0 * (double(M) * double(K) + double(K) * double(N) + double(M) * double(N)));
  const int threads = static_cast<int>(std::clamp<double>(work / kMinWorkPerThread, 1, std::max(available, 1)));
  // Threads split the dimension whose tiles divide more evenly among them (the busiest
  // thread's tile count decides; N on a tie). A 1x1 conv on a 14x14 map has 7 column
  // panels and 28 row tiles: split by column, one thread had 4 panels to the other's 3
  // (MobileNetV2's 64 -> 384 expand and 32 -> 192 at 28x28: +8-9 % at two threads).
  const int64_t busiest_n = (n_tiles + threads - 1) / threads * m_tiles;
  const int64_t busiest_m = (m_tiles + threads - 1) / threads * n_tiles;
  const bool split_n = columns || busiest_n <= busiest_m;
  const int64_t tiles = split_n ? n_tiles : m_tiles;
  return GemmSplit{static_cast<int>(std::min<int64_t>(threads, tiles)), split_n, tiles};
}

const float* PackedB::block(int64_t k0, int64_t n0) const {
  const int64_t kc = std::min(geo.kc, K - k0);
  return buf.get() + round_up(N, geo.nr) * k0 + n0 * kc;
}

PackedB pack_b(Isa isa, bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb) {
  TESSERA_CHECK(K >= 0 && N >= 0, "pack_b: negative size K=", K, " N=", N);
  PackedB p;
  p.isa = isa;
  p.K = K;
  p.N = N;
  p.geo = gemm_geometry(isa);  // ref: one K block of 1-column panels, i.e. B^T [N, K]
  const int64_t npad = round_up(N, p.geo.nr);
  p.buf = packed_buffer(npad * K, "pack_b");
  const MatrixB mb{B, ldb, trans_b};
  // Runs of 4 panels (the packer's pass) on all threads, as pack_a.
  const int64_t group = 4 * p.geo.nr, groups = (N + group - 1) / group;
  for (int64_t pc = 0; pc < K && N > 0; pc += p.geo.kc) {
    const int64_t kc = std::min(p.geo.kc, K - pc);
    parallel_for(groups, std::max<int64_t>(1, kPackFloatsPerThread / (kc * group)), [&](int64_t g0, int64_t g1) {
      const int64_t n0 = g0 * group, n1 = std::min(N, g1 * group);
      pack_b_matrix(&mb, p.buf.get() + npad * pc + n0 * kc, pc, kc, n0, n1 - n0, p.geo.nr);
    });
  }
  return p;
}

const float* PackedA::block(int64_t k0, int64_t m0) const {
  const int64_t kc = std::min(geo.kc, K - k0);
  return buf.get() + round_up(M, geo.mr) * k0 + m0 * kc;
}

PackedA pack_a(Isa isa, bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda) {
  PackedA p;
  p.isa = isa;
  p.M = M;
  p.K = K;
  p.geo = gemm_geometry(isa);
  const int64_t mpad = round_up(M, p.geo.mr);
  p.buf = packed_buffer(mpad * K, "pack_a");
  // Row panels on all threads: a fresh buffer's first touch costs as much as the packing
  // (~13 us a 4 KiB page on the VM this was tuned on), and both spread over cores.
  const int64_t panels = (M + p.geo.mr - 1) / p.geo.mr;
  for (int64_t pc = 0; pc < K; pc += p.geo.kc) {
    const int64_t kc = std::min(p.geo.kc, K - pc);
    parallel_for(panels, std::max<int64_t>(1, kPackFloatsPerThread / (kc * p.geo.mr)), [&](int64_t i0, int64_t i1) {
      const int64_t m0 = i0 * p.geo.mr, m1 = std::min(M, i1 * p.geo.mr);
      pack_a_block(p.buf.get() + mpad * pc + m0 * kc, trans_a, A, lda, m0, m1 - m0, pc, kc, p.geo.mr);
    });
  }
  return p;
}

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep) {
  TESSERA_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: negative size M=", M, " N=", N, " K=", K);
  const Isa isa = active_isa();
  if (isa == Isa::ref || degenerate(M, N, K)) {
    ref::gemm_f32(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, ep);
    return;
  }
  const MatrixB mb{B, ldb, trans_b};
  gemm_blocked(isa, ASource{nullptr, trans_a, A, lda, reads_a_in_place(trans_a, N, lda)}, BSource{pack_b_matrix, &mb},
               M, N, K, C, ldc, ep);
}

void gemm_f32_packed_b(bool trans_a, int64_t M, const float* A, int64_t lda, const PackedB& b, float* C, int64_t ldc,
                       const GemmEpilogue& ep) {
  TESSERA_CHECK(M >= 0, "gemm: negative size M=", M);
  TESSERA_CHECK(b.isa == active_isa(), "gemm: weights were packed for the ", isa_name(b.isa),
                " kernels but the active path is ", isa_name(active_isa()), "; pack them again");
  if (b.isa == Isa::ref || degenerate(M, b.N, b.K)) {
    // ref's packed B is B^T [N, K]; a degenerate product reads no B.
    ref::gemm_f32(trans_a, true, M, b.N, b.K, A, lda, b.buf.get(), std::max<int64_t>(b.K, 1), C, ldc, ep);
    return;
  }
  BSource src;
  src.packed = &b;
  gemm_blocked(b.isa, ASource{nullptr, trans_a, A, lda, reads_a_in_place(trans_a, b.N, lda)}, src, M, b.N, b.K, C,
               ldc, ep);
}

void gemm_f32_packed(const PackedA& a, const BSource& b, int64_t N, float* C, int64_t ldc, const GemmEpilogue& ep) {
  TESSERA_CHECK(b.packed == nullptr, "gemm_f32_packed: a B packed beforehand goes through gemm_f32_packed_b");
  TESSERA_CHECK(a.isa == active_isa(), "gemm: weights were packed for the ", isa_name(a.isa),
                " kernels but the active path is ", isa_name(active_isa()), "; pack them again");
  if (a.isa == Isa::ref || degenerate(a.M, N, a.K)) {
    // The spec path: materialise B^T [N, K] and run the reference kernel.
    std::vector<float> bt(static_cast<size_t>(std::max<int64_t>(N * a.K, 1)));
    if (N * a.K != 0 && b.pack) b.pack(b.ctx, bt.data(), 0, a.K, 0, N, 1);
    if (N * a.K != 0 && !b.pack)
      for (int64_t j = 0; j < N; ++j)
        for (int64_t k = 0; k < a.K; ++k) bt[j * a.K + k] = b.base[b.offsets[k] + j];
    ref::gemm_f32(false, true, a.M, N, a.K, a.buf.get(), a.K, bt.data(), a.K, C, ldc, ep);
    return;
  }
  gemm_blocked(a.isa, ASource{&a, false, nullptr, 0}, b, a.M, N, a.K, C, ldc, ep);
}

}  // namespace tessera::kernels
