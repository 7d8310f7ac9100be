// FIPS-197 §5.2 key expansion, portable C (done once per key, so no AES-NI needed). The round
// keys are stored in the byte order AES-NI loads them (word w[i] at bytes 4i..4i+3).
#include <string.h>
#include "aesCfb.h"

#define ROTL8(x, s) ((uint8_t)(((x) << (s)) | ((x) >> (8 - (s)))))

/* The S-box from its definition (multiplicative inverse in GF(2^8), then the affine map): p walks
 * the powers of 3 and q those of its inverse, so q = p^-1 at every step. */
static void fill_sbox(uint8_t sbox[256]) {
  uint8_t p = 1, q = 1;
  do {
    p = (uint8_t)(p ^ (uint8_t)(p << 1) ^ ((p & 0x80) ? 0x1b : 0));
    q = (uint8_t)(q ^ (uint8_t)(q << 1));
    q = (uint8_t)(q ^ (uint8_t)(q << 2));
    q = (uint8_t)(q ^ (uint8_t)(q << 4));
    if (q & 0x80) q ^= 0x09;
    sbox[p] = (uint8_t)(q ^ ROTL8(q, 1) ^ ROTL8(q, 2) ^ ROTL8(q, 3) ^ ROTL8(q, 4) ^ 0x63);
  } while (p != 1);
  sbox[0] = 0x63;
}

void aes_expand_key(const uint8_t* key, int keyBytes, uint8_t* schedule) {
  uint8_t sbox[256];
  fill_sbox(sbox);
  const int nk = keyBytes / 4, words = 4 * (nk + 7);
  memset(schedule, 0, AES_SCHEDULE_BYTES);
  memcpy(schedule, key, (size_t)keyBytes);
  uint8_t rcon = 1;
  for (int i = nk; i < words; i++) {
    uint8_t t[4];
    memcpy(t, schedule + 4 * (i - 1), 4);
    if (i % nk == 0) {
      const uint8_t first = t[0];
      t[0] = (uint8_t)(sbox[t[1]] ^ rcon);
      t[1] = sbox[t[2]];
      t[2] = sbox[t[3]];
      t[3] = sbox[first];
      rcon = (uint8_t)((rcon << 1) ^ ((rcon & 0x80) ? 0x1b : 0));
    } else if (nk > 6 && i % nk == 4) {
      for (int j = 0; j < 4; j++) t[j] = sbox[t[j]];
    }
    for (int j = 0; j < 4; j++) schedule[4 * i + j] = (uint8_t)(schedule[4 * (i - nk) + j] ^ t[j]);
  }
}
