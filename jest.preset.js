// Shared jest settings: TypeScript through SWC with the production build's options
// (infra/build/swc-options.js: decorator metadata for NestJS DI), node environment, no
// watch-mode magic.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      require.resolve('@swc/jest'),
      { ...require('./infra/build/swc-options.js'), sourceMaps: 'inline' },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // libs/client sits outside the npm workspaces' globs (libs/*/*), so npm links no
  // node_modules/@atelier/client: specs reach it by its tsconfig path.
  moduleNameMapper: { '^@atelier/client$': '<rootDir>/libs/client/src/index.ts' },
};
