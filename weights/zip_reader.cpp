#include <zlib.h>

#include <algorithm>
#include <climits>

#include "tensor/error.h"
#include "weights/le_bytes.h"
#include "weights/zip.h"

namespace tessera {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr size_t kCentralHeaderSize = 46, kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;

// True when [offset, offset + length) lies inside [0, limit), without overflow.
bool fits(uint64_t offset, uint64_t length, uint64_t limit) { return offset <= limit && length <= limit - offset; }

}  // namespace

ZipReader::ZipReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {
  parse_central_directory();
}

void ZipReader::parse_central_directory() {
  const uint64_t file_size = bytes_.size();
  TESSERA_CHECK(file_size >= kEndSize, what_, ": not a zip archive (", file_size, " bytes, too short)");

  // The end record sits at the end, followed only by a comment of at most 64 KiB.
  size_t end_pos = SIZE_MAX;
  const size_t lowest = file_size > kEndSize + 0xffff ? file_size - kEndSize - 0xffff : 0;
  for (size_t pos = file_size - kEndSize + 1; pos-- > lowest;) {
    if (le::load<uint32_t>(bytes_, pos) == kEndSig &&
        pos + kEndSize + le::load<uint16_t>(bytes_, pos + 20) <= file_size) {
      end_pos = pos;
      break;
    }
  }
  TESSERA_CHECK(end_pos != SIZE_MAX, what_, ": not a zip archive or truncated (no end-of-central-directory record)");
  TESSERA_CHECK(le::load<uint16_t>(bytes_, end_pos + 4) == 0 && le::load<uint16_t>(bytes_, end_pos + 6) == 0, what_,
                ": multi-disk zip archives are not supported");
  uint64_t entry_count = le::load<uint16_t>(bytes_, end_pos + 10);
  uint64_t cd_size = le::load<uint32_t>(bytes_, end_pos + 12);
  uint64_t cd_offset = le::load<uint32_t>(bytes_, end_pos + 16);
  uint64_t cd_limit = end_pos;  // the central directory ends before the end record(s)

  if (entry_count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    TESSERA_CHECK(end_pos >= kZip64LocatorSize && le::load<uint32_t>(bytes_, end_pos - kZip64LocatorSize) ==
                                                      kZip64LocatorSig,
                  what_, ": zip64 archive without a zip64 end-of-central-directory locator");
    const uint64_t record = le::load<uint64_t>(bytes_, end_pos - kZip64LocatorSize + 8);
    TESSERA_CHECK(fits(record, kZip64EndSize, end_pos - kZip64LocatorSize) &&
                      le::load<uint32_t>(bytes_, record) == kZip64EndSig,
                  what_, ": zip64 end-of-central-directory record missing or out of range");
    entry_count = le::load<uint64_t>(bytes_, record + 32);
    cd_size = le::load<uint64_t>(bytes_, record + 40);
    cd_offset = le::load<uint64_t>(bytes_, record + 48);
    cd_limit = record;
  }
  TESSERA_CHECK(fits(cd_offset, cd_size, cd_limit), what_, ": central directory (offset ", cd_offset, ", ", cd_size,
                " bytes) lies outside the file: truncated?");
  TESSERA_CHECK(entry_count <= cd_size / kCentralHeaderSize, what_, ": declares ", entry_count,
                " entries, more than its central directory of ", cd_size, " bytes can hold");

  entries_.reserve(entry_count);
  uint64_t pos = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < entry_count; ++i) {
    TESSERA_CHECK(fits(pos, kCentralHeaderSize, cd_end) && le::load<uint32_t>(bytes_, pos) == kCentralHeaderSig,
                  what_, ": corrupt central directory at entry ", i);
    ZipEntry e;
    const uint16_t flags = le::load<uint16_t>(bytes_, pos + 8);
    e.method = le::load<uint16_t>(bytes_, pos + 10);
    e.crc32 = le::load<uint32_t>(bytes_, pos + 16);
    e.compressed_size = le::load<uint32_t>(bytes_, pos + 20);
    e.size = le::load<uint32_t>(bytes_, pos + 24);
    const uint16_t name_len = le::load<uint16_t>(bytes_, pos + 28);
    const uint16_t extra_len = le::load<uint16_t>(bytes_, pos + 30);
    const uint16_t comment_len = le::load<uint16_t>(bytes_, pos + 32);
    uint64_t local_offset = le::load<uint32_t>(bytes_, pos + 42);
    const uint64_t variable = uint64_t{name_len} + extra_len + comment_len;
    TESSERA_CHECK(fits(pos + kCentralHeaderSize, variable, cd_end), what_, ": corrupt central directory at entry ", i,
                  " (name or extra field runs past it)");
    e.name.assign(bytes_.substr(pos + kCentralHeaderSize, name_len));
    TESSERA_CHECK(!e.name.empty(), what_, ": central directory entry ", i, " has an empty name");

    // zip64 extra field: 8-byte values for whichever 32-bit fields are saturated, in this order.
    std::string_view extra = bytes_.substr(pos + kCentralHeaderSize + name_len, extra_len);
    for (size_t x = 0; x + 4 <= extra.size();) {
      const uint16_t id = le::load<uint16_t>(extra, x), len = le::load<uint16_t>(extra, x + 2);
      TESSERA_CHECK(x + 4 + len <= extra.size(), what_, ": entry '", e.name, "' has a malformed extra field");
      if (id == kZip64ExtraId) {
        size_t at = x + 4;
        auto take = [&](uint64_t& field) {
          if (field != 0xffffffff) return;
          TESSERA_CHECK(at + 8 <= x + 4 + len, what_, ": entry '", e.name, "' has a short zip64 extra field");
          field = le::load<uint64_t>(extra, at);
          at += 8;
        };
        take(e.size);
        take(e.compressed_size);
        take(local_offset);
      }
      x += 4 + len;
    }

    TESSERA_CHECK(!(flags & 1), what_, ": entry '", e.name, "' is encrypted");
    TESSERA_CHECK(e.method == 0 || e.method == 8, what_, ": entry '", e.name, "' uses compression method ", e.method,
                  " (only stored and deflate are supported)");
    TESSERA_CHECK(e.method != 0 || e.compressed_size == e.size, what_, ": stored entry '", e.name,
                  "' has compressed size ", e.compressed_size, " != size ", e.size);

    // The local header repeats the name; its own extra field (torch's alignment padding) may differ.
    TESSERA_CHECK(fits(local_offset, kLocalHeaderSize, cd_offset) &&
                      le::load<uint32_t>(bytes_, local_offset) == kLocalHeaderSig,
                  what_, ": entry '", e.name, "' has no valid local header at offset ", local_offset);
    const uint16_t local_name_len = le::load<uint16_t>(bytes_, local_offset + 26);
    const uint16_t local_extra_len = le::load<uint16_t>(bytes_, local_offset + 28);
    TESSERA_CHECK(fits(local_offset + kLocalHeaderSize, uint64_t{local_name_len} + local_extra_len, cd_offset) &&
                      bytes_.substr(local_offset + kLocalHeaderSize, local_name_len) == e.name,
                  what_, ": local header of entry '", e.name, "' does not match the central directory");
    e.data_offset = local_offset + kLocalHeaderSize + local_name_len + local_extra_len;
    TESSERA_CHECK(fits(e.data_offset, e.compressed_size, cd_offset), what_, ": entry '", e.name, "' declares ",
                  e.compressed_size, " bytes at offset ", e.data_offset, ", past the end of its data: truncated?");

    TESSERA_CHECK(index_.emplace(e.name, entries_.size()).second, what_, ": duplicate entry '", e.name, "'");
    entries_.push_back(std::move(e));
    pos += kCentralHeaderSize + variable;
  }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::string_view ZipReader::read(const ZipEntry& e, std::string& scratch) const {
  std::string_view raw = bytes_.substr(e.data_offset, e.compressed_size);
  std::string_view data = raw;
  if (e.method == 8) {
    // Deflate cannot expand more than ~1032:1; a larger declared size is a lie, refuse before allocating.
    TESSERA_CHECK(e.size / 1032 <= e.compressed_size + 1, what_, ": entry '", e.name, "' declares ", e.size,
                  " bytes from ", e.compressed_size, " compressed bytes, impossible for deflate");
    TESSERA_CHECK(e.size <= UINT_MAX && e.compressed_size <= UINT_MAX, what_, ": deflated entry '", e.name,
                  "' is too large (over 4 GiB)");
    scratch.assign(e.size, '\0');
    z_stream z{};
    TESSERA_CHECK(inflateInit2(&z, -MAX_WBITS) == Z_OK, what_, ": cannot initialise zlib");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    z.avail_in = static_cast<uInt>(raw.size());
    z.next_out = reinterpret_cast<Bytef*>(scratch.data());
    z.avail_out = static_cast<uInt>(scratch.size());
    const int rc = inflate(&z, Z_FINISH);
    const uint64_t produced = z.total_out;
    inflateEnd(&z);
    TESSERA_CHECK(rc == Z_STREAM_END && produced == e.size, what_, ": entry '", e.name,
                  "' does not inflate to its declared ", e.size, " bytes (corrupt deflate data)");
    data = scratch;
  }
  const uint32_t crc = static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  TESSERA_CHECK(crc == e.crc32, what_, ": entry '", e.name, "' fails its CRC-32 check (corrupt file)");
  return data;
}

std::string ZipReader::read_string(const ZipEntry& e) const {
  std::string scratch;
  return std::string(read(e, scratch));
}

}  // namespace tessera
