// edgekube node agent: a kubelet-like agent that registers a Node, keeps its
// Lease and status, runs the pods bound to it as local processes, and serves
// the kubelet API the server proxies to (directly, or over a reverse tunnel).
//
//   npm run agent -- --name NAME (--server URL [--token TOKEN] | --kubeconfig PATH | --bootstrap-kubeconfig PATH) [--port PORT]
//                    [--address ADDR] [--tunnel] [--credential SECRET] [--state-dir DIR]
//                    [--runtime process|cri --cri-endpoint unix:///PATH [--pod-network]]
import { loadKubeconfig, type Credentials } from './kubeconfig.ts';
import { bootstrapNodeCredentials } from './bootstrap.ts';
import { clientCertificateAssertions, staticToken, type TokenSource } from './credentials.ts';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { ApiClient, ApiStatusError } from './api.ts';
import { ProcessRuntime } from './process-runtime.ts';
import { CriRuntime } from './cri/runtime.ts';
import { DEFAULT_IMAGE_GC, type ImageGCPolicy } from './cri/image-gc.ts';
import type { ContainerRuntime } from './runtime.ts';
import { NodeAgent, defaultAddress } from './node.ts';
import { PodManager } from './pods.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, KubeletApi, serveDirect } from './server.ts';
import { TunnelClient } from './tunnel.ts';
import { StatsCollector } from './stats.ts';
import { CREDENTIAL_PATH } from '../src/proxy/protocol.ts';
import { errMsg, log, setLogPrefix, warn } from './log.ts';

const USAGE = `usage: npm run agent -- --name NAME --server URL [options]

  --name NAME          the node name (required)
  --server URL         the API server, e.g. http://127.0.0.1:8080 (required)
  --token TOKEN        bearer token for the API server
  --kubeconfig PATH    server, CA and credential (token, or client certificate and key) from
                       a kubeconfig, as a kubelet's --kubeconfig (--server and --token override it)
  --bootstrap-kubeconfig PATH
                       join with the bootstrap token in this kubeconfig: ask for a node client
                       certificate and write it to --kubeconfig (default STATE-DIR/kubelet.kubeconfig);
                       later starts reuse that certificate
  --port PORT          kubelet API port, reported as daemonEndpoints (default 10250)
  --address ADDR       the node's InternalIP, also the pods' IP (default: first non-loopback IPv4)
  --tunnel             reach the server over a reverse tunnel instead of listening on ADDR:PORT
  --credential SECRET  the node credential when the server sets EDGEKUBE_NODE_CREDENTIAL
                       (default: $EDGEKUBE_NODE_CREDENTIAL, else issued by the server)
  --state-dir DIR      where container records and logs live (default ~/.edgekube/agents/NAME)
  --runtime NAME       process (default): containers are host processes with a command;
                       cri: containers from images through a CRI runtime such as containerd
  --cri-endpoint URL   the CRI runtime's socket, e.g. unix:///run/containerd/containerd.sock
  --pod-network        (cri) pods get their own network namespace and IP from the runtime's CNI
                       network; without it they share the node's network, as hostNetwork pods do
  --image-gc-high-threshold PERCENT   (cri) image filesystem usage that starts image garbage collection (85)
  --image-gc-low-threshold PERCENT    (cri) usage it frees down to, below the high threshold (80)
  --minimum-image-ttl-duration DUR    (cri) unused images younger than this are kept (2m)
  --image-gc-period DUR               (cri) how often image garbage collection looks (5m)
  --streaming-connection-idle-timeout DUR
                       exec, attach and port-forward sessions without traffic this long are closed (4h)
`;

/** A Go duration as kubelet flags take it: "90s", "2m", "1h30m", "0s". */
function parseDuration(flag: string, v: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(v) && v !== '0') throw new Error(`--${flag} ${JSON.stringify(v)} is not a duration (like 90s, 2m, 1h30m)`);
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
  return ms;
}

