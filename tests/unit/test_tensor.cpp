// Tensor views, strides, contiguity, copies and error paths.
#include <doctest/doctest.h>

#include "tensor/rng.h"
#include "tensor/tensor.h"

using namespace tessera;

static Tensor iota(const Shape& s) {
  Tensor t = Tensor::arange(shape_numel(s)).reshape(s);
  return t;
}

TEST_CASE("factories: shape, strides, alignment") {
  Tensor t = Tensor::zeros({2, 3, 4});
  CHECK(t.shape() == Shape{2, 3, 4});
  CHECK(t.strides() == Shape{12, 4, 1});
  CHECK(t.numel() == 24);
  CHECK(t.is_contiguous());
  CHECK(reinterpret_cast<uintptr_t>(t.raw_data()) % 64 == 0);
  CHECK(t.get(23) == 0.0);
  Tensor f = Tensor::full({3}, 2.5);
  CHECK(f.get(2) == 2.5);
  Tensor i = Tensor::full({2}, 7, DType::i8);
  CHECK(i.at<int8_t>({1}) == 7);
  CHECK(Tensor::empty({0, 5}).numel() == 0);
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, -1}), "invalid shape [2, -1]: negative dimension", Error);
}

TEST_CASE("transpose and permute are views with swapped strides") {
  Tensor t = iota({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p.shares_storage(t));
  CHECK_FALSE(p.is_contiguous());
  CHECK(p.at<float>({3, 1, 2}) == t.at<float>({1, 2, 3}));
  Tensor c = p.contiguous();
  CHECK(c.is_contiguous());
  CHECK_FALSE(c.shares_storage(t));
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t d = 0; d < 3; ++d) CHECK(c.at<float>({a, b, d}) == t.at<float>({b, d, a}));
  Tensor tt = t.transpose(0, 2).transpose(0, 2);
  CHECK(tt.is_contiguous());
  CHECK_THROWS_AS(t.permute({0, 0, 1}), Error);
  CHECK_THROWS_AS(t.permute({0, 1}), Error);
}

TEST_CASE("slice, narrow, select: offsets and strides") {
  Tensor t = iota({5, 6});
  Tensor s = t.slice(1, 1, 6, 2);  // columns 1, 3, 5
  CHECK(s.shape() == Shape{5, 3});
  CHECK(s.strides() == Shape{6, 2});
  CHECK(s.offset() == 1);
  CHECK(s.at<float>({2, 1}) == 2 * 6 + 3);
  CHECK_FALSE(s.is_contiguous());
  Tensor n = t.narrow(0, 1, 2);
  CHECK(n.shape() == Shape{2, 6});
  CHECK(n.is_contiguous());
  CHECK(n.at<float>({0, 0}) == 6);
  Tensor r = t.select(1, -1);
  CHECK(r.shape() == Shape{5});
  CHECK(r.strides() == Shape{6});
  CHECK(r.at<float>({4}) == 29);
  Tensor clamp = t.slice(0, -2, 100);  // negative start and past-the-end end, as Python slices
  CHECK(clamp.shape() == Shape{2, 6});
  CHECK_THROWS_AS(t.select(0, 5), Error);
  CHECK_THROWS_AS(t.slice(2, 0, 1), Error);
  // writes through a view land in the base storage
  s.at<float>({0, 0}) = -1;
  CHECK(t.at<float>({0, 1}) == -1);
}

TEST_CASE("reshape is a view when strides allow, a copy otherwise; view refuses") {
  Tensor t = iota({2, 3, 4});
  Tensor v = t.reshape({6, -1});
  CHECK(v.shape() == Shape{6, 4});
  CHECK(v.shares_storage(t));
  Tensor p = t.permute({1, 0, 2});  // [3,2,4]: last dim still contiguous
  Tensor pv = p.view({3, 2, 2, 2});
  CHECK(pv.shares_storage(t));
  CHECK_THROWS_AS(p.view({6, 4}), Error);
  Tensor pr = p.reshape({6, 4});
  CHECK_FALSE(pr.shares_storage(t));
  CHECK(pr.at<float>({1, 0}) == t.at<float>({1, 0, 0}));
  CHECK_THROWS_WITH_AS(t.reshape({5, -1}), "reshape: shape [5, -1] is invalid for input of size 24", Error);
  CHECK_THROWS_AS(t.reshape({-1, -1}), Error);
  CHECK(t.flatten(1).shape() == Shape{2, 12});
  CHECK(t.flatten().shape() == Shape{24});
}

