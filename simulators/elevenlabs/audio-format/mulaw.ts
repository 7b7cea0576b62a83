// G.711 μ-law (ITU-T G.711), the `ulaw_8000` format: one byte per sample.
const BIAS = 0x84;
const CLIP = 32635;

function encodeSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(CLIP, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

function decodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** s16le → μ-law bytes. */
export function encodeMulaw(pcm: Buffer): Buffer {
  const out = Buffer.alloc(pcm.length >> 1);
  for (let i = 0; i < out.length; i += 1) out[i] = encodeSample(pcm.readInt16LE(i * 2));
  return out;
}

/** μ-law bytes → s16le. */
export function decodeMulaw(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length * 2);
  for (let i = 0; i < bytes.length; i += 1) out.writeInt16LE(decodeSample(bytes[i]!), i * 2);
  return out;
}
