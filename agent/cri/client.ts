// A CRI client: the RuntimeService and ImageService of runtime-v1.proto over
// gRPC (@grpc/grpc-js, messages loaded by @grpc/proto-loader with field
// names as in the proto), each RPC a promise with a deadline. Errors keep
// gRPC's status code, which the runtime maps to the kubelet's reasons.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime-v1.proto');

/** A message as proto-loader hands it over: snake_case fields, enums as names, int64 as numbers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

export class CriError extends Error {
  constructor(readonly method: string, readonly code: grpc.status, readonly details: string) {
    super(`${method}: ${details || grpc.status[code]}`);
  }
}

export const GrpcStatus = grpc.status;

type Call = (req: Msg, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: Msg) => void) => void;

export class CriClient {
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;

  /** `endpoint` as the kubelet's --container-runtime-endpoint: unix:///path/to/socket. */
  constructor(readonly endpoint: string) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pkg = (grpc.loadPackageDefinition(def) as any).runtime.v1;
    // Large ExecSync output and image lists; the kubelet allows 16 MiB.
    const options = { 'grpc.max_receive_message_length': 16 << 20 };
    this.runtime = new pkg.RuntimeService(endpoint, grpc.credentials.createInsecure(), options);
    this.images = new pkg.ImageService(endpoint, grpc.credentials.createInsecure(), options);
  }

  /** A RuntimeService RPC (`Version`, `RunPodSandbox`, ...). */
  rt(method: string, req: Msg = {}, timeoutMs = 120_000): Promise<Msg> {
    return this.call(this.runtime, method, req, timeoutMs);
  }

  /** An ImageService RPC (`ImageStatus`, `PullImage`, ...). */
  img(method: string, req: Msg = {}, timeoutMs = 120_000): Promise<Msg> {
    return this.call(this.images, method, req, timeoutMs);
  }

  private call(client: grpc.Client, method: string, req: Msg, timeoutMs: number): Promise<Msg> {
    const fn = (client as unknown as Record<string, Call>)[method];
    return new Promise((resolve, reject) => {
      fn.call(client, req, { deadline: Date.now() + timeoutMs }, (e, res) => {
        if (e) reject(new CriError(method, e.code ?? grpc.status.UNKNOWN, e.details ?? e.message));
        else resolve(res);
      });
    });
  }

  close() {
    this.runtime.close();
    this.images.close();
  }
}