TEST_CASE("squeeze, unsqueeze, expand") {
  Tensor t = iota({3});
  Tensor u = t.unsqueeze(0);
  CHECK(u.shape() == Shape{1, 3});
  CHECK(u.unsqueeze(-1).shape() == Shape{1, 3, 1});
  CHECK(u.squeeze(0).shape() == Shape{3});
  CHECK(t.squeeze(0).shape() == Shape{3});  // size 3: untouched
  Tensor e = u.expand({4, 3});
  CHECK(e.strides() == Shape{0, 1});
  CHECK(e.at<float>({3, 2}) == 2);
  CHECK(t.expand({2, 3}).shape() == Shape{2, 3});
  CHECK_THROWS_AS(t.expand({4}), Error);
  Tensor dst = Tensor::zeros({2, 3});
  dst.copy_(t);  // broadcast copy
  CHECK(dst.at<float>({1, 2}) == 2);
}

TEST_CASE("copy_ across layouts and dtypes; to(); fill_") {
  Tensor t = iota({4, 5});
  Tensor dst = Tensor::zeros({5, 4});
  dst.copy_(t.transpose(0, 1));
  CHECK(dst.at<float>({3, 2}) == t.at<float>({2, 3}));
  Tensor strided_dst = Tensor::zeros({4, 10}).slice(1, 0, 10, 2);
  strided_dst.copy_(t);
  CHECK(strided_dst.at<float>({3, 4}) == 19);
  Tensor i = t.to(DType::i32);
  CHECK(i.dtype() == DType::i32);
  CHECK(i.at<int32_t>({3, 4}) == 19);
  Tensor neg = Tensor::full({1}, -2.7).to(DType::i32);
  CHECK(neg.item() == -2);  // truncation toward zero, like torch
  t.slice(0, 0, 1).fill_(9);
  CHECK(t.at<float>({0, 4}) == 9);
  CHECK(t.at<float>({1, 0}) == 5);
  CHECK_THROWS_AS(Tensor::zeros({2, 2}).copy_(Tensor::zeros({3})), Error);
}

TEST_CASE("element access and dtype checks") {
  Tensor t = Tensor::zeros({2, 2});
  CHECK_THROWS_WITH_AS(t.data<int32_t>(), "data(): tensor holds float32, not int32", Error);
  CHECK_THROWS_AS(t.at<float>({2, 0}), Error);
  CHECK_THROWS_AS(t.at<float>({0}), Error);
  CHECK_THROWS_AS(t.item(), Error);
  Tensor undef;
  CHECK_FALSE(undef.defined());
  CHECK_THROWS_AS(undef.raw_data(), Error);
}

TEST_CASE("from_storage validates the view against the storage size") {
  auto st = Storage::allocate(10 * sizeof(float));
  CHECK_NOTHROW(Tensor::from_storage(st, DType::f32, {2, 5}, {5, 1}));
  CHECK_THROWS_AS(Tensor::from_storage(st, DType::f32, {3, 5}, {5, 1}), Error);
  CHECK_THROWS_AS(Tensor::from_storage(st, DType::f32, {2, 5}, {5, 1}, 1), Error);
  bool released = false;
  {
    float buf[4] = {1, 2, 3, 4};
    Tensor w = Tensor::from_storage(Storage::wrap(buf, sizeof(buf), [&](void*) { released = true; }), DType::f32, {4},
                                    {1});
    CHECK(w.at<float>({3}) == 4);
  }
  CHECK(released);
}

