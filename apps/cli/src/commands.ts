// Every `atelier` command, in the order `atelier --help` lists them.
import type { Command } from './cli';
import { exportCommand } from './commands/export';
import { keysCommand } from './commands/keys';

export const commands = (): readonly Command[] => [exportCommand, keysCommand];
