// The GEMM microkernel contract (XNNPACK-style): one MR x NR tile of C from one
// packed A micro-panel (kc x MR) and kc rows of B. It never allocates, never starts
// threads and reads no globals; the epilogue is a parameter.
//
// B row k starts at b + b_offsets[k] (NR floats, of which the first n are used), or,
// when b_offsets is null, at b + k * NR: a packed panel (NR = the path's GemmGeometry::nr),
// walked with no offset loads. A convolution passes the offsets of its (channel, kh, kw)
// rows inside a padded image, so it reads the image in place with no im2col copy
// (kernels/conv2d_phases.h).
#pragma once
#include <cstdint>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

struct UkernelEpilogue {
  float alpha;               // C = alpha * acc + beta * C
  float beta;                // 0: C is not read
  const float* bias_row;     // m values (tile rows), or null; only on the last K block
  const float* bias_col;     // n values (tile columns), or null; only on the last K block
  FusedActivation act;       // only on the last K block
};

// m <= MR rows and n <= NR columns of the tile are computed and stored; B columns past
// n are never read; A is zero-padded to MR rows.
//
// pull: null, or a hint: memory to fetch toward L2 while the call runs, one 64-byte line
// per k step: `rows` rows `ld` floats apart, `len` floats of each, line by line across the
// rows (16 floats of every row, then the next 16), until the lines or the k steps run out.
// On the first pass over an A block the driver names the next A micro-panel here: its
// source rows when it packs each panel just before its first tile (so that packing reads
// L2 rather than memory), or the packed panel itself when A was packed beforehand.
// Kernels honour it on packed B panels (the AVX2 one on full-width tiles only) and may
// ignore it elsewhere.
struct PrefetchRows {
  const float* base;
  int64_t ld, rows, len;
};

// A microkernel's walk over its pull: next() gives the line to fetch this k step, or null.
// (Copies of the fields: nothing is reloaded through the pointer inside the k loop.)
class PullCursor {
 public:
  explicit PullCursor(const PrefetchRows* p)
      : base_(p ? p->base : nullptr), ld_(p ? p->ld : 0), rows_(p ? p->rows : 0), len_(p ? p->len : 0) {
    if (rows_ <= 0 || len_ <= 0) base_ = nullptr;
  }
  const float* next() {
    if (base_ == nullptr || col_ >= len_) return nullptr;
    const float* at = base_ + row_ * ld_ + col_;
    if (++row_ == rows_) {
      row_ = 0;
      col_ += 16;
    }
    return at;
  }

 private:
  const float* base_;
  int64_t ld_, rows_, len_;
  int64_t row_ = 0, col_ = 0;
};

using GemmUkernel = void (*)(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                             int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);

void gemm_f32_ukernel_14x32__avx512(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                    int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);
// The same tiles with A read in place: MR full rows of a row-major A, row i at a + i * lda,
// its k values contiguous; B a packed panel. Packing an A panel costs ~30 % of the
// multiply-adds it feeds per B panel, and the rows read in place stream as well, so
// gemm_f32 skips packing a row-major A with short rows (kernels/gemm.cpp). Rows 4 KiB apart all fall in one L1 set (a 4 KiB lda ran 5-9 %
// slower on the AVX-512 tile), so callers keep lda <= 768 (3 KiB).
using GemmRowsUkernel = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                 int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);
void gemm_f32_ukernel_14x32_rows__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                         int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);
void gemm_f32_ukernel_6x16_rows__avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                      int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);
// At most 8 rows of A read in place (AVX-512), for the two tiles that replace a full tile
// and a row tail of 1 or 2: 8 + 7 or 8 + 8 rows keep 14-16 accumulators busy where a tail
// on the 4-row tile ran 8 multiply-adds a step for 1-2 live rows. It computes m <= 8 rows
// but reads 8: rows m..7 must be readable (their results are dropped).
using GemmShortRowsUkernel = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                      int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);
void gemm_f32_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                        int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);

// n <= 8 columns (a batch-1 classifier head): A is the vector operand, B broadcast. Its
// weights are packed at load time, so it takes no pull. B row k starts at b + b_offsets[k],
// or at b + k * ldb: ldb = NR on a wide B's packed last panel, ldb = n where the whole B
// is narrow and packed n wide (a 32-wide panel for one column would cost its packing a
// line written and the kernel a line read per k, more than the weights' 56 bytes).
// One call takes m <= narrow_ukernel_panels(n) * MR rows: consecutive packed A panels
// (a + p * MR * kc), each walked as a stream of its own.
inline int64_t narrow_ukernel_panels(int64_t n) { return n <= 4 ? 4 : 2; }
using GemmNarrowUkernel = void (*)(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets,
                                   float* c, int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);
void gemm_f32_ukernel_14xn__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets,
                                   float* c, int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);
// The AVX2 counterpart, over panels of MR = 6 rows.
void gemm_f32_ukernel_6xn__avx2(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets,
                                float* c, int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);
void gemm_f32_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                 int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull);

}  // namespace tessera::kernels
