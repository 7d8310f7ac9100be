/*
 * @kcptunb/sockopt native part: integer setsockopt/getsockopt on raw fds and a TCP Fast Open
 * client socket (TCP_FASTOPEN_CONNECT set before a non-blocking connect). Plain N-API (C),
 * Linux only: the TypeScript layer never loads this file elsewhere.
 *
 * Errors are thrown as JS Errors carrying `errno` (the positive C errno) and `syscall`; the
 * TypeScript wrapper turns them into typed SockoptError objects. Nothing here aborts the process
 * on bad input: a bad fd is just EBADF/ENOTSOCK from the kernel.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/tcp.h> /* not <netinet/tcp.h>: glibc's struct tcp_info lacks tcpi_segs_out */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 23
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "ESOCKOPT_NAPI", "N-API call failed: " #call); \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

/* Throws an Error("<syscall>: <strerror>") with .errno = err and .syscall = syscall. */
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[160];
  napi_value js_msg, error, js_errno, js_syscall;
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok ||
      napi_create_error(env, NULL, js_msg, &error) != napi_ok ||
      napi_create_int32(env, err, &js_errno) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall) != napi_ok) {
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  napi_set_named_property(env, error, "errno", js_errno);
  napi_set_named_property(env, error, "syscall", js_syscall);
  napi_throw(env, error);
  return NULL;
}

/* Reads argument i as an int32; throws TypeError (code ESOCKOPT_ARG) if it is not a number. */
static int arg_int(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t *out) {
  napi_valuetype t;
  if (i >= argc || napi_typeof(env, argv[i], &t) != napi_ok || t != napi_number) {
    napi_throw_type_error(env, "ESOCKOPT_ARG", "expected a number argument");
    return 0;
  }
  if (napi_get_value_int32(env, argv[i], out) != napi_ok) {
    napi_throw_type_error(env, "ESOCKOPT_ARG", "expected an int32 argument");
    return 0;
  }
  return 1;
}

/* setInt(fd, level, name, value): undefined */
static napi_value set_int(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, level, name, value;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv, argc, 0, &fd) || !arg_int(env, argv, argc, 1, &level) ||
      !arg_int(env, argv, argc, 2, &name) || !arg_int(env, argv, argc, 3, &value))
    return NULL;
  int v = value;
  if (setsockopt(fd, level, name, &v, sizeof v) != 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* getInt(fd, level, name): number */
static napi_value get_int(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  int32_t fd, level, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv, argc, 0, &fd) || !arg_int(env, argv, argc, 1, &level) ||
      !arg_int(env, argv, argc, 2, &name))
    return NULL;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) != 0) return throw_errno(env, "getsockopt", errno);
  CHECK(napi_create_int32(env, v, &result));
  return result;
}

/* family(fd): 4 | 6 | 0 (other address families) from getsockname */
static napi_value family(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv, argc, 0, &fd)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return throw_errno(env, "getsockname", errno);
  CHECK(napi_create_int32(env, ss.ss_family == AF_INET ? 4 : ss.ss_family == AF_INET6 ? 6 : 0, &result));
  return result;
}

/*
 * tcpInfo(fd): [tcpi_state, tcpi_segs_out, tcpi_options]
 * segs_out counts the SYN, so 0 with state SYN_SENT = a TFO connect whose SYN is still deferred;
 * tcpi_options & TCPI_OPT_SYN_DATA (32) = our SYN carried data that the peer acknowledged.
 */
static napi_value tcp_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv, argc, 0, &fd)) return NULL;
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return throw_errno(env, "getsockopt", errno);
  CHECK(napi_create_array_with_length(env, 3, &result));
  CHECK(napi_create_uint32(env, ti.tcpi_state, &v));
  CHECK(napi_set_element(env, result, 0, v));
  /* tcpi_segs_out exists since Linux 4.2; on older kernels len stops short and it stays 0 */
  CHECK(napi_create_uint32(env, ti.tcpi_segs_out, &v));
  CHECK(napi_set_element(env, result, 1, v));
  CHECK(napi_create_uint32(env, ti.tcpi_options, &v));
  CHECK(napi_set_element(env, result, 2, v));
  return result;
}

