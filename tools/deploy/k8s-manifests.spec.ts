import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, appDefaultPort, appNames, cronIntervalsMinutes, defaultShutdownTimeoutMs, kustomizeBinary, renderOverlay, schemaSources } from './deploy-tools.js';
import { KubernetesSchemaValidator } from './kubernetes-schema.validator.js';

// Pod-level types, just the fields these checks read.
interface Probe { httpGet?: { path: string; port: number | string } }
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; emptyDir?: object }[];
}
interface Deployment extends KubeObject { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } }
interface NetworkPolicyPeer { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: object; ipBlock?: { cidr: string; except?: string[] } }
interface NetworkPolicyRule { to?: NetworkPolicyPeer[]; from?: NetworkPolicyPeer[]; ports?: { protocol?: string; port?: number | string }[] }
interface NetworkPolicy extends KubeObject {
  spec: {
    podSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
    policyTypes: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
  };
}

const apis = ['assign-api', 'dlq-admin', 'partner-api'];
const overlays = ['dev', 'prod'] as const;
const rendered = new Map<string, KubeObject[]>();
let validator: KubernetesSchemaValidator;
let kubernetesVersion = '';

beforeAll(() => {
  const kustomize = kustomizeBinary();
  for (const overlay of overlays) rendered.set(overlay, renderOverlay(kustomize, overlay));
  const sources = schemaSources();
  kubernetesVersion = sources.kubernetesVersion;
  validator = new KubernetesSchemaValidator(join(sources.kubernetes, 'api/openapi-spec/swagger.json'), [join(sources.keda, 'config/crd/bases')]);
});

function objects(overlay: string): KubeObject[] {
  const list = rendered.get(overlay);
  if (!list) throw new Error(`overlay ${overlay} was not rendered`);
  return list;
}
function ofKind<T extends KubeObject>(overlay: string, kind: string): T[] {
  return objects(overlay).filter((object) => object.kind === kind) as T[];
}
function deployment(overlay: string, app: string): Deployment {
  const found = ofKind<Deployment>(overlay, 'Deployment').find((d) => d.metadata.name === app);
  if (!found) throw new Error(`no Deployment ${app} in ${overlay}`);
  return found;
}
/** Whether a NetworkPolicy's podSelector selects pods with these labels. */
function selects(policy: NetworkPolicy, labels: Record<string, string>): boolean {
  const { matchLabels = {}, matchExpressions = [] } = policy.spec.podSelector;
  return (
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
    matchExpressions.every((e) => (e.operator === 'In' ? e.values.includes(labels[e.key]) : e.operator === 'NotIn' ? !e.values.includes(labels[e.key]) : true))
  );
}
function configValue(overlay: string, d: Deployment, name: string): string | undefined {
  const container = d.spec.template.spec.containers[0];
  const direct = container.env?.find((e) => e.name === name);
  if (direct?.value !== undefined) return direct.value;
  for (const source of container.envFrom ?? []) {
    const map = ofKind(overlay, 'ConfigMap').find((c) => c.metadata.name === source.configMapRef?.name) as (KubeObject & { data?: Record<string, string> }) | undefined;
    if (map?.data?.[name] !== undefined) return map.data[name];
  }
  return undefined;
}

