// N-API face of the AES-NI CFB kernels (src/aesCfb.c): argument checks and the CPU check. Every
// bad argument (a programming error: wrong type, a slot outside its memory, a length over the
// stride) throws before a byte is touched; datagram content never throws.
//
//   aesSupported() → string | null        null when usable, else why not
//   expandKey(key) → Uint8Array(240)
//   cfbEncryptBatch(schedule, rounds, iv, mem, base, stride, lens, lensIndex, count)
//   cfbDecryptBatch(schedule, rounds, iv, mem, base, stride, lens, lensIndex, count)
//     slot i at mem[base + i·stride], its length lens[lensIndex + i]; in place.
//   crcSealBatch(mem, base, stride, lens, lensIndex, count)            the prefix CRC of each slot
//   crcCheckBatch(mem, base, stride, lens, lensIndex, count, flags, flagsIndex) → accepted count
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include "aesCfb.h"
#include "prefixCrc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/* CPUID leaf 1, ECX bit 25 (AES) and bit 19 (SSE4.1); read here, in code built without -maes. */
static int cpu_has_aes(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  return (c & (1u << 25)) && (c & (1u << 19));
}
#else
static int cpu_has_aes(void) { return 0; }
#endif

static const char* unsupported = NULL; /* set once at load */

static napi_value fail(napi_env env, int range, const char* msg) {
  if (range) napi_throw_range_error(env, NULL, msg);
  else napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* A typed array of the given type: its data and length in elements. */
static int get_array(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return 0;
  return type == want;
}

/* A non-negative integer Number up to 2^53: ARG_OK, ARG_TYPE (not a Number) or ARG_RANGE. */
enum { ARG_OK = 0, ARG_TYPE, ARG_RANGE };
static int get_index(napi_env env, napi_value v, uint64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return ARG_TYPE;
  if (!(d >= 0 && d <= 9007199254740992.0) || d != (double)(uint64_t)d) return ARG_RANGE;
  *out = (uint64_t)d;
  return ARG_OK;
}

static napi_value aes_supported(napi_env env, napi_callback_info info) {
  napi_value out;
  if (unsupported) napi_create_string_utf8(env, unsupported, NAPI_AUTO_LENGTH, &out);
  else napi_get_null(env, &out);
  return out;
}

static napi_value expand_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* key;
  size_t n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !get_array(env, argv[0], napi_uint8_array, &key, &n))
    return fail(env, 0, "expandKey(key: Uint8Array)");
  if (n != 16 && n != 24 && n != 32) return fail(env, 1, "expandKey: the key must be 16, 24 or 32 bytes");
  void* data;
  napi_value ab, out;
  if (napi_create_arraybuffer(env, AES_SCHEDULE_BYTES, &data, &ab) != napi_ok ||
      napi_create_typedarray(env, napi_uint8_array, AES_SCHEDULE_BYTES, ab, 0, &out) != napi_ok) {
    napi_throw_error(env, NULL, "expandKey: cannot allocate the schedule");
    return NULL;
  }
  aes_expand_key((const uint8_t*)key, (int)n, (uint8_t*)data);
  return out;
}

typedef void (*Kernel)(const uint8_t*, int, const uint8_t*, const AesBatch*);

static napi_value run_batch(napi_env env, napi_callback_info info, Kernel kernel, const char* usage) {
  size_t argc = 9;
  napi_value argv[9];
  void *schedule, *iv, *mem, *lens;
  size_t scheduleLength, ivLength, memLength, lensLength;
  uint64_t rounds = 0, base = 0, stride = 0, lensIndex = 0, count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 9 ||
      !get_array(env, argv[0], napi_uint8_array, &schedule, &scheduleLength) ||
      !get_array(env, argv[2], napi_uint8_array, &iv, &ivLength) || !get_array(env, argv[3], napi_uint8_array, &mem, &memLength) ||
      !get_array(env, argv[6], napi_uint32_array, &lens, &lensLength))
    return fail(env, 0, usage);
  const int numbers = get_index(env, argv[1], &rounds) | get_index(env, argv[4], &base) | get_index(env, argv[5], &stride) |
                      get_index(env, argv[7], &lensIndex) | get_index(env, argv[8], &count);
  if (numbers & ARG_TYPE) return fail(env, 0, usage);
  if (numbers & ARG_RANGE) return fail(env, 1, "rounds, base, stride, lensIndex and count must be non-negative integers");
  if (unsupported) {
    napi_throw_error(env, NULL, unsupported);
    return NULL;
  }
  if (rounds != 10 && rounds != 12 && rounds != 14) return fail(env, 1, "AES rounds must be 10, 12 or 14");
  if (scheduleLength < (rounds + 1) * 16) return fail(env, 1, "the key schedule is shorter than its rounds");
  if (ivLength != 16) return fail(env, 1, "the IV must be 16 bytes");
  if (count == 0) return NULL;
  if (count > UINT32_MAX || lensIndex + count > lensLength) return fail(env, 1, "the lengths lie outside their array");
  if (stride == 0 || base > memLength || (memLength - base) / stride < count) return fail(env, 1, "a slot lies outside the memory");
  const uint32_t* l = (const uint32_t*)lens + lensIndex;
  for (uint64_t i = 0; i < count; i++)
    if (l[i] > stride) return fail(env, 1, "a datagram is longer than its slot");
  const AesBatch batch = { (uint8_t*)mem, base, stride, l, (uint32_t)count };
  kernel((const uint8_t*)schedule, (int)rounds, (const uint8_t*)iv, &batch);
  return NULL;
}

