/**
 * AWS list prices the platform's cost figures are computed from: the one price source.
 *
 * Read on 2026-12-06 ({@link PRICES_READ_ON}). USD, Linux, shared tenancy, no Savings Plans or
 * Reserved Instances, no free tier, before tax. Every figure names where it was read; a figure
 * marked "unconfirmed" is the AWS list price as last known, but no copy of the AWS page or of a
 * dataset derived from it could be read for it on that date — check it before you rely on it,
 * or override it (`llm-platform:pricing` in `Pulumi.<env>.yaml`, or `npm run cost -- --help`).
 *
 * Sources, as cited below:
 * - [karpenter] aws/karpenter-provider-aws `pkg/providers/pricing/zz_generated.pricing_aws.go`,
 *   "generated at 2026-07-20T13:44:30Z for us-east-1" from the AWS Pricing API.
 * - [vantage] instances.vantage.sh data as committed in tsaol/aws-gpu `data/g4dn_instances.js`,
 *   "Last updated: 2026-08-26" (on-demand per region, from the AWS Pricing API).
 * - [eks-blog] AWS Containers blog "Amazon EKS extended support for Kubernetes versions pricing":
 *   $0.60 per cluster-hour in extended support, $0.10 in standard support.
 * - [efs-page] aws.amazon.com/efs/pricing (stored copy): Standard storage $0.30/GB-month.
 * - [third-party 2026] cost guides read 2026-12-06 that quote the AWS pricing pages of 2026:
 *   cloudburn.io, basavytix.com, wring.co (NAT gateway, KMS), awsnegotiations.com (ELB),
 *   c3x.dev and hykell.com (CloudWatch Logs, us-east-1, June 2026), and a Frankfurt price sheet
 *   in a public repository (`costs.py`, "PRICES_AS_OF 2026": t3, EBS gp3, NAT, ELB in eu-central-1).
 *
 * This module is data: it imports nothing from the project, and the price lookups that apply
 * overrides live in bench/cost/prices.ts.
 */

/** The date every figure here was read or checked. */
export const PRICES_READ_ON = '2026-12-06';

/** AWS bills a month as 730 hours (8,760 / 12) in its calculators and price pages. */
export const HOURS_PER_MONTH = 730;

/** Regions with a full price sheet here. */
export const PRICED_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'] as const;
export type PricedRegion = (typeof PRICED_REGIONS)[number];

/**
 * EC2 on-demand USD per instance-hour, by region. GPU types other than g4dn are priced only in
 * us-east-1; elsewhere they need an override (`pricing.instanceHourlyUsd`).
 */
export const EC2_ON_DEMAND_USD_PER_HOUR: Readonly<Record<PricedRegion, Readonly<Record<string, number>>>> = {
  // [karpenter] for every type; g4dn also [vantage], identical.
  'us-east-1': {
    'g4dn.xlarge': 0.526,
    'g4dn.2xlarge': 0.752,
    'g4dn.4xlarge': 1.204,
    'g4dn.8xlarge': 2.176,
    'g4dn.12xlarge': 3.912,
    'g5.xlarge': 1.006,
    'g5.2xlarge': 1.212,
    'g6.xlarge': 0.8048,
    'g6.2xlarge': 0.9776,
    'g6e.xlarge': 1.861,
    't3.medium': 0.0416,
    't3.large': 0.0832,
    't3.xlarge': 0.1664,
    't3.2xlarge': 0.3328,
  },
  // g4dn: [vantage]. t3: unconfirmed (the AWS list has us-west-2 equal to us-east-1 for t3).
  'us-west-2': {
    'g4dn.xlarge': 0.526,
    'g4dn.2xlarge': 0.752,
    'g4dn.4xlarge': 1.204,
    'g4dn.8xlarge': 2.176,
    'g4dn.12xlarge': 3.912,
    't3.medium': 0.0416,
    't3.large': 0.0832,
    't3.xlarge': 0.1664,
    't3.2xlarge': 0.3328,
  },
  // g4dn: [vantage]. t3: unconfirmed.
  'eu-west-1': {
    'g4dn.xlarge': 0.587,
    'g4dn.2xlarge': 0.838,
    'g4dn.4xlarge': 1.342,
    'g4dn.8xlarge': 2.426,
    'g4dn.12xlarge': 4.362,
    't3.medium': 0.0456,
    't3.large': 0.0912,
    't3.xlarge': 0.1824,
    't3.2xlarge': 0.3648,
  },
  // g4dn: [vantage]. t3.medium/large/xlarge: [third-party 2026] Frankfurt sheet. t3.2xlarge: unconfirmed.
  'eu-central-1': {
    'g4dn.xlarge': 0.658,
    'g4dn.2xlarge': 0.94,
    'g4dn.4xlarge': 1.505,
    'g4dn.8xlarge': 2.72,
    'g4dn.12xlarge': 4.89,
    't3.medium': 0.048,
    't3.large': 0.096,
    't3.xlarge': 0.192,
    't3.2xlarge': 0.384,
  },
};

/**
 * The default SPOT price: on-demand minus this share. AWS advertises "up to 90%" off; g4dn.xlarge
 * in us-east-1 has traded around $0.16-0.25/h (52-70% off) in public reports. 60% is the
 * conservative middle of that band. Unconfirmed for today: the SPOT price page renders its table
 * with a script and no stored copy held g4dn figures. Override with `pricing.spotDiscount`, or a
 * measured price per type with `pricing.instanceHourlyUsd.<type>.spot`.
 */
