import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeToPcm8k, ringbackTone } from '../../audio';

/** The music that ships with the project (assets/README.md says what it is). */
export const DEFAULT_HOLD_MUSIC = path.resolve(__dirname, '..', '..', '..', 'assets', 'hold-music.wav');

/**
 * The hold loop as raw PCM 8 kHz: HOLD_MUSIC_FILE (WAV or MP3, any rate), the default music, or
 * with GREETING_MUSIC_ENABLED=false a soft ringback-like tone (a caller must never hear silence).
 */
export async function loadHoldMusic({ file, musicEnabled }: { file: string | undefined; musicEnabled: boolean }): Promise<Buffer> {
  if (!musicEnabled) return ringbackTone(4000);
  const source = file ?? DEFAULT_HOLD_MUSIC;
  return decodeToPcm8k(await readFile(source), source);
}
