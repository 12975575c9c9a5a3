/** The Kubernetes and OCI grammars in facts/kubernetes.ts, on the examples their sources give. */
import { describe, expect, it } from 'vitest';
import { DNS1123_LABEL, LABEL_VALUE, OCI, OCI_REPOSITORY, PLAIN_DECIMAL } from '../../facts/kubernetes';
import { isLabelKey, parseImageReference } from '../../config/fields';

describe('label syntax (IsQualifiedName, IsValidLabelValue)', () => {
  it.each(['release', 'app.kubernetes.io/name', 'example.com/my_label', 'a', 'A-1.b_2'])('accepts the key %s', (k) => {
    expect(isLabelKey(k)).toBe(true);
  });
  it.each(['', 'release name', '-release', 'release-', 'Example.com/x', 'a/b/c', '/name', 'x'.repeat(64), `${'a'.repeat(254)}/x`])(
    'refuses the key %j',
    (k) => expect(isLabelKey(k)).toBe(false),
  );
  it('takes values of up to 63 characters, or none', () => {
    for (const v of ['', 'kube-prometheus-stack', 'v1.2_3', 'x'.repeat(63)]) expect(v).toMatch(LABEL_VALUE.pattern);
    for (const v of ['ml platform', '-x', 'x-', 'a/b']) expect(v).not.toMatch(LABEL_VALUE.pattern);
    expect('x'.repeat(64).length).toBeGreaterThan(LABEL_VALUE.maxLength);
  });
  it('names namespaces with DNS-1123 labels', () => {
    expect('llm-baseline').toMatch(DNS1123_LABEL.pattern);
    expect('LLM').not.toMatch(DNS1123_LABEL.pattern);
  });
});

describe('image references (distribution/reference)', () => {
  it.each([
    ['vllm/vllm-openai:v0.18.0', { repository: 'vllm/vllm-openai', tag: 'v0.18.0' }],
    ['public.ecr.aws/aws-cli/aws-cli:2.22.35', { repository: 'public.ecr.aws/aws-cli/aws-cli', tag: '2.22.35' }],
    ['localhost:5000/vllm', { repository: 'localhost:5000/vllm' }],
    ['registry:5000/team/vllm:v1', { repository: 'registry:5000/team/vllm', tag: 'v1' }],
    [`vllm/vllm-openai@sha256:${'a'.repeat(64)}`, { repository: 'vllm/vllm-openai', digest: `sha256:${'a'.repeat(64)}` }],
    [`vllm/vllm-openai:v1@sha512:${'b'.repeat(128)}`, { repository: 'vllm/vllm-openai', tag: 'v1', digest: `sha512:${'b'.repeat(128)}` }],
  ])('parses %s', (ref, parts) => {
    expect(parseImageReference(ref)).toEqual({ tag: undefined, digest: undefined, ...parts });
  });

  it.each([
    'Vllm/vllm-openai:v1',
    'vllm/vllm openai:v1',
    'vllm/vllm-openai:v0.18.0 ',
    'vllm/vllm-openai:v0.18.0\u200b',
    'vllm//vllm:v1',
    'vllm/vllm-openai:.v1',
    `vllm/vllm-openai:${'v'.repeat(129)}`,
    'vllm/vllm-openai@sha256:abc',
    `vllm/vllm-openai@md5:${'a'.repeat(32)}`,
    '',
  ])('refuses %j', (ref) => expect(parseImageReference(ref)).toBeUndefined());

  it('caps tags at 128 characters and repository names at 255', () => {
    expect('v'.repeat(128)).toMatch(OCI.tag);
    expect('v'.repeat(129)).not.toMatch(OCI.tag);
    expect(OCI.nameMaxLength).toBe(255);
    expect('a/b').toMatch(OCI_REPOSITORY);
  });
});

describe('quantities', () => {
  it('are written as plain decimals', () => {
    for (const n of [60, 0.5, 12.25, 16384]) expect(String(n)).toMatch(PLAIN_DECIMAL);
    for (const n of [1e-7, 1e21]) expect(String(n)).not.toMatch(PLAIN_DECIMAL);
  });
});