export const DEFAULT_SPOT_DISCOUNT = 0.6;

/**
 * EKS control plane, USD per cluster-hour [eks-blog]. Extended support is billed only while the
 * cluster's Kubernetes version is past its end of standard support (14 months after release).
 */
export const EKS_CONTROL_PLANE_USD_PER_HOUR = { standard: 0.1, extended: 0.6 } as const;

/** Prices that differ by region, for the services the platform runs besides EC2. */
export interface RegionalServicePrices {
  /** EBS gp3 storage per GB-month (the baseline 3,000 IOPS / 125 MB/s are included). */
  readonly ebsGp3UsdPerGbMonth: number;
  /** EFS Standard (Regional) storage per GB-month, billed for bytes stored. */
  readonly efsStandardUsdPerGbMonth: number;
  /** NAT gateway per hour, before its public IPv4 address. */
  readonly natGatewayUsdPerHour: number;
  /** NAT gateway per GB processed, either direction. */
  readonly natGatewayUsdPerGb: number;
  readonly albUsdPerHour: number;
  readonly albUsdPerLcuHour: number;
  readonly nlbUsdPerHour: number;
  readonly nlbUsdPerNlcuHour: number;
  /** CloudWatch Logs (Standard class) ingestion per GB; EKS control-plane logs are billed here. */
  readonly cloudWatchLogsIngestUsdPerGb: number;
  /** CloudWatch Logs storage per GB-month (compressed). */
  readonly cloudWatchLogsStoreUsdPerGbMonth: number;
}

export const REGIONAL_SERVICE_PRICES: Readonly<Record<PricedRegion, RegionalServicePrices>> = {
  'us-east-1': {
    ebsGp3UsdPerGbMonth: 0.08, // [third-party 2026] several guides quoting the EBS page
    efsStandardUsdPerGbMonth: 0.3, // [efs-page]
    natGatewayUsdPerHour: 0.045, // [third-party 2026] cloudburn.io, basavytix.com, wring.co
    natGatewayUsdPerGb: 0.045, // same
    albUsdPerHour: 0.0225, // [third-party 2026] awsnegotiations.com
    albUsdPerLcuHour: 0.008, // same
    nlbUsdPerHour: 0.0225, // same
    nlbUsdPerNlcuHour: 0.006, // same
    cloudWatchLogsIngestUsdPerGb: 0.5, // [third-party 2026] c3x.dev, hykell.com
    cloudWatchLogsStoreUsdPerGbMonth: 0.03, // same
  },
  // NAT: [third-party 2026] cloudpipelines "US West (Oregon) ~$0.045". The rest unconfirmed: the
  // AWS list has us-west-2 equal to us-east-1 for these services.
  'us-west-2': {
    ebsGp3UsdPerGbMonth: 0.08,
    efsStandardUsdPerGbMonth: 0.3,
    natGatewayUsdPerHour: 0.045,
    natGatewayUsdPerGb: 0.045,
    albUsdPerHour: 0.0225,
    albUsdPerLcuHour: 0.008,
    nlbUsdPerHour: 0.0225,
    nlbUsdPerNlcuHour: 0.006,
    cloudWatchLogsIngestUsdPerGb: 0.5,
    cloudWatchLogsStoreUsdPerGbMonth: 0.03,
  },
  // NAT: [third-party 2026] cloudpipelines "Europe (Ireland, Frankfurt, London) ~$0.048-0.052";
  // Ireland is the low end. Everything else unconfirmed.
  'eu-west-1': {
    ebsGp3UsdPerGbMonth: 0.088,
    efsStandardUsdPerGbMonth: 0.33,
    natGatewayUsdPerHour: 0.048,
    natGatewayUsdPerGb: 0.048,
    albUsdPerHour: 0.0252,
    albUsdPerLcuHour: 0.008,
    nlbUsdPerHour: 0.0252,
    nlbUsdPerNlcuHour: 0.006,
    cloudWatchLogsIngestUsdPerGb: 0.57,
    cloudWatchLogsStoreUsdPerGbMonth: 0.03,
  },
  // EBS, NAT hourly, ALB/NLB hourly: [third-party 2026] Frankfurt sheet. The rest unconfirmed.
  'eu-central-1': {
    ebsGp3UsdPerGbMonth: 0.0952,
    efsStandardUsdPerGbMonth: 0.36,
    natGatewayUsdPerHour: 0.052,
    natGatewayUsdPerGb: 0.052,
    albUsdPerHour: 0.027,
    albUsdPerLcuHour: 0.008,
    nlbUsdPerHour: 0.027,
    nlbUsdPerNlcuHour: 0.006,
    cloudWatchLogsIngestUsdPerGb: 0.63,
    cloudWatchLogsStoreUsdPerGbMonth: 0.0324,
  },
};

/** Every public IPv4 address (a NAT gateway's Elastic IP too), in use or idle, since 2024-02 [third-party 2026]. */
export const PUBLIC_IPV4_USD_PER_HOUR = 0.005;

/** A customer managed KMS key per month, and requests beyond the 20,000 free each month [third-party 2026] wring.co. */
export const KMS = { keyUsdPerMonth: 1, usdPer10kRequests: 0.03, freeRequestsPerMonth: 20_000 } as const;

/**
 * Secrets Manager per secret-month and per 10,000 API calls. Unconfirmed: the stored copy read
 * today with these figures was another provider's page of the same shape, not AWS's.
 */
export const SECRETS_MANAGER = { secretUsdPerMonth: 0.4, usdPer10kCalls: 0.05 } as const;
