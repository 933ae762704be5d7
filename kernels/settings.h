// Tessera's environment settings, all read at once: TESSERA_ISA (cpu.h),
// TESSERA_NUM_THREADS (parallel.h) and TESSERA_HUGE_PAGES (tensor/aligned_alloc.h).
#pragma once

namespace tessera {

// Reads every setting now; throws tessera::Error naming the first bad one. Each is read
// once per process, so a binary calls this first thing in main: read first inside a
// benchmark or a kernel's thread instead, a bad value would end the process.
void read_settings();

}  // namespace tessera
