// tessera bench: accuracy and speed of models over an ImageNet-style folder.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <unistd.h>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/cli/model_loading.h"
#include "bench/cli/progress.h"
#include "data/batch_loader.h"
#include "data/synsets.h"
#include "kernels/parallel.h"
#include "models/registry.h"
#include "nn/flops.h"
#include "nn/init.h"
#include "tensor/npy.h"

namespace tessera::cli {

namespace {

namespace fs = std::filesystem;

struct Row {
  std::string model;
  std::string weights;  // file, or "random init"
  int64_t batch_size = 0, evaluated = 0, skipped = 0, top1 = 0, top5 = 0;
  double total_ms = 0, params_m = 0, gflops = 0, peak_rss_mb = 0;
  double top1_pct() const { return evaluated ? 100.0 * top1 / evaluated : 0; }
  double top5_pct() const { return evaluated ? 100.0 * top5 / evaluated : 0; }
  double ms_per_image() const { return evaluated ? total_ms / evaluated : 0; }
  double images_per_s() const { return total_ms > 0 ? 1000.0 * evaluated / total_ms : 0; }
};

// torchvision's file name, then NAME.pth, then NAME.safetensors.
std::string find_weights(const std::string& dir, const models::ModelInfo& info) {
  if (dir.empty()) return "";
  for (const std::string& f : {info.torchvision_weights, info.name + ".pth", info.name + ".safetensors"})
    if (!f.empty() && fs::exists(fs::path(dir) / f)) return (fs::path(dir) / f).string();
  return "";
}

// The process's peak resident set since the last reset (VmHWM), in MiB.
double peak_rss_mb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::vector<int64_t> top5(const Tensor& logits, int64_t row) {
  const int64_t n = logits.size(1);
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  const float* p = logits.data<float>() + row * n;
  std::partial_sort(idx.begin(), idx.begin() + std::min<int64_t>(5, n), idx.end(),
                    [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  idx.resize(static_cast<size_t>(std::min<int64_t>(5, n)));
  return idx;
}

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-18s %6s %8s %8s %6s %7s %10s %9s %9s %9s %8s %7s  %s\n", "model", "batch", "top1%", "top5%", "images",
              "skipped", "total_ms", "ms/image", "images/s", "peak_MiB", "params_M", "GFLOPs", "weights");
  for (const Row& r : rows)
    std::printf("%-18s %6lld %8.2f %8.2f %6lld %7lld %10.1f %9.2f %9.1f %9.0f %8.2f %7.2f  %s\n", r.model.c_str(),
                static_cast<long long>(r.batch_size), r.top1_pct(), r.top5_pct(), static_cast<long long>(r.evaluated),
                static_cast<long long>(r.skipped), r.total_ms, r.ms_per_image(), r.images_per_s(), r.peak_rss_mb,
                r.params_m, r.gflops, r.weights.c_str());
}

nlohmann::json to_json(const Row& r) {
  return {{"model", r.model},
          {"weights", r.weights},
          {"accuracy_meaningful", r.weights != "random init"},
          {"batch_size", r.batch_size},
          {"threads", get_num_threads()},
          {"images_evaluated", r.evaluated},
          {"images_skipped", r.skipped},
          {"top1", r.top1_pct()},
          {"top5", r.top5_pct()},
          {"total_inference_ms", r.total_ms},
          {"ms_per_image", r.ms_per_image()},
          {"images_per_s", r.images_per_s()},
          {"peak_rss_mib", r.peak_rss_mb},
          {"params_millions", r.params_m},
          {"gflops", r.gflops}};
}

std::string csv(const std::vector<Row>& rows) {
  std::ostringstream os;
  os << "model,weights,batch_size,threads,images_evaluated,images_skipped,top1,top5,total_inference_ms,ms_per_image,"
        "images_per_s,peak_rss_mib,params_millions,gflops\n";
  for (const Row& r : rows)
    os << r.model << ",\"" << r.weights << "\"," << r.batch_size << "," << get_num_threads() << "," << r.evaluated
       << "," << r.skipped << "," << r.top1_pct() << "," << r.top5_pct() << "," << r.total_ms << ","
       << r.ms_per_image() << "," << r.images_per_s() << "," << r.peak_rss_mb << "," << r.params_m << ","
       << r.gflops << "\n";
  return os.str();
}

std::vector<int64_t> parse_batch_sizes(const Args& args) {
  std::vector<int64_t> out;
  for (const std::string& s : args.get_list("batch-sizes")) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    TESSERA_CHECK(*end == '\0' && v >= 1 && v <= 4096, "tessera bench: --batch-sizes: '", s,
                  "' is not a batch size from 1 to 4096");
    out.push_back(v);
  }
  return out;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  Args args("bench", "Top-1/top-5 accuracy and inference speed of models over an ImageNet-style folder\n"
                     "(one sub-folder per class, named by WordNet id).");
  args.option("data", "DIR", "validation images, one folder per WordNet id")
      .option("models", "A,B,...", "models to run (see tessera models)", "resnet18")
      .option("batch-sizes", "1,4,...", "batch sizes", "1,4,8,16")
      .option("weights-dir", "DIR", "torchvision checkpoints by their file names (resnet18-f37072fd.pth) or NAME.pth")
      .option("threads", "N", "threads (default: TESSERA_NUM_THREADS or all cores)")
      .option("limit", "N", "evaluate at most N images")
      .option("json", "FILE", "write the results as JSON")
      .option("csv", "FILE", "write the results as CSV")
      .option("predictions", "FILE.csv", "write one row per image: path, true class, top-5 predicted classes")
      .flag("allow-unknown", "skip folders that are not ImageNet WordNet ids instead of failing");
  if (!args.parse(argc, argv)) return 0;
  apply_threads(args);
  const std::vector<int64_t> batch_sizes = parse_batch_sizes(args);
  const std::vector<std::string> names = args.get_list("models");
  for (const std::string& n : names) models::model_info(n);  // fail on a typo before any work
  data::ImageFolder folder(args.get("data"), args.flag_set("allow-unknown"));
  std::vector<data::Sample> samples = folder.samples();
  if (args.has("limit")) samples.resize(std::min<size_t>(samples.size(), args.get_int("limit", 1, 1 << 30)));
  for (const std::string& s : folder.skipped_folders()) std::fprintf(stderr, "tessera bench: skipped folder %s\n", s.c_str());
  std::printf("%zu images in %lld classes from %s, %d threads\n", samples.size(),
              static_cast<long long>(folder.num_classes_present()), args.get("data").c_str(), get_num_threads());

