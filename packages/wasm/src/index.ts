export { CipherKind, type KernelExports } from './abi.js';
export { WasmHeap } from './heap.js';
export { Kernels, loadKernels, threadKernels, defaultVariant, simdAvailable, type KernelVariant, type LoadOptions } from './loader.js';
export { DatagramBatch, DATAGRAM_STRIDE } from './batch.js';
