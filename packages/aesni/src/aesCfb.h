// AES (128/192/256) in CFB-128 over DatagramBatch slots, with AES-NI. The kernels assume their
// arguments were validated by the N-API layer (src/addon.c) and the CPU checked for AES-NI.
#ifndef KCPTUNB_AES_CFB_H
#define KCPTUNB_AES_CFB_H
#include <stdint.h>

/* Bytes of an expanded key: 15 round keys of 16 bytes (AES-256; shorter keys use the first ones). */
#define AES_SCHEDULE_BYTES 240

typedef struct {
  uint8_t* mem;           /* the memory the slots live in */
  uint64_t base, stride;  /* slot i at base + i·stride */
  const uint32_t* lens;   /* length of slot i at lens[i] */
  uint32_t count;
} AesBatch;

/* 1 when this build has the AES-NI kernels (an x86 target); the CPU check is the caller's. */
int aes_kernels_built(void);
/* FIPS-197 key expansion into `schedule` (AES_SCHEDULE_BYTES); keyBytes 16, 24 or 32. */
void aes_expand_key(const uint8_t* key, int keyBytes, uint8_t* schedule);
void aes_cfb_encrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b);
void aes_cfb_decrypt_batch(const uint8_t* schedule, int rounds, const uint8_t* iv, const AesBatch* b);

#endif
