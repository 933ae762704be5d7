// ISA detection and forcing; the thread loops.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <omp.h>

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

TEST_CASE("parallel_for_balanced covers the range exactly once, at most grain tasks a call on several threads") {
  const int saved = get_num_threads();
  for (int threads : {1, 2, 3})
    for (int64_t n : {1, 7, 64, 1001})
      for (int64_t grain : {1, 5, 2000}) {
        CAPTURE(threads);
        CAPTURE(n);
        CAPTURE(grain);
        set_num_threads(threads);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int64_t> widest{0}, empty{0};
        parallel_for_balanced(n, grain, [&](int64_t b, int64_t e) {
          if (b >= e) ++empty;
          int64_t w = widest.load();
          while (e - b > w && !widest.compare_exchange_weak(w, e - b)) {
          }
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (auto& h : hits) REQUIRE(h.load() == 1);
        CHECK(empty.load() == 0);
        if (threads == 1) CHECK(widest.load() == n);
        else CHECK(widest.load() <= grain);
      }
  set_num_threads(saved);
}

TEST_CASE("parallel_for_balanced: a thread that runs out takes tasks from the back of a slower one's share") {
  const int saved = get_num_threads();
  set_num_threads(2);
  // Thread 0 holds its first task until another thread has run a task of its share
  // [0, 32): only stealing can release it (a timeout fails the test instead of hanging).
  std::atomic<bool> stolen{false};
  std::mutex m;
  std::vector<std::pair<int64_t, int>> runs;  // (task, thread)
  parallel_for_balanced(64, 1, [&](int64_t b, int64_t e) {
    const int t = omp_get_thread_num();
    if (t != 0 && b < 32) stolen = true;
    if (t == 0 && b == 0) {
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!stolen && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(m);
    for (int64_t i = b; i < e; ++i) runs.emplace_back(i, t);
  });
  set_num_threads(saved);
  REQUIRE(runs.size() == 64);
  CHECK(stolen.load());
  // Stolen tasks come from the back of the share: the thief's first one is task 31.
  int64_t first_stolen = -1;
  for (auto [task, t] : runs)
    if (t != 0 && task < 32) {
      first_stolen = task;
      break;
    }
  CHECK(first_stolen == 31);
}
