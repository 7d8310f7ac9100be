// The batched calls: recvmmsg into DatagramBatch slots, sendmmsg (with GSO runs) out of them.
#include "common.h"

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

/* The datagram's destination address (IP_PKTINFO / IPV6_PKTINFO), packed with port 0; family 0 when absent. */
static void pack_destination(struct msghdr* h, uint8_t* out) {
  memset(out, 0, ADDR_BYTES);
  for (struct cmsghdr* c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      uint16_t fam = 4;
      memcpy(out, &fam, 2);
      memcpy(out + 4, &info.ipi_addr, 4);
      return;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      uint16_t fam = 6;
      memcpy(out, &fam, 2);
      memcpy(out + 4, &info.ipi6_addr, 16);
      return;
    }
  }
}

/*
 * recv(fd, mem, base, stride, lens, lensIndex, first, max, addrs|null, stats, dests?) → count
 * Receives up to `max` datagrams into slots first … first+max-1 (slot i at base + i·stride, its
 * length at lens[lensIndex + i]); with `addrs`, each sender's address at addrs[i·24]; with `dests`
 * (the socket has IP_PKTINFO / IPV6_RECVPKTINFO on), each datagram's destination address at
 * dests[i·24] (port 0; family 0 when the kernel gave none). Truncated
 * datagrams are dropped (counted) and the batch compacted, so the returned slots are all valid.
 * 0 when nothing is waiting. stats[STAT_RECV_TAKEN] says how many the socket gave (equal to `max`:
 * more may be waiting — the poll reports readability as an edge, so the caller reads on).
 */
napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  BatchArgs b;
  int32_t fd, first, max;
  View addrs = {0}, dests = {0};
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
  if (argc >= 11) {
    napi_typeof(env, argv[10], &t);
    if (t != napi_null && t != napi_undefined && !get_view(env, argv[10], &dests)) {
      napi_throw_type_error(env, NULL, "recv: dests must be a Uint8Array or null");
      return NULL;
    }
  }
  if (max > MAX_BATCH) max = MAX_BATCH;
  if (!batch_in_bounds(&b, first, max) || (addrs.data && addrs.length < (size_t)(first + max) * ADDR_BYTES) ||
      (dests.data && dests.length < (size_t)(first + max) * ADDR_BYTES)) {
    napi_throw_range_error(env, NULL, "recv: batch outside its buffers");
    return NULL;
  }
  if (max == 0) return number(env, 0);
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage from[MAX_BATCH];
  /* room for one pktinfo cmsg of either family (in6_pktinfo is the larger) */
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
  } ctl[dests.data ? MAX_BATCH : 1];
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
    if (dests.data) {
      msgs[i].msg_hdr.msg_control = ctl[i].buf;
      msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
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
    if (dests.data) pack_destination(&msgs[i].msg_hdr, dests.data + (size_t)slot * ADDR_BYTES);
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
napi_value js_send(napi_env env, napi_callback_info info) {
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
