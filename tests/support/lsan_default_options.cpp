// Linked into every test executable of a sanitizer build (see cmake/VigilTesting.cmake); the
// integration tests give the vigil binary they spawn the same options (kLsanOptions).
//
// GCC 12's LeakSanitizer can crash at exit while scanning the dynamic TLS that plugins loaded with
// dlopen give to a thread (it misreads glibc 2.36's DTLS layout; whether it happens depends on
// memory layout). use_tls=0 leaves thread-local storage out of the root set, which can only make
// it report more: glibc's own dlopen bookkeeping, reachable only from TLS, is suppressed in
// lsan.supp.
#include "lsan_options.hpp"

extern "C" const char* __lsan_default_options() { return vigil::testing::kLsanOptions; }
