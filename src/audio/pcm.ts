/** The 3CX Call Control stream format: raw PCM s16le, mono, 8000 Hz, no header; 16 bytes = 1 ms. */
export const PCM_8K = { sampleRate: 8000, bytesPerMs: 16 } as const;

/** `ms` of digital silence as s16le mono at `sampleRate`. */
export function silence(ms: number, sampleRate: number = PCM_8K.sampleRate): Buffer {
  return Buffer.alloc(Math.max(0, Math.round((ms * sampleRate) / 1000)) * 2);
}

/** The samples of s16le `pcm` (a trailing odd byte is ignored), safe for Buffers at any byteOffset. */
export function readPcm16(pcm: Buffer): Int16Array {
  const count = pcm.length >> 1;
  const out = new Int16Array(count);
  const view = new DataView(pcm.buffer, pcm.byteOffset, count * 2);
  for (let i = 0; i < count; i += 1) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** s16le bytes of `samples`, independent of the platform's byte order. */
export function writePcm16(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Float samples (nominal range -1..1) as s16le, clipped. */
export function floatToPcm16(samples: Float32Array | Float64Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) {
    const v = Math.round(samples[i]! * 32768);
    out.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i * 2);
  }
  return out;
}

/** s16le samples as floats in -1..1. */
export function pcm16ToFloat(pcm: Buffer): Float32Array {
  const samples = readPcm16(pcm);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = samples[i]! / 32768;
  return out;
}
