// Runs a libFuzzer entry point without libFuzzer: on every file of the directories or files given
// as arguments (a seed corpus, a crash reproducer), or on stdin when there are none. This is how
// the harnesses run in the normal (g++) test build. Exits 1 when an argument holds no input, so a
// misplaced corpus fails the test instead of passing it silently.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// Each input gets its own exactly-sized heap buffer, so ASan sees a read past its end.
void RunOne(const std::vector<char>& bytes) {
  std::vector<uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

std::vector<char> ReadAll(std::istream& in) {
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    RunOne(ReadAll(std::cin));
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    if (fs::is_directory(argv[i])) {
      for (const fs::directory_entry& e : fs::directory_iterator(argv[i])) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(argv[i])) {
      files.emplace_back(argv[i]);
    }
    if (files.empty()) {
      std::fprintf(stderr, "%s: no input files\n", argv[i]);
      return 1;
    }
    for (const fs::path& file : files) {
      std::fprintf(stderr, "running %s\n", file.c_str());
      std::ifstream in(file, std::ios::binary);
      RunOne(ReadAll(in));
    }
    std::fprintf(stderr, "%s: %zu inputs, no failure\n", argv[i], files.size());
  }
  return 0;
}
