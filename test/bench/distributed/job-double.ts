/**
 * TEST DOUBLE of the parts of the Kubernetes API a distributed load run uses: NOT Kubernetes, and it
 * proves nothing about a real cluster's scheduler. A node:http server on 127.0.0.1 that answers
 * the REST paths @kubernetes/client-node 1.4 calls:
 *
 *   POST   /apis/batch/v1/namespaces/{ns}/jobs            create an Indexed Job
 *   GET    /apis/batch/v1/namespaces/{ns}/jobs/{name}     its status and Complete/Failed condition
 *   DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}     delete it (its pods go with it)
 *   GET    /api/v1/namespaces/{ns}/pods?labelSelector=batch.kubernetes.io/job-name=…
 *   GET    /api/v1/namespaces/{ns}/pods/{name}/log?container=…
 *   GET    /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=kubernetes.io/service-name=…
 *          (the served model's Service: `servingPods` ready endpoints, so the load counts its replicas)
 *   POST   /api/v1/namespaces/{ns}/configmaps              create a ConfigMap (a run's promptset)
 *   PATCH  /api/v1/namespaces/{ns}/configmaps/{name}       JSON patch (its ownerReferences)
 *   DELETE /api/v1/namespaces/{ns}/configmaps/{name}
 *
 * Its Job controller runs each index's pod as a local process: the container's command with
 * `node` as this Node and `/app` as this checkout (the image's layout), the container's env, the
 * secrets it references (from `secrets`), and JOB_COMPLETION_INDEX. A configMap volume is the
 * ConfigMap's files in a temp folder, which stands in for its mountPath in the command and the env
 * (as /app does for the checkout); a pod whose ConfigMap is missing fails at once (a kubelet would
 * wait for it). The process's stdout and stderr are the pod's log; exit 0 is Succeeded, anything
 * else Failed. Indexes in `unschedulable` never get a pod: once the others end, the Job fails with
 * DeadlineExceeded, as a real Job whose pods stay Pending fails at its activeDeadlineSeconds. A Job
 * created suspended runs no pod until {@link JobDouble.unsuspend}. Deleting a Job deletes the
 * ConfigMaps it owns, as the garbage collector does. Every request needs the bearer token.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHILD_DEADLINE_MS } from '../../support/deadlines';
import { tempDir } from '../../support/temp';
import { kubeconfigText } from '../kube/support/kubeconfig';

const TOKEN = 'job-double-token';

type Obj = Record<string, any>;

interface Pod {
  name: string;
  index: number;
  phase: 'Running' | 'Succeeded' | 'Failed';
  exitCode?: number;
  log: string;
  created: string;
}

interface JobState {
  job: Obj;
  pods: Pod[];
  conditions: Obj[];
  /** Resolves once the Job has its Complete or Failed condition. */
  done: Promise<void>;
  finish: () => void;
}

export interface JobDoubleOptions {
  /** `/app` in the image: the checkout whose bench/bin/llm-bench.mjs the pods run. */
  readonly appDir: string;
  /** Secrets of the namespace: name → key → value. */
  readonly secrets?: Record<string, Record<string, string>>;
  /** Indexes that never get a pod. */
  readonly unschedulable?: readonly number[];
  /** Ready pods of any Service asked about (the model's Service the load counts replicas in); default 1. */
  readonly servingPods?: number;
}

export class JobDouble {
  readonly requests: string[] = [];
  private readonly jobs = new Map<string, JobState>();
  private readonly configMaps = new Map<string, Obj>();
  private server: http.Server | undefined;
  private dir: string | undefined;
  url = '';

  constructor(private readonly opts: JobDoubleOptions) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A kubeconfig for the double (in a temp folder removed when the test file ends). */
  kubeconfig(namespace: string): string {
    this.dir ??= tempDir('job-double-');
    const file = join(this.dir, 'kubeconfig.yaml');
    writeFileSync(file, kubeconfigText({ server: this.url, token: TOKEN, namespace }));
    return file;
  }

  /** Jobs that exist now, by namespace/name. */
  jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  /** ConfigMaps that exist now, by namespace/name. */
  configMapNames(): string[] {
    return [...this.configMaps.keys()];
  }