/*
 * connectTfo(ip, port, family): [fd, inProgress, tfoErrno]
 * Creates a non-blocking CLOEXEC TCP socket, sets TCP_FASTOPEN_CONNECT = 1 (failure recorded in
 * tfoErrno, the connect still goes ahead) and connects. With TFO_CONNECT Linux returns 0 at once
 * and defers the SYN to the first write (inProgress = 0); without it, EINPROGRESS (inProgress = 1).
 * Any other connect error closes the socket and throws.
 */
static napi_value connect_tfo(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result, v;
  int32_t port, fam;
  char ip[INET6_ADDRSTRLEN + 1];
  size_t iplen = 0;
  napi_valuetype t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, "ESOCKOPT_ARG", "expected a numeric IP address string");
    return NULL;
  }
  CHECK(napi_get_value_string_utf8(env, argv[0], ip, sizeof ip, &iplen));
  if (!arg_int(env, argv, argc, 1, &port) || !arg_int(env, argv, argc, 2, &fam)) return NULL;
  if (port < 0 || port > 65535 || (fam != 4 && fam != 6)) return throw_errno(env, "connect", EINVAL);

  struct sockaddr_storage ss;
  socklen_t sslen;
  memset(&ss, 0, sizeof ss);
  if (fam == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1) return throw_errno(env, "inet_pton", EINVAL);
    sslen = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1) return throw_errno(env, "inet_pton", EINVAL);
    sslen = sizeof *sin6;
  }

  int fd = socket(fam == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1, tfo_errno = 0, in_progress = 0;
  if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) != 0) tfo_errno = errno;
  int rc;
  do {
    rc = connect(fd, (struct sockaddr *)&ss, sslen);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EINPROGRESS) {
      in_progress = 1;
    } else {
      int err = errno;
      close(fd);
      return throw_errno(env, "connect", err);
    }
  }
  CHECK(napi_create_array_with_length(env, 3, &result));
  CHECK(napi_create_int32(env, fd, &v));
  CHECK(napi_set_element(env, result, 0, v));
  CHECK(napi_create_int32(env, in_progress, &v));
  CHECK(napi_set_element(env, result, 1, v));
  CHECK(napi_create_int32(env, tfo_errno, &v));
  CHECK(napi_set_element(env, result, 2, v));
  return result;
}

/* closeFd(fd): closes an fd this addon created and never handed to Node */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_int(env, argv, argc, 0, &fd)) return NULL;
  if (close(fd) != 0) return throw_errno(env, "close", errno);
  return NULL;
}

static int set_const(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  return napi_create_int32(env, value, &v) == napi_ok &&
         napi_set_named_property(env, obj, name, v) == napi_ok;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"setInt", NULL, set_int, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getInt", NULL, get_int, NULL, NULL, NULL, napi_enumerable, NULL},
      {"family", NULL, family, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tcpInfo", NULL, tcp_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connectTfo", NULL, connect_tfo, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns));
  napi_value c;
  CHECK(napi_create_object(env, &c));
  if (!set_const(env, c, "SOL_SOCKET", SOL_SOCKET) || !set_const(env, c, "SO_ERROR", SO_ERROR) ||
      !set_const(env, c, "SO_TYPE", SO_TYPE) || !set_const(env, c, "IPPROTO_IP", IPPROTO_IP) ||
      !set_const(env, c, "IP_TOS", IP_TOS) || !set_const(env, c, "IPPROTO_IPV6", IPPROTO_IPV6) ||
      !set_const(env, c, "IPV6_TCLASS", IPV6_TCLASS) || !set_const(env, c, "IPPROTO_TCP", IPPROTO_TCP) ||
      !set_const(env, c, "TCP_NODELAY", TCP_NODELAY) || !set_const(env, c, "TCP_FASTOPEN", TCP_FASTOPEN) ||
      !set_const(env, c, "TCP_FASTOPEN_CONNECT", TCP_FASTOPEN_CONNECT)) {
    napi_throw_error(env, "ESOCKOPT_NAPI", "cannot build the constants object");
    return NULL;
  }
  CHECK(napi_set_named_property(env, exports, "constants", c));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
