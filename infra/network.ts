/**
 * The VPC: one private subnet per zone for nodes and pods, one small public subnet per zone for
 * the NAT gateways and load balancers, an S3 gateway endpoint so model weights pulled from the
 * registry bucket stay on the AWS network (and off the NAT bill), and optionally VPC flow logs.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyDocument } from './iam';

/** Subnet ranges of one zone. */
export interface ZoneSubnets {
  /** Nodes and pods (the VPC CNI gives every pod a VPC address): a quarter of the VPC. */
  readonly private: string;
  /** NAT gateway and load balancers only: a sixteenth of the last quarter. */
  readonly public: string;
}

function toAddress(dotted: string): number {
  return dotted.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function toDotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/**
 * Split `vpcCidr` into per-zone subnets. The VPC is cut into four quarters: zones 0-2 take one
 * each for their private subnet, and the fourth quarter holds the public subnets. The config
 * schema guarantees a /16-/20 network address, so every subnet is at least a /26.
 */
export function subnetLayout(vpcCidr: string, zoneCount: number): ZoneSubnets[] {
  const [base, bits] = vpcCidr.split('/') as [string, string];
  const prefix = Number(bits);
  const start = toAddress(base);
  const quarter = 2 ** (32 - prefix - 2);
  const publicSize = quarter / 16;
  return Array.from({ length: zoneCount }, (_, i) => ({
    private: `${toDotted(start + i * quarter)}/${prefix + 2}`,
    public: `${toDotted(start + 3 * quarter + i * publicSize)}/${prefix + 6}`,
  }));
}

export interface NetworkArgs {
  readonly vpcCidr: string;
  readonly availabilityZoneCount: number;
  /** `single`: one NAT gateway for all zones; `perZone`: no zone depends on another's. */
  readonly natGateways: 'single' | 'perZone';
  readonly region: string;
  /** Used in Name tags. */
  readonly clusterName: string;
  readonly accountId: pulumi.Input<string>;
  /** VPC flow logs (all traffic) to CloudWatch Logs kept this many days. @default - no flow logs */
  readonly flowLogRetentionDays?: number;
}

/** VPC, subnets, NAT and the S3 gateway endpoint. */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  /** Private subnet ids in zone order. */
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly availabilityZones: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:Network', name, {}, opts);
    const parent = { parent: this };
    const tag = (suffix: string, extra: Record<string, string> = {}) => ({ Name: `${args.clusterName}-${suffix}`, ...extra });
    const zoneCount = args.availabilityZoneCount;

    const zones = aws
      .getAvailabilityZonesOutput({ state: 'available', filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }] }, parent)
      .names.apply((names) => {
        // Invokes run during preview too, so this fails `pulumi up` before anything is created.
        if (names.length < zoneCount) {
          throw new Error(
            `network.availabilityZoneCount ${zoneCount} is more than the ${names.length} zones ${args.region} offers (${names.join(', ')}); lower availabilityZoneCount`,
          );
        }
        return names.slice(0, zoneCount);
      });
    this.availabilityZones = Array.from({ length: zoneCount }, (_, i) => zones.apply((z) => z[i]!));

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tag('vpc') },
      parent,
    );
    this.vpcId = vpc.id;
    this.vpcCidr = args.vpcCidr;
    // The default security group allows all traffic between its members; nothing should use it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: tag('default') }, parent);

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tag('igw') }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: tag('public') }, parent);
    new aws.ec2.Route(
      `${name}-public-default`,
      { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id },
      parent,
    );

    const layout = subnetLayout(args.vpcCidr, zoneCount);
    const publicSubnets = layout.map((l, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: l.public,
          availabilityZone: this.availabilityZones[i],
          mapPublicIpOnLaunch: false,
          tags: tag(`public-${i}`, { 'kubernetes.io/role/elb': '1' }),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    const natCount = args.natGateways === 'perZone' ? zoneCount : 1;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: tag(`nat-${i}`) }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: publicSubnets[i]!.id, tags: tag(`nat-${i}`) },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateRouteTables = layout.map((l, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: l.private,
          availabilityZone: this.availabilityZones[i],
          tags: tag(`private-${i}`, { 'kubernetes.io/role/internal-elb': '1' }),
        },
        parent,
      );
      const routes = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: vpc.id, tags: tag(`private-${i}`) }, parent);
      new aws.ec2.Route(
        `${name}-private-default-${i}`,
        { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nats[Math.min(i, natCount - 1)]!.id },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
      return { subnet, routes };
    });
    this.privateSubnetIds = privateRouteTables.map((p) => p.subnet.id);

    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [...privateRouteTables.map((p) => p.routes.id), publicRoutes.id],
        tags: tag('s3'),
      },
      parent,
    );

    if (args.flowLogRetentionDays !== undefined) this.flowLogs(name, args, vpc, args.flowLogRetentionDays);

    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }

  /** Accepted and rejected traffic of the whole VPC into a log group with a retention. */
  private flowLogs(name: string, args: NetworkArgs, vpc: aws.ec2.Vpc, retentionDays: number): void {
    const parent = { parent: this };
    const group = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/vpc/${args.clusterName}/flow-logs`, retentionInDays: retentionDays },
      parent,
    );
    const role = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        assumeRolePolicy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
              Action: ['sts:AssumeRole'],
              Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
            },
          ],
        }),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: role.name,
        policy: policyDocument([
          {
            Sid: 'WriteFlowLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: [pulumi.interpolate`${group.arn}:*`],
          },
        ]),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      { vpcId: vpc.id, trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', logDestination: group.arn, iamRoleArn: role.arn },
      parent,
    );
  }
}
