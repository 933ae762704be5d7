// .npy round trips and error paths (numpy-written files are covered by the parity tests).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "tensor/npy.h"
#include "tensor/rng.h"

using namespace tessera;
namespace fs = std::filesystem;

// A hand-built .npy: header dict text + raw payload, version 1.0.
static std::string make_npy(const std::string& dict, const std::string& payload, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  const uint32_t len = static_cast<uint32_t>(header.size());
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  return out + header + payload;
}

static std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
}

TEST_CASE("npy round trip in memory, every dtype and odd shapes") {
  Generator g(1);
  for (const Shape& s : {Shape{}, Shape{0}, Shape{7}, Shape{3, 0, 2}, Shape{2, 3, 5}, Shape{1, 1, 1, 1, 3}}) {
    Tensor t = Tensor::randn(s, g);
    Tensor back = parse_npy(serialize_npy(t), "mem");
    CHECK(back.shape() == s);
    CHECK(back.dtype() == DType::f32);
    if (t.numel()) CHECK(max_abs_diff(t, back) == 0.0);
    for (DType d : {DType::i32, DType::i8, DType::u8}) {
      Tensor ti = (Tensor::rand(s, g, 0, 100)).to(d);
      Tensor bi = parse_npy(serialize_npy(ti), "mem");
      CHECK(bi.dtype() == d);
      CHECK(bi.shape() == s);
      if (ti.numel()) CHECK(max_abs_diff(ti, bi) == 0.0);
    }
  }
}

TEST_CASE("npy writes non-contiguous views in C order with a 64-byte aligned header") {
  Tensor t = Tensor::arange(12).reshape({3, 4}).transpose(0, 1);
  const std::string bytes = serialize_npy(t);
  CHECK((bytes.size() - 12 * 4) % 64 == 0);
  CHECK(bytes.find("'shape': (4, 3), }") != std::string::npos);
  Tensor back = parse_npy(bytes, "mem");
  CHECK(max_abs_diff(back, t) == 0.0);
  CHECK(serialize_npy(Tensor::zeros({5})).find("'shape': (5,), }") != std::string::npos);
  CHECK(serialize_npy(Tensor::zeros({})).find("'shape': (), }") != std::string::npos);
}

TEST_CASE("npy reads Fortran order, big-endian, version 2 and int64") {
  // 2x3 array [[0,1,2],[3,4,5]] stored column-major: 0 3 1 4 2 5
  Tensor f = parse_npy(make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                floats({0, 3, 1, 4, 2, 5})),
                       "fortran");
  CHECK(f.shape() == Shape{2, 3});
  for (int i = 0; i < 6; ++i) CHECK(f.get(i) == i);

  std::string be = floats({1.5f, -2.f});
  for (size_t i = 0; i < be.size(); i += 4) std::reverse(be.begin() + i, be.begin() + i + 4);
  Tensor b = parse_npy(make_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be), "be");
  CHECK(b.get(0) == 1.5);
  CHECK(b.get(1) == -2.0);

  Tensor v2 = parse_npy(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats({7}), 2), "v2");
  CHECK(v2.item() == 7.0);

  int64_t labels[3] = {5, -1, 999};
  Tensor l = parse_npy(make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                std::string(reinterpret_cast<char*>(labels), sizeof(labels))),
                       "labels");
  CHECK(l.dtype() == DType::i32);
  CHECK(l.get(2) == 999);
  int64_t big = int64_t(1) << 40;
  CHECK_THROWS_WITH_AS(parse_npy(make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                                          std::string(reinterpret_cast<char*>(&big), 8)),
                                 "big.npy"),
                       "big.npy: int64 value 1099511627776 at index 0 does not fit in int32", Error);
}

TEST_CASE("malformed npy files give one clear error naming the file") {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  CHECK_THROWS_WITH_AS(parse_npy("hello world, not npy", "x.npy"), "x.npy: not a .npy file (bad magic)", Error);
  CHECK_THROWS_WITH_AS(parse_npy(make_npy(ok_dict, floats({1})), "x.npy"),
                       "x.npy: truncated .npy data (shape [2] needs 8 bytes, file has 4)", Error);
  CHECK_THROWS_WITH_AS(parse_npy(make_npy(ok_dict, floats({1, 2, 3})), "x.npy"),
                       "x.npy: .npy file has 4 trailing bytes after the data of shape [2]", Error);
  CHECK_THROWS_WITH_AS(
      parse_npy(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')), "d.npy"),
      "d.npy: float64 arrays are not supported; save with x.astype(np.float32)", Error);
  CHECK_THROWS_AS(parse_npy(make_npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", ""), "c.npy"),
                  Error);
  CHECK_THROWS_AS(parse_npy(make_npy("{'descr': '<f4', 'shape': (1,), }", floats({1})), "nofortran.npy"), Error);
  CHECK_THROWS_AS(parse_npy(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }", ""), "s.npy"), Error);
  // A header declaring an absurd size fails before anything is allocated.
  CHECK_THROWS_WITH_AS(
      parse_npy(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }", floats({1})),
                "huge.npy"),
      "huge.npy: truncated .npy data (shape [100000000000] needs 400000000000 bytes, file has 4)", Error);
  CHECK_THROWS_AS(parse_npy(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                     "(4294967296, 4294967296, 4294967296), }",
                                     ""),
                            "overflow.npy"),
                  Error);
  std::string truncated_header = make_npy(ok_dict, floats({1, 2})).substr(0, 30);
  CHECK_THROWS_AS(parse_npy(truncated_header, "th.npy"), Error);
}

TEST_CASE("write_npy is atomic: a failed write leaves the old file intact and no temp file") {
  const fs::path dir = fs::temp_directory_path() / ("tessera_npy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "x.npy").string();
  write_npy(path, Tensor::arange(5));
  CHECK(read_npy(path).numel() == 5);
  write_npy(path, Tensor::arange(3));
  CHECK(read_npy(path).numel() == 3);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  CHECK_THROWS_AS(write_npy((dir / "missing" / "y.npy").string(), Tensor::arange(3)), Error);
  CHECK_THROWS_WITH_AS(read_npy((dir / "nope.npy").string()),
                       ((dir / "nope.npy").string() + ": cannot open (No such file or directory)").c_str(), Error);
  fs::remove_all(dir);
}
