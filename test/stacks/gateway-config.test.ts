/** The `gateway` config section: defaults, and every check with its full message. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parsePlatformConfig } from '../../config/platform';
import { frontDoorDescription } from '../../stacks/gateway-chart';

const SOURCE = 'Pulumi.test.yaml';
const ARN = 'arn:aws:acm:us-east-1:210987654321:certificate/11111111-2222-3333-4444-555555555555';
const ON = { enabled: true, hostname: 'llm.team.internal-corp.net', certificateArn: ARN };
const ADAPTERS = { lora: { adapters: [{ name: 'support-tone', source: { kind: 'huggingface', repo: 'org/support-tone' } }] } };
const parse = (settings: Record<string, unknown>) => parsePlatformConfig(settings, 'test', SOURCE);

function problemsOf(settings: Record<string, unknown>): readonly string[] {
  try {
    parse(settings);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

describe('gateway defaults', () => {
  it('keeps the front door off until an environment gives it a name and a certificate', () => {
    expect(parse({}).gateway).toEqual({
      enabled: false,
      sourceCidrs: ['0.0.0.0/0'],
      replicas: 2,
      apiKeysName: 'llm-platform/gateway-api-keys',
      rateLimit: { requestsPerSecondPerKey: 10, requestsPerSecond: 100, tokensPerMinutePerKey: 100_000 },
      timeoutSec: 900,
      routes: [],
    });
  });

  it('accepts an enabled front door with an A/B route and describes it for the post-deploy checks', () => {
    const c = parse({
      models: ADAPTERS,
      gateway: {
        ...ON,
        routes: [
          {
            model: 'assistant',
            backends: [
              { variant: 'awq', weight: 50 },
              { variant: 'lora/support-tone', weight: 50 },
            ],
          },
        ],
      },
    });
    expect(c.warnings).toEqual([]);
    expect(frontDoorDescription(c)).toEqual({
      url: 'https://llm.team.internal-corp.net',
      backendHeader: 'x-llm-backend',
      models: ['mistral-7b-awq', 'mistral-7b-fp16', 'mistral-7b-lora', 'support-tone', 'mistral-7b-judge', 'assistant'],
      rateLimit: { requestsPerSecondPerKey: 10, requestsPerSecond: 100, tokensPerMinutePerKey: 100_000 },
      routes: [
        {
          model: 'assistant',
          backends: [
            { name: 'mistral-7b-awq', model: 'mistral-7b-awq', weight: 50 },
            { name: 'mistral-7b-lora--support-tone', model: 'support-tone', weight: 50 },
          ],
        },
      ],
    });
  });

  it('turns the token budget off with null and describes no front door when disabled', () => {
    expect(parse({ gateway: { ...ON, rateLimit: { tokensPerMinutePerKey: null } } }).gateway.rateLimit.tokensPerMinutePerKey).toBeNull();
    expect(frontDoorDescription(parse({}))).toBeUndefined();
  });
});

describe('gateway validation', () => {
  it('fails when an enabled front door has no hostname or certificate', () => {
    expect(problemsOf({ gateway: { enabled: true } })).toEqual([
      'gateway.hostname is required while gateway.enabled is true, got nothing; set the DNS name clients call, e.g. llm.example.com',
      'gateway.certificateArn is required while gateway.enabled is true, got nothing; request an ACM certificate for the hostname and set its ARN',
    ]);
  });

  it('fails when the certificate is not an ACM ARN or the hostname not a DNS name', () => {
    expect(problemsOf({ gateway: { ...ON, hostname: 'LLM_host', certificateArn: 'arn:aws:iam::1:role/x' } })).toEqual([
      'gateway.hostname must be a lowercase DNS name like llm.example.com, got "LLM_host"',
      'gateway.certificateArn must be an ACM certificate ARN like arn:aws:acm:us-east-1:<account>:certificate/<id>, got "arn:aws:iam::1:role/x"',
    ]);
  });

  it('fails when prod uses a wildcard hostname, and only warns elsewhere', () => {
    expect(problemsOf({ tier: 'prod', gateway: { ...ON, hostname: '*.team.internal-corp.net' } })).toContain(
      'gateway.hostname is a wildcard, got "*.team.internal-corp.net"; name the one host clients call, e.g. team.internal-corp.net',
    );
    expect(parse({ gateway: { ...ON, hostname: '*.team.internal-corp.net' } }).warnings).toEqual([
      'gateway.hostname is a wildcard, got "*.team.internal-corp.net"; name the one host clients call, e.g. team.internal-corp.net',
    ]);
  });

  it('fails when timeouts are too short for long generations', () => {
    expect(problemsOf({ gateway: { ...ON, timeoutSec: 300 } })).toEqual(['gateway.timeoutSec must be at least 600, got 300']);
  });

  it('fails when a route names an unknown variant, a disabled one, or an adapter that is not served', () => {
    const routes = [
      {
        model: 'assistant',
        backends: [
          { variant: 'gpt4', weight: 1 },
          { variant: 'fp16', weight: 1 },
          { variant: 'lora/polite', weight: 1 },
        ],
      },
    ];
    expect(problemsOf({ models: { ...ADAPTERS, fp16: { enabled: false } }, gateway: { ...ON, routes } })).toEqual([
      'gateway.routes[0].backends[0].variant gpt4 names no variant; use one of awq, fp16, lora, judge, or lora/<adapter>',
      'gateway.routes[0].backends[1].variant fp16 names variant fp16, which this environment does not enable; enable models.fp16 or route elsewhere',
      'gateway.routes[0].backends[2].variant lora/polite names adapter polite, which models.lora.adapters does not list (support-tone); add it there or fix the name',
    ]);
  });

  it('fails when an alias shadows a served model, is routed twice, repeats a backend or has no weight', () => {
    const routes = [
      { model: 'mistral-7b-awq', backends: [{ variant: 'awq', weight: 1 }] },
      {
        model: 'assistant',
        backends: [
          { variant: 'awq', weight: 0 },
          { variant: 'awq', weight: 0 },
        ],
      },
      { model: 'assistant', backends: [{ variant: 'judge', weight: 1 }] },
    ];
    expect(problemsOf({ gateway: { ...ON, routes } })).toEqual([
      'gateway.routes[0].model mistral-7b-awq is already a model models.awq serves, so clients could not reach it directly; pick another alias',
      'gateway.routes[1].backends[1].variant awq is listed twice in the route; merge their weights',
      'gateway.routes[1].backends all have weight 0, so assistant could reach no backend; give at least one a positive weight',
      'gateway.routes[2].model assistant is routed twice; merge the two routes',
    ]);
  });

  it('fails when two adapters would become the same gateway backend', () => {
    const hub = (repo: string) => ({ kind: 'huggingface', repo });
    const models = {
      lora: {
        adapters: [
          { name: 'Support_Tone', source: hub('org/a') },
          { name: 'support-tone', source: hub('org/b') },
        ],
      },
    };
    expect(problemsOf({ models, gateway: ON })).toEqual([
      'models.lora.adapters Support_Tone and support-tone both become gateway backend mistral-7b-lora--support-tone (support-tone); rename one so they differ in more than case and punctuation',
    ]);
  });

  it('checks nothing of a disabled front door', () => {
    expect(parse({ gateway: { enabled: false, routes: [{ model: 'x', backends: [{ variant: 'nope', weight: 1 }] }] } }).warnings).toEqual(
      [],
    );
  });
});
