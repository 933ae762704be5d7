// torch.save checkpoints (and a safetensors file) read by Tessera and compared bit for bit
// with the tensors PyTorch dumped as .npy; Tessera's re-saved copies go to check_pth.py.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "tensor/npy.h"
#include "tests/parity/parity.h"
#include "weights/weights.h"

using namespace tessera;

namespace {

struct Expected {
  std::vector<std::string> names, dtypes;
};

Expected read_keys(const std::string& folder) {
  std::ifstream f(folder + "/keys.txt");
  REQUIRE(f);
  Expected e;
  for (std::string name, dtype; f >> name >> dtype;) {
    e.names.push_back(name);
    e.dtypes.push_back(dtype);
  }
  return e;
}

// Same shape, dtype and bytes: exact, NaN payloads and -0.0 included.
bool identical(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return a.numel() == 0 || std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

}  // namespace

TEST_CASE("Tessera reads torch.save checkpoints exactly and writes them back") {
  const std::string dir = testing::parity_dir() + "/pth";
  std::ifstream list(dir + "/cases.txt");
  REQUIRE(list);
  int cases = 0, tensors = 0;
  for (std::string file, expected; list >> file >> expected;) {
    CAPTURE(file);
    const StateDict sd = load_weights(dir + "/" + file);
    const Expected want = read_keys(dir + "/" + expected);
    REQUIRE(sd.names() == want.names);  // the state dict's order, not a sorted one
    for (size_t i = 0; i < sd.size(); ++i) {
      const StateEntry& e = sd.entries()[i];
      CAPTURE(e.name);
      CHECK(file_dtype_name(e.file_dtype) == want.dtypes[i]);
      CHECK(identical(e.tensor, read_npy(dir + "/" + expected + "/" + std::to_string(i) + ".npy")));
      ++tensors;
    }
    if (expected == "dtypes") {
      CHECK(sd.at("shared_row").shares_storage(sd.at("shared_col")) == file.ends_with(".pth"));
      CHECK(!sd.at("transposed").is_contiguous() == file.ends_with(".pth"));
    }
    if (file.ends_with(".safetensors")) {
      CHECK(sd.text_metadata.size() == 2);
      save_weights(dir + "/tessera_" + file, sd);
    } else {
      CHECK(sd.module_metadata.empty() == (expected != "resnet18"));
      save_pth(dir + "/tessera_" + file, sd);
      // And Tessera reads its own file back identically.
      const StateDict again = load_pth(dir + "/tessera_" + file);
      REQUIRE(again.names() == sd.names());
      for (size_t i = 0; i < sd.size(); ++i) CHECK(identical(again.entries()[i].tensor, sd.entries()[i].tensor));
    }
    ++cases;
  }
  CHECK(cases == 8);
  MESSAGE(cases << " checkpoint files, " << tensors << " tensors compared bit for bit");
}

TEST_CASE("A nested checkpoint entry can be picked by name") {
  const std::string dir = testing::parity_dir() + "/pth";
  const StateDict sd = load_pth(dir + "/resnet18_wrapped.pth", "state_dict");
  CHECK(sd.size() == read_keys(dir + "/resnet18").names.size());
  CHECK_THROWS_WITH_AS(load_pth(dir + "/resnet18_wrapped.pth", "epoch"), doctest::Contains("'epoch' is a int"),
                       Error);
  CHECK_THROWS_WITH_AS(load_pth(dir + "/resnet18_wrapped.pth", "optimizer"),
                       doctest::Contains("keys: 'state_dict', 'epoch'"), Error);
}
