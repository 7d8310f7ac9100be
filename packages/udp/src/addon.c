// Batched UDP for the data plane: sockets owned by the addon, watched with a uv_poll_t on the
// calling thread's loop, received with recvmmsg straight into DatagramBatch slots (WebAssembly
// memory) and sent with sendmmsg (and UDP GSO for runs of equal-size datagrams) — one syscall per
// batch, no JS object per datagram. Errors never throw past the batch calls: they are counted in
// the socket's stats array (see STAT_* below and src/addon.ts).
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define MAX_BATCH 256
/* GSO: at most this many segments per send (older kernels accept 64) and 65507 bytes in all. */
#define MAX_GSO_SEGMENTS 64
#define MAX_GSO_BYTES 65507
/* A received peer address, as written for server sockets: family (4|6) u16, port u16, 16 address
 * bytes (IPv4 in the first 4), scope id u32 — 24 bytes, little-endian host order. */
#define ADDR_BYTES 24

enum {
  STAT_SEND_ERRORS = 0, /* datagrams dropped by a send error other than EAGAIN (ICMP, EMSGSIZE, …) */
  STAT_LAST_SEND_ERRNO,
  STAT_TRUNCATED,       /* received datagrams larger than a slot: dropped */
  STAT_RECV_ERRORS,     /* recvmmsg errors other than EAGAIN (ICMP errors on connected sockets) */
  STAT_LAST_RECV_ERRNO,
  STAT_SEND_CALLS,
  STAT_RECV_CALLS,
  STAT_GSO_SENDS,       /* sends that used UDP_SEGMENT */
  STAT_GSO_FAILED,      /* GSO refused by the path (EIO/EINVAL): turned off for this socket */
  STAT_RECV_TAKEN,      /* datagrams the last recv call took from the socket, dropped ones included */
  STAT_COUNT
};

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "udp addon: N-API call failed: " #call); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  char code[24];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, msg);
  return NULL;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static int get_i32(napi_env env, napi_value v, int32_t* out) { return napi_get_value_int32(env, v, out) == napi_ok; }

typedef struct {
  uint8_t* data;
  size_t length; /* bytes */
} View;

static int get_view(napi_env env, napi_value v, View* out) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok) return 0;
  size_t elem = (type == napi_uint32_array || type == napi_int32_array || type == napi_float32_array) ? 4
              : (type == napi_float64_array) ? 8 : (type == napi_uint16_array || type == napi_int16_array) ? 2 : 1;
  out->data = (uint8_t*)data;
  out->length = length * elem;
  return 1;
}

static int fill_sockaddr(int family, const char* address, int port, struct sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  if (family == 6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (address[0] && inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return 0;
    *len = sizeof *a;
  } else {
    struct sockaddr_in* a = (struct sockaddr_in*)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (address[0] && inet_pton(AF_INET, address, &a->sin_addr) != 1) return 0;
    *len = sizeof *a;
  }
  return 1;
}

static void pack_addr(const struct sockaddr_storage* ss, uint8_t* out) {
  memset(out, 0, ADDR_BYTES);
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6* a = (const struct sockaddr_in6*)ss;
    uint16_t fam = 6, port = ntohs(a->sin6_port);
    memcpy(out, &fam, 2);
    memcpy(out + 2, &port, 2);
    memcpy(out + 4, &a->sin6_addr, 16);
    memcpy(out + 20, &a->sin6_scope_id, 4);
  } else {
    const struct sockaddr_in* a = (const struct sockaddr_in*)ss;
    uint16_t fam = 4, port = ntohs(a->sin_port);
    memcpy(out, &fam, 2);
    memcpy(out + 2, &port, 2);
    memcpy(out + 4, &a->sin_addr, 4);
  }
}

static int unpack_addr(const uint8_t* in, struct sockaddr_storage* ss, socklen_t* len) {
  uint16_t fam, port;
  memcpy(&fam, in, 2);
  memcpy(&port, in + 2, 2);
  memset(ss, 0, sizeof *ss);
  if (fam == 6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    memcpy(&a->sin6_addr, in + 4, 16);
    memcpy(&a->sin6_scope_id, in + 20, 4);
    *len = sizeof *a;
    return 1;
  }
  if (fam == 4) {
    struct sockaddr_in* a = (struct sockaddr_in*)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    memcpy(&a->sin_addr, in + 4, 4);
    *len = sizeof *a;
    return 1;
  }
  return 0;
}

