import type { Config } from '../config';

/** Our webhook paths, as ElevenLabs must be told them (src/api/routes/elevenlabs-*.ts). */
export const POST_CALL_WEBHOOK_PATH = '/webhook/elevenlabs/postcall';
export const CONVERSATION_INIT_WEBHOOK_PATH = '/webhook/elevenlabs/conversation-init';

/** `<PUBLIC_BASE_URL><path>`, or `<PUBLIC_BASE_URL>` as a placeholder when it is not set. */
export function webhookUrl(config: Config, path: string): string {
  return `${config.http.publicBaseUrl?.replace(/\/+$/, '') ?? '<PUBLIC_BASE_URL>'}${path}`;
}
