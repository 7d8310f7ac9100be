/**
 * Loads the Rust→WebAssembly kernels. Two builds ship in `bin/`: a SIMD128 one
 * and a scalar one with the same exports. The SIMD build is chosen when the
 * engine validates it; `KCPTUNB_WASM=scalar|simd` forces either. Each call
 * creates a private instance with its own memory, so every worker thread owns
 * its kernels (compiled modules are cached per thread).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KERNEL_EXPORT_NAMES, type KernelExports } from './abi.js';
import { WasmHeap } from './heap.js';

export type KernelVariant = 'simd' | 'scalar';

export interface LoadOptions {
  /** Force a build; default: `KCPTUNB_WASM` or the best the engine supports. */
  variant?: KernelVariant;
}

const modules = new Map<KernelVariant, WebAssembly.Module>();

function binaryPath(variant: KernelVariant): string {
  const file = variant === 'simd' ? 'kernels-simd.wasm' : 'kernels.wasm';
  return fileURLToPath(new URL(`../bin/${file}`, import.meta.url));
}

function compile(variant: KernelVariant): WebAssembly.Module {
  let mod = modules.get(variant);
  if (!mod) {
    mod = new WebAssembly.Module(readFileSync(binaryPath(variant)));
    modules.set(variant, mod);
  }
  return mod;
}

let simdSupported: boolean | undefined;

/** True when this engine accepts the SIMD build. */
export function simdAvailable(): boolean {
  simdSupported ??= WebAssembly.validate(readFileSync(binaryPath('simd')));
  return simdSupported;
}

/** The variant `loadKernels()` picks without options. */
export function defaultVariant(): KernelVariant {
  const forced = process.env.KCPTUNB_WASM;
  if (forced === 'scalar' || forced === 'simd') return forced;
  if (forced !== undefined && forced !== '') {
    throw new Error(`KCPTUNB_WASM must be "simd" or "scalar", got "${forced}"`);
  }
  return simdAvailable() ? 'simd' : 'scalar';
}

/** One kernel instance: the raw exports plus the allocator over its memory. */
export class Kernels {
  readonly exports: KernelExports;
  readonly heap: WasmHeap;
  private view: Uint8Array;
  private words: Uint32Array;

  constructor(readonly variant: KernelVariant) {
    const instance = new WebAssembly.Instance(compile(variant), {});
    const exp = instance.exports as unknown as KernelExports;
    for (const name of KERNEL_EXPORT_NAMES) {
      if (!(name in exp)) throw new Error(`kernel build ${variant} lacks export ${String(name)}`);
    }
    this.exports = exp;
    this.heap = new WasmHeap(exp.memory, exp.__heap_base.value as number);
    this.view = new Uint8Array(exp.memory.buffer);
    this.words = new Uint32Array(exp.memory.buffer);
  }

  /** Zeroed, aligned bytes in linear memory. May grow memory: re-fetch views afterwards. */
  alloc(size: number, alignment = 16): number {
    return this.heap.alloc(size, alignment);
  }

  free(ptr: number): void {
    this.heap.release(ptr);
  }

  /** The current byte view of linear memory (replaced after memory growth). */
  bytes(): Uint8Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.refresh();
    return this.view;
  }

  /** The current u32 view of linear memory (index = pointer >>> 2). */
  u32(): Uint32Array {
    if (this.words.buffer !== this.exports.memory.buffer) this.refresh();
    return this.words;
  }

  /** Copy `data` into a fresh allocation and return its pointer. */
  allocBytes(data: Uint8Array, alignment = 16): number {
    const ptr = this.alloc(Math.max(1, data.length), alignment);
    this.bytes().set(data, ptr);
    return ptr;
  }

  private refresh(): void {
    this.view = new Uint8Array(this.exports.memory.buffer);
    this.words = new Uint32Array(this.exports.memory.buffer);
  }
}

/** Instantiate the kernels (synchronously). */
export function loadKernels(options: LoadOptions = {}): Kernels {
  return new Kernels(options.variant ?? defaultVariant());
}

let shared: Kernels | undefined;

/** The thread's default instance, created on first use. */
export function threadKernels(): Kernels {
  shared ??= loadKernels();
  return shared;
}
