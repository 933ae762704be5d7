// Aligned heap blocks for tensor storage and packed kernel operands.
//
// Blocks from 2 MiB up start on a 2 MiB boundary and are advised onto transparent huge
// pages (madvise MADV_HUGEPAGE: in THP mode "madvise" only regions that ask get them; in
// "always" any large region may). A weight streamed from memory then crosses one TLB
// entry per 2 MiB instead of per 4 KiB, which counts double on a VM (nested page walks).
#pragma once
#include <cstddef>

namespace tessera {

constexpr size_t kHugePageBytes = size_t(2) << 20;

// `bytes` (0 is taken as 1) aligned to 64 bytes, or to kHugePageBytes from that size up
// when huge_pages_enabled(); nullptr when out of memory. Release with std::free.
void* allocate_aligned(size_t bytes);

// TESSERA_HUGE_PAGES=0 turns the huge-page advice off (=1, or unset: on). Read once.
bool huge_pages_enabled();

// Parses a TESSERA_HUGE_PAGES value (null: unset); throws on anything but 0 or 1.
bool parse_huge_pages(const char* value);

}  // namespace tessera
