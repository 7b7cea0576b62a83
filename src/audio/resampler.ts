import { ConverterType, create } from '@alexanderolsen/libsamplerate-js';
import { floatToPcm16, pcm16ToFloat } from './pcm';

/**
 * libsamplerate's sinc converters. 'medium' (the default) passes 90% of the output band — up to 3.6 kHz
 * at 8 kHz, the whole telephone band — at about a third of the CPU of 'best' (97%); 'fastest' passes 80%.
 */
export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTERS = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
} as const;

// libsamplerate-js stages each call through fixed buffers of about 1M samples.
const MAX_CALL_SAMPLES = 65_536;

/** Streaming resampler for float samples (-1..1). */
export interface FloatStreamResampler {
  /** Resamples `samples`, returning what is ready; filter state carries over to the next push. */
  push(samples: Float32Array): Float32Array;
  /** Drains the filter: the rest of the output. Ends the stream. */
  flush(): Float32Array;
  close(): void;
}

/** Streaming resampler for s16le mono; chunks may split samples (an odd byte waits for the next push). */
export interface StreamResampler {
  push(chunk: Buffer): Buffer;
  flush(): Buffer;
  close(): void;
}

type Converter = Awaited<ReturnType<typeof create>>;

function checkRate(rate: number, name: string): void {
  if (!Number.isInteger(rate) || rate < 1000 || rate > 192_000) throw new RangeError(`${name} must be an integer between 1000 and 192000, got ${rate}`);
}

export async function createFloatResampler(fromRate: number, toRate: number, quality: ResampleQuality = 'medium'): Promise<FloatStreamResampler> {
  checkRate(fromRate, 'fromRate');
  checkRate(toRate, 'toRate');
  if (fromRate === toRate) return passThroughFloat();
  return new LibSampleRateStream(await create(1, fromRate, toRate, { converterType: CONVERTERS[quality] }), fromRate, toRate);
}

export async function createResampler(fromRate: number, toRate: number, options: { quality?: ResampleQuality } = {}): Promise<StreamResampler> {
  if (fromRate === toRate) {
    checkRate(fromRate, 'fromRate');
    return { push: (chunk) => chunk, flush: () => Buffer.alloc(0), close: () => undefined };
  }
  const inner = await createFloatResampler(fromRate, toRate, options.quality);
  let carry: Buffer | null = null;
  return {
    push(chunk) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const even = data.length & ~1;
      carry = even < data.length ? Buffer.from(data.subarray(even)) : null;
      return floatToPcm16(inner.push(pcm16ToFloat(data.subarray(0, even))));
    },
    flush() {
      carry = null;
      return floatToPcm16(inner.flush());
    },
    close: () => inner.close(),
  };
}

function passThroughFloat(): FloatStreamResampler {
  return { push: (samples) => samples, flush: () => new Float32Array(0), close: () => undefined };
}

class LibSampleRateStream implements FloatStreamResampler {
  private converter: Converter | null;
  private inputSamples = 0;
  private outputSamples = 0;
  private ended = false;

  constructor(
    converter: Converter,
    private readonly fromRate: number,
    private readonly toRate: number,
  ) {
    this.converter = converter;
  }

  push(samples: Float32Array): Float32Array {
    const converter = this.live();
    const pieces: Float32Array[] = [];
    for (let at = 0; at < samples.length; at += MAX_CALL_SAMPLES) {
      pieces.push(converter.full(samples.subarray(at, at + MAX_CALL_SAMPLES)));
    }
    this.inputSamples += samples.length;
    const out = concat(pieces);
    this.outputSamples += out.length;
    return out;
  }

  // libsamplerate holds back its filter delay until end of input; feeding silence pushes the tail
  // out, and the total is then trimmed to exactly input × ratio.
  flush(): Float32Array {
    const converter = this.live();
    this.ended = true;
    const expected = Math.round((this.inputSamples * this.toRate) / this.fromRate);
    const zeros = new Float32Array(Math.ceil(this.fromRate / 10));
    const pieces: Float32Array[] = [];
    let produced = this.outputSamples;
    for (let round = 0; round < 50 && produced < expected; round += 1) {
      const piece = converter.full(zeros);
      pieces.push(piece);
      produced += piece.length;
    }
    const tail = concat(pieces).subarray(0, Math.max(0, expected - this.outputSamples));
    this.outputSamples += tail.length;
    return tail;
  }

  close(): void {
    this.converter?.destroy();
    // Each converter owns a ~26 MB wasm heap; dropping the reference lets it be collected.
    this.converter = null;
  }

  private live(): Converter {
    if (!this.converter) throw new Error('resampler is closed');
    if (this.ended) throw new Error('resampler was flushed; create a new one for the next stream');
    return this.converter;
  }
}

function concat(pieces: Float32Array[]): Float32Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
