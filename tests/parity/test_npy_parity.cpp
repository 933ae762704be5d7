// numpy-written .npy files read by Tessera, and Tessera-written files handed back to numpy.
#include <doctest/doctest.h>

#include <fstream>

#include "tensor/npy.h"
#include "tests/parity/parity.h"

using namespace tessera;

TEST_CASE("Tessera reads every layout numpy writes, and writes what numpy reads") {
  const std::string dir = testing::parity_dir() + "/npy";
  std::ifstream list(dir + "/cases.txt");
  REQUIRE(list);
  int cases = 0;
  for (std::string name; list >> name;) {
    CAPTURE(name);
    const Tensor got = read_npy(dir + "/" + name + ".npy");
    const Tensor want = read_npy(dir + "/" + name + ".expected.npy");
    REQUIRE(got.shape() == want.shape());
    if (got.numel()) CHECK(max_abs_diff(got, want) == 0.0);
    write_npy(dir + "/tessera_" + name + ".npy", got);
    ++cases;
  }
  CHECK(cases >= 10);
}
