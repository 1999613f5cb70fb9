// Lint for every project. The module-boundary rule holds the architecture's arrows
// (docs/decisions/0010-module-boundaries.md): a domain depends on the shared kernel only,
// application code and projections reach infrastructure only through the one port library
// each implements against, and only apps wire adapters in. Tags live in each project.json.
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const nx = require('@nx/eslint-plugin');

/** Apps' package names: no tsconfig path resolves them, so the Nx rule cannot see such an import. */
const appPackages = readdirSync(join(__dirname, 'apps'))
  .map((dir) => join(__dirname, 'apps', dir, 'package.json'))
  .filter((file) => existsSync(file))
  .map((file) => require(file).name);

/** Drivers of a broker, a database or the chain indexer: adapters, wired by apps and infra. */
const ioDrivers = ['kafkajs', 'typeorm', 'pg', 'ponder', '@kurrent/*'];
/** Nothing of a framework or of I/O: what a pure library (kernel, domain, util) must not import. */
const frameworkBans = ['@nestjs/*', 'viem', ...ioDrivers];

/** The architecture's arrows; specs may also use the shared test fixtures (type:testing) and
 *  drive the gateway through its typed client (type:client). */
const depConstraints = (specs) => {
  const t = specs ? ['type:testing', 'type:client'] : [];
  return [
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: [
        'type:client',
        'type:application',
        'type:domain',
        'type:projection',
        'type:messages',
        'type:infra',
        'type:kernel',
        'type:util',
        ...t,
      ],
    },
    {
      // Use cases load and save aggregates through @atelier/cqrs (tagged port:application):
      // NestJS handlers, yes; a driver or a concrete adapter, no.
      sourceTag: 'type:application',
      onlyDependOnLibsWithTags: [
        'type:domain',
        'type:messages',
        'type:kernel',
        'type:util',
        'port:application',
        ...t,
      ],
      bannedExternalImports: ioDrivers,
    },
    {
      // A projection implements @atelier/projections' contract (tagged port:projection) over
      // TypeORM entities; it never talks to Kafka, the event store or PostgreSQL itself.
      sourceTag: 'type:projection',
      onlyDependOnLibsWithTags: [
        'type:domain',
        'type:messages',
        'type:kernel',
        'type:util',
        'port:projection',
        ...t,
      ],
      bannedExternalImports: ioDrivers.filter((d) => d !== 'typeorm'),
    },
    {
      sourceTag: 'type:infra',
      onlyDependOnLibsWithTags: ['type:infra', 'type:messages', 'type:kernel', 'type:util', ...t],
    },
    {
      // Wire formats: validated with zod, free of any transport.
      sourceTag: 'type:messages',
      onlyDependOnLibsWithTags: ['type:kernel', 'type:util', ...t],
      bannedExternalImports: specs ? [] : ['@nestjs/*', ...ioDrivers],
    },
    {
      // Pure deciders: the kernel and other domains only, even in their specs.
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain', 'type:kernel', ...t],
      bannedExternalImports: frameworkBans,
    },
    {
      sourceTag: 'type:kernel',
      onlyDependOnLibsWithTags: ['type:kernel', ...t],
      bannedExternalImports: specs ? [] : frameworkBans,
    },
    {
      sourceTag: 'type:util',
      onlyDependOnLibsWithTags: ['type:kernel', 'type:util', ...t],
      bannedExternalImports: specs ? [] : frameworkBans,
    },
    {
      // The typed HTTP client that market makers and frontends ship (@atelier/client): never
      // server code; for signing, the chain actions (tagged surface:client) and the ABIs.
      sourceTag: 'type:client',
      onlyDependOnLibsWithTags: ['type:kernel', 'type:util', 'surface:client', ...t],
      bannedExternalImports: specs ? [] : ['@nestjs/*', ...ioDrivers],
    },
    {
      sourceTag: 'type:testing',
      onlyDependOnLibsWithTags: [
        'type:infra',
        'type:messages',
        'type:domain',
        'type:kernel',
        'type:util',
        'type:testing',
      ],
    },
  ];
};

const boundaries = (specs) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    banTransitiveDependencies: false,
    depConstraints: depConstraints(specs),
  },
];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      '.data',
      '.nx',
      'contracts/out',
      'contracts/cache',
      'contracts/lib',
      'apps/indexer/.ponder',
      'apps/indexer/generated',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      'no-console': 'error',
      '@nx/enforce-module-boundaries': boundaries(false),
      // A library's public surface is its src/index.ts (a deep path couples to its layout),
      // and an app is wired, never imported.
      'no-restricted-imports': [
        'error',
        {
          paths: appPackages.map((name) => ({
            name,
            message: 'An app is wired, never imported: move what you need into a library.',
          })),
          patterns: [
            {
              group: ['@atelier/*/**'],
              message: 'Import a library through its @atelier/<name> alias (src/index.ts) only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    // CLI entry points and tests may print.
    files: [
      '**/*.spec.ts',
      '**/scripts/**/*.ts',
      'contracts/script/**/*.ts',
      'infra/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
];
