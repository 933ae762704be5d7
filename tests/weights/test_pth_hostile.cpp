// .pth round trips, and every malformed or hostile checkpoint ends in a tessera::Error that
// names the file and the reason: never a crash, never an allocation of a declared size.
#include <doctest/doctest.h>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "tests/weights/weights_test_util.h"
#include "weights/pth.h"
#include "weights/weights.h"

using namespace tessera;
using namespace tessera::testing;

namespace {

bool identical(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return a.numel() == 0 || std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

void check_same(const StateDict& got, const StateDict& want) {
  REQUIRE(got.names() == want.names());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(want.entries()[i].name);
    CHECK(identical(got.entries()[i].tensor, want.entries()[i].tensor));
    CHECK(got.entries()[i].file_dtype == want.entries()[i].file_dtype);
  }
}

// Parses; any failure must be a tessera::Error (returns whether it parsed).
bool parses_or_errors(const std::string& bytes) {
  try {
    parse_pth(bytes, "fuzz.pth");
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::string raw_deflate(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A zip with deflated entries (the writer only stores), built field by field.
std::string deflated_zip(const std::vector<std::pair<std::string, std::string>>& entries, uint32_t size_lie = 0) {
  std::string out, cd;
  auto put16 = [](std::string& s, uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); };
  auto put32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
  for (const auto& [name, data] : entries) {
    const std::string packed = raw_deflate(data);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
    const uint32_t size = size_lie ? size_lie : static_cast<uint32_t>(data.size());
    const uint32_t offset = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50), put16(out, 20), put16(out, 0), put16(out, 8), put16(out, 0), put16(out, 0);
    put32(out, crc), put32(out, static_cast<uint32_t>(packed.size())), put32(out, size);
    put16(out, static_cast<uint16_t>(name.size())), put16(out, 0);
    out += name + packed;
    put32(cd, 0x02014b50), put16(cd, 20), put16(cd, 20), put16(cd, 0), put16(cd, 8), put16(cd, 0), put16(cd, 0);
    put32(cd, crc), put32(cd, static_cast<uint32_t>(packed.size())), put32(cd, size);
    put16(cd, static_cast<uint16_t>(name.size())), put16(cd, 0), put16(cd, 0), put16(cd, 0), put16(cd, 0);
    put32(cd, 0), put32(cd, offset);
    cd += name;
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50), put16(out, 0), put16(out, 0);
  put16(out, static_cast<uint16_t>(entries.size())), put16(out, static_cast<uint16_t>(entries.size()));
  put32(out, static_cast<uint32_t>(cd.size())), put32(out, cd_offset), put16(out, 0);
  return out;
}

// Where the end-of-central-directory record starts (the writer adds no comment).
size_t end_record(const std::string& zip) { return zip.size() - 22; }

}  // namespace

TEST_CASE("pth: round trip keeps names, order, values, file dtypes and shared storages") {
  StateDict sd = small_state_dict();
  sd.module_metadata = {{"", {{"version", 1}}}, {"bn", {{"version", 2}}}};
  const std::string bytes = serialize_pth(sd);
  const StateDict back = parse_pth(bytes, "mem.pth");
  check_same(back, sd);
  CHECK(back.at("row").shares_storage(back.at("column")));
  CHECK(back.at("row").offset() == 2);  // the written storage spans only what the views reach: from element 2
  CHECK(back.at("column").stride(0) == 4);
  CHECK(!back.at("transposed").is_contiguous());
  REQUIRE(back.module_metadata.size() == 2);
  CHECK(back.module_metadata[1].prefix == "bn");
  CHECK(back.module_metadata[1].fields[0].second == 2);
  // The int64 counter is written as 8 bytes, the half values as 2 each.
  ZipReader zip(bytes, "mem.pth");
  CHECK(zip.find("archive/data/1")->size == 8);
  CHECK(zip.find("archive/data/2")->size == 6);
  CHECK(zip.find("archive/byteorder") != nullptr);
  for (const ZipEntry& e : zip.entries()) CHECK(e.data_offset % 64 == 0);
}

TEST_CASE("pth: float32 values stored as half or bfloat16 round to nearest even") {
  StateDict sd;
  const std::vector<float> values{1.f + 1.f / 2048, 1.f + 3.f / 2048, 65520.f, 1e-8f, 1.f + 1.f / 256};
  sd.add("h", Tensor::from_vector<float>(values, {5}), FileDType::f16);
  sd.add("b", Tensor::from_vector<float>(values, {5}), FileDType::bf16);
  const StateDict back = parse_pth(serialize_pth(sd), "mem.pth");
  const std::vector<float> h = back.at("h").to_float_vector(), b = back.at("b").to_float_vector();
  CHECK(h[0] == 1.f);                  // tie rounds to the even mantissa
  CHECK(h[1] == 1.f + 4.f / 2048);     // tie rounds up to the even one
  CHECK(std::isinf(h[2]));             // past the largest half
  CHECK(h[3] == 0.f);                  // below half the smallest subnormal
  CHECK(b[4] == 1.f);                  // bfloat16 keeps 7 mantissa bits: tie to even
}

TEST_CASE("pth: nested checkpoints expose the flat state dict, or the entry asked for") {
  const std::string tensor =
      pk::tensor("FloatStorage", "0", pk::int1(2), pk::int1(0), pk::int1(2), pk::int1(1));
  const std::string inner = pk::ordered_dict + "(" + pk::str("w") + tensor + "u";
  const std::string program =
      pk::proto + "}(" + pk::str("epoch") + pk::int1(3) + pk::str("state_dict") + inner + "u.";
  const std::string file = checkpoint(program, {{"0", floats({1.f, 2.f})}});
  CHECK(parse_pth(file, "c.pth").names() == std::vector<std::string>{"w"});
  CHECK(parse_pth(file, "c.pth", "state_dict").at("w").to_float_vector() == std::vector<float>{1.f, 2.f});
  CHECK_THROWS_WITH_AS(parse_pth(file, "c.pth", "model"), doctest::Contains("c.pth: no entry 'model'"), Error);
  const std::string no_state = checkpoint(pk::proto + "}(" + pk::str("epoch") + pk::int1(3) + "u.");
  CHECK_THROWS_WITH_AS(parse_pth(no_state, "c.pth"), doctest::Contains("keys: 'epoch'"), Error);
}

TEST_CASE("pth: every truncation of a checkpoint is an Error") {
  const std::string bytes = serialize_pth(small_state_dict());
  int errors = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(parse_pth(bytes.substr(0, n), "cut.pth"), Error);
    ++errors;
  }
  CHECK(errors == static_cast<int>(bytes.size()));
  CHECK_THROWS_WITH_AS(parse_pth(bytes.substr(0, bytes.size() - 1), "cut.pth"),
                       doctest::Contains("cut.pth: not a zip archive or truncated"), Error);
}

