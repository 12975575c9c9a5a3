/**
 * Amazon EKS facts the platform plans with: the Kubernetes versions EKS still creates and their
 * support dates, the support price, the version of every EKS add-on per Kubernetes minor, the
 * Cluster Autoscaler image per minor, and where the EKS-optimized AMI release versions are
 * published. Every row names its public source and the day it was read.
 *
 * A leaf module: it imports nothing from the project. Config validation (stacks/), the Pulumi
 * components (infra/) and the tests read these rows; the policy pack keeps its own expectations.
 *
 * Refresh: read the EKS release calendar and the add-on tables again, add the new minor's row to
 * every table below (a test fails when a minor lacks an add-on version), drop a minor once its
 * extended support has ended, and change the read dates. Add-on versions can be checked against
 * AWS with `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>`.
 */

/** Where a figure was read, and when (YYYY-MM-DD). */
export interface FactSource {
  readonly url: string;
  readonly read: string;
  /** How the figure was obtained when the page is not the obvious authority. @default - none */
  readonly note?: string;
}

/** One minor version on the EKS release calendar. Dates are UTC days (YYYY-MM-DD). */
export interface EksVersionRow {
  readonly version: string;
  readonly eksRelease: string;
  /** First day of extended support: EKS bills extended support from the start of this day. */
  readonly standardSupportEnd: string;
  /** From this day EKS no longer creates the version and upgrades clusters on it by itself. */
  readonly extendedSupportEnd: string;
  readonly source: FactSource;
}

const EKS_CALENDAR: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar',
  read: '2026-12-06',
  note: 'awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc (calendar table up to 1.34)',
};

const EKS_CALENDAR_135: FactSource = {
  url: 'https://endoflife.date/amazon-eks',
  read: '2026-12-06',
  note:
    'the EKS calendar row for 1.35 as mirrored by endoflife.date; ' +
    'same dates in aws-samples sample-apex-skills eks-operation-review (verified 2026-04-24)',
};

/**
 * The Kubernetes versions EKS still creates on the read date, newest first. 1.31 is gone (its
 * extended support ended 2026-11-26). 1.36 is available on EKS (its add-ons are listed in the
 * EKS user guide) but no dated calendar row for it was found in the sources read; add it here
 * with its dates, and to the tables below, before offering it.
 */
export const EKS_VERSIONS = [
  {
    version: '1.35',
    eksRelease: '2026-01-28',
    standardSupportEnd: '2027-03-27',
    extendedSupportEnd: '2028-03-27',
    source: EKS_CALENDAR_135,
  },
  { version: '1.34', eksRelease: '2025-10-02', standardSupportEnd: '2026-12-02', extendedSupportEnd: '2027-12-02', source: EKS_CALENDAR },
  { version: '1.33', eksRelease: '2025-05-29', standardSupportEnd: '2026-07-29', extendedSupportEnd: '2027-07-29', source: EKS_CALENDAR },
  { version: '1.32', eksRelease: '2025-01-23', standardSupportEnd: '2026-03-23', extendedSupportEnd: '2027-03-23', source: EKS_CALENDAR },
] as const satisfies readonly EksVersionRow[];

/** A Kubernetes minor version EKS creates, e.g. `1.35`. */
export type KubernetesVersion = (typeof EKS_VERSIONS)[number]['version'];

/** The allowed versions, newest first. */
export const KUBERNETES_VERSIONS = EKS_VERSIONS.map((v) => v.version) as [KubernetesVersion, ...KubernetesVersion[]];

/** The newest version: the default, and the upgrade target messages name. */
export const LATEST_KUBERNETES_VERSION: KubernetesVersion = KUBERNETES_VERSIONS[0];

/** The calendar row of `version`. */
export function eksVersion(version: KubernetesVersion): EksVersionRow {
  return EKS_VERSIONS.find((v) => v.version === version)!;
}

/** Where a version stands on `day` (YYYY-MM-DD, UTC). */
export type SupportPhase = 'standard' | 'extended' | 'ended';

/** The support phase of `version` on `day`: dates compare as UTC days. */
export function supportPhase(version: KubernetesVersion, day: string): SupportPhase {
  const row = eksVersion(version);
  if (day < row.standardSupportEnd) return 'standard';
  if (day < row.extendedSupportEnd) return 'extended';
  return 'ended';
}

/** The EKS control-plane price per cluster hour. */
export const EKS_CONTROL_PLANE_USD_PER_HOUR = {
  standard: 0.1,
  extended: 0.6,
  source: { url: 'https://aws.amazon.com/eks/pricing/', read: '2026-12-06' },
} as const;

/** The EKS add-ons every cluster runs, by EKS add-on name. */
export const EKS_ADDONS = [
  'vpc-cni',
  'coredns',
  'kube-proxy',
  'eks-pod-identity-agent',
  'aws-ebs-csi-driver',
  'aws-efs-csi-driver',
  'eks-node-monitoring-agent',
] as const;
export type EksAddon = (typeof EKS_ADDONS)[number];

/** One pinned add-on version and where it was read. */
export interface AddonPin {
  readonly version: string;
  readonly source: FactSource;
}

