/**
 * Keeps the last `maxBytes` bytes written to it, however much is written: memory stays bounded
 * by maxBytes plus one chunk. `truncated` turns true once anything was dropped.
 */
export class TailBuffer {
  readonly maxBytes: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  constructor(maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new Error(`TailBuffer: maxBytes must be a non-negative integer, got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.length >= this.maxBytes) {
      if (chunk.length > this.maxBytes || this.#size > 0) this.#truncated = true;
      // Copy so a huge chunk is not kept alive by a small view of it.
      this.#chunks = this.maxBytes === 0 ? [] : [Buffer.from(chunk.subarray(chunk.length - this.maxBytes))];
      this.#size = this.maxBytes;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.maxBytes) {
      this.#truncated = true;
      const first = this.#chunks[0]!;
      const excess = this.#size - this.maxBytes;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
      }
    }
  }

  /** The kept bytes as UTF-8; when truncated, a multi-byte character cut at the start is dropped. */
  toString(): string {
    let buf = Buffer.concat(this.#chunks, this.#size);
    if (this.#truncated) {
      let skip = 0;
      while (skip < buf.length && skip < 3 && (buf[skip]! & 0xc0) === 0x80) skip++;
      buf = buf.subarray(skip);
    }
    return buf.toString("utf8");
  }
}
