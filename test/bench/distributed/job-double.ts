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
 *
 * Its Job controller runs each index's pod as a local process: the container's command with
 * `node` as this Node and `/app` as this checkout (the image's layout), the container's env, the
 * secrets it references (from `secrets`), and JOB_COMPLETION_INDEX. The process's stdout and
 * stderr are the pod's log; exit 0 is Succeeded, anything else Failed. Indexes in `unschedulable`
 * never get a pod: once the others end, the Job fails with DeadlineExceeded, as a real Job whose
 * pods stay Pending fails at its activeDeadlineSeconds. Every request needs the bearer token.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHILD_DEADLINE_MS } from '../../support/deadlines';
import { tempDir } from '../../support/temp';

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
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: double',
        '  cluster:',
        `    server: ${this.url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: tester',
        '  user:',
        `    token: ${TOKEN}`,
        'contexts:',
        '- name: double',
        '  context: {cluster: double, user: tester, namespace: ' + namespace + '}',
        'current-context: double',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Jobs that exist now, by namespace/name. */
  jobNames(): string[] {
    return [...this.jobs.keys()];
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
        const state: JobState = { job: { ...job, metadata: { ...job.metadata, namespace: ns, uid: key } }, pods: [], conditions: [] };
        this.jobs.set(key, state);
        this.runPods(ns!, state);
        return send(201, state.job);
      }
      const state = this.jobs.get(`${ns}/${name}`);
      if (state === undefined) return send(404, { kind: 'Status', code: 404, message: `jobs "${name}" not found` });
      if (req.method === 'GET') return send(200, this.jobView(state));
      if (req.method === 'DELETE') {
        this.jobs.delete(`${ns}/${name}`);
        return send(200, { kind: 'Status', status: 'Success' });
      }
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const jobName = /^batch\.kubernetes\.io\/job-name=(.+)$/.exec(selector)?.[1];
      const state = jobName === undefined ? undefined : this.jobs.get(`${m[1]}/${jobName}`);
      return send(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: state === undefined ? [] : state.pods.map((p) => this.podView(m![1]!, state, p)),
      });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const pod = [...this.jobs.values()].flatMap((s) => s.pods).find((p) => p.name === m[2]);
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
    const [, ...args] = (container.command as string[]).map((a) => a.replace(/^\/app\//, `${this.opts.appDir}/`));
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
    };
    for (let index = 0; index < spec.completions; index++) {
      if (unschedulable.has(index)) continue;
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', JOB_COMPLETION_INDEX: String(index) };
      for (const e of container.env as Obj[]) {
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref === undefined ? e.value : this.opts.secrets?.[ref.name]?.[ref.key];
        if (value !== undefined) env[e.name] = value;
      }
      const pod: Pod = {
        name: `${state.job.metadata.name}-${index}-x${index}`,
        index,
        phase: 'Running',
        log: '',
        created: new Date().toISOString(),
      };
      state.pods.push(pod);
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
    void ns;
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
