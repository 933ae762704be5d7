// Batches of preprocessed images, decoded on a background thread so that decoding
// overlaps the model's compute. Images that fail to decode are reported with the
// batch (path and reason) and left out of it: counted, never silently dropped.
#pragma once
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "data/image_folder.h"
#include "data/transforms.h"
#include "tensor/tensor.h"

namespace tessera::data {

struct Batch {
  Tensor images;  // [n, 3, crop, crop]; undefined when every image of the batch failed
  std::vector<int64_t> labels;
  std::vector<std::string> paths;
  std::vector<std::pair<std::string, std::string>> failures;  // path, reason
};

class BatchLoader {
 public:
  BatchLoader(std::vector<Sample> samples, int64_t batch_size, EvalPreset preset, int64_t prefetch = 2);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  bool next(Batch& out);  // false when every sample has been delivered
  int64_t num_batches() const { return (static_cast<int64_t>(samples_.size()) + batch_size_ - 1) / batch_size_; }

 private:
  void produce();
  Batch make_batch(size_t first) const;

  std::vector<Sample> samples_;
  int64_t batch_size_;
  EvalPreset preset_;
  size_t prefetch_;
  std::deque<Batch> ready_;
  size_t produced_ = 0, consumed_ = 0;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread worker_;
};

}  // namespace tessera::data
