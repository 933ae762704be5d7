// safetensors round trips and malformed files; and the element conversions both formats share.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "tests/weights/weights_test_util.h"
#include "weights/element_codec.h"
#include "weights/safetensors.h"

using namespace tessera;
using namespace tessera::testing;

namespace {

// header JSON + data, with the 8-byte length in front.
std::string file_of(const std::string& header, const std::string& data) {
  const uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    parse_safetensors(bytes, "t.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("safetensors: round trip of every dtype, in order, with metadata") {
  StateDict sd = small_state_dict();
  sd.add("i8", Tensor::from_vector<int8_t>({-128, 0, 127}, {3}));
  sd.add("bf", Tensor::from_vector<float>({1.f, -0.5f}, {1, 2}), FileDType::bf16);
  sd.add("i32", Tensor::from_vector<int32_t>({-7, 1 << 30}, {2}));
  sd.add("empty", Tensor::zeros({0, 5}));
  sd.add("u8", Tensor::from_vector<uint8_t>({0, 255}, {2}));
  sd.text_metadata = {{"format", "pt"}};
  const std::string bytes = serialize_safetensors(sd);
  uint64_t header_len;
  std::memcpy(&header_len, bytes.data(), 8);
  CHECK((8 + header_len) % 8 == 0);  // data starts 8-byte aligned
  CHECK(bytes.find("\"dtype\":\"I64\"") != std::string::npos);
  CHECK(bytes.find("\"dtype\":\"BOOL\"") != std::string::npos);
  const StateDict back = parse_safetensors(bytes, "t.safetensors");
  REQUIRE(back.names() == sd.names());
  for (size_t i = 0; i < sd.size(); ++i) {
    CAPTURE(sd.entries()[i].name);
    const Tensor& a = back.entries()[i].tensor;
    const Tensor b = sd.entries()[i].tensor.contiguous();
    CHECK(a.shape() == b.shape());
    CHECK(back.entries()[i].file_dtype == sd.entries()[i].file_dtype);
    CHECK((a.numel() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0));
  }
  CHECK(back.text_metadata == sd.text_metadata);
}

TEST_CASE("safetensors: tensors come out in data order, whatever the header order") {
  const std::string data = floats({1.f, 2.f, 3.f});
  const std::string header = R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  const StateDict sd = parse_safetensors(file_of(header, data), "t.safetensors");
  CHECK(sd.names() == std::vector<std::string>{"a", "b"});
  CHECK(sd.at("b").to_float_vector() == std::vector<float>{2.f, 3.f});
}

TEST_CASE("safetensors: malformed headers and offsets are Errors naming the reason") {
  const std::string data = floats({1.f, 2.f});
  auto one = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
    return R"({"w":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
  };
  CHECK(error_of(file_of(one("F32", "[2]", "[0,8]"), data)) == "no error");
  CHECK(error_of("abc").find("t.safetensors: too short") != std::string::npos);
  CHECK(error_of(file_of(one("F32", "[2]", "[0,8]"), data).substr(0, 20)).find("exceeds the file") !=
        std::string::npos);
  CHECK(error_of(file_of("{\"w\":", data)).find("header is not valid JSON") != std::string::npos);
  CHECK(error_of(file_of("[1,2]", "")).find("not a JSON object") != std::string::npos);
  CHECK(error_of(file_of(one("F64", "[1]", "[0,8]"), data)).find("dtype F64 is not supported") != std::string::npos);
  CHECK(error_of(file_of(one("F32", "[3]", "[0,8]"), data)).find("do not hold 3 F32 elements") != std::string::npos);
  CHECK(error_of(file_of(one("F32", "[-2]", "[0,8]"), data)).find("non-negative integer") != std::string::npos);
  CHECK(error_of(file_of(one("F32", "[4294967296,4294967296,4294967296]", "[0,8]"), data)).find("overflows") !=
        std::string::npos);
  CHECK(error_of(file_of(one("F32", "[2]", "[8,0]"), data)).find("do not hold") != std::string::npos);
  CHECK(error_of(file_of(one("F32", "[1]", "[4,8]"), data)).find("starts at byte 4 of the data, not 0 (gap)") !=
        std::string::npos);
  CHECK(error_of(file_of(one("F32", "[1]", "[0,4]"), data)).find("cover 4 bytes but the data holds 8") !=
        std::string::npos);
  CHECK(error_of(file_of(one("F32", "[4]", "[0,16]"), data)).find("(truncated?)") != std::string::npos);
  CHECK(error_of(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                         data))
            .find("(overlap)") != std::string::npos);
  CHECK(error_of(file_of(R"({"w":{"dtype":"F32","shape":[2]}})", data)).find("needs dtype, shape and data_offsets") !=
        std::string::npos);
  CHECK(error_of(file_of(R"({"__metadata__":{"k":1}})", "")).find("value of 'k' is not a string") !=
        std::string::npos);
  const int64_t big = int64_t{1} << 40;
  CHECK(error_of(file_of(one("I64", "[1]", "[0,8]"), std::string(reinterpret_cast<const char*>(&big), 8)))
            .find("t.safetensors: tensor 'w': int64 value 1099511627776 at element 0 does not fit int32") !=
        std::string::npos);
  uint64_t huge = uint64_t{1} << 62;
  std::string lying(reinterpret_cast<const char*>(&huge), 8);
  CHECK(error_of(lying + "{}").find("exceeds the file") != std::string::npos);
}

TEST_CASE("safetensors: every truncation is an Error") {
  const std::string bytes = serialize_safetensors(small_state_dict());
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(parse_safetensors(bytes.substr(0, n), "cut.safetensors"), Error);
  }
}

TEST_CASE("half and bfloat16: every value widens exactly and narrows back to itself") {
  int nans = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      ++nans;
      CHECK(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    REQUIRE(f32_to_f16(f) == h);
    REQUIRE(f32_to_bf16(bf16_to_f32(static_cast<uint16_t>(h))) == h);
  }
  CHECK(nans == 2 * 1023);
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.f, -24));  // smallest subnormal
  CHECK(f16_to_f32(0x7bff) == 65504.f);
}

TEST_CASE("float32 -> half rounds to the nearest half, ties to even") {
  // Against a direct search: the nearest of the two neighbouring halves.
  uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1664525u + 1013904223u;
    const float f = std::bit_cast<float>((x & 0x807fffffu) | ((100u + (x >> 24) % 50u) << 23));  // |f| in 2^-27..2^22
    const uint16_t h = f32_to_f16(f);
    const float got = f16_to_f32(h);
    if (std::isinf(got)) {
      CHECK(std::fabs(f) >= 65520.f);
      continue;
    }
    const uint16_t other = static_cast<uint16_t>(std::fabs(got) < std::fabs(f) ? h + 1 : h - 1);
    const double err = std::fabs(double(got) - f), other_err = std::fabs(double(f16_to_f32(other)) - f);
    REQUIRE((err < other_err || (err == other_err && (h & 1) == 0) || (h & 0x7fff) == 0));
  }
}
