// `npm run build`: the production build. Compiles each app's entry point and every repository
// file it reaches (its own modules and the @atelier/* libraries) to CommonJS under dist/, with
// the SWC options jest uses (swc-options.js: decorator metadata for NestJS DI), the tsconfig
// path aliases rewritten to relative paths, and source maps. dist/ mirrors the repository, so
// `node dist/apps/gateway/src/main.js` runs the gateway without a run-time transpiler; packages
// from node_modules are required as they are. The build follows the compiled requires rather
// than globbing folders: it compiles exactly what an app can load (no specs, no test support)
// and fails on an import that resolves to no file. Type checking is not its job (`tsc` per
// project, run by `npm test`). Ponder's indexer is not here: `ponder start` builds it itself.
//
// Usage: tsx infra/build/build.ts [app ...]   (default: every app below)
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { transformFileSync, type Options } from '@swc/core';

const root = resolve(__dirname, '../..');
const out = join(root, 'dist');

/** Each app's entry point. */
const APPS: Readonly<Record<string, string>> = {
  gateway: 'apps/gateway/src/main.ts',
  settlement: 'apps/settlement/src/main.ts',
  relay: 'apps/indexer/relay/main.ts',
  cli: 'apps/cli/src/main.ts',
  'demo-bot': 'apps/demo-bot/src/main.ts',
};

class BuildError extends Error {}

const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
// The CommonJS module jest.preset.js shares.
const shared = require('./swc-options.js') as Options;
const options: Options = {
  ...shared,
  jsc: { ...shared.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};

/** The .ts file a relative require names (`./x` → x.ts or x/index.ts), if any. */
function sourceOf(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find(
    (f) => f.endsWith('.ts') && existsSync(f),
  );
}

/** Compiles `entries` and what they reach; returns the number of files written. */
function build(entries: readonly string[]): number {
  const queue = entries.map((e) => join(root, e));
  const done = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const { code, map } = transformFileSync(file, options);
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${target}.map`, map);
    for (const [, specifier] of code.matchAll(/require\("(\.{1,2}\/[^"]*)"\)/g)) {
      const source = sourceOf(file, specifier!);
      if (source) queue.push(source);
      else if (!existsSync(resolve(dirname(file), specifier!)))
        throw new BuildError(`${relative(root, file)}: '${specifier}' resolves to no file`);
    }
  }
  return done.size;
}

const requested = process.argv.slice(2);
for (const app of requested) {
  if (!(app in APPS))
    throw new BuildError(`unknown app '${app}' (${Object.keys(APPS).join(', ')})`);
}
const apps = (requested.length > 0 ? requested : Object.keys(APPS)).filter((app) =>
  existsSync(join(root, APPS[app]!)),
);
const started = performance.now();
if (requested.length === 0) rmSync(out, { recursive: true, force: true });
const files = build(apps.map((app) => APPS[app]!));
console.log(
  `[build] ${apps.join(', ')}: ${files} files to ${relative(process.cwd(), out) || '.'} in ${Math.round(performance.now() - started)} ms`,
);
