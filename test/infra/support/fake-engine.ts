/**
 * A stand-in for the Pulumi engine and resource monitor on a real gRPC port, so a test can run
 * the program exactly as the Pulumi CLI does — Pulumi's own `cmd/run` harness in a separate
 * `node` process with Pulumi.yaml's nodeargs — without the CLI or AWS.
 *
 * Resource registrations are answered by the SDK's MockMonitor with the same mock outputs the
 * in-process tests use; log messages are collected.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import type * as EngineGrpc from '@pulumi/pulumi/proto/engine_grpc_pb.js';
import type * as EngineProto from '@pulumi/pulumi/proto/engine_pb.js';
import type * as ResourceGrpc from '@pulumi/pulumi/proto/resource_grpc_pb.js';
import type * as ResourceProto from '@pulumi/pulumi/proto/resource_pb.js';
import type * as Mocks from '@pulumi/pulumi/runtime/mocks.js';
import type * as EmptyProto from 'google-protobuf/google/protobuf/empty_pb.js';
import { mockCall, mockState } from './stack';

// CommonJS modules whose exports Node's ESM loader cannot see statically: load them with require.
const require = createRequire(import.meta.url);
const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb.js') as typeof EngineGrpc;
const engineProto = require('@pulumi/pulumi/proto/engine_pb.js') as typeof EngineProto;
const resourceGrpc = require('@pulumi/pulumi/proto/resource_grpc_pb.js') as typeof ResourceGrpc;
const resourceProto = require('@pulumi/pulumi/proto/resource_pb.js') as typeof ResourceProto;
const { MockMonitor } = require('@pulumi/pulumi/runtime/mocks.js') as typeof Mocks;
const { Empty } = require('google-protobuf/google/protobuf/empty_pb.js') as typeof EmptyProto;
type Empty = InstanceType<typeof Empty>;

export interface LoggedMessage {
  readonly severity: 'debug' | 'info' | 'warning' | 'error';
  readonly message: string;
}

export interface FakeEngine {
  /** `127.0.0.1:<port>` for both `--monitor` and `--engine`. */
  readonly address: string;
  /** Type and name of every registered resource, in order. */
  readonly registrations: { type: string; name: string }[];
  /** Outputs registered for the stack resource. */
  readonly stackOutputs: () => Record<string, unknown>;
  readonly logs: LoggedMessage[];
  close(): Promise<void>;
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type Handler<Req, Res> = (call: { request: Req }, callback: Callback<Res>) => void;
type Monitor = Record<string, (req: unknown, cb: (err: unknown, res?: unknown) => void) => void>;

const SEVERITY = ['debug', 'info', 'warning', 'error'] as const;

/** Start a fake engine + monitor on a free local port. */
export async function startFakeEngine(): Promise<FakeEngine> {
  const registrations: { type: string; name: string }[] = [];
  const logs: LoggedMessage[] = [];
  let stackUrn = '';
  let rootUrn = '';

  const mocks = new MockMonitor({
    newResource: (args) => mockState(args.type, args.name, args.inputs as Record<string, unknown>),
    call: (args) => mockCall(args.token, args.inputs as Record<string, unknown>),
  }) as unknown as Monitor & { resources: Map<string, { state: unknown }> };
  const delegate =
    <Req, Res>(method: string): Handler<Req, Res> =>
    (call, callback) =>
      mocks[method]!(call.request, (err, res) => callback(err as grpc.ServiceError | null, res as Res));

  const monitor = {
    supportsFeature: ((call, callback) => {
      // Everything the in-process mocks support, except output values (as MockMonitor says).
      callback(null, new resourceProto.SupportsFeatureResponse().setHassupport(call.request.getId() !== 'outputValues'));
    }) as Handler<ResourceProto.SupportsFeatureRequest, ResourceProto.SupportsFeatureResponse>,
    invoke: delegate('invoke'),
    readResource: delegate('readResource'),
    registerResource: ((call, callback) => {
      const req = call.request;
      registrations.push({ type: req.getType(), name: req.getName() });
      mocks.registerResource!(req, (err, res) => {
        if (!err && req.getType() === 'pulumi:pulumi:Stack') stackUrn = (res as ResourceProto.RegisterResourceResponse).getUrn();
        callback(err as grpc.ServiceError | null, res as ResourceProto.RegisterResourceResponse);
      });
    }) as Handler<ResourceProto.RegisterResourceRequest, ResourceProto.RegisterResourceResponse>,
    registerResourceOutputs: ((call, callback) => {
      mocks.registerResourceOutputs!(call.request, (err) => callback(err as grpc.ServiceError | null, new Empty()));
    }) as Handler<ResourceProto.RegisterResourceOutputsRequest, Empty>,
    registerPackage: delegate('registerPackage'),
    signalAndWaitForShutdown: ((_call, callback) => callback(null, new Empty())) as Handler<Empty, Empty>,
  };
  const engine = {
    log: ((call, callback) => {
      const severity = SEVERITY[call.request.getSeverity()] ?? 'error';
      logs.push({ severity, message: call.request.getMessage() });
      callback(null, new Empty());
    }) as Handler<EngineProto.LogRequest, Empty>,
    getRootResource: ((_call, callback) => callback(null, new engineProto.GetRootResourceResponse().setUrn(rootUrn))) as Handler<
      EngineProto.GetRootResourceRequest,
      EngineProto.GetRootResourceResponse
    >,
    setRootResource: ((call, callback) => {
      rootUrn = call.request.getUrn();
      callback(null, new engineProto.SetRootResourceResponse());
    }) as Handler<EngineProto.SetRootResourceRequest, EngineProto.SetRootResourceResponse>,
    requirePulumiVersion: ((_call, callback) => callback(null, new engineProto.RequirePulumiVersionResponse())) as Handler<
      EngineProto.RequirePulumiVersionRequest,
      EngineProto.RequirePulumiVersionResponse
    >,
  };

  const server = new grpc.Server();
  server.addService(resourceGrpc.ResourceMonitorService, monitor);
  server.addService(engineGrpc.EngineService, engine);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    address: `127.0.0.1:${port}`,
    registrations,
    logs,
    stackOutputs: () => {
      const state = mocks.resources.get(stackUrn)?.state as { toJavaScript?: () => Record<string, unknown> } | undefined;
      return state?.toJavaScript?.() ?? {};
    },
    close: () => {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