TEST_CASE("pth: a corrupted byte fails the CRC; corrupted headers fail cleanly") {
  const std::string bytes = serialize_pth(small_state_dict());
  ZipReader zip(bytes, "x");
  std::string bad = bytes;
  bad[zip.find("archive/data/0")->data_offset + 1] ^= 0x40;
  CHECK_THROWS_WITH_AS(parse_pth(bad, "bad.pth"),
                       doctest::Contains("bad.pth: entry 'archive/data/0' fails its CRC-32 check"), Error);
  // Flip every byte in turn: it still parses (padding, timestamps...) or it is an Error, and
  // every flip inside an entry's data is caught by the CRC.
  int parsed = 0, data_flips_parsed = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] ^= 0xff;
    const bool ok = parses_or_errors(flipped);
    parsed += ok;
    for (const ZipEntry& e : zip.entries()) data_flips_parsed += ok && i >= e.data_offset && i < e.data_offset + e.size;
  }
  CHECK(data_flips_parsed == 0);
  MESSAGE(bytes.size() << " single-byte flips: " << parsed << " still parse, the rest are Errors");
}

TEST_CASE("pth: zip structure lies are caught before anything is allocated") {
  const std::string good = serialize_pth(small_state_dict());
  const size_t eocd = end_record(good);
  auto patched = [&](size_t at, const void* v, size_t n) {
    std::string s = good;
    std::memcpy(s.data() + at, v, n);
    return s;
  };
  const uint16_t many = 0xfffe;
  CHECK_THROWS_WITH_AS(parse_pth(patched(eocd + 10, &many, 2), "z.pth"),
                       doctest::Contains("declares 65534 entries, more than its central directory"), Error);
  const uint32_t far = 0x7fffffff;
  CHECK_THROWS_WITH_AS(parse_pth(patched(eocd + 16, &far, 4), "z.pth"),
                       doctest::Contains("central directory (offset 2147483647"), Error);
  uint32_t cd_offset;
  std::memcpy(&cd_offset, good.data() + eocd + 16, 4);
  const uint16_t bzip2 = 12;
  CHECK_THROWS_WITH_AS(parse_pth(patched(cd_offset + 10, &bzip2, 2), "z.pth"),
                       doctest::Contains("uses compression method 12 (only stored and deflate"), Error);
  const uint32_t huge = 0xfffffff0;
  CHECK_THROWS_WITH_AS(parse_pth(patched(cd_offset + 20, &huge, 4), "z.pth"), doctest::Contains("z.pth:"), Error);
  std::string both = patched(cd_offset + 20, &huge, 4);
  std::memcpy(both.data() + cd_offset + 24, &huge, 4);
  CHECK_THROWS_WITH_AS(parse_pth(both, "z.pth"), doctest::Contains("past the end of its data"), Error);
  CHECK_THROWS_WITH_AS(parse_pth(patched(cd_offset + 42, &far, 4), "z.pth"),
                       doctest::Contains("has no valid local header"), Error);
}

