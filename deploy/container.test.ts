// The container image and the compose file, checked without a container engine: the Dockerfile
// parsed (dockerfile-ast) against the rules it must keep, compose.yaml parsed against its settings,
// and the build context (.dockerignore) shown to hold every file the router imports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction, type JSONInstruction, type ModifiableInstruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The instructions of each stage, in order (a stage starts at its FROM). */
function stages(text: string): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    if (ins.getKeyword() === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}
const args = (ins: Instruction) => ins.getArguments().map((a) => a.getValue());
/** A COPY from another stage. */
const fromStage = (ins: Instruction) => (ins as ModifiableInstruction).getFlags().some((f) => f.getName() === 'from');
const json = (ins: Instruction) => (ins as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());

describe('Dockerfile', () => {
  const all = stages(read('Dockerfile'));
  const final = all.at(-1)!;
  const one = (keyword: string) => {
    const found = final.filter((i) => i.getKeyword() === keyword);
    expect(found, `${keyword} in the final stage`).toHaveLength(1);
    return found[0];
  };

  it('is multi-stage on a Node LTS slim image: dependencies installed in one stage, copied into the last', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(args(stage[0])[0]).toMatch(/^node:(20|22|24)-slim$/);
    expect(final.some((i) => i.getKeyword() === 'COPY' && fromStage(i))).toBe(true);
  });

  it('installs production dependencies only, from the lockfile', () => {
    const installs = all.flat().filter((i) => i.getKeyword() === 'RUN' && /\bnpm (ci|install)\b/.test(i.getArgumentsContent() ?? ''));
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i.getArgumentsContent()).toMatch(/npm ci\b.*--omit=dev/);
    // tsx runs the router: it must be a production dependency, or --omit=dev leaves it out.
    expect(JSON.parse(read('package.json')).dependencies.tsx).toBeTruthy();
  });

  it('runs as a non-root user in the final stage', () => {
    const users = final.filter((i) => i.getKeyword() === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(args(users.at(-1)!)[0]).not.toMatch(/^(root|0)(:|$)/);
    // Nothing after the last USER switches back.
    const runs = final.filter((i) => i.getKeyword() === 'RUN');
    if (runs.length) expect(final.indexOf(users.at(-1)!)).toBeGreaterThan(final.indexOf(runs.at(-1)!));
  });

  it('checks /healthz with node (slim has no curl)', () => {
    const cmd = JSON.parse(/\bCMD\s+(\[.*\])\s*$/s.exec(one('HEALTHCHECK').getArgumentsContent() ?? '')?.[1] ?? '[]') as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/healthz');
    expect(cmd.join(' ')).not.toMatch(/curl|wget/);
  });

  it('runs node itself in exec form, so SIGTERM reaches the router', () => {
    const cmd = json(one('CMD'));
    expect(cmd[0]).toBe('node');
    expect(cmd).toEqual(expect.arrayContaining(['--import', 'tsx', 'router/main.ts']));
    expect(final.some((i) => i.getKeyword() === 'ENTRYPOINT')).toBe(false);
    // npm start runs the same command: exec, so npm does not stand between the signal and node.
    expect(JSON.parse(read('package.json')).scripts.start).toMatch(/^exec node .*router\/main\.ts$/);
  });

  it('the build context holds every file the router and the commands import', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map(globToRegExp);
    const copied = final.filter((i) => i.getKeyword() === 'COPY' && !fromStage(i)).flatMap((i) => args(i).filter((a) => !a.startsWith('--')).slice(0, -1));
    const entries = ['router/main.ts', ...['validate', 'test-routing', 'explain', 'diff-routing', 'deliveries'].map((s) => `scripts/${s}.ts`)];
    const files = importGraph(entries);
    // The walk reaches the router's modules, its worker thread's entry, its Lua scripts and the JSON Schemas.
    expect(files).toEqual(expect.arrayContaining(['router/runtime.ts', 'router/delivery/thread-entry.ts', 'router/config/load-thread-entry.ts', 'router/leads/redis-store-save.lua', 'schema/profile.schema.json']));
    for (const file of files) {
      expect(ignored.some((re) => re.test(file)), `${file} is excluded by .dockerignore`).toBe(false);
      expect(copied.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, '')}/`)), `${file} is not copied into the image`).toBe(true);
    }
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; depends_on?: Record<string, unknown> }>;
  };
  const routers = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it('runs Redis with appendonly yes and maxmemory-policy noeviction', () => {
    const redis = compose.services.redis;
    expect(redis.image).toMatch(/^redis:/);
    const cmd = redis.command!.join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
  });

  it('runs two routers on that Redis, the example profiles mounted read-only, container port 8080', () => {
    expect(routers).toHaveLength(2);
    const published = new Set<string>();
    for (const [, r] of routers) {
      expect(r.environment!.REDIS_URL).toBe('redis://redis:6379');
      expect(r.volumes).toContain(`./profiles:${r.environment!.PROFILES_DIR}:ro`);
      expect(Object.keys(r.depends_on ?? {})).toContain('redis');
      for (const p of r.ports ?? []) {
        expect(p).toMatch(/:8080$/);
        published.add(p.split(':')[0]);
      }
    }
    expect(published).toContain('8080');
    expect(published.size).toBe(2);
    expect(existsSync(join(ROOT, 'profiles'))).toBe(true);
  });

  it('holds no secret: keys come from the environment', () => {
    for (const [, r] of routers) {
      for (const [name, value] of Object.entries(r.environment ?? {})) {
        if (/KEY|TOKEN|SECRET|PASSWORD/.test(name)) expect(value, name).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
      }
    }
  });
});

/** A .dockerignore line as a RegExp on paths relative to the context (`*`, `**`, a dir matches its files). */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/^\/|\/$/g, '').split('/').map((part) =>
    part === '**' ? '(?:.*/)?' : `${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}/`).join('');
  return new RegExp(`^${body.replace(/\/$/, '')}(?:/.*)?$`);
}

/** Every repository file reachable from `entries` by relative imports. */
function importGraph(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = read(file);
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]|new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? m[2] ?? m[3]));
      if (!existsSync(join(ROOT, target))) continue;
      // A directory read at runtime (the JSON Schemas): its files.
      if (statSync(join(ROOT, target)).isDirectory()) {
        for (const f of readdirSync(join(ROOT, target))) if (f.endsWith('.json')) seen.add(join(target, f));
      } else if (/\.(ts|json)$/.test(target)) {
        visit(target);
      } else {
        seen.add(target); // read at runtime (a Lua script)
      }
    }
  };
  for (const e of entries) visit(e);
  return [...seen];
}
