// Lint for every project. The module-boundary rule holds the architecture's arrows:
// domain code depends on nothing but util, and only apps wire infrastructure in.
const nx = require('@nx/eslint-plugin');

const frameworkBans = ['@nestjs/*', 'typeorm', 'kafkajs', 'viem', 'pg', 'ponder'];

/** The architecture's arrows; specs may also use the shared test fixtures. */
const depConstraints = (specs) => {
  const t = specs ? ['type:testing'] : [];
  return [
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: [
        'type:application',
        'type:domain',
        'type:projection',
        'type:messages',
        'type:infra',
        'type:util',
        ...t,
      ],
    },
    {
      sourceTag: 'type:application',
      onlyDependOnLibsWithTags: ['type:domain', 'type:messages', 'type:util', ...t],
    },
    {
      sourceTag: 'type:projection',
      onlyDependOnLibsWithTags: ['type:domain', 'type:messages', 'type:util', ...t],
    },
    {
      sourceTag: 'type:infra',
      onlyDependOnLibsWithTags: ['type:infra', 'type:messages', 'type:util', ...t],
    },
    { sourceTag: 'type:messages', onlyDependOnLibsWithTags: ['type:util', ...t] },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain', 'type:util', ...t],
      bannedExternalImports: frameworkBans,
    },
    {
      sourceTag: 'type:util',
      onlyDependOnLibsWithTags: ['type:util', ...t],
      bannedExternalImports: specs ? [] : frameworkBans,
    },
    {
      sourceTag: 'type:testing',
      onlyDependOnLibsWithTags: [
        'type:infra',
        'type:messages',
        'type:domain',
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