TEST_CASE("printing looks like PyTorch's") {
  Tensor t = Tensor::arange(4).reshape({2, 2});
  CHECK(t.str() == "tensor([[0.0000, 1.0000],\n        [2.0000, 3.0000]])");
  CHECK(Tensor::arange(3, DType::i32).str() == "tensor([0, 1, 2], dtype=int32)");
}

TEST_CASE("max_abs_diff and shape checks name both shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::full({2, 3}, 0.5);
  CHECK(max_abs_diff(a, b) == 0.5);
  CHECK_THROWS_WITH_AS(max_abs_diff(a, Tensor::zeros({3, 2})), "max_abs_diff: shape mismatch, [2, 3] vs [3, 2]",
                       Error);
}

TEST_CASE("Generator is deterministic and well distributed") {
  Generator g1(42), g2(42), g3(43);
  Tensor a = Tensor::randn({10000}, g1), b = Tensor::randn({10000}, g2), c = Tensor::randn({10000}, g3);
  CHECK(max_abs_diff(a, b) == 0.0);
  CHECK(max_abs_diff(a, c) > 0.0);
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    sum += a.get(i);
    sq += a.get(i) * a.get(i);
  }
  const double mean = sum / a.numel(), var = sq / a.numel() - mean * mean;
  CHECK(std::abs(mean) < 0.05);       // 5 sigma of the sample mean is 0.05
  CHECK(std::abs(var - 1.0) < 0.07);  // 5 sigma of the sample variance is ~0.07
  Tensor u = Tensor::rand({10000}, g1, -1.f, 1.f);
  for (int64_t i = 0; i < u.numel(); ++i) REQUIRE((u.get(i) >= -1.0 && u.get(i) < 1.0));
  int counts[5] = {0};
  for (int i = 0; i < 5000; ++i) counts[g1.randint(5)]++;
  for (int k : counts) CHECK((k > 850 && k < 1150));
}

TEST_CASE("large storages are reused after release, aligned, and sized to what was asked") {
  void* first = nullptr;
  {
    auto s = Storage::allocate(3 << 20);
    first = s->data();
    CHECK(s->nbytes() == size_t(3) << 20);
    CHECK(reinterpret_cast<uintptr_t>(first) % Storage::kAlignment == 0);
  }
  auto again = Storage::allocate((3 << 20) - 1000);  // same size bucket
  CHECK(again->data() == first);
  auto other = Storage::allocate(3 << 20);  // the cached block is taken: a new one
  CHECK(other->data() != first);
}

TEST_CASE("contiguous() of 4-D permutes and slices, across copy tiles and in every dtype") {
  Generator g(9);
  const Tensor t = Tensor::randn({2, 3, 37, 41}, g);
  for (const Shape& order : {Shape{0, 2, 3, 1}, Shape{0, 3, 1, 2}, Shape{3, 2, 1, 0}, Shape{1, 0, 2, 3}}) {
    const Tensor p = t.permute(order).contiguous();
    REQUIRE(p.is_contiguous());
    int64_t i = 0, bad = 0;
    for (int64_t a = 0; a < p.size(0); ++a)
      for (int64_t b = 0; b < p.size(1); ++b)
        for (int64_t c = 0; c < p.size(2); ++c)
          for (int64_t d = 0; d < p.size(3); ++d, ++i) {
            int64_t src[4];
            const int64_t dst[4] = {a, b, c, d};
            for (int k = 0; k < 4; ++k) src[order[k]] = dst[k];
            bad += p.get(i) != t.at<float>({src[0], src[1], src[2], src[3]});
          }
    CHECK(bad == 0);
  }
  const Tensor u8 = t.to(DType::u8).slice(3, 1, 40, 3).transpose(1, 2).contiguous();
  CHECK(max_abs_diff(u8, t.to(DType::u8).slice(3, 1, 40, 3).transpose(1, 2)) == 0.0);
}
