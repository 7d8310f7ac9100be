// Giving freed heap memory back to the OS. glibc keeps what free() returns inside its arenas and
// only trims an arena's top, so the memory of many closed sessions (socket read buffers, ring
// SharedArrayBuffers, snappy buffers), freed in a different order than it was taken, stays
// resident; malloc_trim(0) releases every free page of every arena (madvise), whatever its place.
#include "common.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

napi_value js_trim_heap(napi_env env, napi_callback_info info) {
#ifdef __GLIBC__
  int released = malloc_trim(0);
#else
  int released = 0;
#endif
  napi_value out;
  CHECK(napi_get_boolean(env, released != 0, &out));
  return out;
}