TEST_CASE("pth: deflated entries inflate; lies about their size are refused") {
  const std::string program = pk::state_dict("w", pk::tensor("FloatStorage", "0", pk::int1(3), pk::int1(0),
                                                             pk::int1(3), pk::int1(1)));
  const std::vector<std::pair<std::string, std::string>> entries{
      {"a/data.pkl", program}, {"a/data/0", floats({1.f, 2.f, 3.f})}, {"a/version", "3\n"}};
  CHECK(parse_pth(deflated_zip(entries), "d.pth").at("w").to_float_vector() == std::vector<float>{1.f, 2.f, 3.f});
  CHECK_THROWS_WITH_AS(parse_pth(deflated_zip(entries, 0xfffffff0u), "d.pth"),
                       doctest::Contains("impossible for deflate"), Error);
  CHECK_THROWS_WITH_AS(parse_pth(deflated_zip(entries, 100), "d.pth"),
                       doctest::Contains("does not inflate to its declared 100 bytes"), Error);
}

TEST_CASE("pth: archive layout errors") {
  CHECK_THROWS_WITH_AS(parse_pth(zip_of({{"archive/other", "x"}}), "l.pth"),
                       doctest::Contains("l.pth: no archive/data.pkl"), Error);
  CHECK_THROWS_WITH_AS(parse_pth(zip_of({{"data.pkl", "x"}}), "l.pth"),
                       doctest::Contains("is not inside an archive folder"), Error);
  CHECK_THROWS_WITH_AS(parse_pth(zip_of({{"a/data.pkl", pk::proto + "}."}, {"a/byteorder", "big"}}), "l.pth"),
                       doctest::Contains("only little-endian"), Error);
  CHECK(parse_pth(zip_of({{"a/data.pkl", pk::proto + "}."}}), "l.pth").empty());
}

