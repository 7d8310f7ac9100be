// Argument and address helpers of the batched-UDP addon.
#include "common.h"

napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  char code[24];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, msg);
  return NULL;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

int get_i32(napi_env env, napi_value v, int32_t* out) { return napi_get_value_int32(env, v, out) == napi_ok; }

int get_view(napi_env env, napi_value v, View* out) {
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

int fill_sockaddr(int family, const char* address, int port, struct sockaddr_storage* ss, socklen_t* len) {
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

void pack_addr(const struct sockaddr_storage* ss, uint8_t* out) {
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

int unpack_addr(const uint8_t* in, struct sockaddr_storage* ss, socklen_t* len) {
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
