/**
 * Validation of custom resources against the CRDs copied in crds/ (their `openAPIV3Schema`), for
 * kinds no @kubernetes-models package covers on Node 20: the Gateway API, Envoy Gateway and
 * Envoy AI Gateway objects of the front door.
 *
 * The API server's structural-schema rules are applied as it applies them with strict field
 * validation: an object schema with `properties` admits no other field (unless it says
 * `x-kubernetes-preserve-unknown-fields`), `x-kubernetes-int-or-string` takes either. CEL rules
 * (`x-kubernetes-validations`) are not evaluated; the construct tests assert what they guard.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../stacks/synthesize';

/** The CRD files of the front door's kinds. */
export const GATEWAY_CRD_FILES = [
  'gateway.networking.k8s.io_gatewayclasses.yaml',
  'gateway.networking.k8s.io_gateways.yaml',
  'gateway.envoyproxy.io_envoyproxies.yaml',
  'gateway.envoyproxy.io_backends.yaml',
  'gateway.envoyproxy.io_backendtrafficpolicies.yaml',
  'gateway.envoyproxy.io_clienttrafficpolicies.yaml',
  'gateway.envoyproxy.io_securitypolicies.yaml',
  'aigateway.envoyproxy.io_aigatewayroutes.yaml',
  'aigateway.envoyproxy.io_aiservicebackends.yaml',
  'aigateway.envoyproxy.io_backendsecuritypolicies.yaml',
] as const;

type Schema = Record<string, unknown>;

/** The structural schema as JSON Schema that rejects unknown fields. */
export function structural(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([name, sub]) => [name, structural(sub)]));
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object') {
      out[k] = structural(v as Schema);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((x) => structural(x as Schema));
    } else {
      out[k] = v;
    }
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    return { ...out, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  // Only the top-level schema of an object with properties closes it; allOf/anyOf branches only constrain.
  if (out.properties !== undefined && out.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
let schemas: Map<string, Schema> | undefined;
const compiled = new Map<string, ValidateFunction>();

function load(): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const file of GATEWAY_CRD_FILES) {
    for (const doc of parseAllDocuments(readFileSync(join(PROJECT_ROOT, 'crds', file), 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          names: { kind: string };
          versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
        };
      } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions.filter((x) => x.served)) {
        const schema = structural(v.schema.openAPIV3Schema);
        // The API server owns metadata; its schema in a CRD is only `type: object`.
        (schema.properties as Record<string, Schema>).metadata = { type: 'object' };
        out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }
  return out;
}

/** A validator for `apiVersion/kind` from the copied CRDs, if one of them defines it. */
export function crdValidator(key: string): ((obj: unknown) => void) | undefined {
  schemas ??= load();
  const schema = schemas.get(key);
  if (!schema) return undefined;
  // Compiled on first use: the EnvoyProxy and BackendSecurityPolicy schemas take seconds each.
  let validate = compiled.get(key);
  if (!validate) compiled.set(key, (validate = ajv.compile(schema)));
  return (obj) => {
    if (!validate(obj)) {
      const problems = (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
      throw new Error(problems.join('; '));
    }
  };
}