TEST_CASE("pth: pickle opcodes and globals outside the state-dict subset are refused by name") {
  auto error_of = [](const std::string& program, const std::vector<std::pair<std::string, std::string>>& storages = {}) {
    try {
      parse_pth(checkpoint(program, storages), "p.pth");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of(pk::proto + "cos\nsystem\n(X\x02\0\0\0lstR.").find(
            "p.pth: data.pkl: pickle byte 2: global os.system is not allowed") != std::string::npos);
  CHECK(error_of(pk::proto + "c__builtin__\neval\n.").find("global __builtin__.eval is not allowed") !=
        std::string::npos);
  CHECK(error_of(pk::proto + "ctorch\nDoubleStorage\n.").find("storage type torch.DoubleStorage is not supported") !=
        std::string::npos);
  CHECK(error_of(pk::proto + "(d.").find("unsupported pickle opcode 0x64 'd'") != std::string::npos);
  CHECK(error_of(pk::proto + "\x92.").find("unsupported pickle opcode 0x92") != std::string::npos);
  CHECK(error_of(std::string("\x80\x07}.", 4)).find("protocol 7 is newer than 5") != std::string::npos);
  CHECK(error_of(pk::proto + "X\xf0\xff\xff\xff" + "abc.").find("needs 4294967280 more bytes") != std::string::npos);
  CHECK(error_of(pk::proto + "\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.").find("more bytes") != std::string::npos);
  CHECK(error_of(pk::proto + "a.").find("stack underflow") != std::string::npos);
  CHECK(error_of(pk::proto + "t.").find("no MARK") != std::string::npos);
  CHECK(error_of(pk::proto + "h\x05.").find("memo entry 5 read before it was written") != std::string::npos);
  CHECK(error_of(pk::proto + "}").find("truncated") != std::string::npos);
  CHECK(error_of(pk::proto + "cos\nsys").find("unterminated GLOBAL") != std::string::npos);
  CHECK(error_of(pk::proto + "}(" + pk::str("a") + pk::int1(1) + "u.").find("the top-level dict is not a state dict") !=
        std::string::npos);
  const std::string mixed = pk::proto + "}(" + pk::str("model") + "}(" + pk::str("x") + pk::int1(1) + "uu.";
  CHECK(error_of(mixed).find("p.pth: entry 'x' is a int, not a tensor") != std::string::npos);
}

TEST_CASE("pth: storages that lie about their size or are viewed out of range") {
  auto error_of = [](const std::string& tensor_program, const std::string& storage_bytes) {
    try {
      parse_pth(checkpoint(pk::state_dict("w", tensor_program), {{"0", storage_bytes}}), "s.pth");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string three = floats({1.f, 2.f, 3.f});
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::long8(int64_t{1} << 50), pk::int1(0), pk::int1(3), pk::int1(1)),
                 three)
            .find("s.pth: tensor 'w': storage data/0 declares 1125899906842624 float32 elements but holds 12 bytes") !=
        std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::int1(3), pk::int1(0), pk::int1(4), pk::int1(1)), three)
            .find("reaches element 3 of storage data/0 which holds 3") != std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::int1(3), pk::int1(2), pk::int1(2), pk::int1(1)), three)
            .find("reaches element 3") != std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::int1(3), pk::int1(0),
                            pk::int1(4), pk::long8(int64_t{1} << 62)), three)
            .find("overflows") != std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::int1(3), pk::long8(-1), pk::int1(1), pk::int1(1)), three)
            .find("negative storage offset") != std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "7", pk::int1(3), pk::int1(0), pk::int1(3), pk::int1(1)), three)
            .find("its storage data/7 is missing from the archive") != std::string::npos);
  const int64_t big[2] = {5, int64_t{1} << 40};
  CHECK(error_of(pk::tensor("LongStorage", "0", pk::int1(2), pk::int1(0), pk::int1(2), pk::int1(1)),
                 std::string(reinterpret_cast<const char*>(big), 16))
            .find("s.pth: tensor 'w': int64 value 1099511627776 at element 1 does not fit int32") != std::string::npos);
  CHECK(error_of(pk::tensor("FloatStorage", "0", pk::int1(3), pk::int1(0), pk::int1(3), pk::int1(1)), three) ==
        "no error");
}

TEST_CASE("pth: recursion bombs and cycles cannot crash the reader") {
  // 200k nested lists pushed and appended: a deep structure from a small file.
  std::string nested = pk::proto + std::string(200000, ']') + std::string(199999, 'a') + ".";
  CHECK_THROWS_WITH_AS(parse_pth(checkpoint(nested), "b.pth"), doctest::Contains("holds a list, not a dict"), Error);
  // The same depth chained through the memo (each list appended into the previous one).
  std::string chained = pk::proto + "]r" + pk::u32(0) + "0";
  for (uint32_t i = 1; i < 200000; ++i) {
    chained += "]r" + pk::u32(i);                                        // a new list, memoized as i
    chained += "0j" + pk::u32(i - 1) + std::string("j") + pk::u32(i);  // previous list, new list
    chained += "a0";                                                     // append new into previous
  }
  chained += std::string("j") + pk::u32(0) + ".";
  CHECK_THROWS_WITH_AS(parse_pth(checkpoint(chained), "b.pth"), doctest::Contains("holds a list"), Error);
  // A dict that holds itself.
  const std::string cycle = pk::proto + std::string("}q\0", 3) + pk::str("model") + std::string("h\0s.", 4);
  CHECK_THROWS_WITH_AS(parse_pth(checkpoint(cycle), "b.pth"), doctest::Contains("'model' is a dict, not a tensor"),
                       Error);
  // Too many objects for any state dict.
  CHECK_THROWS_WITH_AS(parse_pth(checkpoint(pk::proto + std::string(600000, ')') + "."), "b.pth"),
                       doctest::Contains("objects; not a state dict"), Error);
}

