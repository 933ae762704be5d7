// NumPy .npy files: the interchange format of parity tests and `tessera run`.
//
// Reads format versions 1.0, 2.0 and 3.0; little- or big-endian; C or Fortran
// order; dtypes float32, int32, int8, uint8 and bool (as uint8). int64 is
// narrowed to int32 when every value fits (labels saved from PyTorch are int64),
// otherwise it is an error; float64 is an error that says how to convert.
// Writes version 1.0 (2.0 when the header needs it), C order, little-endian,
// through a temporary file renamed into place so a reader never sees half a file.
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace tessera {

Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);

// The same, on bytes in memory (`what` names the source in error messages).
Tensor parse_npy(const std::string& bytes, const std::string& what);
std::string serialize_npy(const Tensor& t);

// Writes `bytes` to `path` via a temp file in the same folder + rename.
void write_file_atomic(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

}  // namespace tessera