/* open(family 4|6, address, port, reusePort) → fd (non-blocking, bound) */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family, port;
  bool reuse = false;
  char address[64] = "";
  size_t alen;
  if (argc < 4 || !get_i32(env, argv[0], &family) || !get_i32(env, argv[2], &port) ||
      napi_get_value_string_utf8(env, argv[1], address, sizeof address, &alen) != napi_ok || napi_get_value_bool(env, argv[3], &reuse) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(family, address, port, reusePort)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  if (!fill_sockaddr(family, address, port, &ss, &len)) {
    napi_throw_error(env, "EINVAL", "open: not an IP address");
    return NULL;
  }
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "setsockopt(SO_REUSEPORT)", e);
  }
  if (bind(fd, (struct sockaddr*)&ss, len) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  return number(env, fd);
}

/* connect(fd, family, address, port) */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, family, port;
  char address[64] = "";
  size_t alen;
  if (argc < 4 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &family) || !get_i32(env, argv[3], &port) ||
      napi_get_value_string_utf8(env, argv[2], address, sizeof address, &alen) != napi_ok) {
    napi_throw_type_error(env, NULL, "connect(fd, family, address, port)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  if (!fill_sockaddr(family, address, port, &ss, &len) || !address[0]) {
    napi_throw_error(env, "EINVAL", "connect: not an IP address");
    return NULL;
  }
  if (connect(fd, (struct sockaddr*)&ss, len) != 0) return throw_errno(env, "connect", errno);
  return NULL;
}

/* setInt(fd, level, name, value) */
static napi_value js_set_int(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, level, name, value;
  if (argc < 4 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name) || !get_i32(env, argv[3], &value)) {
    napi_throw_type_error(env, NULL, "setInt(fd, level, name, value)");
    return NULL;
  }
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* getInt(fd, level, name) */
static napi_value js_get_int(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, level, name;
  if (argc < 3 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name)) {
    napi_throw_type_error(env, NULL, "getInt(fd, level, name)");
    return NULL;
  }
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, level, name, &value, &len) != 0) return throw_errno(env, "getsockopt", errno);
  return number(env, value);
}

/* local(fd) → [address, port] */
static napi_value js_local(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "local(fd)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr*)&ss, &len) != 0) return throw_errno(env, "getsockname", errno);
  char text[INET6_ADDRSTRLEN] = "";
  int port;
  if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6*)&ss)->sin6_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  } else {
    inet_ntop(AF_INET, &((struct sockaddr_in*)&ss)->sin_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in*)&ss)->sin_port);
  }
  napi_value out, s;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s));
  CHECK(napi_set_element(env, out, 0, s));
  CHECK(napi_set_element(env, out, 1, number(env, port)));
  return out;
}

/* close(fd) */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd)");
    return NULL;
  }
  close(fd);
  return NULL;
}

typedef struct {
  View mem;
  int32_t base, stride, lensIndex;
  View lens;
  View stats;
} BatchArgs;

static double* stats_of(BatchArgs* b) { return (double*)b->stats.data; }

/* Validates that `count` slots from `first` lie inside mem and lens. */
static int batch_in_bounds(const BatchArgs* b, int32_t first, int32_t count) {
  if (b->base < 0 || b->stride <= 0 || b->lensIndex < 0 || first < 0 || count < 0) return 0;
  if (b->stats.length < STAT_COUNT * sizeof(double)) return 0;
  uint64_t end = (uint64_t)b->base + (uint64_t)(first + count) * (uint64_t)b->stride;
  uint64_t lensEnd = ((uint64_t)b->lensIndex + (uint64_t)first + (uint64_t)count) * 4;
  return end <= b->mem.length && lensEnd <= b->lens.length;
}

