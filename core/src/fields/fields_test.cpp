// The field registry (names, arguments, sources, suggestions) and the core's own fields.
#include "vigil/core/fields.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/alert_format.hpp"
#include "vigil/core/event_type_names.hpp"
#include "vigil/event_record.h"

namespace vigil::fields {
namespace {

using ::testing::HasSubstr;

// Declares fields for one source; binds to an extractor that returns its argument.
class Declared final : public FieldProvider {
 public:
  Declared(std::string name, std::string source, std::vector<FieldInfo> fields)
      : name_(std::move(name)), source_(std::move(source)), fields_(std::move(fields)) {}
  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view s) const override { return s == source_; }
  std::vector<std::string> Sources() const override { return {source_}; }
  class Echo final : public Extractor {
   public:
    explicit Echo(FieldArg arg) : arg_(std::move(arg)) {
      v_.bytes = arg_.text;
      v_.num = arg_.index;
    }
    std::span<const Value> Extract(const EventContext&) override { return {&v_, 1}; }

   private:
    FieldArg arg_;
    Value v_;
  };
  StatusOr<std::unique_ptr<Extractor>> Bind(size_t, const FieldArg& arg) override {
    return std::unique_ptr<Extractor>(std::make_unique<Echo>(arg));
  }

 private:
  std::string name_, source_;
  std::vector<FieldInfo> fields_;
};

FieldInfo Field(std::string name, ArgKind arg = ArgKind::kNone, bool required = false) {
  FieldInfo f;
  f.name = std::move(name);
  f.arg = arg;
  f.arg_required = required;
  return f;
}

class Registry : public ::testing::Test {
 protected:
  Registry() {
    RegisterCoreFields(registry_, {.hostname = "node-1"});
    registry_.Add(std::make_shared<Declared>(
        "sys", "syscall",
        std::vector<FieldInfo>{Field("proc.name"), Field("proc.aname", ArgKind::kIndex),
                               Field("evt.arg", ArgKind::kKey),
                               Field("k8s.pod.label", ArgKind::kKey, true)}));
    registry_.Add(
        std::make_shared<Declared>("audit", "k8s_audit", std::vector<FieldInfo>{Field("ka.verb")}));
  }
  std::string Error(std::string_view text, std::string_view source = "syscall",
                    BindError* why = nullptr) {
    auto b = registry_.Bind(text, source, why);
    return b.ok() ? "" : b.status().message();
  }
  FieldRegistry registry_;
};

TEST_F(Registry, BindsNamesAndArguments) {
  auto b = registry_.Bind("proc.aname[2]", "syscall");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->info->name, "proc.aname");
  EXPECT_EQ(b->provider, "sys");
  EXPECT_TRUE(b->arg.present);
  EXPECT_EQ(b->arg.index, 2u);
  // A key argument written after a dot, as Falco's evt.arg.flags.
  b = registry_.Bind("evt.arg.flags", "syscall");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->info->name, "evt.arg");
  EXPECT_EQ(b->arg.text, "flags");
  b = registry_.Bind("k8s.pod.label[app.kubernetes.io/name]", "syscall");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->arg.text, "app.kubernetes.io/name");
}

TEST_F(Registry, ArgumentErrors) {
  BindError why = BindError::kNone;
  EXPECT_THAT(Error("proc.name[1]", "syscall", &why), HasSubstr("takes no argument"));
  EXPECT_EQ(why, BindError::kBadArgument);
  EXPECT_THAT(Error("proc.aname[x]", "syscall", &why), HasSubstr("numeric index"));
  EXPECT_THAT(Error("k8s.pod.label", "syscall", &why), HasSubstr("requires an argument"));
  EXPECT_EQ(why, BindError::kBadArgument);
}

TEST_F(Registry, UnknownFieldsAndSources) {
  BindError why = BindError::kNone;
  EXPECT_THAT(Error("proc.nmae", "syscall", &why), HasSubstr("did you mean 'proc.name'?"));
  EXPECT_EQ(why, BindError::kUnknownField);
  EXPECT_THAT(Error("ka.verb", "syscall", &why),
              HasSubstr("not available for source 'syscall' (provider 'audit')"));
  EXPECT_EQ(why, BindError::kUnknownField);
  EXPECT_EQ(Error("ka.verb", "k8s_audit"), "");
  EXPECT_EQ(Error("evt.type", "k8s_audit"), "");  // core fields apply to every source
  EXPECT_EQ(registry_.Find("proc.name", "k8s_audit"), nullptr);
  ASSERT_NE(registry_.Find("proc.name", "syscall"), nullptr);
}

TEST_F(Registry, CoreFieldsReadTheEventHeader) {
  const std::string source = "syscall";
  EventContext ctx;
  ctx.evtnum = 7;
  ctx.ts_ns = 1700000000123456789ull;
  ctx.type = *EventTypeCode("openat");
  ctx.source_name = &source;
  auto get = [&](std::string_view f) {
    auto b = registry_.Bind(f, source);
    EXPECT_TRUE(b.ok()) << f;
    auto v = b->extractor->Extract(ctx);
    struct Got {
      std::string bytes;
      uint64_t num;
    };
    return v.empty() ? Got{"<none>", 0} : Got{std::string(v[0].bytes), v[0].num};
  };
  EXPECT_EQ(get("evt.num").num, 7u);
  EXPECT_EQ(get("evt.type").bytes, "openat");
  EXPECT_EQ(get("evt.source").bytes, "syscall");
  EXPECT_EQ(get("evt.hostname").bytes, "node-1");
  EXPECT_EQ(get("evt.rawtime").num, 1700000000123456789ull);
  EXPECT_EQ(get("evt.time").num, 1700000000123456789ull);
  EXPECT_EQ(get("evt.rawtime.s").num, 1700000000u);
  EXPECT_EQ(get("evt.rawtime.ns").num, 123456789u);
  EXPECT_EQ(get("evt.time.iso8601").bytes, alert_format::FormatTimeIso8601(1700000000123456789ull));
  ctx.type = VIGIL_EVENT_PLUGIN;
  EXPECT_EQ(get("evt.type").bytes, "pluginevent");
  ctx.type = 60000;  // a code nobody defined has no name
  EXPECT_EQ(get("evt.type").bytes, "<none>");
}

TEST(EventTypes, NamesAndCodesRoundTrip) {
  EXPECT_EQ(EventTypeName(*EventTypeCode("execve")), "execve");
  EXPECT_EQ(EventTypeCode("pluginevent"), VIGIL_EVENT_PLUGIN);
  EXPECT_FALSE(EventTypeCode("nosuchcall"));
  EXPECT_FALSE(EventTypeCode(""));
  EXPECT_EQ(EventTypeName(0), "");
}

TEST(SplitFieldText, NameAndBracketArgument) {
  auto s = SplitFieldText("proc.aname[3]");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "proc.aname");
  EXPECT_EQ(*s->bracket_arg, "3");
  EXPECT_FALSE(SplitFieldText("x[1"));
  EXPECT_FALSE(SplitFieldText("[1]"));
  EXPECT_FALSE(SplitFieldText(""));
}

}  // namespace
}  // namespace vigil::fields
