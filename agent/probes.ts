// Probes as the kubelet runs them: httpGet (2xx/3xx succeed), tcpSocket
// (a connection succeeds) and exec (exit code 0 succeeds), each with its
// timeout; a Prober runs one probe of one container on its schedule and
// turns results into a state with failure and success thresholds.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { KObject } from './api.ts';
import type { ExecResult } from './runtime.ts';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export interface ProbeResult { ok: boolean; message: string }

export interface ProbeTarget {
  host: string;
  /** A container's named ports. */
  ports: Map<string, number>;
  /** Runs a command in the container (the runtime's exec: CRI ExecSync, or a host process). */
  exec(cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
}

function resolvePort(port: unknown, t: ProbeTarget): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  if (typeof port === 'string') return t.ports.get(port);
  return undefined;
}

export function runProbe(probe: KObject, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, t);
    if (!port) return Promise.resolve({ ok: false, message: `unknown port ${JSON.stringify(g.port)}` });
    const scheme = String(g.scheme ?? 'HTTP').toUpperCase();
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.35', accept: '*/*' };
    for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
    return new Promise((resolve) => {
      const mod = scheme === 'HTTPS' ? https : http;
      const req = mod.request({ host: g.host || t.host, port, path: g.path || '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, message: `HTTP ${code}` } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
      req.on('error', (e) => resolve({ ok: false, message: `Get "${scheme.toLowerCase()}://${g.host || t.host}:${port}${g.path || '/'}": ${e.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, t);
    if (!port) return Promise.resolve({ ok: false, message: `unknown port ${JSON.stringify(probe.tcpSocket.port)}` });
    const host = probe.tcpSocket.host || t.host;
    return new Promise((resolve) => {
      const sock = net.connect({ host, port, timeout: timeoutMs });
      sock.on('connect', () => { sock.destroy(); resolve({ ok: true, message: 'connected' }); });
      sock.on('timeout', () => { sock.destroy(); resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }); });
      sock.on('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
    });
  }
  if (probe.exec) {
    const cmd: string[] = probe.exec.command ?? [];
    if (!cmd.length) return Promise.resolve({ ok: false, message: 'exec probe has no command' });
    const seconds = probe.timeoutSeconds ?? 1;
    return t.exec(cmd, seconds).then((r) => {
      const out = r.output.slice(0, 1024).trim();
      if (r.timedOut) return { ok: false, message: `command timed out after ${seconds}s` };
      return r.exitCode === 0 ? { ok: true, message: out } : { ok: false, message: `command ${JSON.stringify(cmd.join(' '))} exited with ${r.exitCode}: ${out}` };
    });
  }
  if (probe.grpc) return Promise.resolve({ ok: false, message: 'grpc probes are not supported by this agent' });
  return Promise.resolve({ ok: true, message: 'no handler' });
}

/** One probe of one running container instance, on its schedule. */
export class Prober {
  /** Readiness starts false; liveness and startup count as passing until they fail. */
  result: boolean;
  private failures = 0;
  private successes = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    readonly probe: KObject,
    private readonly target: () => ProbeTarget,
    private readonly changed: (p: Prober, last: ProbeResult) => void,
    private readonly onFailure: (p: Prober, last: ProbeResult) => void,
  ) {
    this.result = kind !== 'readiness' && kind !== 'startup' ? true : false;
    this.timer = setTimeout(() => this.tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }

  private async tick() {
    if (this.stopped) return;
    const r = await runProbe(this.probe, this.target()).catch((e) => ({ ok: false, message: String(e) }));
    if (this.stopped) return;
    const before = this.result;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      const need = this.kind === 'readiness' ? (this.probe.successThreshold ?? 1) : 1;
      if (this.successes >= need) this.result = true;
    } else {
      this.successes = 0;
      this.failures++;
      this.onFailure(this, r);
      if (this.failures >= (this.probe.failureThreshold ?? 3)) this.result = false;
    }
    if (this.result !== before) this.changed(this, r);
    if (this.kind === 'startup' && this.result) return this.stop(); // startup probes stop once they pass
    if (!this.stopped) this.timer = setTimeout(() => this.tick(), (this.probe.periodSeconds ?? 10) * 1000);
  }

  /** After a liveness/startup failure restarts the container, counting starts over. */
  reset() {
    this.failures = 0;
    this.successes = 0;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
