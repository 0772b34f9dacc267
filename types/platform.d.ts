// The few Web platform globals the libraries use. They exist in Node >= 20 and every browser;
// declared here so library code compiles without the DOM or Node type libraries (which would let
// platform-specific APIs slip in).
declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(input: string, dest: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare function queueMicrotask(callback: () => void): void; // a microtask job, not a timer