const COREDNS_TABLE: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html#coredns-versions',
  read: '2026-12-06',
  note: 'the newest copy of the table read (the ja_jp markdown rendering, which already lists 1.36)',
};
const KUBE_PROXY_TABLE: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html#kube-proxy-versions',
  read: '2026-12-06',
  note: 'the newest copy of the table read (the ja_jp markdown rendering, which already lists 1.36)',
};
/** Add-ons whose builds serve every current minor; no per-minor table was found, so one observed build is pinned. */
const OBSERVED_2026_09: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html',
  read: '2026-12-06',
  note:
    'version a public EKS 1.36 deploy record (2026-09-16) resolved to; ' +
    'the add-on serves every current minor; confirm with describe-addon-versions',
};
const EBS_CSI_OBSERVED: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html',
  read: '2026-12-06',
  note: 'build pinned by a public EKS 1.34 addons.tf; the driver serves every current minor; confirm with describe-addon-versions',
};
const EFS_CSI_OBSERVED: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/efs-csi.html',
  read: '2026-12-06',
  note: 'driver v2.1.15 observed on EKS 1.34 in a public issue; eksbuild suffix assumed .1; confirm with describe-addon-versions',
};
const NODE_MONITORING_UPSTREAM: FactSource = {
  url: 'https://pkg.go.dev/github.com/aws/eks-node-monitoring-agent',
  read: '2026-12-06',
  note: 'latest upstream release v1.7.0 (2026-08-04); eksbuild suffix assumed .1; confirm with describe-addon-versions',
};

/** The same build for every minor (add-ons that are not tied to the Kubernetes minor). */
const everyMinor = (version: string, source: FactSource): Record<KubernetesVersion, AddonPin> =>
  Object.fromEntries(KUBERNETES_VERSIONS.map((k) => [k, { version, source }])) as Record<KubernetesVersion, AddonPin>;

const perMinor = (source: FactSource, versions: Record<KubernetesVersion, string>): Record<KubernetesVersion, AddonPin> =>
  Object.fromEntries(KUBERNETES_VERSIONS.map((k) => [k, { version: versions[k], source }])) as Record<KubernetesVersion, AddonPin>;

const BY_ADDON: Record<EksAddon, Record<KubernetesVersion, AddonPin>> = {
  'vpc-cni': everyMinor('v1.22.4-eksbuild.3', OBSERVED_2026_09),
  coredns: perMinor(COREDNS_TABLE, {
    '1.35': 'v1.14.3-eksbuild.3',
    '1.34': 'v1.13.2-eksbuild.11',
    '1.33': 'v1.12.4-eksbuild.18',
    '1.32': 'v1.11.4-eksbuild.40',
  }),
  'kube-proxy': perMinor(KUBE_PROXY_TABLE, {
    '1.35': 'v1.35.3-eksbuild.13',
    '1.34': 'v1.34.6-eksbuild.13',
    '1.33': 'v1.33.10-eksbuild.13',
    '1.32': 'v1.32.13-eksbuild.16',
  }),
  'eks-pod-identity-agent': everyMinor('v1.3.10-eksbuild.3', OBSERVED_2026_09),
  'aws-ebs-csi-driver': everyMinor('v1.55.0-eksbuild.2', EBS_CSI_OBSERVED),
  'aws-efs-csi-driver': everyMinor('v2.1.15-eksbuild.1', EFS_CSI_OBSERVED),
  'eks-node-monitoring-agent': everyMinor('v1.7.0-eksbuild.1', NODE_MONITORING_UPSTREAM),
};

/** The version of every EKS add-on, per Kubernetes minor. */
export const EKS_ADDON_VERSIONS: Readonly<Record<KubernetesVersion, Readonly<Record<EksAddon, AddonPin>>>> = Object.fromEntries(
  KUBERNETES_VERSIONS.map((k) => [k, Object.fromEntries(EKS_ADDONS.map((a) => [a, BY_ADDON[a][k]]))]),
) as Record<KubernetesVersion, Record<EksAddon, AddonPin>>;

/** The pinned version of `addon` for a cluster at `version`. */
export function addonVersion(addon: EksAddon, version: KubernetesVersion): string {
  return EKS_ADDON_VERSIONS[version][addon].version;
}

const AUTOSCALER_RELEASES: FactSource = {
  url: 'https://github.com/kubernetes/autoscaler/releases',
  read: '2026-12-06',
  note: 'the Cluster Autoscaler minor must match the cluster minor; 1.35.2 seen pinned by digest in a public deploy script',
};

/** Cluster Autoscaler image tag per Kubernetes minor (registry.k8s.io/autoscaling/cluster-autoscaler). */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<KubernetesVersion, string>> = {
  '1.35': 'v1.35.2',
  '1.34': 'v1.34.2',
  '1.33': 'v1.33.3',
  '1.32': 'v1.32.5',
};
export const CLUSTER_AUTOSCALER_SOURCE = AUTOSCALER_RELEASES;

/**
 * Public SSM parameters holding the newest EKS-optimized AMI release for a minor, in the form a
 * managed node group's `releaseVersion` takes (AL2023: `1.35.3-20260911`).
 */
const AL2023_PARAMETERS = '/aws/service/eks/optimized-ami';
export const AMI_RELEASE_PARAMETERS = {
  AL2023_x86_64_STANDARD: (k: string) => `${AL2023_PARAMETERS}/${k}/amazon-linux-2023/x86_64/standard/recommended/release_version`,
  AL2023_x86_64_NVIDIA: (k: string) => `${AL2023_PARAMETERS}/${k}/amazon-linux-2023/x86_64/nvidia/recommended/release_version`,
  BOTTLEROCKET_x86_64_NVIDIA: (k: string) => `/aws/service/bottlerocket/aws-k8s-${k}-nvidia/x86_64/latest/image_version`,
} as const;
export const AMI_RELEASE_SOURCE: FactSource = {
  url: 'https://docs.aws.amazon.com/eks/latest/userguide/retrieve-ami-id.html',
  read: '2026-12-06',
};
