// Batched UDP for the data plane: sockets owned by the addon, watched with a uv_poll_t on the
// calling thread's loop, received with recvmmsg straight into DatagramBatch slots (WebAssembly
// memory) and sent with sendmmsg (and UDP GSO for runs of equal-size datagrams) — one syscall per
// batch, no JS object per datagram. Errors never throw past the batch calls: they are counted in
// the socket's stats array (see STAT_* below and src/addon.ts).
#include "common.h"

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"connect", NULL, js_connect, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setInt", NULL, js_set_int, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getInt", NULL, js_get_int, NULL, NULL, NULL, napi_enumerable, NULL},
    {"local", NULL, js_local, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL},
    {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
    {"poll", NULL, js_poll, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pollEvents", NULL, js_poll_events, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pollClose", NULL, js_poll_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"trimHeap", NULL, js_trim_heap, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

