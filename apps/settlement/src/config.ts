// The settlement worker's configuration: the shared service variables, its port and database
// (its own event-sourced state lives there, in EVENT_STORE_SCHEMA), and how it batches,
// signs and confirms. SETTLEMENT_OPERATOR_KEY and the keystore password are secrets: validated
// here, never logged.
import { z } from 'zod';
import { eventStoreEnv } from '@atelier/event-store';
import { serviceConfig } from '@atelier/platform';

const flag = (d: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(d)
    .transform((v) => v === 'true' || v === '1');
const prefix = z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, 'letters, digits, ".", "_", "-"');

const settlementConfig = serviceConfig({
  app: 'settlement',
  prefix: 'SETTLEMENT',
  port: { default: 3100, describe: 'HTTP port of the settlement worker (health and metrics)' },
  extra: {
    ...eventStoreEnv,
    SETTLEMENT_OPERATOR_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')
      .optional()
      .describe(
        'private key of the Marketplace operator (default on chain 31337: anvil account 9)',
      ),
    SETTLEMENT_OPERATOR_KEYSTORE: z
      .string()
      .min(1)
      .optional()
      .describe('path of the operator key as a Web3 Secret Storage v3 keystore (scrypt or pbkdf2)'),
    SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: z
      .string()
      .optional()
      .describe('the keystore password (secret; or SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE)'),
    SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('path of a file holding the keystore password (one trailing newline ignored)'),
    SETTLEMENT_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(50),
    SETTLEMENT_BATCH_WINDOW_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(2000)
      .describe('longest a trade waits in an open batch before it is sent, ms'),
    SETTLEMENT_CONFIRMATIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe('blocks (the receipt block included) before a batch counts as confirmed'),
    SETTLEMENT_CONFIRM_FROM: z
      .enum(['chain-facts', 'receipt'])
      .default('chain-facts')
      .describe(
        "what confirms a batch: the indexer's BatchSettled fact for its transaction on chain.* (and the receipt, depth deep), or the receipt alone (no indexer relay running)",
      ),
    SETTLEMENT_CHAIN_TOPIC_PREFIX: prefix
      .default('chain')
      .describe("prefix of the indexer relay's chain fact topics (chain.marketplace)"),
    SETTLEMENT_REPLACE_AFTER_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(60_000)
      .describe('a transaction pending this long is replaced with higher fees, ms'),
    SETTLEMENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    SETTLEMENT_PAUSED: flag('false').describe('take trades in, but send nothing to the chain'),
    SETTLEMENT_ADMIN_TOKEN: z
      .string()
      .min(16)
      .optional()
      .describe('bearer token of POST /admin/pause and /admin/resume (unset: disabled)'),
    SETTLEMENT_ENABLED: flag('true').describe('run the consumer, the submitter and the outbox'),
    SETTLEMENT_TEST_FAULT: z
      .enum([
        'kill-after-simulation-recorded',
        'kill-after-submission-recorded',
        'kill-after-broadcast',
        'kill-before-confirmation-recorded',
      ])
      .optional()
      .describe('crash specs only: SIGKILL the process at this point of the first submission'),
    SETTLEMENT_MARKET_TOPIC_PREFIX: prefix
      .default('market')
      .describe('prefix of the market topics TradeMatched arrives on (market.market)'),
    SETTLEMENT_TOPIC_PREFIX: prefix
      .default('settlement')
      .describe('prefix of the topics settlement events are published to (settlement.settlement)'),
    SETTLEMENT_GROUP: prefix.default('settlement').describe('consumer group and outbox relay name'),
    SETTLEMENT_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(8),
    SETTLEMENT_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(16).default(1),
  },
});

export type SettlementConfig = ReturnType<typeof settlementConfig.load>;
export const loadSettlementConfig = settlementConfig.load;
