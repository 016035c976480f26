// Loads the eBPF probe (the libbpf skeleton built from bpf/probe.bpf.c), creates its ring buffers
// and maps them, and edits the `interesting` map. The one place that talks to libbpf.
//
//   ProbeOptions opts; ...
//   auto probe = Probe::Load(opts, logger);     // throws std::runtime_error with the cause
//   probe->EnableEventTypes({...});
//   probe->rings();                             // RingViews for RingMerger
#ifndef VIGIL_PLUGINS_SOURCES_EBPF_PROBE_LOADER_HPP
#define VIGIL_PLUGINS_SOURCES_EBPF_PROBE_LOADER_HPP

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ring_reader.hpp"
#include "vigil/sdk.hpp"

struct vigil_probe;  // the skeleton

namespace vigil::ebpf {

struct ProbeOptions {
  uint32_t ring_size_kib = 8192;
  uint32_t cpus_per_ring = 1;
  uint32_t snaplen = 80;
  uint32_t max_string_len = 4096;
};

struct ProbeCounters {
  std::vector<uint64_t> events;  // per CPU
  std::vector<uint64_t> drops;   // per CPU (ring full + no ring)
  uint64_t tail_misses = 0;
};

// Checks that do not need to load anything: BTF, privileges, tracepoints. Throws
// std::runtime_error naming the cause.
void CheckKernelSupport();

class Probe {
 public:
  static std::unique_ptr<Probe> Load(const ProbeOptions& options, const sdk::Logger& logger);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Rewrites the `interesting` map so exactly these event types are captured (plus fork, exec
  // and exit, which state needs). New entries are set before old ones are cleared. Returns the
  // number of syscall numbers enabled.
  size_t EnableEventTypes(const std::set<uint16_t>& types);

  const std::vector<RingView>& rings() const { return ring_views_; }
  const std::vector<int>& ring_fds() const { return ring_fds_; }
  int num_cpus() const { return ncpus_; }
  uint64_t ring_size() const { return ring_size_; }
  size_t programs_attached() const { return programs_attached_; }
  ProbeCounters ReadCounters() const;

 private:
  Probe() = default;

  vigil_probe* skel_ = nullptr;
  int ncpus_ = 0;
  uint64_t ring_size_ = 0;
  size_t programs_attached_ = 0;
  std::vector<int> ring_fds_;
  std::vector<void*> consumer_maps_;
  std::vector<void*> producer_maps_;
  std::vector<RingView> ring_views_;
  std::vector<uint16_t> interesting_;  // current value per slot
};

}  // namespace vigil::ebpf

#endif  // VIGIL_PLUGINS_SOURCES_EBPF_PROBE_LOADER_HPP
