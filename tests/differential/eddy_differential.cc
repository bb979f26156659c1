// eddy-differential: runs differential cases (tests/differential/README.md) through Eddy's
// TopologyTestDriver and writes <out-dir>/<case>.out in the format KafkaStreamsCases.java
// writes for Kafka Streams; compare.py compares the two.
//
//   eddy-differential <out-dir> <case.txt>...
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "differential_case.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: eddy-differential <out-dir> <case.txt>...\n";
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path file = argv[i];
    std::ofstream out(out_dir / (file.stem().string() + ".out"));
    try {
      for (const auto& line :
           eddy::differential::run_in_driver(eddy::differential::parse_case(file))) {
        out << line << '\n';
      }
    } catch (const std::exception& e) {
      out << "error " << e.what() << '\n';
    }
  }
  return 0;
}
