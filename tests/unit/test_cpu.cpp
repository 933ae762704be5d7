// ISA detection and forcing.
#include <doctest/doctest.h>

#include <atomic>

#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

using namespace tessera;

TEST_CASE("ISA names round-trip and unsupported paths cannot be forced") {
  for (Isa i : {Isa::ref, Isa::avx2, Isa::avx512, Isa::avx512vnni}) CHECK(parse_isa(isa_name(i)) == i);
  CHECK_THROWS_AS(parse_isa("sse9"), Error);
  const auto isas = supported_isas();
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::ref);
  const Isa before = active_isa();
  for (Isa i : isas) {
    set_active_isa(i);
    CHECK(active_isa() == i);
  }
  set_active_isa(before);
  for (Isa i : {Isa::avx2, Isa::avx512, Isa::avx512vnni})
    if (!isa_supported(i)) CHECK_THROWS_AS(set_active_isa(i), Error);
}

TEST_CASE("parallel_for covers the range exactly once") {
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<int> hits(1001, 0);
    parallel_for(1001, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i]++;
    });
    for (int h : hits) REQUIRE(h == 1);
  }
  CHECK_THROWS_AS(set_num_threads(0), Error);
}

TEST_CASE("parallel_for takes n / min_chunk threads, rounded down, and at most max_threads") {
  const int saved = get_num_threads();
  set_num_threads(4);
  auto chunks = [](int64_t n, int64_t min_chunk, int max_threads) {
    std::atomic<int> calls{0};
    std::vector<int> hits(static_cast<size_t>(n), 0);
    parallel_for(n, min_chunk, [&](int64_t b, int64_t e) {
      ++calls;
      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    }, max_threads);
    for (int h : hits) REQUIRE(h == 1);
    return calls.load();
  };
  CHECK(chunks(293, 147, 0) == 1);  // 293 / 147 = 1: every chunk holds at least min_chunk
  CHECK(chunks(293, 146, 0) == 2);
  CHECK(chunks(293, 1, 2) == 2);    // an odd count still splits in two
  CHECK(chunks(293, 1, 0) == 4);
  CHECK(chunks(3, 1, 0) == 3);
  CHECK(chunks(293, 1, 1) == 1);
  set_num_threads(saved);
}
