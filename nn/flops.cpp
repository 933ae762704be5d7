#include "nn/flops.h"

namespace tessera::nn {

namespace {
thread_local FlopCounter* g_active = nullptr;
}

FlopCounter::FlopCounter() : outer_(g_active) { g_active = this; }
FlopCounter::~FlopCounter() {
  g_active = outer_;
  if (outer_) outer_->total_ += total_;
}

void add_flops(double flops) {
  if (g_active) g_active->total_ += flops;
}

}  // namespace tessera::nn
