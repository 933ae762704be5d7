// torchvision's eval transforms on PIL images, reproduced: Resize (shorter side, PIL's
// bilinear/bicubic resampling with its antialiasing support and 8-bit fixed-point
// arithmetic), CenterCrop (Python's round-half-even offsets), ToTensor and Normalize.
#pragma once
#include <string>

#include "data/image.h"
#include "tensor/tensor.h"

namespace tessera::data {

enum class Interpolation { bilinear, bicubic };

// PIL Image.resize((width, height), BILINEAR|BICUBIC) on an 8-bit RGB image.
Image resize(const Image& img, int64_t width, int64_t height, Interpolation interp);
// torchvision.transforms.Resize(size): the shorter side becomes `size`, the longer
// int(size * long / short).
Image resize_shorter(const Image& img, int64_t size, Interpolation interp);
Image center_crop(const Image& img, int64_t size);

// The eval preprocessing a model's torchvision weights define.
struct EvalPreset {
  int64_t resize_size = 256, crop_size = 224;
  Interpolation interpolation = Interpolation::bilinear;
  float mean[3] = {0.485f, 0.456f, 0.406f};
  float std[3] = {0.229f, 0.224f, 0.225f};
};

// [3, crop, crop] float32: resize -> center crop -> /255 -> (x - mean) / std.
Tensor preprocess(const Image& img, const EvalPreset& preset);

}  // namespace tessera::data
