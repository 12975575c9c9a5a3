/**
 * The way in to a private API endpoint: a small instance in a private subnet that AWS Systems
 * Manager manages. It has no inbound rules, no public address and no SSH key; an operator (or
 * CI job) with `ssm:StartSession` opens a Session Manager port forward through it to the EKS
 * endpoint, and `pulumi up` with `cluster.apiTunnelPort` talks to the cluster over that tunnel
 * with the operator's own EKS access entry. Sessions are logged by CloudTrail.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Public SSM parameter with the newest Amazon Linux 2023 AMI (SSM agent preinstalled), arm64. */
export const ACCESS_HOST_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';
/** Graviton, the smallest size: the host only relays TCP. */
export const ACCESS_HOST_INSTANCE_TYPE = 't4g.nano';
/** The SSM document that forwards a local port to a host the instance can reach. */
export const PORT_FORWARD_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost';

export interface AccessHostArgs {
  readonly vpcId: pulumi.Input<string>;
  /** A private subnet with a route to SSM (NAT or interface endpoints). */
  readonly subnetId: pulumi.Input<string>;
  readonly vpcCidr: string;
  /** The security group on the control plane's interfaces: it gets HTTPS from the host. */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
}

/** An SSM-managed relay to the private API endpoint. */
export class AccessHost extends pulumi.ComponentResource {
  readonly instance: aws.ec2.Instance;
  readonly securityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: AccessHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super('llm-platform:infra:AccessHost', name, {}, opts);
    const parent = { parent: this };

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: 'EKS API access host: Session Manager only',
        assumeRolePolicy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] }],
        }),
      },
      parent,
    );
    const core = new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, parent);

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: 'EKS API access host: no inbound; HTTPS out to the API endpoint and to Systems Manager',
        ingress: [],
        egress: [
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [args.vpcCidr], description: 'the private API endpoint' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'], description: 'Systems Manager through NAT' },
        ],
      },
      parent,
    );
    new aws.ec2.SecurityGroupRule(
      `${name}-api`,
      {
        type: 'ingress',
        securityGroupId: args.clusterSecurityGroupId,
        sourceSecurityGroupId: this.securityGroup.id,
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        description: 'Kubernetes API from the access host',
      },
      parent,
    );

    const ami = aws.ssm.getParameterOutput({ name: ACCESS_HOST_AMI_PARAMETER }, parent).value;
    this.instance = new aws.ec2.Instance(
      `${name}`,
      {
        ami,
        instanceType: ACCESS_HOST_INSTANCE_TYPE,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [this.securityGroup.id],
        iamInstanceProfile: profile.name,
        associatePublicIpAddress: false,
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: 'gp3', volumeSize: 10, encrypted: true, deleteOnTermination: true },
        tags: { Name: `${name}` },
      },
      {
        parent: this,
        dependsOn: [core],
        // A new AMI every few weeks would replace the host mid-session; refresh it on purpose with
        // `pulumi up --replace <urn>` (infra/README.md). Remove when a patch baseline manages it.
        ignoreChanges: ['ami'],
      },
    );
    this.registerOutputs({ instanceId: this.instance.id });
  }
}
