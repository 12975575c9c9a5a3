/**
 * Model variants seeded into the Kubernetes double, shaped like constructs/vllm-model.ts renders
 * them (labels, selectors, the vllm container's model argument, the registry-sync init container).
 */
import { KubeClient } from '../../../../bench/kube/client';
import { registryCachePath, selectorLabels, TRACK_LABEL, type Track } from '../../../../bench/kube/layout';
import { type DoubleOptions, KubeDouble, type PodTemplate } from './kube-double';

export const NS = 'llm-baseline';
export const BUCKET = 'llm-models';
export const uriOf = (name: string, version: string) => `s3://${BUCKET}/models/${name}/v${version}/`;

/** A pod template for a variant: `image` and where the weights come from. */
export function template(
  name: string,
  o: {
    readonly image?: string;
    readonly source?: { kind: 'hf'; model: string } | { kind: 'sync' | 'stream'; uri: string };
    readonly track?: Track;
  },
): PodTemplate {
  const labels = {
    ...selectorLabels(name),
    'app.kubernetes.io/component': 'inference',
    ...(o.track !== undefined && { [TRACK_LABEL]: o.track }),
  };
  const source = o.source ?? { kind: 'hf', model: 'TheBloke/Mistral-7B-Instruct-v0.2-AWQ' };
  // `vllm serve <model>`: the model is the first argument, as constructs/vllm-model.ts emits it.
  const model =
    source.kind === 'hf'
      ? [source.model]
      : source.kind === 'stream'
        ? [source.uri, '--load-format', 'runai_streamer']
        : [registryCachePath(source.uri)];
  return {
    metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': 'vllm' } },
    spec: {
      containers: [
        { name: 'vllm', image: o.image ?? 'vllm/vllm-openai:v0.18.0', args: [...model, '--served-model-name', name, '--port', '8000'] },
      ],
      ...(source.kind === 'sync' && {
        initContainers: [
          {
            name: 'registry-sync',
            image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35',
            command: ['aws', 's3', 'sync', source.uri, registryCachePath(source.uri), '--only-show-errors', '--no-progress'],
          },
        ],
      }),
    },
  };
}

/** A rolling-update variant with `history` revisions before the current one. */
export function seedRolling(
  double: KubeDouble,
  name: string,
  o: {
    readonly replicas: number;
    readonly current: PodTemplate;
    readonly history?: readonly PodTemplate[];
    readonly strategy?: 'RollingUpdate' | 'Recreate';
  },
): void {
  double.addDeployment({
    namespace: NS,
    name,
    selector: selectorLabels(name),
    template: o.current,
    replicas: o.replicas,
    history: o.history ?? [],
    strategy: o.strategy ?? 'RollingUpdate',
  });
  double.addService({ namespace: NS, name, selector: selectorLabels(name) });
}

/** A blue/green variant: both tracks, the variant's Service on `active`, per-track Services. */
export function seedBlueGreen(
  double: KubeDouble,
  name: string,
  o: {
    readonly active: Track;
    readonly activeReplicas: number;
    readonly standbyReplicas: number;
    readonly templates: Record<Track, PodTemplate>;
  },
): void {
  for (const track of ['blue', 'green'] as const) {
    const selector = { ...selectorLabels(name), [TRACK_LABEL]: track };
    double.addDeployment({
      namespace: NS,
      name: `${name}-${track}`,
      selector,
      template: o.templates[track],
      replicas: track === o.active ? o.activeReplicas : o.standbyReplicas,
    });
    double.addService({ namespace: NS, name: `${name}-${track}`, selector });
  }
  double.addService({ namespace: NS, name, selector: { ...selectorLabels(name), [TRACK_LABEL]: o.active } });
}

/** A started double, its kubeconfig, and a client built from that kubeconfig. */
export async function startDouble(opts: DoubleOptions = {}): Promise<{ double: KubeDouble; kubeconfig: string; kube: KubeClient }> {
  const double = await new KubeDouble(opts).start();
  const kubeconfig = await double.writeKubeconfig(NS);
  return { double, kubeconfig, kube: KubeClient.connect({ kubeconfig, env: {} }) };
}