/*
 * recv(fd, mem, base, stride, lens, lensIndex, first, max, addrs|null, stats) → count
 * Receives up to `max` datagrams into slots first … first+max-1 (slot i at base + i·stride, its
 * length at lens[lensIndex + i]); with `addrs`, each sender's address at addrs[i·24]. Truncated
 * datagrams are dropped (counted) and the batch compacted, so the returned slots are all valid.
 * 0 when nothing is waiting. stats[STAT_RECV_TAKEN] says how many the socket gave (equal to `max`:
 * more may be waiting — the poll reports readability as an edge, so the caller reads on).
 */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  BatchArgs b;
  int32_t fd, first, max;
  View addrs = {0};
  napi_valuetype t;
  if (argc < 10 || !get_i32(env, argv[0], &fd) || !get_view(env, argv[1], &b.mem) || !get_i32(env, argv[2], &b.base) ||
      !get_i32(env, argv[3], &b.stride) || !get_view(env, argv[4], &b.lens) || !get_i32(env, argv[5], &b.lensIndex) ||
      !get_i32(env, argv[6], &first) || !get_i32(env, argv[7], &max) || !get_view(env, argv[9], &b.stats)) {
    napi_throw_type_error(env, NULL, "recv(fd, mem, base, stride, lens, lensIndex, first, max, addrs, stats)");
    return NULL;
  }
  napi_typeof(env, argv[8], &t);
  if (t != napi_null && t != napi_undefined && !get_view(env, argv[8], &addrs)) {
    napi_throw_type_error(env, NULL, "recv: addrs must be a Uint8Array or null");
    return NULL;
  }
  if (max > MAX_BATCH) max = MAX_BATCH;
  if (!batch_in_bounds(&b, first, max) || (addrs.data && addrs.length < (size_t)(first + max) * ADDR_BYTES)) {
    napi_throw_range_error(env, NULL, "recv: batch outside its buffers");
    return NULL;
  }
  if (max == 0) return number(env, 0);
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage from[MAX_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)max);
  for (int i = 0; i < max; i++) {
    iov[i].iov_base = b.mem.data + b.base + (size_t)(first + i) * (size_t)b.stride;
    iov[i].iov_len = (size_t)b.stride;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (addrs.data) {
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
  }
  double* stats = stats_of(&b);
  int n;
  for (int attempt = 0;; attempt++) {
    stats[STAT_RECV_CALLS]++;
    n = recvmmsg(fd, msgs, (unsigned)max, MSG_DONTWAIT, NULL);
    if (n >= 0) break;
    if (errno == EINTR && attempt < 8) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      stats[STAT_RECV_TAKEN] = 0;
      return number(env, 0);
    }
    /* an ICMP error queued on a connected socket (ECONNREFUSED …): counted; data may follow */
    stats[STAT_RECV_ERRORS]++;
    stats[STAT_LAST_RECV_ERRNO] = errno;
    if (attempt < 8) continue;
    stats[STAT_RECV_TAKEN] = 0;
    return number(env, 0);
  }
  stats[STAT_RECV_TAKEN] = n;
  uint32_t* lens = (uint32_t*)b.lens.data;
  int kept = 0;
  for (int i = 0; i < n; i++) {
    if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
      stats[STAT_TRUNCATED]++;
      continue;
    }
    int slot = first + kept;
    if (kept != i) memmove(b.mem.data + b.base + (size_t)slot * (size_t)b.stride, iov[i].iov_base, msgs[i].msg_len);
    lens[b.lensIndex + slot] = msgs[i].msg_len;
    if (addrs.data) pack_addr(&from[i], addrs.data + (size_t)slot * ADDR_BYTES);
    kept++;
  }
  return number(env, kept);
}