  std::vector<Row> rows;
  std::ostringstream predictions;
  predictions << "model,path,true_class,top1,top2,top3,top4,top5\n";
  const auto& synsets = data::imagenet_synsets();
  for (const std::string& name : names) {
    const models::ModelInfo& info = models::model_info(name);
    const std::string weights = find_weights(args.has("weights-dir") ? args.get("weights-dir") : "", info);
    std::shared_ptr<nn::Module> model;
    if (weights.empty()) {
      nn::manual_seed(0);
      model = models::create_model(name);
      std::fprintf(stderr, "tessera bench: %s: no weights found, running with random init (accuracy is meaningless)\n",
                   name.c_str());
    } else {
      model = load_model(name, weights);
    }
    const data::EvalPreset preset = eval_preset(info);
    double gflops = 0;
    {
      nn::FlopCounter count;
      model->forward(Tensor::zeros({1, 3, preset.crop_size, preset.crop_size}));
      gflops = count.total() * 1e-9;
    }
    for (size_t bi = 0; bi < batch_sizes.size(); ++bi) {
      Row r;
      r.model = name;
      r.weights = weights.empty() ? "random init" : weights;
      r.batch_size = batch_sizes[bi];
      r.params_m = static_cast<double>(model->num_parameters()) * 1e-6;
      r.gflops = gflops;
      Storage::release_cached();  // blocks kept from the previous run would count in this one's peak
      reset_peak_rss();
      data::BatchLoader loader(samples, r.batch_size, preset);
      Progress bar(name + " batch " + std::to_string(r.batch_size), static_cast<int64_t>(samples.size()));
      data::Batch batch;
      int64_t done = 0;
      while (loader.next(batch)) {
        for (const auto& [path, why] : batch.failures) std::fprintf(stderr, "tessera bench: skipped %s\n", why.c_str());
        r.skipped += static_cast<int64_t>(batch.failures.size());
        done += static_cast<int64_t>(batch.failures.size() + batch.labels.size());
        if (!batch.images.defined()) continue;
        const auto t0 = std::chrono::steady_clock::now();
        const Tensor logits = model->forward(batch.images);
        r.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        for (size_t i = 0; i < batch.labels.size(); ++i) {
          const std::vector<int64_t> top = top5(logits, static_cast<int64_t>(i));
          r.top1 += top[0] == batch.labels[i];
          r.top5 += std::find(top.begin(), top.end(), batch.labels[i]) != top.end();
          if (bi == 0) {
            predictions << name << ",\"" << batch.paths[i] << "\"," << synsets[batch.labels[i]].wnid;
            for (int64_t t : top) predictions << "," << synsets[t].wnid;
            predictions << "\n";
          }
        }
        r.evaluated += static_cast<int64_t>(batch.labels.size());
        bar.update(done);
      }
      r.peak_rss_mb = peak_rss_mb();
      rows.push_back(r);
      if (!isatty(2))
        std::fprintf(stderr, "tessera bench: %s batch %lld: %lld images, %.1f ms\n", name.c_str(),
                     static_cast<long long>(r.batch_size), static_cast<long long>(r.evaluated), r.total_ms);
    }
  }
  print_table(rows);
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.weights == "random init"; }))
    std::printf("(random init rows: accuracy is meaningless; point --weights-dir at torchvision checkpoints)\n");
  if (args.has("json")) {
    nlohmann::json j = nlohmann::json::array();
    for (const Row& r : rows) j.push_back(to_json(r));
    write_file_atomic(args.get("json"), j.dump(1) + "\n");
  }
  if (args.has("csv")) write_file_atomic(args.get("csv"), csv(rows));
  if (args.has("predictions")) write_file_atomic(args.get("predictions"), predictions.str());
  return 0;
}

}  // namespace tessera::cli
