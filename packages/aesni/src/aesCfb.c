// CFB-128 (docs/protocol.md §1.4: the whole datagram, the fixed IV) with AES-NI, one call per
// batch. Compiled with -maes -msse4.1 (binding.gyp); nothing here runs before the addon has seen
// the CPU's AES flag (src/addon.c).
//
// Encryption is sequential inside a datagram (C_i = P_i ^ E(C_{i-1})), so LANES datagrams are
// encrypted side by side, one block each per step: their AES rounds interleave and fill the
// pipeline that one datagram alone would leave idle (aesenc has a latency of several cycles but
// issues every cycle). A lane that finishes takes the next datagram of the batch.
// Decryption is parallel inside a datagram (P_i = C_i ^ E(C_{i-1}), all C known): LANES blocks
// of one datagram per step. A final partial block is XORed with the keystream's first bytes.
#include <string.h>
#include "aesCfb.h"

#if defined(__x86_64__) || defined(__i386__)
#include <wmmintrin.h>
#include <smmintrin.h>

#define LANES 8

int aes_kernels_built(void) { return 1; }

/* All eight lanes through the cipher; rk[0..rounds] are the round keys. */
#define EACH(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7)
static inline void encrypt_lanes(__m128i s[LANES], const __m128i* rk, int rounds) {
#define WHITEN(l) s[l] = _mm_xor_si128(s[l], rk[0]);
  EACH(WHITEN)
  for (int r = 1; r < rounds; r++) {
    const __m128i k = rk[r];
#define ROUND(l) s[l] = _mm_aesenc_si128(s[l], k);
    EACH(ROUND)
  }
  const __m128i last = rk[rounds];
#define LAST(l) s[l] = _mm_aesenclast_si128(s[l], last);
  EACH(LAST)
}

static inline __m128i encrypt_one(__m128i s, const __m128i* rk, int rounds) {
  s = _mm_xor_si128(s, rk[0]);
  for (int r = 1; r < rounds; r++) s = _mm_aesenc_si128(s, rk[r]);
  return _mm_aesenclast_si128(s, rk[rounds]);
}

/* p[0..n) ^= the first n bytes of ks (n < 16), keeping the bytes after p untouched. */
static inline void xor_partial(uint8_t* p, uint32_t n, __m128i ks) {
  uint8_t buf[16] = {0};
  memcpy(buf, p, n);
  _mm_storeu_si128((__m128i*)buf, _mm_xor_si128(_mm_loadu_si128((const __m128i*)buf), ks));
  memcpy(p, buf, n);
}

static void load_schedule(const uint8_t* schedule, int rounds, __m128i rk[15]) {
  for (int r = 0; r <= rounds; r++) rk[r] = _mm_loadu_si128((const __m128i*)(schedule + 16 * r));
}

/* Length of slot i, never past its stride (the caller validated them; this keeps writes inside
 * the slots even if a slot overlaps the lengths it is read from). */
static inline uint32_t slot_length(const AesBatch* b, uint32_t i) {
  const uint32_t n = b->lens[i];
  return n <= b->stride ? n : (uint32_t)b->stride;
}

typedef struct {
  uint8_t* p;      /* next block; NULL: the lane is idle */
  uint32_t blocks; /* whole blocks left */
  uint32_t tail;   /* bytes of the final partial block */
} Lane;

/* Give lane `l` the next non-empty datagram from *next; returns 0 when the batch is used up. */
static inline int take(const AesBatch* b, uint32_t* next, Lane* lane) {
  while (*next < b->count) {
    const uint32_t i = (*next)++;
    const uint32_t n = slot_length(b, i);
    if (n == 0) continue;
    lane->p = b->mem + b->base + (uint64_t)i * b->stride;
    lane->blocks = n / 16;
    lane->tail = n % 16;
    return 1;
  }
  lane->p = NULL;
  return 0;
}

void aes_cfb_encrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b) {
  __m128i rk[15], s[LANES];
  load_schedule(schedule, rounds, rk);
  const __m128i ivv = _mm_loadu_si128((const __m128i*)iv);
  Lane lane[LANES];
  uint32_t next = 0;
  int active = 0;
  for (int l = 0; l < LANES; l++) {
    s[l] = ivv;
    active += take(b, &next, &lane[l]);
  }
  while (active > 0) {
    encrypt_lanes(s, rk, rounds); /* s[l] = E(feedback): the keystream block */
    for (int l = 0; l < LANES; l++) {
      Lane* ln = &lane[l];
      if (!ln->p) continue;
      if (ln->blocks > 0) {
        const __m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i*)ln->p), s[l]);
        _mm_storeu_si128((__m128i*)ln->p, c);
        s[l] = c;
        ln->p += 16;
        if (--ln->blocks > 0 || ln->tail > 0) continue;
      } else {
        xor_partial(ln->p, ln->tail, s[l]);
      }
      s[l] = ivv;
      if (!take(b, &next, ln)) active--;
    }
  }
}

/* One datagram: groups of LANES blocks, then the last < LANES whole blocks and the partial one. */
static void decrypt_one(uint8_t* p, uint32_t n, const __m128i* rk, int rounds, __m128i feedback) {
  uint32_t blocks = n / 16;
  const uint32_t tail = n % 16;
  __m128i s[LANES], c[LANES];
  for (; blocks >= LANES; blocks -= LANES, p += 16 * LANES) {
#define LOAD(l) c[l] = _mm_loadu_si128((const __m128i*)(p + 16 * l));
    EACH(LOAD)
    s[0] = feedback;
    s[1] = c[0], s[2] = c[1], s[3] = c[2], s[4] = c[3], s[5] = c[4], s[6] = c[5], s[7] = c[6];
    encrypt_lanes(s, rk, rounds);
#define STORE(l) _mm_storeu_si128((__m128i*)(p + 16 * l), _mm_xor_si128(c[l], s[l]));
    EACH(STORE)
    feedback = c[LANES - 1];
  }
  if (blocks == 0 && tail == 0) return;
  if (blocks == 0) {
    xor_partial(p, tail, encrypt_one(feedback, rk, rounds));
    return;
  }
  /* blocks (1..LANES-1) whole blocks and maybe the partial one: at most LANES feedback blocks */
  s[0] = feedback;
  for (uint32_t j = 0; j < blocks; j++) {
    c[j] = _mm_loadu_si128((const __m128i*)(p + 16 * j));
    s[j + 1] = c[j];
  }
  for (uint32_t j = blocks + 1; j < LANES; j++) s[j] = feedback;
  encrypt_lanes(s, rk, rounds);
  for (uint32_t j = 0; j < blocks; j++) _mm_storeu_si128((__m128i*)(p + 16 * j), _mm_xor_si128(c[j], s[j]));
  if (tail > 0) xor_partial(p + 16 * blocks, tail, s[blocks]);
}

void aes_cfb_decrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b) {
  __m128i rk[15];
  load_schedule(schedule, rounds, rk);
  const __m128i ivv = _mm_loadu_si128((const __m128i*)iv);
  for (uint32_t i = 0; i < b->count; i++) {
    const uint32_t n = slot_length(b, i);
    if (n > 0) decrypt_one(b->mem + b->base + (uint64_t)i * b->stride, n, rk, rounds, ivv);
  }
}

#else /* not x86: the addon loads and reports that it has no kernels */

int aes_kernels_built(void) { return 0; }
void aes_cfb_encrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b) {}
void aes_cfb_decrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b) {}

#endif
