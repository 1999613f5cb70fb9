// The architecture's arrows (docs/decisions/0010-module-boundaries.md), checked by linting
// one-line probes as if they sat at real paths inside each layer: the repository's own
// eslint.config.js and Nx project graph decide, so removing or loosening the rule fails here.
// No probe is written to disk; ESLint lints the text under the given file name.
import { resolve } from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { repoRoot } from './stack';

const BOUNDARIES = '@nx/enforce-module-boundaries';
/** Deep paths and app packages, which the Nx rule cannot resolve to a project. */
const RESTRICTED = 'no-restricted-imports';

const at = {
  domain: 'libs/market/domain/src/boundary-probe.ts',
  settlementDomain: 'libs/settlement/domain/src/boundary-probe.ts',
  application: 'libs/market/application/src/boundary-probe.ts',
  projection: 'libs/market/projections/src/boundary-probe.ts',
  infra: 'libs/infra/health/src/boundary-probe.ts',
  client: 'libs/client/src/boundary-probe.ts',
};

let eslint: ESLint;

beforeAll(async () => {
  // The rule reads Nx's cached project graph and silently skips without one: build it first.
  await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({ cwd: repoRoot });
}, 60_000);

/** The rule ids that reported on `import * as probe from '<specifier>'` placed at `file`. */
async function violations(file: string, specifier: string): Promise<string[]> {
  const code = `import * as probe from '${specifier}';\nexport { probe };\n`;
  const [result] = await eslint.lintText(code, { filePath: resolve(repoRoot, file) });
  if (!result) throw new Error(`ESLint returned no result for ${file}`);
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(`${file}: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages
    .filter((m) => m.ruleId === BOUNDARIES || m.ruleId === RESTRICTED)
    .map((m) => m.ruleId as string);
}

describe('module boundaries', () => {
  describe('a domain library depends on the shared kernel only', () => {
    it.each([
      '@nestjs/common',
      'typeorm',
      'kafkajs',
      'viem',
      'pg',
      '@atelier/kafka',
      '@atelier/event-store',
      '@atelier/cqrs',
      '@atelier/projections',
      '@atelier/market-messages',
    ])('rejects %s', async (specifier) => {
      expect(await violations(at.domain, specifier)).toEqual([BOUNDARIES]);
    });

    it.each(['@atelier/kernel', '@atelier/eventsourcing', 'zod'])(
      'accepts %s',
      async (specifier) => {
        expect(await violations(at.domain, specifier)).toEqual([]);
      },
    );

    it('holds for every domain, not just the market one', async () => {
      expect(await violations(at.settlementDomain, '@atelier/kafka')).toEqual([BOUNDARIES]);
      expect(await violations(at.settlementDomain, '@atelier/market-domain')).toEqual([]);
    });
  });

  describe('application code reaches infrastructure only through the CQRS port', () => {
    it.each(['@atelier/cqrs', '@atelier/market-domain', '@atelier/kernel', '@nestjs/cqrs'])(
      'accepts %s',
      async (specifier) => {
        expect(await violations(at.application, specifier)).toEqual([]);
      },
    );

    it.each(['@atelier/kafka', '@atelier/event-store', '@atelier/persistence', 'kafkajs', 'pg'])(
      'rejects %s',
      async (specifier) => {
        expect(await violations(at.application, specifier)).toEqual([BOUNDARIES]);
      },
    );
  });

  describe('a projection library implements the projections contract', () => {
    it.each(['@atelier/projections', '@atelier/market-messages', 'typeorm'])(
      'accepts %s',
      async (specifier) => {
        expect(await violations(at.projection, specifier)).toEqual([]);
      },
    );

    it.each(['@atelier/event-store', '@atelier/kafka', '@atelier/cqrs', 'kafkajs'])(
      'rejects %s',
      async (specifier) => {
        expect(await violations(at.projection, specifier)).toEqual([BOUNDARIES]);
      },
    );
  });

  describe('the typed client ships no server code', () => {
    it.each([
      '@atelier/chain-actions',
      '@atelier/contracts-abi',
      '@atelier/kernel',
      'viem',
      'openapi-fetch',
    ])('accepts %s', async (specifier) => {
      expect(await violations(at.client, specifier)).toEqual([]);
    });

    it.each([
      '@atelier/platform',
      '@atelier/persistence',
      '@atelier/market-domain',
      '@nestjs/common',
      'pg',
    ])('rejects %s', async (specifier) => {
      expect(await violations(at.client, specifier)).toEqual([BOUNDARIES]);
    });

    it('may be used by an app, not by a library of the server', async () => {
      // (Not by the gateway itself: the client's generator and int spec read the gateway, so
      // the project graph would have a cycle; docs/client.md.)
      expect(await violations('apps/settlement/src/boundary-probe.ts', '@atelier/client')).toEqual(
        [],
      );
      expect(await violations(at.infra, '@atelier/client')).toEqual([BOUNDARIES]);
    });
  });

  describe('only apps wire adapters; nothing imports an app', () => {
    it('rejects an infra library importing an app', async () => {
      expect(await violations(at.infra, '@atelier/gateway')).toEqual([RESTRICTED]);
      expect(await violations(at.infra, '../../../../apps/gateway/src/config')).toEqual([
        BOUNDARIES,
      ]);
    });

    it('rejects an infra library importing a domain', async () => {
      expect(await violations(at.infra, '@atelier/market-domain')).toEqual([BOUNDARIES]);
    });
  });

  describe('a library is imported through its alias, never a deep path', () => {
    it('rejects @atelier/kernel/src/result', async () => {
      expect(await violations(at.domain, '@atelier/kernel/src/result')).toEqual([RESTRICTED]);
    });

    it('rejects a deep path from an app too', async () => {
      const app = 'apps/gateway/src/boundary-probe.ts';
      expect(await violations(app, '@atelier/kafka/src/producer')).toEqual([RESTRICTED]);
      expect(await violations(app, '@atelier/kafka')).toEqual([]);
    });
  });
});
