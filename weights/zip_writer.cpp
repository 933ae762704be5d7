#include <zlib.h>

#include <cstdint>

#include "tensor/error.h"
#include "weights/le_bytes.h"
#include "weights/zip.h"

namespace tessera {

namespace {
constexpr uint16_t kVersion = 20;           // 2.0: stored entries, no zip64
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, so files are reproducible
constexpr uint16_t kPaddingExtraId = 0x4246;  // "FB": the id torch uses for its alignment padding
constexpr uint64_t kMax32 = 0xffffffff;
}  // namespace

void ZipWriter::add(const std::string& name, std::string_view data) {
  const uint64_t header_offset = out_.size();
  TESSERA_CHECK(name.size() <= 0xffff, "zip: entry name too long: ", name.substr(0, 64), "...");
  TESSERA_CHECK(header_offset <= kMax32 && data.size() <= kMax32, "zip: archive over 4 GiB (zip64 writing is not ",
                "supported)");
  const uint32_t crc = static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));

  // Pad the extra field so the data starts on a 64-byte boundary (torch memory-maps it that way).
  const size_t unpadded = header_offset + 30 + name.size() + 4;
  const uint16_t pad = static_cast<uint16_t>((kDataAlignment - unpadded % kDataAlignment) % kDataAlignment);

  le::append<uint32_t>(out_, 0x04034b50);
  le::append<uint16_t>(out_, kVersion);
  le::append<uint16_t>(out_, 0);  // flags
  le::append<uint16_t>(out_, 0);  // stored
  le::append<uint16_t>(out_, 0);  // time
  le::append<uint16_t>(out_, kDosDate);
  le::append<uint32_t>(out_, crc);
  le::append<uint32_t>(out_, static_cast<uint32_t>(data.size()));
  le::append<uint32_t>(out_, static_cast<uint32_t>(data.size()));
  le::append<uint16_t>(out_, static_cast<uint16_t>(name.size()));
  le::append<uint16_t>(out_, static_cast<uint16_t>(4 + pad));
  out_ += name;
  le::append<uint16_t>(out_, kPaddingExtraId);
  le::append<uint16_t>(out_, pad);
  out_.append(pad, 'Z');
  out_.append(data);
  written_.push_back({name, header_offset, data.size(), crc});
}

std::string ZipWriter::finish() {
  const uint64_t cd_offset = out_.size();
  TESSERA_CHECK(cd_offset <= kMax32 && written_.size() < 0xffff, "zip: archive over 4 GiB or 65535 entries (zip64 ",
                "writing is not supported)");
  for (const Written& w : written_) {
    le::append<uint32_t>(out_, 0x02014b50);
    le::append<uint16_t>(out_, kVersion);  // made by
    le::append<uint16_t>(out_, kVersion);  // needed
    le::append<uint16_t>(out_, 0);
    le::append<uint16_t>(out_, 0);
    le::append<uint16_t>(out_, 0);
    le::append<uint16_t>(out_, kDosDate);
    le::append<uint32_t>(out_, w.crc32);
    le::append<uint32_t>(out_, static_cast<uint32_t>(w.size));
    le::append<uint32_t>(out_, static_cast<uint32_t>(w.size));
    le::append<uint16_t>(out_, static_cast<uint16_t>(w.name.size()));
    le::append<uint16_t>(out_, 0);  // extra
    le::append<uint16_t>(out_, 0);  // comment
    le::append<uint16_t>(out_, 0);  // disk
    le::append<uint16_t>(out_, 0);  // internal attributes
    le::append<uint32_t>(out_, 0);  // external attributes
    le::append<uint32_t>(out_, static_cast<uint32_t>(w.header_offset));
    out_ += w.name;
  }
  const uint64_t cd_size = out_.size() - cd_offset;
  TESSERA_CHECK(out_.size() <= kMax32, "zip: archive over 4 GiB (zip64 writing is not supported)");
  le::append<uint32_t>(out_, 0x06054b50);
  le::append<uint16_t>(out_, 0);
  le::append<uint16_t>(out_, 0);
  le::append<uint16_t>(out_, static_cast<uint16_t>(written_.size()));
  le::append<uint16_t>(out_, static_cast<uint16_t>(written_.size()));
  le::append<uint32_t>(out_, static_cast<uint32_t>(cd_size));
  le::append<uint32_t>(out_, static_cast<uint32_t>(cd_offset));
  le::append<uint16_t>(out_, 0);
  written_.clear();
  return std::move(out_);
}

}  // namespace tessera
