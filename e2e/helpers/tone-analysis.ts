import { execFile } from 'node:child_process';

export const SAMPLE_RATE = 48_000;

/** Root mean square of 16-bit samples, as a fraction of full scale. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) / 32768 : 0;
}

/**
 * Amplitude of one frequency in the samples (Goertzel), as a fraction of full
 * scale: a full-scale sine at that frequency gives ~1, silence 0.
 */
export function toneAmplitude(samples: Int16Array, freqHz: number, rate = SAMPLE_RATE): number {
  const n = samples.length;
  if (n === 0) return 0;
  const k = Math.round((n * freqHz) / rate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}


/** Decodes `seconds` of the audio track at `url` with ffmpeg to mono 48 kHz samples. */
export function decodeAudio(url: string, seconds: number, skipSeconds = 0): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-v', 'error', '-i', url, '-ss', String(skipSeconds), '-t', String(seconds), '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: (seconds + skipSeconds + 30) * 1000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffmpeg could not decode the audio of ${url}: ${String(stderr).trim() || err.message}`));
        resolve(toSamples(stdout));
      },
    );
  });
}

/** 16-bit little-endian PCM bytes as samples (copied: a Buffer's offset may be odd). */
export function toSamples(bytes: Buffer): Int16Array {
  const copy = new Uint8Array(bytes.length - (bytes.length % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}