/*
 * send(fd, mem, base, stride, lens, lensIndex, first, count, to|null, stats, gso) → consumed
 * Sends slots first … first+count-1 (to the connected peer, or to the 24-byte address `to`).
 * Returns how many were consumed: sent, or dropped for an error other than EAGAIN (counted). Less
 * than `count` means the socket buffer is full: the caller keeps the rest and waits for writable.
 * With `gso` (boolean) runs of equal-size datagrams go out as one UDP_SEGMENT send each; a path
 * that refuses GSO is counted (STAT_GSO_FAILED) and the rest is sent without it.
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  BatchArgs b;
  int32_t fd, first, count;
  View to = {0};
  bool gso = false;
  napi_valuetype t;
  if (argc < 11 || !get_i32(env, argv[0], &fd) || !get_view(env, argv[1], &b.mem) || !get_i32(env, argv[2], &b.base) ||
      !get_i32(env, argv[3], &b.stride) || !get_view(env, argv[4], &b.lens) || !get_i32(env, argv[5], &b.lensIndex) ||
      !get_i32(env, argv[6], &first) || !get_i32(env, argv[7], &count) || !get_view(env, argv[9], &b.stats) ||
      napi_get_value_bool(env, argv[10], &gso) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(fd, mem, base, stride, lens, lensIndex, first, count, to, stats, gso)");
    return NULL;
  }
  napi_typeof(env, argv[8], &t);
  if (t != napi_null && t != napi_undefined && !get_view(env, argv[8], &to)) {
    napi_throw_type_error(env, NULL, "send: to must be a Uint8Array or null");
    return NULL;
  }
  if (!batch_in_bounds(&b, first, count) || (to.data && to.length < ADDR_BYTES)) {
    napi_throw_range_error(env, NULL, "send: batch outside its buffers");
    return NULL;
  }
  struct sockaddr_storage dest;
  socklen_t destLen = 0;
  if (to.data && !unpack_addr(to.data, &dest, &destLen)) {
    napi_throw_error(env, "EINVAL", "send: bad destination address");
    return NULL;
  }
  const uint32_t* lens = (const uint32_t*)b.lens.data;
  double* stats = stats_of(&b);
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctl[MAX_BATCH];
  int consumed = 0;
  while (consumed < count) {
    /* build up to MAX_BATCH messages; with GSO one message carries a run of equal sizes */
    int nmsg = 0, nio = 0, slot = first + consumed;
    int remaining = count - consumed;
    int covered = 0; /* datagrams the built messages carry */
    while (covered < remaining && nmsg < MAX_BATCH && nio < MAX_BATCH) {
      uint32_t size = lens[b.lensIndex + slot + covered];
      if (size > (uint32_t)b.stride) size = (uint32_t)b.stride; /* never read past a slot */
      int run = 1;
      if (gso) {
        size_t bytes = size;
        while (covered + run < remaining && run < MAX_GSO_SEGMENTS && nio + run < MAX_BATCH) {
          uint32_t next = lens[b.lensIndex + slot + covered + run];
          if (next > size || bytes + next > MAX_GSO_BYTES) break;
          bytes += next;
          run++;
          if (next < size) break; /* a shorter datagram may only come last */
        }
      }
      struct msghdr* h = &msgs[nmsg].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_iov = &iov[nio];
      h->msg_iovlen = (size_t)run;
      for (int k = 0; k < run; k++) {
        int s = slot + covered + k;
        uint32_t len = lens[b.lensIndex + s];
        iov[nio + k].iov_base = b.mem.data + b.base + (size_t)s * (size_t)b.stride;
        iov[nio + k].iov_len = len > (uint32_t)b.stride ? (uint32_t)b.stride : len;
      }
      if (to.data) {
        h->msg_name = &dest;
        h->msg_namelen = destLen;
      }
      if (run > 1) {
        h->msg_control = ctl[nmsg].buf;
        h->msg_controllen = sizeof ctl[nmsg].buf;
        struct cmsghdr* c = CMSG_FIRSTHDR(h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = (uint16_t)size;
        memcpy(CMSG_DATA(c), &seg, sizeof seg);
      }
      msgs[nmsg].msg_len = (unsigned)run; /* remember the run length (overwritten by the kernel) */
      nio += run;
      covered += run;
      nmsg++;
    }
    int runs[MAX_BATCH];
    for (int i = 0; i < nmsg; i++) runs[i] = (int)msgs[i].msg_len;
    stats[STAT_SEND_CALLS]++;
    int sent = sendmmsg(fd, msgs, (unsigned)nmsg, MSG_DONTWAIT);
    if (sent < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) break; /* full: the caller waits for writable */
      if (runs[0] > 1 && (e == EIO || e == EINVAL)) {
        /* the path refuses GSO: counted (the caller stops asking for it) and sent again without */
        stats[STAT_GSO_FAILED]++;
        gso = false;
        continue;
      }
      /* the first message failed (ICMP refusal, EMSGSIZE, …): drop it, count it, go on */
      stats[STAT_SEND_ERRORS] += runs[0];
      stats[STAT_LAST_SEND_ERRNO] = e;
      consumed += runs[0];
      continue;
    }
    for (int i = 0; i < sent; i++) {
      consumed += runs[i];
      if (runs[i] > 1) stats[STAT_GSO_SENDS]++;
    }
    /* a short count: the next call reports why (EAGAIN, or an error for the next message) */
  }
  return number(env, consumed);
}

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
static napi_value js_poll(napi_env env, napi_callback_info info) {
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
static napi_value js_poll_events(napi_env env, napi_callback_info info) {
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
static napi_value js_poll_close(napi_env env, napi_callback_info info) {
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
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