function imageGCPolicy(args: Record<string, string | boolean>): ImageGCPolicy {
  const str = (k: string) => (typeof args[k] === 'string' ? args[k] as string : undefined);
  const percent = (k: string, def: number) => {
    const v = str(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n > 100) throw new Error(`--${k} ${JSON.stringify(v)} is not a percentage from 0 to 100`);
    return n;
  };
  const policy: ImageGCPolicy = {
    highThresholdPercent: percent('image-gc-high-threshold', DEFAULT_IMAGE_GC.highThresholdPercent),
    lowThresholdPercent: percent('image-gc-low-threshold', DEFAULT_IMAGE_GC.lowThresholdPercent),
    minAgeMs: str('minimum-image-ttl-duration') !== undefined ? parseDuration('minimum-image-ttl-duration', str('minimum-image-ttl-duration')!) : DEFAULT_IMAGE_GC.minAgeMs,
    periodMs: str('image-gc-period') !== undefined ? parseDuration('image-gc-period', str('image-gc-period')!) : DEFAULT_IMAGE_GC.periodMs,
  };
  if (policy.lowThresholdPercent >= policy.highThresholdPercent) {
    throw new Error(`--image-gc-low-threshold (${policy.lowThresholdPercent}) must be less than --image-gc-high-threshold (${policy.highThresholdPercent})`);
  }
  if (policy.periodMs < 1000) throw new Error('--image-gc-period must be at least 1s');
  return policy;
}