static napi_value encrypt_batch(napi_env env, napi_callback_info info) {
  return run_batch(env, info, aes_cfb_encrypt_batch, "cfbEncryptBatch(schedule, rounds, iv, mem, base, stride, lens: Uint32Array, lensIndex, count)");
}

static napi_value decrypt_batch(napi_env env, napi_callback_info info) {
  return run_batch(env, info, aes_cfb_decrypt_batch, "cfbDecryptBatch(schedule, rounds, iv, mem, base, stride, lens: Uint32Array, lensIndex, count)");
}

/* The slots of argv[0..5] (mem, base, stride, lens, lensIndex, count), checked as run_batch does. */
static int get_slots(napi_env env, napi_value* argv, const char* usage, PrefixBatch* out) {
  void *mem, *lens;
  size_t memLength, lensLength;
  uint64_t base = 0, stride = 0, lensIndex = 0, count = 0;
  if (!get_array(env, argv[0], napi_uint8_array, &mem, &memLength) || !get_array(env, argv[3], napi_uint32_array, &lens, &lensLength)) {
    fail(env, 0, usage);
    return 0;
  }
  const int numbers = get_index(env, argv[1], &base) | get_index(env, argv[2], &stride) | get_index(env, argv[4], &lensIndex) | get_index(env, argv[5], &count);
  if (numbers & ARG_TYPE) return fail(env, 0, usage), 0;
  if (numbers & ARG_RANGE) return fail(env, 1, "base, stride, lensIndex and count must be non-negative integers"), 0;
  if (count > UINT32_MAX || lensIndex + count > lensLength) return fail(env, 1, "the lengths lie outside their array"), 0;
  if (count > 0 && (stride == 0 || base > memLength || (memLength - base) / stride < count)) return fail(env, 1, "a slot lies outside the memory"), 0;
  const uint32_t* l = (const uint32_t*)lens + lensIndex;
  for (uint64_t i = 0; i < count; i++)
    if (l[i] > stride) return fail(env, 1, "a datagram is longer than its slot"), 0;
  *out = (PrefixBatch){ (uint8_t*)mem, base, stride, l, (uint32_t)count };
  return 1;
}

static napi_value crc_seal_batch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  PrefixBatch batch;
  const char* usage = "crcSealBatch(mem, base, stride, lens: Uint32Array, lensIndex, count)";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) return fail(env, 0, usage);
  if (!get_slots(env, argv, usage, &batch)) return NULL;
  prefix_crc_seal_batch(&batch);
  return NULL;
}

static napi_value crc_check_batch(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8], out;
  PrefixBatch batch;
  void* flags;
  size_t flagsLength;
  uint64_t flagsIndex = 0;
  const char* usage = "crcCheckBatch(mem, base, stride, lens: Uint32Array, lensIndex, count, flags: Uint8Array, flagsIndex)";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 8) return fail(env, 0, usage);
  if (!get_slots(env, argv, usage, &batch)) return NULL;
  if (!get_array(env, argv[6], napi_uint8_array, &flags, &flagsLength)) return fail(env, 0, usage);
  const int index = get_index(env, argv[7], &flagsIndex);
  if (index & ARG_TYPE) return fail(env, 0, usage);
  if ((index & ARG_RANGE) || flagsIndex > flagsLength || flagsLength - flagsIndex < batch.count) return fail(env, 1, "the flags lie outside their array");
  const uint32_t passed = prefix_crc_check_batch(&batch, (uint8_t*)flags + flagsIndex);
  napi_create_uint32(env, passed, &out);
  return out;
}

NAPI_MODULE_INIT() {
  if (!aes_kernels_built()) unsupported = "AES-NI kernels are built for x86 only";
  else if (!cpu_has_aes()) unsupported = "this CPU has no AES-NI";
  const napi_property_descriptor props[] = {
    { "aesSupported", NULL, aes_supported, NULL, NULL, NULL, napi_enumerable, NULL },
    { "expandKey", NULL, expand_key, NULL, NULL, NULL, napi_enumerable, NULL },
    { "cfbEncryptBatch", NULL, encrypt_batch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "cfbDecryptBatch", NULL, decrypt_batch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "crcSealBatch", NULL, crc_seal_batch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "crcCheckBatch", NULL, crc_check_batch, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
