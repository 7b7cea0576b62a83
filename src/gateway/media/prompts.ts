import type { Utterance } from '../../contracts/gateway';
import type { Logger } from '../../logger';

/** Renders an utterance to raw PCM 8 kHz (ElevenLabs text-to-speech, `output_format=pcm_8000`). */
export type Render = (utterance: Utterance, signal?: AbortSignal) => Promise<Buffer>;

/**
 * Everything the gateway says, rendered once per voice and text and kept: the greeting is
 * rendered at start, so a caller hears it the moment they arrive, without a round trip to
 * ElevenLabs. A failed render is forgotten and tried again next time.
 */
export class Prompts {
  private readonly rendered = new Map<string, Buffer>();
  private readonly pending = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly render: Render,
    private readonly log: Logger,
  ) {}

  /** The audio if it is already rendered (no waiting: a caller is on the line). */
  peek(utterance: Utterance): Buffer | null {
    return this.rendered.get(key(utterance)) ?? null;
  }

  get(utterance: Utterance): Promise<Buffer> {
    const k = key(utterance);
    const done = this.rendered.get(k);
    if (done) return Promise.resolve(done);
    let job = this.pending.get(k);
    if (!job) {
      job = this.render(utterance)
        .then((pcm) => {
          this.rendered.set(k, pcm);
          return pcm;
        })
        .finally(() => this.pending.delete(k));
      this.pending.set(k, job);
    }
    return job;
  }

  /** Renders ahead of need; failures are logged (the caller then hears music until a render succeeds). */
  async prewarm(utterances: Utterance[]): Promise<void> {
    await Promise.all(
      utterances.map((u) =>
        this.get(u).catch((err: unknown) => this.log.error({ err, voiceId: u.voiceId }, 'could not render a prompt with ElevenLabs text-to-speech')),
      ),
    );
  }
}

function key({ voiceId, text }: Utterance): string {
  return `${voiceId}\u0000${text}`;
}
