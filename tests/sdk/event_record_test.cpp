// Tests of the event record format (event_record.h) and its C++ helpers in sdk.hpp: every decode
// is bounds-checked, the writer never writes past its buffer.
#include "vigil/event_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vigil/sdk.hpp"

namespace {

// A record built with the C writer, for the reader tests to corrupt.
std::vector<uint8_t> MakeRecord(const std::vector<std::string>& params, uint16_t type = 20) {
  std::vector<uint8_t> buf(1024);
  vigil_event_writer w;
  EXPECT_EQ(vigil_event_begin(&w, buf.data(), buf.size(), type, 123, 45,
                              static_cast<uint16_t>(params.size())),
            VIGIL_EVENT_OK);
  for (const auto& p : params) {
    EXPECT_EQ(vigil_event_add_param(&w, p.data(), static_cast<uint32_t>(p.size())), VIGIL_EVENT_OK);
  }
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_end(&w, &len), VIGIL_EVENT_OK);
  buf.resize(len);
  return buf;
}

void SetU32(std::vector<uint8_t>& rec, size_t offset, uint32_t value) {
  std::memcpy(rec.data() + offset, &value, sizeof value);
}

constexpr size_t kLenOffset = 16;
constexpr size_t kFirstParamLenOffset = VIGIL_EVENT_HEADER_SIZE;

TEST(EventRecordTest, RoundTripsHeaderAndParams) {
  std::vector<uint8_t> rec = MakeRecord({"abc", "", "de"});
  ASSERT_EQ(rec.size(), VIGIL_EVENT_HEADER_SIZE + 3 * 4 + 5);
  uint32_t len = 0;
  ASSERT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_OK);
  EXPECT_EQ(len, rec.size());
  vigil_event_header h = vigil_event_get_header(rec.data());
  EXPECT_EQ(h.ts_ns, 123u);
  EXPECT_EQ(h.tid, 45);
  EXPECT_EQ(h.type, 20);
  EXPECT_EQ(h.nparams, 3);
  EXPECT_EQ(h.source_id, 0u);
  EXPECT_EQ(h.flags, 0u);
  const char* expected[] = {"abc", "", "de"};
  for (uint32_t i = 0; i < 3; ++i) {
    vigil_bytes b;
    ASSERT_EQ(vigil_event_param(rec.data(), i, &b), VIGIL_EVENT_OK);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(b.data), b.len), expected[i]);
  }
  vigil_bytes none;
  EXPECT_EQ(vigil_event_param(rec.data(), 3, &none), VIGIL_EVENT_NO_PARAM);
}

TEST(EventRecordTest, RecordWithoutParamsIsValid) {
  std::vector<uint8_t> rec = MakeRecord({});
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_OK);
  EXPECT_EQ(len, VIGIL_EVENT_HEADER_SIZE);
}

TEST(EventRecordTest, TruncatedHeaderIsRejected) {
  std::vector<uint8_t> rec = MakeRecord({"x"});
  uint32_t len = 0;
  for (uint64_t avail = 0; avail < VIGIL_EVENT_HEADER_SIZE; ++avail) {
    EXPECT_EQ(vigil_event_check(rec.data(), avail, &len), VIGIL_EVENT_TRUNCATED) << avail;
  }
}

TEST(EventRecordTest, RecordLongerThanAvailableIsTruncated) {
  std::vector<uint8_t> rec = MakeRecord({"hello"});
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size() - 1, &len), VIGIL_EVENT_TRUNCATED);
  SetU32(rec, kLenOffset, static_cast<uint32_t>(rec.size() + 1));
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_TRUNCATED);
}

TEST(EventRecordTest, LenTooSmallForHeaderAndTableIsBadLen) {
  std::vector<uint8_t> rec = MakeRecord({"a", "b"});
  uint32_t len = 0;
  SetU32(rec, kLenOffset, VIGIL_EVENT_HEADER_SIZE + 7);  // the table alone needs 8
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_LEN);
  SetU32(rec, kLenOffset, 0);
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_LEN);
}

TEST(EventRecordTest, LenOverTheLimitIsBadLenEvenWithTheBytes) {
  std::vector<uint8_t> rec = MakeRecord({"a"});
  SetU32(rec, kLenOffset, VIGIL_EVENT_MAX_LEN + 1);
  uint32_t len = 0;
  // avail claims plenty: the limit, not the buffer, must stop the reader.
  EXPECT_EQ(vigil_event_check(rec.data(), UINT64_MAX, &len), VIGIL_EVENT_BAD_LEN);
}

TEST(EventRecordTest, ParamLengthsMustFillTheRecordExactly) {
  std::vector<uint8_t> rec = MakeRecord({"abc", "de"});
  uint32_t len = 0;
  SetU32(rec, kFirstParamLenOffset, 2);  // one byte short
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_PARAMS);
  SetU32(rec, kFirstParamLenOffset, 4);  // one byte over
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_PARAMS);
  SetU32(rec, kFirstParamLenOffset, UINT32_MAX);  // would wrap a 32-bit sum
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_PARAMS);
}

TEST(EventRecordTest, HugeParamCountCannotReadPastTheRecord) {
  std::vector<uint8_t> rec = MakeRecord({"a"});
  vigil_event_header h = vigil_event_get_header(rec.data());
  h.nparams = 0xFFFF;  // a table far larger than the record
  std::memcpy(rec.data(), &h, sizeof h);
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_check(rec.data(), rec.size(), &len), VIGIL_EVENT_BAD_LEN);
}

