// Deterministic, seeded random numbers: the same seed gives the same stream on
// every platform and compiler (std:: distributions do not promise that).
// Engine: xoshiro256** seeded through splitmix64; normals by Box-Muller.
#pragma once
#include <cstdint>

namespace tessera {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);

  uint64_t next_u64();
  float uniform();                      // [0, 1), 24 random bits
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  float normal();                       // N(0, 1)
  int64_t randint(int64_t n);           // [0, n), unbiased
  bool bernoulli(float p) { return uniform() < p; }

  void fill_uniform(float* out, int64_t n, float lo = 0.f, float hi = 1.f);
  void fill_normal(float* out, int64_t n, float mean = 0.f, float stddev = 1.f);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.f;
};

}  // namespace tessera
