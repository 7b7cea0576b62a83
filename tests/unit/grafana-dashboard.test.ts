import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createGatewayMetrics } from '../../src/gateway/metrics';
import { createCallControl } from '../../src/integrations/threecx/call-control';

// The Grafana dashboard in deploy/ is built from the gateway's own series: every series it reads
// must be one the gateway exports (a renamed metric would leave a panel silently empty).
test('every series the gateway dashboard reads is exported by the gateway', async () => {
  const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '../../deploy/grafana/gateway-dashboard.json'), 'utf8'));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
  const used = new Set(exprs.flatMap((e) => e.match(/\b(gateway_[a-z_]+|process_[a-z_]+)\b/g) ?? []));
  const callControl = createCallControl({ url: 'http://127.0.0.1:9', clientId: '800', clientSecret: 's', requestTimeoutMs: 1000, tokenRefreshSeconds: 60, wsPingSeconds: 5, reconnectMaxSeconds: 1 });
  const metrics = createGatewayMetrics(callControl, () => 0, 'pbx');
  const text = await metrics.registry.metrics();
  const declared = [...text.matchAll(/^# TYPE ([a-z_]+) (\w+)$/gm)];
  const exported = new Set(declared.flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!])));
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  expect(used.size).toBeGreaterThan(10);
  // Every function a panel calls is a PromQL function (a typo would leave the panel empty).
  const functions = new Set(exprs.flatMap((e) => [...e.matchAll(/([a-z_]+)\s*\(/g)].map((m) => m[1])));
  expect([...functions].filter((f) => !['sum', 'min', 'max', 'avg', 'rate', 'increase', 'histogram_quantile', 'by'].includes(f!))).toEqual([]);
  await callControl.close();
});