TEST(EventRecordTest, WriterRefusesABufferTooSmallForTheHeader) {
  uint8_t buf[VIGIL_EVENT_HEADER_SIZE + 3] = {};
  vigil_event_writer w;
  EXPECT_EQ(vigil_event_begin(&w, buf, sizeof buf, 20, 0, 0, 1), VIGIL_EVENT_NO_SPACE);
  EXPECT_EQ(vigil_event_add_param(&w, "x", 1), VIGIL_EVENT_NO_SPACE);
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_end(&w, &len), VIGIL_EVENT_NO_SPACE);
}

TEST(EventRecordTest, WriterNeverWritesPastItsBufferAndErrorsStick) {
  constexpr size_t kCap = VIGIL_EVENT_HEADER_SIZE + 8 + 4;
  std::vector<uint8_t> buf(kCap + 16, 0xAB);  // the tail is a guard
  vigil_event_writer w;
  ASSERT_EQ(vigil_event_begin(&w, buf.data(), kCap, 20, 0, 0, 2), VIGIL_EVENT_OK);
  EXPECT_EQ(vigil_event_add_param(&w, "abc", 3), VIGIL_EVENT_OK);
  EXPECT_EQ(vigil_event_add_param(&w, "de", 2), VIGIL_EVENT_NO_SPACE);  // 1 byte left
  EXPECT_EQ(vigil_event_add_param(&w, "", 0), VIGIL_EVENT_NO_SPACE);    // sticky
  uint32_t len = 0;
  EXPECT_EQ(vigil_event_end(&w, &len), VIGIL_EVENT_NO_SPACE);
  for (size_t i = kCap; i < buf.size(); ++i) EXPECT_EQ(buf[i], 0xAB) << i;
}

TEST(EventRecordTest, WriterChecksTheParamCount) {
  uint8_t buf[128];
  vigil_event_writer w;
  uint32_t len = 0;
  ASSERT_EQ(vigil_event_begin(&w, buf, sizeof buf, 20, 0, 0, 2), VIGIL_EVENT_OK);
  ASSERT_EQ(vigil_event_add_param(&w, "a", 1), VIGIL_EVENT_OK);
  EXPECT_EQ(vigil_event_end(&w, &len), VIGIL_EVENT_MISUSE);  // too few

  ASSERT_EQ(vigil_event_begin(&w, buf, sizeof buf, 20, 0, 0, 1), VIGIL_EVENT_OK);
  ASSERT_EQ(vigil_event_add_param(&w, "a", 1), VIGIL_EVENT_OK);
  EXPECT_EQ(vigil_event_add_param(&w, "b", 1), VIGIL_EVENT_MISUSE);  // too many
  EXPECT_EQ(vigil_event_end(&w, &len), VIGIL_EVENT_MISUSE);
}

// ---- C++ helpers ----

TEST(EventWriterTest, BuildsABatchTheBatchReaderWalks) {
  vigil::sdk::EventWriter writer;
  writer.AppendPlugin(1, -1, R"({"a":1})");
  writer.Append(30, 2, 7, {"x", std::string_view("\0\1", 2)});
  writer.AppendPlugin(3, -1, "");
  vigil_event_batch batch = writer.batch();
  EXPECT_EQ(batch.count, 3u);
  EXPECT_EQ(batch.size, writer.size_bytes());

  vigil::sdk::BatchReader reader(batch);
  auto first = reader.Next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type(), VIGIL_EVENT_PLUGIN);
  EXPECT_EQ(first->payload(), R"({"a":1})");
  auto second = reader.Next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type(), 30);
  EXPECT_EQ(second->tid(), 7);
  EXPECT_EQ(second->nparams(), 2);
  EXPECT_EQ(second->param(1).value(), std::string_view("\0\1", 2));
  EXPECT_FALSE(second->param(2));
  auto third = reader.Next();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->payload(), "");
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.error(), VIGIL_EVENT_OK);
  EXPECT_EQ(reader.count(), 3u);

  writer.Clear();
  EXPECT_EQ(writer.count(), 0u);
  EXPECT_EQ(writer.batch().size, 0u);
}

TEST(EventWriterTest, BatchReaderStopsAtACorruptRecord) {
  vigil::sdk::EventWriter writer;
  writer.AppendPlugin(1, -1, "one");
  writer.AppendPlugin(2, -1, "two");
  std::vector<uint8_t> bytes = writer.bytes();
  bytes.pop_back();  // the second record is now truncated
  vigil::sdk::BatchReader reader(bytes.data(), bytes.size());
  EXPECT_TRUE(reader.Next());
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.error(), VIGIL_EVENT_TRUNCATED);
  EXPECT_EQ(reader.count(), 1u);
}

TEST(EventWriterTest, OversizedRecordThrowsAndLeavesTheBatchIntact) {
  vigil::sdk::EventWriter writer;
  writer.AppendPlugin(1, -1, "kept");
  static const char kByte = 'x';
  // Never read: the size check comes first.
  std::string_view huge(&kByte, VIGIL_EVENT_MAX_LEN);
  EXPECT_THROW(writer.AppendPlugin(2, -1, huge), std::length_error);
  EXPECT_EQ(writer.count(), 1u);
  vigil::sdk::BatchReader reader(writer.batch());
  EXPECT_EQ(reader.Next()->payload(), "kept");
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.error(), VIGIL_EVENT_OK);
}

TEST(EventWriterTest, EventViewCheckReportsTheError) {
  std::vector<uint8_t> rec = MakeRecord({"a"});
  int error = -1;
  EXPECT_TRUE(vigil::sdk::EventView::Check(rec.data(), rec.size(), &error));
  EXPECT_EQ(error, VIGIL_EVENT_OK);
  EXPECT_FALSE(vigil::sdk::EventView::Check(rec.data(), 10, &error));
  EXPECT_EQ(error, VIGIL_EVENT_TRUNCATED);
  EXPECT_FALSE(vigil::sdk::EventView::Check(nullptr, 0, &error));
}

}  // namespace
