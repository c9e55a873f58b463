import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from './deploy-tools.js';

type JsonSchema = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Validates Kubernetes objects offline against the OpenAPI definitions of one Kubernetes release
 * (`api/openapi-spec/swagger.json` of k8s.io/kubernetes) and against CRD schemas (KEDA's).
 *
 * Strict like `kubectl apply --validate=strict`: an object with a field the API does not know
 * fails, because every schema with `properties` and no `additionalProperties` is closed (the
 * API server drops unknown fields silently otherwise, which would hide typos).
 */
export class KubernetesSchemaValidator {
  private readonly ajv: Ajv;
  private readonly definitionByGvk = new Map<string, string>();
  private readonly crdValidators = new Map<string, ValidateFunction>();

  constructor(swaggerJsonPath: string, crdDirectories: readonly string[] = []) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addKubernetesFormats(this.ajv);

    const swagger = JSON.parse(readFileSync(swaggerJsonPath, 'utf8')) as { definitions: Record<string, JsonSchema> };
    const definitions: Record<string, JsonSchema> = {};
    for (const [name, definition] of Object.entries(swagger.definitions)) {
      definitions[name] = closeObjects(rewriteRefs(definition)) as JsonSchema;
      for (const gvk of (definition['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
        this.definitionByGvk.set(gvkKey(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind), name);
      }
    }
    // Kubernetes accepts a number or a string for these; their OpenAPI says "string" with a format.
    definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { anyOf: [{ type: 'string' }, { type: 'integer' }] };
    definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { anyOf: [{ type: 'string' }, { type: 'number' }] };
    this.ajv.addSchema({ $id: 'k8s', definitions });

    for (const dir of crdDirectories) {
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) this.addCrd(join(dir, file));
    }
  }

  /** The Kubernetes API versions and kinds this validator knows, e.g. `apps/v1 Deployment`. */
  knows(apiVersion: string, kind: string): boolean {
    const key = gvkKey(apiVersion, kind);
    return this.crdValidators.has(key) || this.definitionByGvk.has(key);
  }

  /** Problems of one object, one line each (`Deployment/poller /spec/replicas: must be integer`); none when valid. */
  validate(object: KubeObject): string[] {
    const key = gvkKey(object.apiVersion, object.kind);
    const where = `${object.kind}/${object.metadata?.name ?? '?'}`;
    let validator = this.crdValidators.get(key);
    if (!validator) {
      const definition = this.definitionByGvk.get(key);
      if (!definition) return [`${where}: ${object.apiVersion} ${object.kind} is not served by this Kubernetes version or a known CRD`];
      validator = this.ajv.getSchema(`k8s#/definitions/${definition}`);
      if (!validator) throw new Error(`no schema compiled for ${definition}`);
    }
    if (validator(object)) return [];
    return (validator.errors ?? []).map((error) => `${where} ${describe(error)}`);
  }

  private addCrd(file: string): void {
    const crd = parseYaml(readFileSync(file, 'utf8')) as {
      kind?: string;
      spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: JsonSchema } }[] };
    };
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) return;
    for (const version of crd.spec.versions) {
      if (!version.served || !version.schema) continue;
      const schema = closeObjects(structuredClone(version.schema.openAPIV3Schema)) as JsonSchema & { properties: Record<string, unknown> };
      schema.properties.metadata = { $ref: `k8s#/definitions/${OBJECT_META}` };
      this.crdValidators.set(gvkKey(`${crd.spec.group}/${version.name}`, crd.spec.names.kind), this.ajv.compile(schema));
    }
  }
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') return `${at}: unknown field "${String(error.params.additionalProperty)}"`;
  return `${at}: ${error.message ?? error.keyword}`;
}

/** `#/definitions/x` -> `k8s#/definitions/x`, so every definition can live in one schema document. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/') ? `k8s${value}` : rewriteRefs(value);
  }
  return out;
}

/** Closes every object schema that lists its properties, unless it says unknown fields are kept. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const schema = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, property] of Object.entries(value)) (value as Record<string, unknown>)[name] = closeObjects(property);
    } else if (key !== 'enum' && key !== 'default' && key !== 'example') {
      schema[key] = closeObjects(value);
    }
  }
  if (schema.properties && schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    schema.additionalProperties = false;
  }
  return schema;
}

function addKubernetesFormats(ajv: Ajv): void {
  const int32 = (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
  ajv.addFormat('int32', { type: 'number', validate: int32 });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
  ajv.addFormat('double', { type: 'number', validate: (value: number) => Number.isFinite(value) });
  ajv.addFormat('float', { type: 'number', validate: (value: number) => Number.isFinite(value) });
  // Go's base64 decoder, which the API server uses, skips line breaks (kustomize folds long values)
  const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  ajv.addFormat('byte', { type: 'string', validate: (value: string) => base64.test(value.replace(/[\r\n]/g, '')) });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i);
  ajv.addFormat('int-or-string', true);
}
