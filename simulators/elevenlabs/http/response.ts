import type { SandboxResponse } from './error-bodies';

/** Audio written in chunks, `chunkIntervalMs` apart (0: all at once). */
export interface AudioResponse {
  kind: 'audio';
  status: 200;
  contentType: string;
  chunks: Buffer[];
  chunkIntervalMs: number;
  headers?: Record<string, string>;
}

export type HandlerResponse = SandboxResponse | AudioResponse;

export function isAudioResponse(response: HandlerResponse): response is AudioResponse {
  return 'kind' in response && response.kind === 'audio';
}
