// Readiness: a uv_poll_t on the calling thread's loop per socket, closed on worker teardown.
#include "common.h"

/* ---- polling -------------------------------------------------------------------------------- */

typedef struct {
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  uv_poll_t handle;
  int closing;
} Poller;

static void poller_free_after_close(uv_handle_t* h) {
  Poller* p = (Poller*)h->data;
  if (p->cleanup) napi_remove_async_cleanup_hook(p->cleanup);
  free(p);
}

/* Worker teardown with a live poll: close it, or libuv aborts the process. */
static void poller_cleanup_hook(napi_async_cleanup_hook_handle handle, void* arg) {
  Poller* p = (Poller*)arg;
  if (p->closing) return;
  p->closing = 1;
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t*)&p->handle, poller_free_after_close);
}

static void on_poll(uv_poll_t* h, int status, int events) {
  Poller* p = (Poller*)h->data;
  if (p->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, arg, result;
  if (napi_get_reference_value(env, p->callback, &cb) == napi_ok && cb != NULL && napi_get_global(env, &global) == napi_ok) {
    /* events: 1 readable, 2 writable; a negative number is a poll error (-errno) */
    napi_create_int32(env, status < 0 ? status : ((events & UV_READABLE) ? 1 : 0) | ((events & UV_WRITABLE) ? 2 : 0), &arg);
    napi_status s = napi_make_callback(env, p->async, global, cb, 1, &arg, &result);
    if (s == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* poll(fd, callback(events)) → poller (readable watched) */
napi_value js_poll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || !get_i32(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "poll(fd, callback)");
    return NULL;
  }
  uv_loop_t* loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  Poller* p = (Poller*)calloc(1, sizeof *p);
  if (!p) return throw_errno(env, "poll", ENOMEM);
  p->env = env;
  napi_value name;
  CHECK(napi_create_string_utf8(env, "kcptunb.udp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &p->async));
  CHECK(napi_create_reference(env, argv[1], 1, &p->callback));
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r != 0) {
    napi_delete_reference(env, p->callback);
    napi_async_destroy(env, p->async);
    free(p);
    return throw_errno(env, "uv_poll_init", -r);
  }
  p->handle.data = p;
  uv_poll_start(&p->handle, UV_READABLE, on_poll);
  CHECK(napi_add_async_cleanup_hook(env, poller_cleanup_hook, p, &p->cleanup));
  napi_value ext;
  CHECK(napi_create_external(env, p, NULL, NULL, &ext));
  return ext;
}

static Poller* get_poller(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return (Poller*)data;
}

/* pollEvents(poller, events: 1 readable | 2 writable) */
napi_value js_poll_events(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t ev;
  Poller* p = argc >= 2 ? get_poller(env, argv[0]) : NULL;
  if (!p || !get_i32(env, argv[1], &ev)) {
    napi_throw_type_error(env, NULL, "pollEvents(poller, events)");
    return NULL;
  }
  if (p->closing) return NULL;
  int events = ((ev & 1) ? UV_READABLE : 0) | ((ev & 2) ? UV_WRITABLE : 0);
  if (events == 0) uv_poll_stop(&p->handle);
  else uv_poll_start(&p->handle, events, on_poll);
  return NULL;
}

/* pollClose(poller): stop watching; the callback is never called again */
napi_value js_poll_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Poller* p = argc >= 1 ? get_poller(env, argv[0]) : NULL;
  if (!p) {
    napi_throw_type_error(env, NULL, "pollClose(poller)");
    return NULL;
  }
  if (p->closing) return NULL;
  p->closing = 1;
  uv_poll_stop(&p->handle);
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->async);
  uv_close((uv_handle_t*)&p->handle, poller_free_after_close);
  return NULL;
}
