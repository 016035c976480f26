// Fuzzes the reading of event records from a source: vigil_event_check and vigil_event_param (C,
// sdk/include/vigil/event_record.h) and vigil::sdk::BatchReader / EventView (C++, sdk.hpp).
// Input: one batch, records laid end to end, exactly as a source's next_batch returns it.
// Checks that every parameter of an accepted record lies inside it and that they fill it, that
// the C and C++ readers agree, and that the writer re-encodes an accepted record byte for byte.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "vigil/event_record.h"
#include "vigil/sdk.hpp"

namespace {

using vigil::fuzz::Require;

// A record that passed vigil_event_check: its parameters are in bounds and fill it exactly.
void CheckParams(const uint8_t* rec, uint32_t len) {
  const vigil_event_header h = vigil_event_get_header(rec);
  Require(h.len == len, "len is the header's len");
  const uint8_t* next = rec + VIGIL_EVENT_HEADER_SIZE + 4u * uint64_t{h.nparams};
  const uint8_t* end = rec + len;
  Require(next <= end, "length table inside the record");
  uint8_t sum = 0;
  for (uint32_t i = 0; i < h.nparams; ++i) {
    vigil_bytes param;
    Require(vigil_event_param(rec, i, &param) == VIGIL_EVENT_OK, "param in range");
    Require(param.data == next, "params are contiguous");
    Require(param.len <= static_cast<uint64_t>(end - next), "param inside the record");
    if (param.len > 0) sum ^= param.data[0] ^ param.data[param.len - 1];  // ASan checks both.
    next += param.len;
  }
  Require(next == end, "params fill the record");
  vigil_bytes none;
  Require(vigil_event_param(rec, h.nparams, &none) == VIGIL_EVENT_NO_PARAM, "index past the end");
  (void)sum;
}

// The writer rebuilds the same record, and refuses a buffer one byte short without overrunning it.
void CheckRewrite(const uint8_t* rec, uint32_t len) {
  const vigil_event_header h = vigil_event_get_header(rec);
  for (const uint32_t cap : {len, len - 1}) {
    std::vector<uint8_t> buf(cap);
    vigil_event_writer w;
    int rc = vigil_event_begin(&w, buf.data(), cap, h.type, h.ts_ns, h.tid, h.nparams);
    for (uint32_t i = 0; i < h.nparams && rc == VIGIL_EVENT_OK; ++i) {
      vigil_bytes param;
      vigil_event_param(rec, i, &param);
      rc = vigil_event_add_param(&w, param.data, param.len);
    }
    uint32_t out_len = 0;
    if (rc == VIGIL_EVENT_OK) rc = vigil_event_end(&w, &out_len);
    if (cap < len) {
      Require(rc == VIGIL_EVENT_NO_SPACE, "writer refuses a short buffer");
      continue;
    }
    Require(rc == VIGIL_EVENT_OK && out_len == len, "writer re-encodes the record");
    const vigil_event_header r = vigil_event_get_header(buf.data());
    Require(r.ts_ns == h.ts_ns && r.tid == h.tid && r.len == h.len && r.type == h.type &&
                r.nparams == h.nparams && r.source_id == 0 && r.flags == 0,
            "rewritten header");
    Require(std::memcmp(buf.data() + VIGIL_EVENT_HEADER_SIZE, rec + VIGIL_EVENT_HEADER_SIZE,
                        len - VIGIL_EVENT_HEADER_SIZE) == 0,
            "rewritten body");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The C reader, as event_record.h shows it.
  std::vector<std::pair<const uint8_t*, uint32_t>> records;
  const uint8_t* p = data;
  uint64_t left = size;
  int rc = VIGIL_EVENT_OK;
  while (left > 0) {
    uint32_t len = 0;
    rc = vigil_event_check(p, left, &len);
    if (rc != VIGIL_EVENT_OK) break;
    Require(len >= VIGIL_EVENT_HEADER_SIZE && len <= left && len <= VIGIL_EVENT_MAX_LEN,
            "checked length in bounds");
    CheckParams(p, len);
    CheckRewrite(p, len);
    records.emplace_back(p, len);
    p += len;
    left -= len;
  }

  // The C++ reader sees the same records and stops with the same error.
  vigil::sdk::BatchReader reader(data, size);
  size_t n = 0;
  while (std::optional<vigil::sdk::EventView> event = reader.Next()) {
    Require(n < records.size(), "C++ reader reads no more records than C");
    Require(event->data() == records[n].first && event->size() == records[n].second, "same record");
    for (uint32_t i = 0; i < event->nparams(); ++i) {
      vigil_bytes param;
      vigil_event_param(event->data(), i, &param);
      const std::optional<std::string_view> view = event->param(i);
      Require(view && view->data() == reinterpret_cast<const char*>(param.data) &&
                  view->size() == param.len,
              "EventView::param matches vigil_event_param");
    }
    Require(!event->param(event->nparams()), "EventView::param past the end");
    Require(event->payload().size() == (event->nparams() > 0 ? event->param(0)->size() : 0),
            "payload is param 0");
    ++n;
  }
  Require(n == records.size() && reader.count() == n, "C++ reader reads every record");
  Require(reader.error() == rc, "same error");
  Require(!vigil::sdk::EventView::Check(nullptr, size), "null data is no record");
  return 0;
}
