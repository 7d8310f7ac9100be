// The subset of the WebAssembly JS API this package uses. @types/node 20 does
// not declare the namespace and the DOM lib would drag in browser globals.
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: ArrayBufferView | ArrayBuffer);
    }
    class Instance {
      constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
      readonly buffer: ArrayBuffer;
      grow(pages: number): number;
    }
    class Global {
      readonly value: unknown;
    }
    function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
}

export {};
