/** The kubeconfig the tests hand to llm-bench for a Kubernetes API double (or a server that only pretends to be one). */

/**
 * A kubeconfig's text: one cluster at `server` with a bearer `token`, context `double` (in
 * `namespace` when given). TLS verification is off: client-node refuses plain http otherwise, and
 * the doubles have no certificate.
 */
export function kubeconfigText(o: { readonly server: string; readonly token: string; readonly namespace?: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: double',
    '  cluster:',
    `    server: ${o.server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: tester',
    '  user:',
    `    token: ${o.token}`,
    'contexts:',
    '- name: double',
    '  context:',
    '    cluster: double',
    '    user: tester',
    ...(o.namespace === undefined ? [] : [`    namespace: ${o.namespace}`]),
    'current-context: double',
    '',
  ].join('\n');
}
