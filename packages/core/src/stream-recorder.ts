import { TS_PACKET_SIZE } from './mpeg-ts.js';

/** Where a recording goes (the CLI gives a file); written in whole MPEG-TS packets only. */
export interface RecordingSink {
  write(bytes: Uint8Array): void;
  /** Flushes and closes; the file is complete after this. */
  close(): Promise<void>;
}

/** One stream being recorded: its bytes in, whole packets out. */
export interface RecordingWriter {
  write(bytes: Uint8Array): void;
  /** The stream ended or broke: a packet cut off mid-way is dropped, so the file stays a clean run of packets. */
  end(): void;
}

/**
 * `view --record`: what arrives, as the player gets it, to one MPEG-TS file.
 * One stream is recorded at a time (the first player's; the next one after it
 * ends), so two players on the URL do not interleave; each stream the host
 * sends starts with its tables and a keyframe, so streams after a reconnect
 * follow on in the same file.
 */
export class StreamRecorder {
  #active: RecordingWriter | undefined;
  #closed = false;
  bytesWritten = 0;
  streams = 0;

  constructor(private readonly sink: RecordingSink) {}

  /** True while a stream is being recorded. */
  get busy(): boolean {
    return this.#active !== undefined;
  }

  /** A writer for a stream that starts now, or undefined while another stream is recorded (or after close). */
  begin(): RecordingWriter | undefined {
    if (this.#active || this.#closed) return undefined;
    this.streams++;
    let tail: Uint8Array = new Uint8Array(0);
    let ended = false;
    const writer: RecordingWriter = {
      write: (bytes) => {
        if (ended || this.#closed) return;
        const all = tail.length ? concat(tail, bytes) : bytes;
        const whole = all.length - (all.length % TS_PACKET_SIZE);
        if (whole > 0) {
          // A copy: the caller may reuse its buffer once write returns.
          this.sink.write(all.slice(0, whole));
          this.bytesWritten += whole;
        }
        tail = all.slice(whole);
      },
      end: () => {
        if (ended) return;
        ended = true;
        tail = new Uint8Array(0);
        if (this.#active === writer) this.#active = undefined;
      },
    };
    this.#active = writer;
    return writer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#active?.end();
    this.#closed = true;
    await this.sink.close();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
