/**
 * Untrusted requests into the API handler (no HTTP in between): whatever the method, path,
 * query, headers and body, the handler answers — never throws — with JSON that is either an
 * object it serves or a `Status` failure, and a refused write leaves the store untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiHandler } from '../../sdk/api/handler.js';
import type { ApiRequest } from '../../sdk/api/handler.js';
import { seedCluster } from '../../sdk/cluster/seed.js';

const PATHS = [
  '/api',
  '/apis',
  '/api/v1',
  '/apis/apps/v1',
  '/version',
  '/openapi/v3',
  '/openapi/v3/api/v1',
  '/api/v1/services',
  '/api/v1/namespaces/default/services',
  '/api/v1/namespaces/default/services/sleep-2',
  '/api/v1/namespaces/default/endpoints/sleep-2',
  '/api/v1/namespaces/default/pods',
  '/api/v1/namespaces/kube-system',
  '/api/v1/namespaces/nowhere/services/x',
  '/apis/apps/v1/namespaces/default/deployments/sleep-1',
  '/apis/apps/v1/namespaces/default/deployments/sleep-1/scale',
  '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
  '/api/v1/nodes/docker-desktop',
  '/api/v1/namespaces/default/events',
];

const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
const objectish = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'x'),
  kind: fc.constantFrom('Service', 'Pod', 'Deployment', 'Endpoints', 'Namespace', 'Nope'),
  metadata: fc.record({ name: fc.oneof(fc.constantFrom('sleep-2', 'fz', 'Bad_Name', ''), fc.string()), labels: fc.dictionary(fc.string(), fc.string()) }, { requiredKeys: [] }),
  spec: fc.jsonValue({ maxDepth: 3 }),
}, { requiredKeys: [] }).map((v) => JSON.stringify(v));
const body = fc.oneof(json, objectish, fc.string(), fc.constant(undefined));
const query = fc.array(
  fc.tuple(fc.constantFrom('labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'fieldValidation', 'includeObject', 'timeoutSeconds', 'dryRun', 'x'), fc.string()),
  { maxLength: 3 },
);
const request: fc.Arbitrary<ApiRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    path: fc.oneof(fc.constantFrom(...PATHS), fc.string().map((s) => `/${s}`), fc.constantFrom(...PATHS).map((p) => `${p}/%ZZ`)),
    query,
    accept: fc.constantFrom(undefined, 'application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', '*/*'),
    contentType: fc.constantFrom(undefined, 'application/json', 'application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json', 'text/plain'),
    body,
  })
  .map(({ method, path, query: q, accept, contentType, body: b }) => ({
    method,
    url: `${path}${q.length > 0 ? `?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : ''}`,
    headers: { accept, 'content-type': contentType },
    body: b,
  }));

describe('API handler fuzz', () => {
  it('case 1: every request gets a JSON answer or a watch; failures are Status objects and change nothing', () => {
    const cluster = seedCluster();
    const handler = new ApiHandler(cluster, { setTimeout: () => 0, clearTimeout: () => {} });
    fc.assert(
      fc.property(request, (req) => {
        const rv = cluster.resourceVersion;
        const reply = handler.handle(req);
        if ('start' in reply) {
          const stop = reply.start(() => {}, () => {});
          stop();
          return;
        }
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(500); // no request crashes the handler
        if (reply.headers['content-type'] !== 'application/json') return;
        const parsed = JSON.parse(reply.body) as { kind?: string; status?: string; code?: number };
        if (reply.status >= 400) {
          expect(parsed).toMatchObject({ kind: 'Status', status: 'Failure', code: reply.status });
          expect(cluster.resourceVersion).toBe(rv);
        }
      }),
      { numRuns: 3000, seed: 20261125 },
    );
    handler.close();
  });
});
