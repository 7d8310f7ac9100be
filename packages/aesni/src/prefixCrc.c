// The CRC-32 of the prefix layout (docs/protocol.md §1.3) over whole DatagramBatches: one native
// call per batch instead of one zlib.crc32 call (and one subarray) per datagram. The CRC is the
// zlib that Node itself links (crc32_z, exported by the node binary; a distro node with a shared
// zlib has libz loaded), so it is the same hardware-assisted code zlib.crc32 runs. Arguments are
// validated by the N-API layer (src/addon.c).
#include <zlib.h>
#include "prefixCrc.h"

static uint32_t payload_crc(const uint8_t* slot, uint32_t len) {
  return (uint32_t)crc32_z(0, slot + PREFIX_HEADER, len - PREFIX_HEADER);
}

void prefix_crc_seal_batch(const PrefixBatch* b) {
  for (uint32_t i = 0; i < b->count; i++) {
    const uint32_t len = b->lens[i];
    if (len < PREFIX_HEADER) continue;
    uint8_t* slot = b->mem + b->base + (uint64_t)i * b->stride;
    const uint32_t crc = payload_crc(slot, len);
    slot[PREFIX_CRC_OFFSET] = (uint8_t)crc;
    slot[PREFIX_CRC_OFFSET + 1] = (uint8_t)(crc >> 8);
    slot[PREFIX_CRC_OFFSET + 2] = (uint8_t)(crc >> 16);
    slot[PREFIX_CRC_OFFSET + 3] = (uint8_t)(crc >> 24);
  }
}

uint32_t prefix_crc_check_batch(const PrefixBatch* b, uint8_t* flags) {
  uint32_t passed = 0;
  for (uint32_t i = 0; i < b->count; i++) {
    const uint32_t len = b->lens[i];
    uint8_t good = 0;
    if (len >= PREFIX_HEADER) {
      const uint8_t* slot = b->mem + b->base + (uint64_t)i * b->stride;
      const uint32_t stored = (uint32_t)slot[PREFIX_CRC_OFFSET] | ((uint32_t)slot[PREFIX_CRC_OFFSET + 1] << 8) |
                              ((uint32_t)slot[PREFIX_CRC_OFFSET + 2] << 16) | ((uint32_t)slot[PREFIX_CRC_OFFSET + 3] << 24);
      good = stored == payload_crc(slot, len);
    }
    flags[i] = good;
    passed += good;
  }
  return passed;
}
