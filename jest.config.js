// One jest run per test tier (see docs/testing.md): unit specs are pure and fast, int specs
// talk to the real Kafka / PostgreSQL / anvil that infra/ starts, e2e specs drive whole
// scripts and apps. infra/bin/test.sh runs the tiers in that order and sums the counts.
const preset = require('./jest.preset');

const roots = [
  '<rootDir>/apps',
  '<rootDir>/libs',
  '<rootDir>/infra',
  '<rootDir>/contracts',
  '<rootDir>/bench',
];
const ignore = ['/node_modules/', '/dist/', '/.data/', '/.ponder/'];

module.exports = {
  // Int specs wait on real brokers and chains; a per-test cap still catches a hang.
  testTimeout: 120_000,
  projects: [
    {
      ...preset,
      displayName: 'unit',
      roots,
      testMatch: ['**/*.unit.spec.ts'],
      testPathIgnorePatterns: ignore,
    },
    {
      ...preset,
      displayName: 'int',
      roots,
      testMatch: ['**/*.int.spec.ts'],
      testPathIgnorePatterns: ignore,
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      slowTestThreshold: 30,
    },
    {
      ...preset,
      displayName: 'e2e',
      roots,
      testMatch: ['**/*.e2e.spec.ts'],
      testPathIgnorePatterns: ignore,
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      slowTestThreshold: 120,
    },
  ],
};
