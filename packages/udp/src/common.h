// Shared by the batched-UDP addon's files: limits, the stats layout, argument helpers.
#ifndef KCPTUNB_UDP_COMMON_H
#define KCPTUNB_UDP_COMMON_H
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

typedef struct {
  uint8_t* data;
  size_t length; /* bytes */
} View;

napi_value throw_errno(napi_env env, const char* what, int err);
napi_value number(napi_env env, double v);
int get_i32(napi_env env, napi_value v, int32_t* out);
int get_view(napi_env env, napi_value v, View* out);
int fill_sockaddr(int family, const char* address, int port, struct sockaddr_storage* ss, socklen_t* len);
void pack_addr(const struct sockaddr_storage* ss, uint8_t* out);
int unpack_addr(const uint8_t* in, struct sockaddr_storage* ss, socklen_t* len);

napi_value js_open(napi_env env, napi_callback_info info);
napi_value js_connect(napi_env env, napi_callback_info info);
napi_value js_set_int(napi_env env, napi_callback_info info);
napi_value js_get_int(napi_env env, napi_callback_info info);
napi_value js_local(napi_env env, napi_callback_info info);
napi_value js_close(napi_env env, napi_callback_info info);
napi_value js_recv(napi_env env, napi_callback_info info);
napi_value js_send(napi_env env, napi_callback_info info);
napi_value js_poll(napi_env env, napi_callback_info info);
napi_value js_poll_events(napi_env env, napi_callback_info info);
napi_value js_poll_close(napi_env env, napi_callback_info info);
napi_value js_trim_heap(napi_env env, napi_callback_info info);

#endif