  /** A ConfigMap as stored (metadata included), if it exists. */
  configMap(namespace: string, name: string): Obj | undefined {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  /** Resolves once Job `namespace/name` has finished (Complete or Failed). */
  finished(namespace: string, name: string): Promise<void> {
    const state = this.jobs.get(`${namespace}/${name}`);
    if (state === undefined) throw new Error(`the double has no Job ${namespace}/${name}`);
    return state.done;
  }

  /** `kubectl patch job … -p '{"spec":{"suspend":false}}'`: a suspended Job starts its pods. */
  unsuspend(namespace: string, name: string): void {
    const state = this.jobs.get(`${namespace}/${name}`);
    if (state?.job.spec.suspend !== true) throw new Error(`the double has no suspended Job ${namespace}/${name}`);
    state.job = { ...state.job, spec: { ...state.job.spec, suspend: false } };
    state.conditions = [];
    this.runPods(namespace, state);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    const send = (status: number, obj: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type }).end(typeof obj === 'string' ? obj : JSON.stringify(obj));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { kind: 'Status', code: 401, message: 'Unauthorized' });
    let m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const [, ns, name] = m;
      if (req.method === 'POST' && name === undefined) {
        const job = JSON.parse(body) as Obj;
        const key = `${ns}/${job.metadata.name}`;
        if (this.jobs.has(key)) return send(409, { kind: 'Status', code: 409, message: `jobs "${job.metadata.name}" already exists` });
        let finish = () => {};
        const done = new Promise<void>((resolve) => (finish = resolve));
        const state: JobState = {
          job: { ...job, metadata: { ...job.metadata, namespace: ns, uid: `uid-${key}` } },
          pods: [],
          conditions: [],
          done,
          finish,
        };
        this.jobs.set(key, state);
        if (job.spec.suspend === true) state.conditions.push({ type: 'Suspended', status: 'True', reason: 'JobSuspended' });
        else this.runPods(ns!, state);
        return send(201, state.job);
      }
      const state = this.jobs.get(`${ns}/${name}`);
      if (state === undefined) return send(404, { kind: 'Status', code: 404, message: `jobs "${name}" not found` });
      if (req.method === 'GET') return send(200, this.jobView(state));
      if (req.method === 'DELETE') {
        this.jobs.delete(`${ns}/${name}`);
        // The garbage collector: what the Job owns goes with it.
        for (const [k, cm] of this.configMaps) {
          if ((cm.metadata.ownerReferences ?? []).some((o: Obj) => o.uid === state.job.metadata.uid)) this.configMaps.delete(k);
        }
        return send(200, { kind: 'Status', status: 'Success' });
      }
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const ns = m[1]!;
      const name = m[2];
      if (req.method === 'POST' && name === undefined) {
        const cm = JSON.parse(body) as Obj;
        const key = `${ns}/${cm.metadata.name}`;
        if (this.configMaps.has(key))
          return send(409, { kind: 'Status', code: 409, message: `configmaps "${cm.metadata.name}" already exists` });
        this.configMaps.set(key, { ...cm, metadata: { ...cm.metadata, namespace: ns } });
        return send(201, this.configMaps.get(key));
      }
      const cm = this.configMaps.get(`${ns}/${name}`);
      if (cm === undefined) return send(404, { kind: 'Status', code: 404, message: `configmaps "${name}" not found` });
      if (req.method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/json-patch+json')
          return send(415, { kind: 'Status', code: 415, message: `the double takes JSON patches, got ${req.headers['content-type']}` });
        for (const op of JSON.parse(body) as Obj[]) {
          if (op.op !== 'add' || op.path !== '/metadata/ownerReferences')
            return send(422, { kind: 'Status', code: 422, message: `the double patches ownerReferences only, got ${op.op} ${op.path}` });
          cm.metadata = { ...cm.metadata, ownerReferences: op.value };
        }
        return send(200, cm);
      }
      if (req.method === 'DELETE') {
        this.configMaps.delete(`${ns}/${name}`);
        return send(200, { kind: 'Status', status: 'Success' });
      }
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const podNs = m[1]!;
      const selector = url.searchParams.get('labelSelector') ?? '';
      const jobName = /^batch\.kubernetes\.io\/job-name=(.+)$/.exec(selector)?.[1];
      const state = jobName === undefined ? undefined : this.jobs.get(`${m[1]}/${jobName}`);
      return send(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: state === undefined ? [] : state.pods.map((p) => this.podView(podNs, state, p)),
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const podName = m[2];
      const pod = [...this.jobs.values()].flatMap((s) => s.pods).find((p) => p.name === podName);
      return pod === undefined ? send(404, { kind: 'Status', code: 404, message: 'pod not found' }) : send(200, pod.log, 'text/plain');
    }
    const slices = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(url.pathname);
    if (slices && req.method === 'GET') {
      const ns = slices[1]!;
      const service = /^kubernetes\.io\/service-name=(.+)$/.exec(url.searchParams.get('labelSelector') ?? '')?.[1] ?? 'none';
      const endpoints = Array.from({ length: this.opts.servingPods ?? 1 }, (_, i) => ({
        addresses: [`10.0.0.${i + 1}`],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', namespace: ns, name: `${service}-${i}` },
      }));
      const slice = { metadata: { name: `${service}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': service } } };
      return send(200, {
        kind: 'EndpointSliceList',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: {},
        items: [{ ...slice, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', endpoints }],
      });
    }
    send(404, { kind: 'Status', code: 404, message: `the double does not serve ${req.method} ${url.pathname}` });
  }

  private runPods(ns: string, state: JobState): void {
    const spec = state.job.spec;
    const container = spec.template.spec.containers[0];
    const unschedulable = new Set(this.opts.unschedulable ?? []);
    // Where each mounted ConfigMap's files are on this machine (mountPath → folder), or why it cannot mount.
    const mounts = this.mountConfigMaps(ns, spec.template.spec, container);
    const local = (a: string) =>
      [...mounts.paths].reduce((v, [path, dir]) => v.split(`${path}/`).join(`${dir}/`), a.replace(/^\/app\//, `${this.opts.appDir}/`));
    const [, ...args] = (container.command as string[]).map(local);
    let running = 0;
    const settle = () => {
      if (running > 0) return;
      const failed = state.pods.filter((p) => p.phase === 'Failed').length;
      if (unschedulable.size > 0)
        state.conditions.push({
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        });
      else if (failed > 0)
        state.conditions.push({ type: 'Failed', status: 'True', reason: 'FailedIndexes', message: 'Job has failed indexes' });
      else state.conditions.push({ type: 'Complete', status: 'True' });
      state.finish();
    };
    for (let index = 0; index < spec.completions; index++) {
      if (unschedulable.has(index)) continue;
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', JOB_COMPLETION_INDEX: String(index) };
      for (const e of container.env as Obj[]) {
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref === undefined ? e.value : this.opts.secrets?.[ref.name]?.[ref.key];
        if (value !== undefined) env[e.name] = local(value);
      }
      const pod: Pod = {
        name: `${state.job.metadata.name}-${index}-x${index}`,
        index,
        phase: 'Running',
        log: '',
        created: new Date().toISOString(),
      };
      state.pods.push(pod);
      if (mounts.problem !== undefined) {
        pod.phase = 'Failed';
        pod.exitCode = 128;
        pod.log = mounts.problem;
        continue;
      }
      running++;
      const child = spawn(process.execPath, args, { env, cwd: this.opts.appDir, timeout: CHILD_DEADLINE_MS });
      child.stdout.on('data', (b: Buffer) => (pod.log += b.toString()));
      child.stderr.on('data', (b: Buffer) => (pod.log += b.toString()));
      child.on('close', (code) => {
        pod.phase = code === 0 ? 'Succeeded' : 'Failed';
        pod.exitCode = code ?? 137;
        running--;
        settle();
      });
    }
    if (running === 0) settle();
  }

  /** The container's configMap volumes as folders holding their files (data as text, binaryData decoded). */
  private mountConfigMaps(ns: string, podSpec: Obj, container: Obj): { paths: Map<string, string>; problem?: string } {
    const paths = new Map<string, string>();
    for (const mount of (container.volumeMounts ?? []) as Obj[]) {
      const volume = ((podSpec.volumes ?? []) as Obj[]).find((v) => v.name === mount.name);
      if (volume?.configMap === undefined) continue;
      const cm = this.configMaps.get(`${ns}/${volume.configMap.name}`);
      if (cm === undefined)
        return { paths, problem: `MountVolume.SetUp failed for volume "${mount.name}" : configmap "${volume.configMap.name}" not found` };
      this.dir ??= tempDir('job-double-');
      const dir = join(this.dir, `${volume.configMap.name}-${paths.size}`);
      mkdirSync(dir, { recursive: true });
      for (const [key, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) writeFileSync(join(dir, key), text);
      for (const [key, b64] of Object.entries((cm.binaryData ?? {}) as Record<string, string>))
        writeFileSync(join(dir, key), Buffer.from(b64, 'base64'));
      paths.set(mount.mountPath, dir);
    }
    return { paths };
  }

  private jobView(state: JobState): Obj {
    const count = (phase: Pod['phase']) => state.pods.filter((p) => p.phase === phase).length;
    return {
      ...state.job,
      status: { active: count('Running'), succeeded: count('Succeeded'), failed: count('Failed'), conditions: state.conditions },
    };
  }

  private podView(ns: string, state: JobState, p: Pod): Obj {
    const labels = {
      ...state.job.spec.template.metadata.labels,
      'batch.kubernetes.io/job-name': state.job.metadata.name,
      'batch.kubernetes.io/job-completion-index': String(p.index),
    };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: ns, labels, creationTimestamp: p.created },
      spec: state.job.spec.template.spec,
      status: {
        phase: p.phase,
        containerStatuses: [
          {
            name: 'worker',
            ready: p.phase === 'Running',
            restartCount: 0,
            image: state.job.spec.template.spec.containers[0].image,
            imageID: '',
            state:
              p.exitCode === undefined
                ? { running: {} }
                : { terminated: { exitCode: p.exitCode, reason: p.exitCode === 0 ? 'Completed' : 'Error' } },
          },
        ],
      },
    };
  }
}