function parseArgs(argv: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const key = a.slice(2, eq > 0 ? eq : undefined);
    if (key === 'tunnel' || key === 'help' || key === 'pod-network') { out[key] = eq > 0 ? a.slice(eq + 1) !== 'false' : true; continue; }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    out[key] = value;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let args: Record<string, string | boolean>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${errMsg(e)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) { console.log(USAGE); return; }
  const known = ['name', 'server', 'token', 'kubeconfig', 'bootstrap-kubeconfig', 'port', 'address', 'tunnel', 'credential', 'state-dir', 'runtime', 'cri-endpoint', 'pod-network',
    'image-gc-high-threshold', 'image-gc-low-threshold', 'minimum-image-ttl-duration', 'image-gc-period', 'streaming-connection-idle-timeout'];
  const unknown = Object.keys(args).filter((k) => !known.includes(k));
  if (unknown.length || typeof args.name !== 'string' || (typeof args.server !== 'string' && typeof args.kubeconfig !== 'string' && typeof args['bootstrap-kubeconfig'] !== 'string')) {
    console.error(`${unknown.length ? `unknown option --${unknown[0]}\n\n` : ''}${USAGE}`);
    process.exit(2);
  }
  const name = args.name;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) { console.error(`--name ${JSON.stringify(name)} is not a valid node name (DNS subdomain)`); process.exit(2); }
  const stateDir = path.resolve(typeof args['state-dir'] === 'string' ? args['state-dir'] : path.join(os.homedir(), '.edgekube', 'agents', name));
  fs.mkdirSync(stateDir, { recursive: true });
  setLogPrefix(`agent ${name}`);
  let creds: Credentials | undefined;
  const kubeconfig = typeof args.kubeconfig === 'string' ? args.kubeconfig : undefined;
  try {
    if (typeof args['bootstrap-kubeconfig'] === 'string') {
      creds = await bootstrapNodeCredentials(args['bootstrap-kubeconfig'], kubeconfig ?? path.join(stateDir, 'kubelet.kubeconfig'), name);
    } else if (kubeconfig) {
      creds = loadKubeconfig(kubeconfig);
    }
  } catch (e) {
    console.error(`[agent ${name}] ${errMsg(e)}`);
    process.exit(2);
  }
  if (creds) {
    args.server ??= creds.server;
    if (creds.token) args.token ??= creds.token;
  }
  if (typeof args.server !== 'string') { console.error(USAGE); process.exit(2); }
  let token: TokenSource;
  try {
    token = typeof args.token === 'string' ? staticToken(args.token)
      : creds?.clientCertificate ? clientCertificateAssertions(creds.clientCertificate, creds.clientKey!) : staticToken(undefined);
  } catch (e) {
    console.error(`[agent ${name}] client certificate: ${errMsg(e)}`);
    process.exit(2);
  }
  let idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  try {
    const idle = args['streaming-connection-idle-timeout'];
    if (typeof idle === 'string') idleTimeoutMs = parseDuration('streaming-connection-idle-timeout', idle);
    if (idleTimeoutMs < 1000) throw new Error('--streaming-connection-idle-timeout must be at least 1s');
  } catch (e) {
    console.error(`[agent ${name}] ${errMsg(e)}`);
    process.exit(2);
  }
  const port = Number(args.port ?? 10250);
  if (!Number.isInteger(port) || port < 1 || port > 65535) { console.error(`--port ${args.port} is not a port`); process.exit(2); }
  const address = typeof args.address === 'string' ? args.address : defaultAddress();
  const tunnel = args.tunnel === true;
  log(`starting: server ${args.server}, address ${address}, ${tunnel ? 'tunnel mode' : `kubelet port ${port}`}, state ${stateDir}`);

  const api = new ApiClient(args.server, token, creds?.ca);
  const runtimeName = typeof args.runtime === 'string' ? args.runtime : 'process';
  if (runtimeName !== 'process' && runtimeName !== 'cri') { console.error(`--runtime ${runtimeName}: use process or cri`); process.exit(2); }
  const endpoint = typeof args['cri-endpoint'] === 'string' ? args['cri-endpoint'] : undefined;
  if (runtimeName === 'cri' && !endpoint?.startsWith('unix://')) { console.error('--runtime cri needs --cri-endpoint unix:///PATH/TO/SOCKET'); process.exit(2); }
  const criOnly = ['cri-endpoint', 'pod-network', 'image-gc-high-threshold', 'image-gc-low-threshold', 'minimum-image-ttl-duration', 'image-gc-period'].filter((k) => args[k] !== undefined);
  if (runtimeName !== 'cri' && criOnly.length) { console.error(`--${criOnly[0]} goes with --runtime cri`); process.exit(2); }
  let imageGC: ImageGCPolicy;
  try {
    imageGC = imageGCPolicy(args);
  } catch (e) {
    console.error(errMsg(e));
    process.exit(2);
  }
  let runtime: ContainerRuntime;
  if (runtimeName === 'cri') {
    try {
      runtime = await CriRuntime.connect({ endpoint: endpoint!, nodeName: name, stateDir, podNetwork: args['pod-network'] === true, imageGC });
    } catch (e) {
      console.error(`[agent ${name}] ${errMsg(e)}`);
      process.exit(1);
    }
  } else {
    runtime = new ProcessRuntime(stateDir);
  }
  const node = new NodeAgent(api, { name, address, port, tunnel, stateDir, runtimeVersion: runtime.runtimeVersion, images: () => runtime.images() });

  // Register, retrying until the server answers.
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      await node.register();
      break;
    } catch (e) {
      warn(`registering node ${name}: ${errMsg((e as Error & { cause?: unknown }).cause ?? e)}; retrying in ${delay / 1000}s`);
      await sleep(delay);
    }
  }

  // The credential the server presents (direct) or the agent presents (tunnel).
  let credential = typeof args.credential === 'string' ? args.credential : process.env.EDGEKUBE_NODE_CREDENTIAL || undefined;
  if (!credential) {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        credential = (await api.post(CREDENTIAL_PATH(name), {})).credential as string;
        log('received the node credential from the server');
        break;
      } catch (e) {
        if (e instanceof ApiStatusError && e.code === 403) {
          console.error(`[agent ${name}] ${e.status?.message ?? e.message}`);
          process.exit(2);
        }
        warn(`fetching the node credential: ${errMsg(e)}; retrying in ${delay / 1000}s`);
        await sleep(delay);
      }
    }
  }

  const pods = new PodManager({ nodeName: name, address, api, runtime, allocatable: node.capacity(), volumesDir: path.join(stateDir, 'pod-volumes') });
  const stats = new StatsCollector(runtime, name);
  stats.start();
  const kubelet = new KubeletApi(pods, runtime, { nodeName: name, address, credential: () => credential, idleTimeoutMs, stats });
  let tunnelClient: TunnelClient | undefined;
  let server: import('node:http').Server | undefined;
  if (tunnel) {
    tunnelClient = new TunnelClient(args.server, name, () => credential, kubelet, { token, ca: creds?.ca });
    void tunnelClient.run();
  } else {
    try {
      server = await serveDirect(kubelet, address, port);
    } catch (e) {
      console.error(`[agent ${name}] cannot listen on ${address}:${port}: ${errMsg(e)}`);
      process.exit(1);
    }
  }
  node.start();
  void pods.run();

  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping (containers keep running; the next agent adopts them)`);
    node.stop();
    pods.stop();
    tunnelClient?.stop();
    server?.close();
    stats.close();
    runtime.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e) => {
  console.error(`agent failed: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
