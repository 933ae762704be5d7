// Eigen's GEMM as a peer, compiled with AVX-512+FMA (as a user building Eigen for this
// CPU would; Debian's default flags would leave it on SSE2 and make it look 4x slower).
#include <Eigen/Core>
#include <cstdint>

namespace tessera::bench {

void eigen_sgemm(const float* a, const float* b, float* c, int64_t n) {
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const M> A(a, n, n), B(b, n, n);
  Eigen::Map<M> C(c, n, n);
  C.noalias() = A * B;
}

void eigen_set_threads(int n) { Eigen::setNbThreads(n); }

}  // namespace tessera::bench
