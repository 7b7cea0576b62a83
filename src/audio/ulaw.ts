// G.711 μ-law (ITU-T G.711, as in the reference Sun g711.c): 8-bit companded samples ↔ s16le.
const BIAS = 0x84;
const CLIP = 32635;

const DECODE_TABLE = (() => {
  const table = new Int16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    const u = ~byte & 0xff;
    const exponent = (u >> 4) & 0x07;
    const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
    table[byte] = u & 0x80 ? -magnitude : magnitude;
  }
  return table;
})();

/** μ-law bytes (one per sample) → s16le. */
export function ulawToPcm16(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length * 2);
  for (let i = 0; i < bytes.length; i += 1) out.writeInt16LE(DECODE_TABLE[bytes[i]!]!, i * 2);
  return out;
}

/** s16le → μ-law bytes (a trailing odd byte is ignored). */
export function pcm16ToUlaw(pcm: Buffer): Buffer {
  const count = pcm.length >> 1;
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i += 1) out[i] = encodeSample(pcm.readInt16LE(i * 2));
  return out;
}

function encodeSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  const exponent = 31 - Math.clz32(magnitude >> 7);
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
