import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CallControl, createCallControl } from '../../../src/integrations/threecx/call-control';
import { FakePbx, json } from './fake-pbx';

const frame = (fill: number, bytes = 320): Buffer => Buffer.alloc(bytes, fill);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Call Control audio streams (wire level)', () => {
  let pbx: FakePbx;
  let cc: CallControl;

  beforeEach(async () => {
    pbx = await FakePbx.start();
    cc = createCallControl({ url: pbx.url, clientId: '800', clientSecret: 'secret', requestTimeoutMs: 1000, tokenRefreshSeconds: 1800, wsPingSeconds: 5, reconnectMaxSeconds: 1 });
  });
  afterEach(async () => {
    await cc.close();
    await pbx.close();
  });

  it('playback is one chunked octet-stream POST whose bytes arrive as they are written', async () => {
    const arrivals: { at: number; bytes: Buffer }[] = [];
    let seenReq: IncomingMessage | undefined;
    const answered = new Promise<void>((resolve) => {
      pbx.handler = (req, res) => {
        seenReq = req;
        req.on('data', (chunk: Buffer) => arrivals.push({ at: performance.now(), bytes: chunk }));
        req.on('end', () => {
          res.writeHead(200).end();
          resolve();
        });
      };
    });

    const playback = await cc.streams.openPlayback('800', 11);
    expect(cc.tokens.openStreams).toBe(1);
    // Each frame reaches the PBX before the next one is written: streamed, not buffered until end().
    for (let i = 1; i <= 5; i++) {
      const writtenAt = performance.now();
      expect(playback.write(frame(i))).toBe(true);
      await pbx.waitFor(() => arrivals.some((a) => a.bytes.includes(i)), 1000);
      expect((arrivals.find((a) => a.bytes.includes(i))?.at ?? Infinity) - writtenAt).toBeLessThan(250);
      await sleep(50);
    }

    await playback.end();
    await answered;
    expect(await playback.closed).toEqual({});
    expect(seenReq?.method).toBe('POST');
    expect(seenReq?.url).toBe('/callcontrol/800/participants/11/stream');
    expect(seenReq?.headers['transfer-encoding']).toBe('chunked');
    expect(seenReq?.headers['content-length']).toBeUndefined();
    expect(seenReq?.headers['content-type']).toBe('application/octet-stream');
    expect(seenReq?.headers.authorization).toBe('Bearer tok-1');
    expect(Buffer.concat(arrivals.map((a) => a.bytes))).toEqual(Buffer.concat([1, 2, 3, 4, 5].map((i) => frame(i))));
    expect(playback.bytesWritten).toBe(1600);
    expect(cc.tokens.openStreams).toBe(0);
  });

  it('playback reports backpressure instead of buffering without bound', async () => {
    let request: IncomingMessage | undefined;
    pbx.handler = (req, res) => {
      request = req;
      req.pause();
      req.on('end', () => res.writeHead(200).end());
    };
    const playback = await cc.streams.openPlayback('800', 11, { highWaterMarkBytes: 64_000, maxBufferedBytes: 64_000_000 });

    // The PBX reads nothing: once the socket buffers are full, write() says stop and drain() waits.
    let stuck = false;
    for (let round = 0; round < 1000 && !stuck; round++) {
      while (playback.write(frame(7, 32_000)));
      stuck = !(await Promise.race([playback.drain().then(() => true), sleep(100).then(() => false)]));
    }
    expect(stuck).toBe(true);
    expect(playback.bufferedBytes).toBeGreaterThanOrEqual(64_000);
    expect(playback.bufferedBytes).toBeLessThan(64_000 + 32_000);
    const drain = playback.drain();

    request?.resume();
    await drain;
    expect(playback.bufferedBytes).toBeLessThan(64_000);
    await playback.end();
    expect(await playback.closed).toEqual({});
  });

  it('playback fails when the buffer limit is exceeded (a stuck connection)', async () => {
    pbx.handler = (req) => req.pause();
    const playback = await cc.streams.openPlayback('800', 11, { highWaterMarkBytes: 1000, maxBufferedBytes: 2000 });
    // Synchronous writes: nothing reaches the socket in between.
    playback.write(frame(1, 1500));
    expect(playback.write(frame(2, 1500))).toBe(false);

    const { error } = await playback.closed;
    expect(error).toMatchObject({ name: 'ThreeCxUnavailableError' });
    expect(playback.write(frame(3))).toBe(false);
    expect(cc.tokens.openStreams).toBe(0);
  });

  it('playback closes with ThreeCxParticipantGoneError on 403 or when the PBX ends it first', async () => {
    pbx.handler = (_req, res) => json(res, 403, { error: 'not your leg' });
    const refused = await cc.streams.openPlayback('800', 11);
    refused.write(frame(1));
    expect((await refused.closed).error).toMatchObject({ name: 'ThreeCxParticipantGoneError', status: 403 });

    pbx.handler = (req, res) => req.once('data', () => res.writeHead(200).end());
    const cut = await cc.streams.openPlayback('800', 11);
    cut.write(frame(1));
    expect((await cut.closed).error).toMatchObject({ name: 'ThreeCxParticipantGoneError' });
    expect(cut.write(frame(2))).toBe(false);
  });

  it('capture yields the endless chunked body and ends when the PBX closes it (hang-up)', async () => {
    let response: ServerResponse | undefined;
    pbx.handler = (_req, res) => {
      response = res;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(frame(1));
    };
    const capture = await cc.streams.openCapture('800', 11);
    expect(cc.tokens.openStreams).toBe(1);
    const received: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of capture.chunks) received.push(chunk);
    })();

    await pbx.waitFor(() => received.length >= 1);
    response?.write(frame(2));
    await pbx.waitFor(() => Buffer.concat(received).length >= 640);
    response?.end();

    expect(await capture.closed).toEqual({ reason: 'ended' });
    await reading;
    expect(Buffer.concat(received)).toEqual(Buffer.concat([frame(1), frame(2)]));
    expect(capture.bytesReceived).toBe(640);
    expect(cc.tokens.openStreams).toBe(0);
  });

  it('capture reports a cut connection as an error, and refuses a gone participant', async () => {
    let response: ServerResponse | undefined;
    pbx.handler = (_req, res) => {
      response = res;
      res.writeHead(200);
      res.write(frame(1));
    };
    const capture = await cc.streams.openCapture('800', 11);
    await pbx.waitFor(() => capture.bytesReceived > 0);
    response?.socket?.destroy();
    const end = await capture.closed;
    expect(end.reason).toBe('error');
    expect(end.error).toMatchObject({ name: 'ThreeCxUnavailableError' });

    pbx.handler = (_req, res) => json(res, 404, { error: 'gone' });
    await expect(cc.streams.openCapture('800', 11)).rejects.toMatchObject({ name: 'ThreeCxParticipantGoneError', status: 404 });
    expect(cc.tokens.openStreams).toBe(0);
  });

  it('capture keeps reading without a consumer and drops the oldest unread audio', async () => {
    let response: ServerResponse | undefined;
    pbx.handler = (_req, res) => {
      response = res;
      res.writeHead(200);
      for (let i = 1; i <= 10; i++) res.write(frame(i, 1000));
    };
    const capture = await cc.streams.openCapture('800', 11, { maxBufferedBytes: 3000 });
    await pbx.waitFor(() => capture.bytesReceived === 10_000);
    response?.end();
    expect(await capture.closed).toEqual({ reason: 'ended' });

    const left: Buffer[] = [];
    for await (const chunk of capture.chunks) left.push(chunk);
    expect(capture.bytesDropped).toBeGreaterThan(0);
    expect(Buffer.concat(left).length).toBeLessThanOrEqual(3000);
    expect(Buffer.concat(left).subarray(-1000)).toEqual(frame(10, 1000));
  });
});
