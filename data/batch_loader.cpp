#include "data/batch_loader.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tensor/error.h"

namespace tessera::data {

BatchLoader::BatchLoader(std::vector<Sample> samples, int64_t batch_size, EvalPreset preset, int64_t prefetch)
    : samples_(std::move(samples)), batch_size_(batch_size), preset_(preset), prefetch_(static_cast<size_t>(prefetch)) {
  TESSERA_CHECK(batch_size_ > 0, "batch size must be positive, got ", batch_size_);
  TESSERA_CHECK(prefetch > 0, "prefetch must be positive, got ", prefetch);
  worker_ = std::thread([this] { produce(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

Batch BatchLoader::make_batch(size_t first) const {
  Batch b;
  const size_t last = std::min(samples_.size(), first + static_cast<size_t>(batch_size_));
  std::vector<Tensor> images;
  for (size_t i = first; i < last; ++i) {
    try {
      images.push_back(preprocess(decode_image(samples_[i].path), preset_));
      b.labels.push_back(samples_[i].label);
      b.paths.push_back(samples_[i].path);
    } catch (const std::exception& e) {
      b.failures.emplace_back(samples_[i].path, e.what());
    }
  }
  if (!images.empty()) {
    b.images = Tensor::empty({static_cast<int64_t>(images.size()), 3, preset_.crop_size, preset_.crop_size});
    for (size_t i = 0; i < images.size(); ++i) b.images.select(0, static_cast<int64_t>(i)).copy_(images[i]);
  }
  return b;
}

void BatchLoader::produce() {
  // Decode at the lowest priority: on a machine whose cores all run the model's threads,
  // the decoder should only use what they leave, not preempt them (a preempted OpenMP
  // thread stalls every barrier of the forward pass).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  for (size_t first = 0; first < samples_.size(); first += static_cast<size_t>(batch_size_)) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || ready_.size() < prefetch_; });
      if (stop_) return;
    }
    Batch b = make_batch(first);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(std::move(b));
      ++produced_;
    }
    cv_.notify_all();
  }
}

bool BatchLoader::next(Batch& out) {
  std::unique_lock<std::mutex> lock(mu_);
  if (consumed_ == static_cast<size_t>(num_batches())) return false;
  cv_.wait(lock, [&] { return !ready_.empty(); });
  out = std::move(ready_.front());
  ready_.pop_front();
  ++consumed_;
  lock.unlock();
  cv_.notify_all();
  return true;
}

}  // namespace tessera::data
