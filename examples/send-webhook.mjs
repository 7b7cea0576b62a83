#!/usr/bin/env node
/* global fetch, AbortSignal */
// Sends a correctly authenticated webhook to a running VoiceClone Pre-Call service (Node.js >= 20,
// no dependencies). See docs/API.md for the signature algorithms.
//
//   node examples/send-webhook.mjs 3cx examples/threecx-incoming-call.json --fresh
//   node examples/send-webhook.mjs 3cx examples/threecx-call-ended.json --call-id 1264
//   node examples/send-webhook.mjs elevenlabs examples/elevenlabs-post-call-transcription.json
//   node examples/send-webhook.mjs elevenlabs-init examples/elevenlabs-conversation-init.json
//
// Kinds: `3cx` (X-3CX-Signature HMAC), `elevenlabs` (post-call, ElevenLabs-Signature HMAC),
// `elevenlabs-init` (SIP mode's conversation-initiation webhook: not signed, an
// `Authorization: Bearer <secret>` header instead).
//
// Options (environment variable in brackets):
//   --url <base>             service base URL [VOICECLONE_URL], default http://127.0.0.1:3006
//   --path <path>            route, default /webhook/3cx, /webhook/elevenlabs/postcall or
//                            /webhook/elevenlabs/conversation-init
//   --secret <secret>        [THREECX_WEBHOOK_SECRET, ELEVENLABS_WEBHOOK_SECRET or ELEVENLABS_INIT_WEBHOOK_SECRET];
//                            none: the request is sent unsigned (accepted only by a service without one)
//   --fresh                  3cx: random call_id and timestamp now; elevenlabs: event_timestamp now
//   --call-id <id>           3cx: the call_id; elevenlabs: data.user_id (our call id, the workflow id)
//   --conversation-id <id>   elevenlabs: data.conversation_id; elevenlabs-init: conversation_id
//   --dry-run                print the request as a curl command instead of sending it
//
// Without --fresh, --call-id or --conversation-id the file's bytes are sent exactly as stored;
// otherwise the edited JSON is serialised again and the signature covers the bytes actually sent.
import { Buffer } from 'node:buffer';
import { createHmac, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = 'usage: node examples/send-webhook.mjs <3cx|elevenlabs|elevenlabs-init> <payload.json> [--url URL] [--path PATH] [--secret SECRET] [--fresh] [--call-id ID] [--conversation-id ID] [--dry-run]';

function fail(message) {
  console.error(message);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      path: { type: 'string' },
      secret: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      'call-id': { type: 'string' },
      'conversation-id': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  fail(`${err.message}\n${USAGE}`);
}
const { values: opts, positionals } = parsed;
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const [kind, file] = positionals;
const KINDS = {
  '3cx': { path: '/webhook/3cx', secretVariable: 'THREECX_WEBHOOK_SECRET' },
  elevenlabs: { path: '/webhook/elevenlabs/postcall', secretVariable: 'ELEVENLABS_WEBHOOK_SECRET' },
  'elevenlabs-init': { path: '/webhook/elevenlabs/conversation-init', secretVariable: 'ELEVENLABS_INIT_WEBHOOK_SECRET' },
};
if (!Object.hasOwn(KINDS, kind) || !file) fail(USAGE);

const base = (opts.url ?? process.env.VOICECLONE_URL ?? 'http://127.0.0.1:3006').replace(/\/+$/, '');
const path = opts.path ?? KINDS[kind].path;
const secret = opts.secret ?? process.env[KINDS[kind].secretVariable] ?? '';

// The body: the file's exact bytes, or the edited JSON.
let body = readFileSync(file);
if (opts.fresh || opts['call-id'] !== undefined || opts['conversation-id'] !== undefined) {
  let json;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    fail(`${file} is not JSON: ${err.message}`);
  }
  if (kind === '3cx') {
    if (opts.fresh) {
      json.call_id = String(randomInt(100_000, 1_000_000_000));
      json.timestamp = new Date().toISOString();
    }
    if (opts['call-id'] !== undefined) json.call_id = opts['call-id'];
  } else if (kind === 'elevenlabs-init') {
    if (opts['conversation-id'] !== undefined) json.conversation_id = opts['conversation-id'];
  } else {
    json.data ??= {};
    if (opts.fresh) json.event_timestamp = Math.floor(Date.now() / 1000);
    if (opts['call-id'] !== undefined) json.data.user_id = opts['call-id'];
    if (opts['conversation-id'] !== undefined) json.data.conversation_id = opts['conversation-id'];
  }
  body = Buffer.from(JSON.stringify(json), 'utf8');
}

const hmacHex = (...parts) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

const headers = { 'content-type': 'application/json' };
if (!secret) {
  console.error(`warning: no secret given: sending ${kind} webhook without authentication`);
} else if (kind === '3cx') {
  // X-3CX-Signature: sha256=<hex HMAC-SHA256 of the raw body>
  headers['x-3cx-signature'] = `sha256=${hmacHex(body)}`;
} else if (kind === 'elevenlabs-init') {
  // The header configured on ElevenLabs' side; this webhook carries no signature.
  headers.authorization = `Bearer ${secret}`;
} else {
  // ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256 of "<t>.<raw body>">
  const t = String(Math.floor(Date.now() / 1000));
  headers['elevenlabs-signature'] = `t=${t},v0=${hmacHex(Buffer.from(`${t}.`, 'utf8'), body)}`;
}

const url = `${base}${path}`;
if (opts['dry-run']) {
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const headerArgs = Object.entries(headers).map(([k, v]) => `-H ${quote(`${k}: ${v}`)}`);
  console.log(['curl -sS -X POST', quote(url), ...headerArgs, '--data-binary', quote(body.toString('utf8'))].join(' '));
  process.exit(0);
}

let res;
try {
  res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
} catch (err) {
  console.error(`POST ${url} failed: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}
const text = await res.text();
console.log(`POST ${path} → ${res.status}`);
let answer;
try {
  answer = JSON.parse(text);
  console.log(JSON.stringify(answer, null, 2));
} catch {
  console.log(text);
}
if (kind === '3cx' && answer?.status_url) {
  console.log(`\nFollow the call:  curl -sS -H "Authorization: Bearer $ADMIN_API_TOKEN" ${base}${answer.status_url}`);
}
process.exit(res.ok ? 0 : 1);
