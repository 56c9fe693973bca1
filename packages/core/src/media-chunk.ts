/**
 * A run of whole MPEG-TS packets as published by the hub. The same chunk object
 * goes to every viewer, so a transport that must convert bytes (the iroh binding
 * takes `Array<number>`) converts once per chunk through `converted`, not once
 * per viewer.
 */
export class MediaChunk {
  #memo: Map<symbol, unknown> | undefined;

  constructor(
    readonly bytes: Uint8Array,
    /** True when the chunk starts at a keyframe a decoder can start from. */
    readonly keyframe = false,
    /**
     * True when the chunk starts at a boundary between frames (a video PES
     * start, or stream headers): a viewer's stream can be cut before it without
     * leaving a half frame behind.
     */
    readonly startsFrame = keyframe,
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  converted<T>(key: symbol, convert: (bytes: Uint8Array) => T): T {
    if (this.#memo === undefined) this.#memo = new Map();
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = convert(this.bytes);
    this.#memo.set(key, value);
    return value;
  }
}
