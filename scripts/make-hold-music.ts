/**
 * Generates assets/hold-music.wav: a 20 s seamless loop of soft chords with a gentle arpeggio,
 * 8 kHz mono 16-bit (the 3CX stream format), peak -6 dBFS. Run: npx tsx scripts/make-hold-music.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';

export const HOLD_MUSIC_RATE = 8000;
export const HOLD_MUSIC_SECONDS = 20;
const LOOP = HOLD_MUSIC_RATE * HOLD_MUSIC_SECONDS;
const CHORD_SECONDS = 5;
const ARPEGGIO_STEPS = 8;
const PEAK = 0.5;

const midiHz = (note: number) => 440 * 2 ** ((note - 69) / 12);

// Cmaj7 – Am7 – Fmaj7 – G6 (MIDI note numbers): pad voicing low, arpeggio an octave or two up.
const CHORDS: Array<{ pad: number[]; arpeggio: number[] }> = [
  { pad: [48, 55, 59, 64], arpeggio: [60, 64, 67, 71, 72, 71, 67, 64] },
  { pad: [45, 52, 55, 60], arpeggio: [57, 60, 64, 67, 69, 67, 64, 60] },
  { pad: [41, 48, 52, 57], arpeggio: [53, 57, 60, 64, 65, 64, 60, 57] },
  { pad: [43, 50, 52, 59], arpeggio: [55, 59, 62, 64, 67, 64, 62, 59] },
];

interface Note {
  startSeconds: number;
  hz: number;
  partials: number[];
  amplitude: number;
  envelope: (t: number) => number;
  lengthSeconds: number;
}

// Pads swell in over 1.2 s and overlap the next chord by as much, so the sound never drops out.
const PAD_FADE = 1.2;
const padEnvelope = (t: number): number => {
  const total = CHORD_SECONDS + PAD_FADE;
  const rise = Math.min(1, t / PAD_FADE);
  const fall = Math.min(1, (total - t) / PAD_FADE);
  const g = Math.max(0, Math.min(rise, fall));
  return g * g * (3 - 2 * g);
};
const pluckEnvelope = (t: number): number => Math.min(1, t / 0.012) * Math.exp(-t / 0.45);

function notes(): Note[] {
  const all: Note[] = [];
  CHORDS.forEach((chord, c) => {
    const chordStart = c * CHORD_SECONDS - PAD_FADE / 2;
    for (const note of chord.pad) {
      all.push({ startSeconds: chordStart, hz: midiHz(note), partials: [1, 0.5, 0.3, 0.18, 0.1, 0.06], amplitude: 0.22, envelope: padEnvelope, lengthSeconds: CHORD_SECONDS + PAD_FADE });
    }
    chord.arpeggio.forEach((note, step) => {
      all.push({
        startSeconds: c * CHORD_SECONDS + (step * CHORD_SECONDS) / ARPEGGIO_STEPS,
        hz: midiHz(note),
        partials: [1, 0.25, 0.08],
        amplitude: 0.3,
        envelope: pluckEnvelope,
        lengthSeconds: 2.5,
      });
    });
  });
  return all;
}

/** One loop of s16 samples; a note still sounding at the end wraps round to the start. */
export function renderHoldMusic(): Int16Array {
  const mix = new Float64Array(LOOP);
  for (const note of notes()) {
    const first = Math.round(note.startSeconds * HOLD_MUSIC_RATE);
    const length = Math.round(note.lengthSeconds * HOLD_MUSIC_RATE);
    note.partials.forEach((weight, k) => {
      const hz = note.hz * (k + 1);
      if (hz >= HOLD_MUSIC_RATE * 0.45) return;
      // Two oscillators 0.1% apart give the pad a slow, warm beat.
      for (const detune of [0.999, 1.001]) {
        const w = (2 * Math.PI * hz * detune) / HOLD_MUSIC_RATE;
        for (let n = 0; n < length; n += 1) {
          const at = (((first + n) % LOOP) + LOOP) % LOOP;
          mix[at]! += note.amplitude * weight * 0.5 * note.envelope(n / HOLD_MUSIC_RATE) * Math.sin(w * n);
        }
      }
    });
  }
  let peak = 0;
  for (const v of mix) peak = Math.max(peak, Math.abs(v));
  const out = new Int16Array(LOOP);
  for (let i = 0; i < LOOP; i += 1) out[i] = Math.round((mix[i]! / peak) * PEAK * 32767);
  return out;
}

export function holdMusicWav(): Buffer {
  const wav = new WaveFile();
  wav.fromScratch(1, HOLD_MUSIC_RATE, '16', renderHoldMusic());
  return Buffer.from(wav.toBuffer());
}

if (require.main === module) {
  const path = join(__dirname, '..', 'assets', 'hold-music.wav');
  const bytes = holdMusicWav();
  writeFileSync(path, bytes);
  console.log(`wrote ${path} (${bytes.length} bytes)`);
}
