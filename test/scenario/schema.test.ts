/**
 * The published JSON Schema (schema/scenario.schema.json) and the validator
 * (the zod schema) must agree: the committed file is what the validator
 * generates, and on valid scenario files and on broken ones, an editor using
 * the schema and balloonsim using the validator say the same thing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SCENARIO_YAML } from '../../src/scenario/default.js';
import { scenarioJsonSchemaText, scenarioFileSchema } from '../../src/scenario/schema.js';
import { gridFileSchema } from '../../src/sweep/grid.js';
import { gridJsonSchemaText } from '../../src/sweep/json-schema.js';
import { assertProperty, propertyParams } from '../support/fc.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const published = (file: string): string => readFileSync(join(ROOT, 'schema', file), 'utf8');

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
type AjvLike = { compile: (schema: unknown) => Validate };
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as new (options: Record<string, unknown>) => AjvLike;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
const schemaValid = ajv.compile(JSON.parse(published('scenario.schema.json')));
const validatorValid = (data: unknown): boolean => scenarioFileSchema.safeParse(data).success;

describe('the published schemas', () => {
  it('are what the validators generate (run `npm run schema` after changing a zod schema)', () => {
    expect(published('scenario.schema.json')).toBe(scenarioJsonSchemaText());
    expect(published('grid.schema.json')).toBe(gridJsonSchemaText());
  });

  it('the grid schema accepts the example grids', () => {
    const gridValid = ajv.compile(JSON.parse(published('grid.schema.json')));
    const dir = join(ROOT, 'examples', 'sweeps');
    for (const file of readdirSync(dir)) {
      const data: unknown = parseYaml(readFileSync(join(dir, file), 'utf8'));
      expect(gridValid(data), `${file}: ${JSON.stringify(gridValid.errors)}`).toBe(true);
      expect(gridFileSchema.safeParse(data).success).toBe(true);
    }
  });
});

// ---- scenario files, valid by construction

const size = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((n) => `${n}GiB`),
  fc.integer({ min: 1, max: 4096 }).map((n) => `${n}MiB`),
  fc.constantFrom('1.5GB', '512MiB', '100 MB', '.5GiB'),
);
const duration = fc.oneof(fc.integer({ min: 1, max: 600 }).map((n) => `${n}s`), fc.constantFrom('500ms', '5m', '1h', '1.5h', '2d'));
const percent = fc.integer({ min: 1, max: 100 }).map((n) => `${n}%`);
const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/);
const curve = fc.oneof(
  size,
  size.map((constant) => ({ constant })),
  fc.array(fc.tuple(duration, size), { minLength: 1, maxLength: 3 }).map((steps) => ({ steps })),
  fc.record({ min: size, max: size, period: duration }, { requiredKeys: ['min', 'max', 'period'] }).map((sine) => ({ sine })),
  fc.record({ from: size, to: size, start: duration }, { requiredKeys: ['from', 'to'] }).map((ramp) => ({ ramp })),
  fc.record({ base: size, peak: size, every: duration, length: duration }).map((bursts) => ({ bursts })),
);
const driver = fc.oneof(
  fc.constantFrom('virtio', 'vmware', 'xen', 'hyperv'),
  fc.record(
    {
      profile: fc.constantFrom('virtio', 'vmware', 'xen', 'hyperv'),
      batch: fc.integer({ min: 1, max: 4096 }),
      inflateMode: fc.constantFrom('noretry', 'reclaim', 'free-only'),
      deflateOnOom: fc.boolean(),
      statsInterval: duration,
      freePageReporting: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);
const guest = fc.record(
  {
    name,
    count: fc.integer({ min: 1, max: 8 }),
    memory: size,
    maxMemory: size,
    minMemory: size,
    kernel: fc.oneof(size, percent),
    shares: fc.integer({ min: 1, max: 10_000 }),
    swap: size,
    driver,
    workload: fc.array(
      fc.record({ kind: fc.constantFrom('anon', 'file'), size: curve, hot: fc.oneof(percent, fc.double({ min: 0, max: 1, noNaN: true })), name }, { requiredKeys: ['kind', 'size'] }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['name', 'memory'] },
);
const event = fc.oneof(
  fc.record({ at: duration, setTarget: fc.record({ guest: name, memory: fc.oneof(size, percent) }) }),
  fc.record({ at: duration, crash: name }),
);
const scenarioFile = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 20 }),
    seed: fc.nat(),
    duration,
    tick: duration,
    frameSize: fc.constantFrom('4KiB', '64KiB', '2MiB'),
    host: fc.record(
      {
        memory: size,
        reserved: size,
        swap: size,
        backing: fc.constantFrom('lazy', 'eager'),
        policy: fc.oneof(fc.constant('static'), fc.record({ kind: fc.constant('static'), period: duration }, { requiredKeys: ['kind'] })),
      },
      { requiredKeys: ['memory'] },
    ),
    guests: fc.array(guest, { minLength: 1, maxLength: 3 }),
    events: fc.array(event, { maxLength: 3 }),
  },
  { requiredKeys: ['host', 'guests'] },
);

// ---- one mistake in a valid file

type Mutation = { describe: string; apply: (file: Record<string, unknown>) => void };
const mutations: Mutation[] = [
  { describe: 'an unknown top-level key', apply: (f) => void (f['hosts'] = {}) },
  { describe: 'an unknown host key', apply: (f) => void ((f['host'] as Record<string, unknown>)['memroy'] = '1GiB') },
  { describe: 'a bare number as a size', apply: (f) => void ((f['host'] as Record<string, unknown>)['memory'] = 4096) },
  { describe: 'a host size without unit', apply: (f) => void ((f['host'] as Record<string, unknown>)['memory'] = '4096') },
  { describe: 'a guest size as a bare number', apply: (f) => void ((f['guests'] as Array<Record<string, unknown>>)[0]!['memory'] = 512) },
  { describe: 'a target without unit', apply: (f) => void (f['events'] = [{ at: '1s', setTarget: { guest: 'a', memory: '50' } }]) },
  { describe: 'a size without unit', apply: (f) => void ((f['guests'] as Array<Record<string, unknown>>)[0]!['memory'] = '512') },
  { describe: 'a duration without unit', apply: (f) => void (f['duration'] = '10') },
  { describe: 'a missing host', apply: (f) => void delete f['host'] },
  { describe: 'no guests', apply: (f) => void (f['guests'] = []) },
  { describe: 'a guest without memory', apply: (f) => void delete (f['guests'] as Array<Record<string, unknown>>)[0]!['memory'] },
  { describe: 'an unknown driver profile', apply: (f) => void ((f['guests'] as Array<Record<string, unknown>>)[0]!['driver'] = 'kvm') },
  { describe: 'an unknown backing', apply: (f) => void ((f['host'] as Record<string, unknown>)['backing'] = 'lazzy') },
  { describe: 'a fractional seed', apply: (f) => void (f['seed'] = 1.5) },
  { describe: 'a bad guest name', apply: (f) => void ((f['guests'] as Array<Record<string, unknown>>)[0]!['name'] = 'web server') },
  { describe: 'an event with no action', apply: (f) => void (f['events'] = [{ at: '1s' }]) },
  { describe: 'a hot fraction above 1', apply: (f) => void ((f['guests'] as Array<Record<string, unknown>>)[0]!['workload'] = [{ kind: 'anon', size: '1GiB', hot: 1.5 }]) },
];

describe('the validator and the published schema', () => {
  it('accept the default scenario', () => {
    const data: unknown = parseYaml(DEFAULT_SCENARIO_YAML);
    expect(schemaValid(data), JSON.stringify(schemaValid.errors)).toBe(true);
    expect(validatorValid(data)).toBe(true);
  });

  const accept = propertyParams('both accept valid scenario files', { numRuns: 300 });
  it(accept.name, () => {
    assertProperty(
      fc.property(scenarioFile, (file) => {
        expect(validatorValid(file)).toBe(true);
        expect(schemaValid(file), JSON.stringify(schemaValid.errors)).toBe(true);
      }),
      accept,
    );
  });

  const reject = propertyParams('both refuse a file with one mistake', { numRuns: 300 });
  it(reject.name, () => {
    assertProperty(
      fc.property(scenarioFile, fc.constantFrom(...mutations), (file, mutation) => {
        const broken = structuredClone(file) as Record<string, unknown>;
        mutation.apply(broken);
        expect(validatorValid(broken), `validator, ${mutation.describe}`).toBe(false);
        expect(schemaValid(broken), `schema, ${mutation.describe}`).toBe(false);
      }),
      reject,
    );
  });
});
