// The one set of SWC options for TypeScript that runs outside tsc: jest (jest.preset.js) and the
// production build (infra/build/build.ts). Legacy decorators with their metadata, because NestJS
// resolves constructor dependencies from `emitDecoratorMetadata` (docs/decisions/0004).
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
  },
  module: { type: 'commonjs' },
};
