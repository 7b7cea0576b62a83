/**
 * A 3CX V20 Call Control API simulator: token, REST, /callcontrol/ws events and the participant
 * audio streams, plus scripted callers whose ears record what they hear. README.md lists every
 * encoded behaviour with its source and the UNCONFIRMED ones with their options.
 *
 * Calls routed (routeto/transferto/divert) to a destination that is not in `localDestinations` go
 * out through `externalLine(destination, call)`, which returns (a promise of) either
 * `{ reject: reason }` or an `ExternalParty`:
 *   - `onCallerAudio(pcm)`  the caller's voice, real time, ~20 ms chunks;
 *   - `audio`               AsyncIterable<Buffer> of what the far end says (played in real time);
 *   - `hangUp()`            called when the caller hangs up or the simulator closes;
 *   - `ended`               settles when the far end hangs up (the call then ends).
 * All audio is raw PCM s16le, 8000 Hz, mono (16 bytes = 1 ms).
 */
export { startThreeCxSimulator } from './server';
export type {
  CallEndReason,
  CallState,
  Connection,
  ExternalLine,
  ExternalParty,
  FaultKind,
  FaultOptions,
  LatencyRange,
  LocalDestination,
  PlaceCallOptions,
  RequestRecord,
  RouteAttempt,
  SentEvent,
  SimulatedCall,
  SimulatedCallInfo,
  ThreeCxSimulator,
  ThreeCxSimulatorOptions,
  TokenMint,
} from './types';
export type { CallControlResultWire, CallParticipantWire, DNInfoWire, WsEventWire } from './wire';
export { BYTES_PER_MS } from './ear';
