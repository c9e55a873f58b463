import { describe, expect, it } from 'vitest';
import * as api from './index.js';

/*
 * Rules over the whole public API, so a schema added later is held to them too: response
 * schemas never declare a secret; request bodies are strict and bounded; every schema is
 * plain JSON Schema that Fastify (Ajv), MongoDB and other languages read the same way.
 */

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);
const schemas = Object.entries(api).filter(([name, value]) => name.endsWith('Schema') && isNode(value)) as [string, Node][];

/** Every subschema, with its JSON pointer. */
function* walk(schema: unknown, path = '#'): Generator<[string, Node]> {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) yield* walk(item, `${path}/${i}`);
    return;
  }
  if (!isNode(schema)) return;
  yield [path, schema];
  for (const key of ['properties', 'patternProperties']) {
    const children = schema[key];
    if (isNode(children)) for (const [name, child] of Object.entries(children)) yield* walk(child, `${path}/${key}/${name}`);
  }
  for (const key of ['items', 'anyOf', 'allOf', 'oneOf', 'additionalProperties', 'not']) if (key in schema) yield* walk(schema[key], `${path}/${key}`);
}

const propertyNames = (schema: Node) => [...walk(schema)].flatMap(([, node]) => (isNode(node.properties) ? Object.keys(node.properties) : []));

const views = schemas.filter(([name]) => name.endsWith('ViewSchema'));
const requests = schemas.filter(([name]) => /(Create|Update|Request)Schema$/.test(name));

describe('public API', () => {
  it('exports a View schema per aggregate and request schemas for the APIs', () => {
    expect(views.map(([name]) => name)).toEqual(
      expect.arrayContaining(['PartnerViewSchema', 'PartnerSystemUserViewSchema', 'InternalUserViewSchema', 'UserViewSchema', 'JobViewSchema', 'JobAssignViewSchema']),
    );
    expect(requests.length).toBeGreaterThanOrEqual(10);
  });

  it.each(views)('%s declares no secret at any depth and accepts no undeclared property', (_name, schema) => {
    const names = propertyNames(schema);
    expect(names.length).toBeGreaterThan(0);
    for (const secret of ['credentials', 'password', 'ciphertext', 'secret', 'token', 'apiKey']) expect(names).not.toContain(secret);
    for (const [path, node] of walk(schema)) if (node.type === 'object' && node.properties) expect(node.additionalProperties, path).toBe(false);
  });

  it.each(requests)('%s is strict and bounded (400 on anything else)', (_name, schema) => {
    for (const [path, node] of walk(schema)) {
      if (node.type === 'object' && node.properties) expect(node.additionalProperties, `${path} additionalProperties`).toBe(false);
      if (node.type === 'string' && !('const' in node)) expect(node.maxLength, `${path} maxLength`).toBeTypeOf('number');
      if (node.type === 'array') expect(node.maxItems, `${path} maxItems`).toBeTypeOf('number');
    }
  });

  it.each(schemas)('%s is plain JSON Schema: no $id, survives JSON', (_name, schema) => {
    const json = JSON.stringify(schema);
    expect(json).not.toContain('"$id"');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(JSON.parse(json))));
    for (const [path, node] of walk(schema)) expect(Object.keys(node).filter((k) => k.startsWith('~')), path).toEqual([]);
  });
});
