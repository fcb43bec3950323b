// The Kubernetes manifests, checked offline: every object against the Kubernetes schemas
// (kubernetes-models), every kustomization's resources present, and the settings the router
// depends on (probes, restricted security, the git-sync `current` link, secrets by reference).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROUTER_ENV_VARS } from '../../router/env-vars.ts';

const DIR = dirname(fileURLToPath(import.meta.url));

// YAML documents are untyped: each is checked against its Kubernetes schema before it is read as one.
type Loose = any;
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, Loose>;

const MODELS: Record<string, new (o: Loose) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function docs(file: string): Loose[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return d.toJS();
  }).filter(Boolean);
}

const files = yamlFiles(DIR);
const isKustomization = (f: string) => /(^|\/)kustomization\.ya?ml$/.test(f);
const objects = files.filter((f) => !isKustomization(f)).flatMap((f) => docs(f).map((o: K8sObject) => ({ file: relative(DIR, f), o })));
/** The objects an overlay applies: its resources, followed through other kustomizations. */
function build(dir: string): K8sObject[] {
  const k = docs(join(DIR, dir, 'kustomization.yaml'))[0] as { resources: string[] };
  return k.resources.flatMap((r) => {
    const path = join(DIR, dir, r);
    return statSync(path).isDirectory() ? build(relative(DIR, path)) : docs(path);
  });
}
const OVERLAYS = ['git-sync', 'configmap'];
const deploymentOf = (overlay: string) => build(overlay).find((o) => o.kind === 'Deployment') as IDeployment & K8sObject;
const router = (d: IDeployment) => d.spec!.template.spec!.containers.find((c) => c.name === 'router')!;
const envOf = (c: IContainer) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

