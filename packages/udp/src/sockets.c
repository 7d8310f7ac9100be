// Socket set-up: open (non-blocking, bound), connect, options, local address, close.
#include "common.h"

/* open(family 4|6, address, port, reusePort) → fd (non-blocking, bound) */
napi_value js_open(napi_env env, napi_callback_info info) {
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
napi_value js_connect(napi_env env, napi_callback_info info) {
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
napi_value js_set_int(napi_env env, napi_callback_info info) {
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
napi_value js_get_int(napi_env env, napi_callback_info info) {
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
napi_value js_local(napi_env env, napi_callback_info info) {
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
napi_value js_close(napi_env env, napi_callback_info info) {
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
