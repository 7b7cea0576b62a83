import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { temporalAuth } from '../../src/temporal/connection';

describe('Temporal connection security for remote clusters (Temporal Cloud)', () => {
  test('a local cluster needs none', () => {
    expect(temporalAuth(loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233' }))).toBeUndefined();
  });

  test('an API key implies TLS', () => {
    expect(temporalAuth(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' }))).toEqual({ tls: true, apiKey: 'key-123' });
  });

  test('an mTLS client certificate is read from its files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
    writeFileSync(path.join(dir, 'client.pem'), 'CERT');
    writeFileSync(path.join(dir, 'client.key'), 'KEY');
    const auth = temporalAuth(
      loadConfig({ TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'), TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud' }),
    );
    expect(auth).toEqual({ tls: { serverNameOverride: 'ns.acct.tmprl.cloud', clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } } });
  });

  test('a certificate without its key is a configuration error', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_CERT_PATH \/ TEMPORAL_TLS_KEY_PATH/);
  });
});
