// Every `atelier` command, in the order `atelier --help` lists them.
import type { Command } from './cli';
import { bookCommand } from './commands/book';
import { exportCommand } from './commands/export';
import { kafkaCommand } from './commands/kafka';
import { keysCommand } from './commands/keys';
import { ledgerCommand } from './commands/ledger';
import { replayCommand } from './commands/replay';
import { verifyCommand } from './commands/verify';

export const commands = (): readonly Command[] => [
  replayCommand,
  exportCommand,
  bookCommand,
  ledgerCommand,
  verifyCommand,
  keysCommand,
  kafkaCommand,
];