TEST_CASE("pth: fuzzing data.pkl byte by byte gives a state dict or an Error") {
  const std::string bytes = serialize_pth(small_state_dict());
  ZipReader zip(bytes, "f.pth");
  const std::string pkl = zip.read_string(*zip.find("archive/data.pkl"));
  std::vector<std::pair<std::string, std::string>> storages;
  for (const ZipEntry& e : zip.entries())
    if (e.name.starts_with("archive/data/")) storages.emplace_back(e.name.substr(13), zip.read_string(e));
  int parsed = 0, total = 0;
  for (size_t i = 0; i < pkl.size(); ++i) {
    for (uint8_t v : {uint8_t{0}, uint8_t{0xff}, uint8_t(pkl[i] + 1), uint8_t{'('}, uint8_t{'h'}}) {
      std::string mutated = pkl;
      mutated[i] = static_cast<char>(v);
      parsed += parses_or_errors(checkpoint(mutated, storages));
      ++total;
    }
  }
  MESSAGE(total << " mutated pickles: " << parsed << " still parse, the rest are Errors");
  CHECK(parsed < total);
}

TEST_CASE("load_weights: picks the format by content, with a clear error otherwise") {
  const std::string dir = std::filesystem::temp_directory_path() / ("tessera_weights_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const StateDict sd = small_state_dict();
  save_weights(dir + "/m.pth", sd);
  save_weights(dir + "/m.safetensors", sd);
  check_same(load_weights(dir + "/m.pth"), sd);
  const StateDict st = load_weights(dir + "/m.safetensors");
  REQUIRE(st.size() == sd.size());
  for (size_t i = 0; i < sd.size(); ++i) CHECK(identical(st.entries()[i].tensor, sd.entries()[i].tensor));
  CHECK(std::filesystem::file_size(dir + "/m.pth") > 0);
  CHECK_THROWS_WITH_AS(parse_weights("hello world, not weights", "w.bin"),
                       doctest::Contains("w.bin: neither a PyTorch zip checkpoint nor a safetensors file"), Error);
  CHECK_THROWS_WITH_AS(parse_weights(std::string("\x80\x02}q\x00.", 6), "old.pth"),
                       doctest::Contains("legacy (pre-1.6, non-zip) torch.save file"), Error);
  CHECK_THROWS_WITH_AS(load_weights(dir + "/missing.pth"), doctest::Contains("missing.pth: cannot open"), Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("load_weights: tensors viewing the mapped file outlive it, and writes to them stay in the process") {
  const std::string dir = std::filesystem::temp_directory_path() / ("tessera_mapped_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const StateDict sd = small_state_dict();
  for (const char* name : {"/m.pth", "/m.safetensors"}) {
    CAPTURE(name);
    const std::string path = dir + name;
    save_weights(path, sd);
    Tensor w, half;
    {
      const StateDict loaded = load_weights(path);
      w = loaded.at("conv.weight");  // f32 as stored: may view the file
      half = loaded.at("half");      // f16 in the file: decoded into memory
    }
    // The file is gone from the directory, the StateDict and its handle to the file too.
    std::filesystem::remove(path);
    CHECK(identical(w, sd.at("conv.weight")));
    CHECK(identical(half, sd.at("half")));
    // A write lands in this process's copy of the page, never in the file.
    save_weights(path, sd);
    const Tensor again = load_weights(path).at("conv.weight");
    again.data<float>()[0] = 42.f;
    CHECK(load_weights(path).at("conv.weight").data<float>()[0] == 1.5f);
    // Replacing the file (a temporary renamed over it) leaves tensors of the old one alone.
    StateDict changed = small_state_dict();
    changed.at("conv.weight").data<float>()[1] = 9.f;
    save_weights(path, changed);
    CHECK(identical(w, sd.at("conv.weight")));
    CHECK(again.data<float>()[0] == 42.f);
    CHECK(load_weights(path).at("conv.weight").data<float>()[1] == 9.f);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("StateDict: order, lookup, and dtype rules") {
  StateDict sd;
  sd.add("b", Tensor::zeros({2}));
  sd.add("a", Tensor::zeros({1}, DType::i32), FileDType::i64);
  CHECK(sd.names() == std::vector<std::string>{"b", "a"});
  CHECK_THROWS_WITH_AS(sd.add("b", Tensor::zeros({2})), doctest::Contains("duplicate name 'b'"), Error);
  CHECK_THROWS_WITH_AS(sd.add("c", Tensor::zeros({2}), FileDType::i64),
                       doctest::Contains("'c' is float32 and cannot be stored as int64"), Error);
  CHECK_THROWS_WITH_AS(sd.at("zz"), doctest::Contains("no tensor named 'zz'"), Error);
  sd.set("a", Tensor::ones({1}, DType::i32));
  CHECK(sd.find("a")->file_dtype == FileDType::i64);
  CHECK(sd.at("a").item() == 1.0);
}
