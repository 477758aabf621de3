// Abuse limits on the secure Worker: requests in flight per user (429 with
// Retry-After, as API Priority and Fairness answers) and header size.
import { describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { BASE } from '../helpers';

const get = (token: string, path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(BASE + path, { headers: { authorization: `Bearer ${token}`, ...headers } });

describe('abuse limits', () => {
  it('answers 429 with Retry-After to a user over its requests in flight, and not to others', async () => {
    // EDGEKUBE_MAX_REQUESTS_IN_FLIGHT is 8 in this configuration.
    const results = await Promise.all(Array.from({ length: 40 }, () => get('alice-token', '/api/v1/namespaces/default/configmaps?limit=1')));
    const statuses = await Promise.all(results.map(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() as any })));
    const limited = statuses.filter((s) => s.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // alice may not list configmaps: everything else is her ordinary 403.
    expect(statuses.filter((s) => s.status !== 429).every((s) => s.status === 403)).toBe(true);
    expect(limited[0].retry).toBe('1');
    expect(limited[0].body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 1 } });
    // The slots come back: one request at a time goes through.
    for (let i = 0; i < 10; i++) {
      const r = await get('alice-token', '/api');
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
  });

  it('refuses oversized headers with a 400 Status before looking at credentials', async () => {
    const r = await get('admin-token', '/api', { 'x-big': 'x'.repeat(70_000) });
    expect(r.status).toBe(400);
    const body = await r.json() as any;
    expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(JSON.stringify(body)).not.toContain('admin-token');
  });

  it('tags every answer with an Audit-Id', async () => {
    const r = await get('admin-token', '/api');
    expect(r.headers.get('audit-id')).toMatch(/^[0-9a-f-]{36}$/);
    await r.arrayBuffer();
  });
});
