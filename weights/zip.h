// Zip archives as torch.save writes them (since PyTorch 1.6): a central directory of
// entries, stored uncompressed with data aligned to 64 bytes. The reader validates the
// end-of-central-directory record (zip64 too), every central and local header, sizes
// against the file, and CRC-32 on read; it inflates deflated entries as well, since
// repacking tools produce them. The writer stores entries, 64-byte aligned, as torch does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;      // first byte of the (compressed) data in the file
  uint64_t compressed_size = 0;
  uint64_t size = 0;             // uncompressed
  uint32_t crc32 = 0;
  uint16_t method = 0;           // 0 stored, 8 deflate
};

class ZipReader {
 public:
  // `bytes` must outlive the reader; `what` names the file in every error.
  ZipReader(std::string_view bytes, std::string what);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;
  // The entry's contents, CRC-checked: a view into the file when stored, else
  // inflated into `scratch` (and a view of it).
  std::string_view read(const ZipEntry& entry, std::string& scratch) const;
  std::string read_string(const ZipEntry& entry) const;
  const std::string& what() const { return what_; }

 private:
  void parse_central_directory();
  std::string_view bytes_;
  std::string what_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

class ZipWriter {
 public:
  static constexpr size_t kDataAlignment = 64;
  // Pre-sizes the output for `bytes` of entries (avoids regrowing a large archive).
  void reserve(size_t bytes) { out_.reserve(bytes); }
  // Appends a stored entry whose data starts at a multiple of kDataAlignment.
  void add(const std::string& name, std::string_view data);
  // The whole archive: entries, central directory, end record. The writer is spent after.
  std::string finish();

 private:
  struct Written {
    std::string name;
    uint64_t header_offset;
    uint64_t size;
    uint32_t crc32;
  };
  std::string out_;
  std::vector<Written> written_;
};

}  // namespace tessera
