// CRC-32 (IEEE, zlib's) of the prefix layout's payload, written to / checked against bytes 16..19
// of each slot (docs/protocol.md §1.3: nonce 16 B, CRC 4 B little-endian, then the payload).
#ifndef KCPTUNB_PREFIX_CRC_H
#define KCPTUNB_PREFIX_CRC_H
#include <stdint.h>

#define PREFIX_CRC_OFFSET 16
#define PREFIX_HEADER 20

typedef struct {
  uint8_t* mem;           /* the memory the slots live in */
  uint64_t base, stride;  /* slot i at base + i·stride */
  const uint32_t* lens;   /* length of slot i at lens[i] */
  uint32_t count;
} PrefixBatch;

/* Write the payload's CRC into every slot of at least PREFIX_HEADER bytes (shorter ones are left). */
void prefix_crc_seal_batch(const PrefixBatch* b);
/* flags[i] = 1 when slot i holds PREFIX_HEADER bytes or more and its CRC matches; returns how many. */
uint32_t prefix_crc_check_batch(const PrefixBatch* b, uint8_t* flags);

#endif
