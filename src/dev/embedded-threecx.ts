import type { Config } from '../config';
import type { ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { elevenLabsTrunk } from '../../simulators/telephony';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../simulators/threecx';

/** The outbound-rule prefix of the simulated PBX for the ElevenLabs trunk (SIP mode), when none is configured. */
export const DEV_SIP_PREFIX = '999';

/**
 * The 3CX simulator for `npm start` without THREECX_URL, on a fixed port (EMBEDDED_THREECX_PORT)
 * so `npm run call` finds it. Its outbound rule leads to the ElevenLabs sandbox's SIP trunk when
 * the sandbox runs; a queue `8000` is answered by a simulated person (a FALLBACK_DESTINATION to try).
 */
export async function startEmbeddedThreeCx(config: Config, sandbox: ElevenLabsSandbox | undefined): Promise<ThreeCxSimulator> {
  return startThreeCxSimulator({
    host: '127.0.0.1',
    port: config.embedded.threecxPort,
    ...(sandbox ? { externalLine: elevenLabsTrunk(sandbox, config.threecx.sipRoutePrefix || DEV_SIP_PREFIX) } : {}),
    localDestinations: { '8000': { answerAfterMs: 2000, text: 'Hello, you are through to a person in the support queue.' } },
  });
}
