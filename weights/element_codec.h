// Converting elements between what a weight file holds (FileDType, little-endian) and
// what a Tensor holds (DType). Loads are exact (half and bfloat16 widen to float32
// exactly); stores round to nearest even, as torch's .half() / .bfloat16() do.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tensor/storage.h"
#include "weights/state_dict.h"

namespace tessera {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

// Decodes `bytes` (a whole number of `from` elements) into a fresh Storage of
// tensor_dtype_for(from). int64 values outside int32 throw, naming `what`. With an
// `owner` that keeps `bytes` alive and writable (a MappedFile, whose private mapping
// copies a page on write), elements stored as the tensor holds them (f32, i32, i8, u8)
// at a 64-byte aligned address are not copied: the Storage views them, owner in hand.
std::shared_ptr<Storage> decode_storage(std::string_view bytes, FileDType from, const std::string& what,
                                        const std::shared_ptr<const void>& owner = nullptr);

// Encodes `count` elements of dtype `from` at `src` as `to`, appending to `out`.
void encode_elements(const void* src, DType from, FileDType to, size_t count, std::string& out);

}  // namespace tessera