describe.each(overlays)('k8s/overlays/%s', (overlay) => {
  it('renders with kustomize and every object validates against the Kubernetes OpenAPI schema (or the KEDA CRD)', () => {
    expect(objects(overlay).length).toBeGreaterThan(20);
    const problems = objects(overlay).flatMap((object) => validator.validate(object));
    expect(problems, `validated against Kubernetes ${kubernetesVersion}`).toEqual([]);
  });

  it('deploys every app, and hand-rolls no database or broker', () => {
    expect(ofKind(overlay, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(appNames());
    expect(ofKind(overlay, 'StatefulSet')).toEqual([]);
  });

  it.each(appNames())('%s: probes on /health/live and /health/ready at the app port', (app) => {
    const container = deployment(overlay, app).spec.template.spec.containers[0];
    const port = appDefaultPort(app);
    const portOf = (probe?: Probe) => {
      const p = probe?.httpGet?.port;
      return typeof p === 'string' ? container.ports?.find((cp) => cp.name === p)?.containerPort : p;
    };
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(portOf(container.livenessProbe)).toBe(port);
    expect(portOf(container.readinessProbe)).toBe(port);
    expect(Number(configValue(overlay, deployment(overlay, app), 'HTTP_PORT'))).toBe(port);
    expect(configValue(overlay, deployment(overlay, app), 'HTTP_HOST')).toBe('0.0.0.0');
    expect(configValue(overlay, deployment(overlay, app), 'NODE_ENV')).toBe('production');
  });

  it.each(appNames())('%s: CPU and memory requests and limits', (app) => {
    const { resources } = deployment(overlay, app).spec.template.spec.containers[0];
    for (const kind of ['requests', 'limits'] as const) {
      expect(resources?.[kind]?.cpu, `${kind}.cpu`).toBeTruthy();
      expect(resources?.[kind]?.memory, `${kind}.memory`).toBeTruthy();
    }
  });

  it.each(appNames())('%s: runs as non-root on a read-only root filesystem with an emptyDir for /tmp', (app) => {
    const pod = deployment(overlay, app).spec.template.spec;
    const container = pod.containers[0];
    expect(container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser ?? 0).toBeGreaterThan(0);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(tmp, 'a volume mounted at /tmp').toBeDefined();
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it.each(appNames())('%s: terminationGracePeriodSeconds covers the drain (SHUTDOWN_TIMEOUT_MS / 1000 + 5)', (app) => {
    const d = deployment(overlay, app);
    const shutdownMs = Number(configValue(overlay, d, 'SHUTDOWN_TIMEOUT_MS') ?? defaultShutdownTimeoutMs());
    expect(d.spec.template.spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(shutdownMs / 1000 + 5);
  });

  it('a Service for each API, on the container port named http', () => {
    const services = ofKind<KubeObject & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>(overlay, 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(apis);
    for (const service of services) {
      const d = deployment(overlay, service.metadata.name);
      expect(Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v)).toBe(true);
      expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    }
  });

  it('an HPA for each API but dlq-admin (one replica), a KEDA ScaledObject for sync-worker on the partner_tasks depth, two poller replicas at most', () => {
    const hpas = ofKind<KubeObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }>(overlay, 'HorizontalPodAutoscaler');
    const scaledApis = apis.filter((api) => api !== 'dlq-admin');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(scaledApis);
    for (const api of scaledApis) expect(deployment(overlay, api).spec.replicas, `${api} replicas are the HPA's`).toBeUndefined();
    expect(deployment(overlay, 'dlq-admin').spec.replicas).toBe(1);

    const [scaled, ...more] = ofKind<KubeObject & {
      spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[] };
    }>(overlay, 'ScaledObject');
    expect(more).toEqual([]);
    expect(scaled.spec.scaleTargetRef.name).toBe('sync-worker');
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('rabbitmq');
    const prefix = configValue(overlay, deployment(overlay, 'sync-worker'), 'QUEUE_PREFIX') ?? '';
    expect(trigger.metadata.queueName).toBe(`${prefix}partner_tasks`);
    const auth = ofKind<KubeObject & { spec: { secretTargetRef: { parameter: string; name: string; key: string }[] } }>(overlay, 'TriggerAuthentication')
      .find((t) => t.metadata.name === trigger.authenticationRef?.name);
    expect(auth?.spec.secretTargetRef).toContainEqual({ parameter: 'host', name: 'agair-secrets', key: 'AMQP_URL' });

    expect(deployment(overlay, 'poller').spec.replicas ?? 1).toBeLessThanOrEqual(2);
  });

  it('a PodDisruptionBudget for every app that never blocks a node drain on its own', () => {
    const pdbs = ofKind<KubeObject & { spec: { maxUnavailable?: number; minAvailable?: number; selector: { matchLabels: Record<string, string> } } }>(overlay, 'PodDisruptionBudget');
    for (const app of appNames()) {
      const labels = deployment(overlay, app).spec.template.metadata.labels;
      const pdb = pdbs.find((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(pdb, `PDB for ${app}`).toBeDefined();
      expect(pdb?.spec.maxUnavailable ?? 0).toBeGreaterThanOrEqual(1);
    }
  });

  it('network policies: deny by default; egress only to DNS, MongoDB, RabbitMQ, Redis and partners over HTTPS; APIs reachable from the ingress', () => {
    const policies = ofKind<NetworkPolicy>(overlay, 'NetworkPolicy');
    const allowedEgressPorts = new Set([53, 27017, 5671, 5672, 6379, 443]);
    for (const app of appNames()) {
      const labels = deployment(overlay, app).spec.template.metadata.labels;
      const applying = policies.filter((p) => selects(p, labels));
      const denyAll = applying.find((p) => !p.spec.ingress && !p.spec.egress && p.spec.policyTypes.includes('Ingress') && p.spec.policyTypes.includes('Egress'));
      expect(denyAll, `${app} is under a default-deny policy`).toBeDefined();
      const egressPorts = applying.flatMap((p) => p.spec.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => port.port));
      expect(egressPorts, `${app} can resolve names`).toContain(53);
      for (const port of egressPorts) expect(allowedEgressPorts.has(Number(port)), `${app} egress port ${port}`).toBe(true);
      const ingressFromIngress = applying
        .flatMap((p) => p.spec.ingress ?? [])
        .some((rule) => rule.from?.some((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']?.includes('ingress')));
      expect(ingressFromIngress, `${app} reachable from the ingress controller`).toBe(apis.includes(app));
    }
    const dlqAdminEgress = policies
      .filter((p) => selects(p, deployment(overlay, 'dlq-admin').spec.template.metadata.labels))
      .flatMap((p) => p.spec.egress ?? [])
      .flatMap((rule) => (rule.ports ?? []).map((port) => Number(port.port)));
    expect(dlqAdminEgress.filter((port) => port !== 53).sort()).toEqual([27017, 5671, 5672]);
  });

  it('secrets come from the Secret agair-secrets by reference; ConfigMaps hold no credentials', () => {
    const secretLike = /SECRET|PASSWORD|TOKEN|CREDENTIAL|_KEY/i;
    for (const map of ofKind<KubeObject & { data?: Record<string, string> }>(overlay, 'ConfigMap')) {
      for (const [key, value] of Object.entries(map.data ?? {})) {
        expect(secretLike.test(key), `${map.metadata.name}.${key} looks secret`).toBe(false);
        expect(/:\/\/[^/@\s]*:[^/@\s]+@/.test(value), `${map.metadata.name}.${key} holds a URL with a password`).toBe(false);
      }
    }
    for (const app of appNames()) {
      const env = deployment(overlay, app).spec.template.spec.containers[0].env ?? [];
      for (const name of ['AMQP_URL', 'MONGO_URL', ...(app === 'dlq-admin' ? ['JWT_SECRET'] : ['REDIS_URL'])]) {
        const ref = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
        expect(ref, `${app} ${name} from a Secret`).toEqual({ name: 'agair-secrets', key: name });
      }
      expect(env.filter((e) => secretLike.test(e.name) && e.value !== undefined), `${app} has no literal secret`).toEqual([]);
    }
  });
});

describe('poll interval per environment', () => {
  it.each([
    ['dev', 1],
    ['prod', 15],
  ] as const)('the %s overlay has the poller poll every %i minute(s)', (overlay, minutes) => {
    const cron = configValue(overlay, deployment(overlay, 'poller'), 'POLL_CRON');
    expect(cron, 'POLL_CRON rendered into the poller').toBeDefined();
    expect(cronIntervalsMinutes(cron as string)).toEqual([minutes]);
  });
});

describe('secrets committed to the repository', () => {
  it('prod renders no Secret at all: it is created in the cluster beforehand', () => {
    expect(ofKind('prod', 'Secret')).toEqual([]);
  });

  it('dev has an example Secret with every key the apps reference, all placeholders', () => {
    const [secret, ...more] = ofKind<KubeObject & { data: Record<string, string> }>('dev', 'Secret');
    expect(more).toEqual([]);
    const referenced = new Set(
      ofKind<Deployment>('dev', 'Deployment').flatMap((d) => (d.spec.template.spec.containers[0].env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : []))),
    );
    expect(Object.keys(secret.data).sort()).toEqual([...referenced].sort());
    for (const [key, encoded] of Object.entries(secret.data)) {
      const value = Buffer.from(encoded, 'base64').toString('utf8');
      const allZeroKeys = value.split(',').every((entry) => /^[\w.-]+:A{43}=$/.test(entry));
      expect(/placeholder/i.test(value) || allZeroKeys, `${key} is an obvious placeholder`).toBe(true);
    }
  });
});

describe('the schema validator', () => {
  const deploymentWith = (spec: object): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec });
  const validSpec = { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } };

  it('accepts a minimal valid Deployment', () => {
    expect(validator.validate(deploymentWith(validSpec))).toEqual([]);
  });

  it('rejects unknown fields, wrong types and API versions the release does not serve', () => {
    expect(validator.validate(deploymentWith({ ...validSpec, replica: 2 })).join()).toContain('unknown field "replica"');
    expect(validator.validate(deploymentWith({ ...validSpec, replicas: 'two' })).join()).toContain('/spec/replicas');
    expect(validator.validate({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' } }).join()).toContain('not served');
    expect(validator.validate({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { scaleTargetRef: { name: 'w' }, triggerz: [] } }).join()).toContain('triggerz');
  });
});
