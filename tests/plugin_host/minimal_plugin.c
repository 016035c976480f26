/* A minimal plugin in plain C, built several times with one defect switched on by a macro, so
 * the plugin host's tests can load each kind of broken library from disk. */
#include <string.h>

#include "vigil/plugin_api.h"

static char g_error[128];

static vigil_plugin* init(const vigil_init_input* in, vigil_rc* rc) {
  (void)in;
#ifdef INIT_FAILS
  strcpy(g_error, "cannot reach the thing it needs");
  *rc = VIGIL_FAILURE;
  return NULL;
#else
  *rc = VIGIL_OK;
  return (vigil_plugin*)g_error;
#endif
}
static void destroy(vigil_plugin* s) { (void)s; }
static const char* last_error(vigil_plugin* s) {
  (void)s;
  return g_error;
}
static vigil_delivery deliver(vigil_plugin* s, const vigil_alert* a, uint32_t n) {
  (void)s;
  (void)a;
  (void)n;
  return VIGIL_DELIVERED;
}
static vigil_rc extract(vigil_plugin* s, const vigil_event_input* e, uint32_t n,
                        vigil_extract_field* f) {
  (void)s;
  (void)e;
  for (uint32_t i = 0; i < n; i++) f[i].res_len = 0;
  return VIGIL_OK;
}

static vigil_plugin_api g_api = {
#ifdef WRONG_MAJOR
    .api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR + 1,
#else
    .api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR,
#endif
#ifdef NEWER_MINOR
    .api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR + 1,
#else
    .api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR,
#endif
    .table_size = sizeof(vigil_plugin_api),
#ifdef HALF_SOURCE
    .capabilities = VIGIL_CAP_OUTPUT | VIGIL_CAP_EXTRACT | VIGIL_CAP_SOURCE,
    .event_source = "minimal",
#else
    .capabilities = VIGIL_CAP_OUTPUT | VIGIL_CAP_EXTRACT,
#endif
    .name = "minimal",
    .version = "1.2.3",
    .description = "a minimal plugin for the host's tests",
    .contact = "vigil developers",
#ifndef MISSING_INIT
    .init = init,
#endif
    .destroy = destroy,
    .last_error = last_error,
#ifdef BAD_FIELDS
    .fields = "[{\"name\": \"minimal.x\", \"type\": \"strng\", \"desc\": \"x\"}]",
#else
    .fields = "[{\"name\": \"minimal.x\", \"type\": \"string\", \"desc\": \"x\"}]",
#endif
    .extract_fields = extract,
    .deliver = deliver,
};

#ifndef NO_ENTRY
VIGIL_PLUGIN_EXPORT const vigil_plugin_api* vigil_plugin_entry(void) { return &g_api; }
#endif