describe('kubernetes manifests', () => {
  it('every object is valid against the Kubernetes schemas', () => {
    expect(objects.length).toBe(7);
    for (const { file, o } of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${file}: ${o.apiVersion} ${o.kind} has no schema here`).toBeDefined();
      expect(() => new Model(o).validate(), file).not.toThrow();
    }
  });

  it('the schema check catches a wrong field type (it is not a no-op)', () => {
    const d = structuredClone(deploymentOf('git-sync'));
    (router(d).ports![0] as { containerPort: unknown }).containerPort = 'http';
    expect(() => new Deployment(d).validate()).toThrow(/containerPort/);
  });

  it('each overlay applies a Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy that fit together', () => {
    for (const overlay of OVERLAYS) {
      const all = build(overlay);
      const byKind = (kind: string) => all.filter((o) => o.kind === kind);
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy']) expect(byKind(kind), `${overlay}: ${kind}`).toHaveLength(1);
      // No Secret is applied: the key Secret is a template the operator fills in.
      expect(byKind('Secret')).toHaveLength(0);
      const d = deploymentOf(overlay);
      const podLabels = d.spec!.template.metadata!.labels!;
      const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
      expect(selects(d.spec!.selector.matchLabels!)).toBe(true);
      expect(selects(byKind('Service')[0].spec.selector)).toBe(true);
      expect(byKind('Service')[0].spec.ports[0].targetPort).toBe(router(d).ports![0].name);
      expect(selects(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels)).toBe(true);
      expect(selects(byKind('NetworkPolicy')[0].spec.podSelector.matchLabels)).toBe(true);
      expect(byKind('HorizontalPodAutoscaler')[0].spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
      expect(byKind('HorizontalPodAutoscaler')[0].spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  it('runs two routers with /readyz for readiness, /healthz for liveness, and resources', () => {
    for (const overlay of OVERLAYS) {
      const d = deploymentOf(overlay);
      expect(d.spec!.replicas).toBe(2);
      const c = router(d);
      expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
      expect(c.ports![0].containerPort).toBe(Number(envOf(c).PORT));
      for (const k of [...(d.spec!.template.spec!.initContainers ?? []), ...d.spec!.template.spec!.containers]) {
        expect(k.resources?.requests, k.name).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(k.resources?.limits?.memory, k.name).toBeDefined();
      }
    }
  });

  it('every container meets the restricted Pod Security Standard', () => {
    for (const overlay of OVERLAYS) {
      const pod = deploymentOf(overlay).spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext, c.name).toMatchObject({
          runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.securityContext?.runAsUser ?? 1, c.name).not.toBe(0);
        expect(c.securityContext?.capabilities?.add ?? [], c.name).toEqual([]);
      }
      // A read-only root: whatever the router writes (tsx's cache, the outbox) is on a volume.
      const c = router(deploymentOf(overlay));
      expect(envOf(c).OUTBOX_DIR).toMatch(/^\/tmp\//);
      expect(c.volumeMounts!.some((m) => m.mountPath === '/tmp' && !m.readOnly)).toBe(true);
    }
  });

  it('git-sync v4 writes the profiles to a shared emptyDir; PROFILES_DIR is its `current` link', () => {
    const d = deploymentOf('git-sync');
    const pod = d.spec!.template.spec!;
    const syncs = [...(pod.initContainers ?? []), ...pod.containers].filter((c) => c.name.startsWith('git-sync'));
    // The first clone before the router starts, then the sidecar.
    expect(syncs.map((c) => c.name)).toEqual(['git-sync-init', 'git-sync']);
    expect(pod.initContainers!.find((c) => c.name === 'git-sync-init')!.args).toContain('--one-time');
    const c = router(d);
    for (const s of syncs) {
      expect(s.image).toMatch(/^registry\.k8s\.io\/git-sync\/git-sync:v4\.\d+\.\d+$/);
      const env = envOf(s);
      expect(env).toEqual(envOf(syncs[0]));
      const root = env.GITSYNC_ROOT;
      const volume = s.volumeMounts!.find((m) => m.mountPath === root)!.name;
      expect(pod.volumes!.find((v) => v.name === volume)!.emptyDir).toBeDefined();
      const seen = c.volumeMounts!.find((m) => m.name === volume)!;
      expect(seen.readOnly).toBe(true);
      expect(envOf(c).PROFILES_DIR).toBe(`${seen.mountPath}/${env.GITSYNC_LINK}`);
    }
  });

  it('the ConfigMap overlay mounts the leadroute-profiles ConfigMap as PROFILES_DIR, without git-sync', () => {
    const d = deploymentOf('configmap');
    const pod = d.spec!.template.spec!;
    expect([...(pod.initContainers ?? []), ...pod.containers].map((c) => c.name)).toEqual(['router']);
    const c = router(d);
    const mount = c.volumeMounts!.find((m) => m.mountPath === envOf(c).PROFILES_DIR)!;
    expect(mount.readOnly).toBe(true);
    expect(pod.volumes!.find((v) => v.name === mount.name)!.configMap?.name).toBe('leadroute-profiles');
    // Apart from where the profiles come from, the two deployments are the same.
    const strip = (x: IDeployment) => {
      const y = structuredClone(x);
      const p = y.spec!.template.spec!;
      delete p.initContainers;
      delete p.securityContext!.fsGroup;
      p.containers = p.containers.filter((k) => k.name === 'router');
      p.volumes = p.volumes!.filter((v) => v.name === 'tmp');
      const r = p.containers[0];
      r.env = r.env!.filter((e) => e.name !== 'PROFILES_DIR');
      r.volumeMounts = r.volumeMounts!.filter((m) => m.name !== 'profiles');
      return y;
    };
    expect(strip(d)).toEqual(strip(deploymentOf('git-sync')));
  });

  it('secrets only by reference; the Secret template holds placeholders for router settings and ${ENV} credentials', () => {
    const known = new Set(ROUTER_ENV_VARS.map((v) => v.name));
    for (const overlay of OVERLAYS) {
      for (const c of deploymentOf(overlay).spec!.template.spec!.containers) {
        for (const e of c.env ?? []) {
          if (/KEY|TOKEN|SECRET|PASSWORD/.test(e.name)) expect(e.value, `${c.name} ${e.name}`).toBeUndefined();
          if (c.name === 'router') expect(known.has(e.name), `${e.name} is not a router setting`).toBe(true);
        }
      }
      expect(router(deploymentOf(overlay)).envFrom).toEqual([{ secretRef: { name: 'leadroute-keys' } }]);
    }
    const secret = objects.find(({ o }) => o.kind === 'Secret')!.o;
    expect(secret.metadata.name).toBe('leadroute-keys');
    for (const [name, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect(value, name).toMatch(/<[a-z0-9-]+>/);
      expect(known.has(name) || /^[A-Z][A-Z0-9_]*$/.test(name)).toBe(true);
    }
  });
});
