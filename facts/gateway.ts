/**
 * Facts about the front door's upstream projects: releases and their compatibility, each with
 * where it was read (its load balancer's prices are in facts/prices.ts, the one price source). Read on 2026-12-06. A leaf module: it imports nothing from the project.
 */

/** A release as published, with its source. */
export interface Release {
  readonly version: string;
  readonly released: string;
  readonly source: string;
}

/**
 * Envoy Gateway: the Gateway API implementation. v1.8.3 is the newest 1.8 patch; 1.9.0
 * (2026-08-15) exists but Envoy AI Gateway 1.1 is tested against 1.8 (see below).
 */
export const ENVOY_GATEWAY: Release & { readonly gatewayApi: string; readonly chart: string } = {
  version: 'v1.8.3',
  released: '2026-07-22',
  gatewayApi: 'v1.5.1',
  chart: 'oci://docker.io/envoyproxy/gateway-helm',
  source: 'github.com/envoyproxy/gateway tag v1.8.3 (commit 94850d4), go.mod sigs.k8s.io/gateway-api v1.5.1',
};

/** Envoy AI Gateway: routing on the body's model, model name override, token costs. */
export const ENVOY_AI_GATEWAY: Release & {
  readonly minEnvoyGateway: string;
  readonly gatewayApi: string;
  readonly crdChart: string;
  readonly chart: string;
} = {
  version: 'v1.1.0',
  released: '2026-08-21',
  minEnvoyGateway: 'v1.8.1',
  gatewayApi: 'v1.5.x',
  crdChart: 'oci://docker.io/envoyproxy/ai-gateway-crds-helm',
  chart: 'oci://docker.io/envoyproxy/ai-gateway-helm',
  source:
    'github.com/envoyproxy/ai-gateway tag v1.1.0 (commit c217da8): release-notes/v1.1.0.md, site/docs/compatibility.md; 1.0 GA on 2026-06-23 (v1.0.0 tag)',
};

/** AWS Load Balancer Controller: Services of class service.k8s.aws/nlb become NLBs. */
export const AWS_LOAD_BALANCER_CONTROLLER: Release & { readonly chart: string; readonly repo: string } = {
  version: '3.5.0',
  released: '2026-08-03',
  chart: 'aws-load-balancer-controller',
  repo: 'https://aws.github.io/eks-charts',
  source:
    'github.com/kubernetes-sigs/aws-load-balancer-controller tag v3.5.0: helm/aws-load-balancer-controller/Chart.yaml (chart 3.5.0 = app v3.5.0), docs/guide/service/annotations.md',
};

/** The rate limiter's counter store: Valkey (BSD-3-Clause), the official image. */
export const VALKEY_IMAGE = { image: 'valkey/valkey:8.1.1', source: 'hub.docker.com/r/valkey/valkey (8.1.1, 2025-04)' } as const;
