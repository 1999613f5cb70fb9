// atelier kafka: Kafka's own command-line tools against the stack's broker, without a Kafka
// distribution: the JVM that runs the broker (infra/kafka/_lib.sh's kafka_java) with the
// broker's jar cache (infra/kafka/fetch.sh) on the classpath plus Kafka's tools jar
// (org.apache.kafka:kafka-tools and argparse4j), and the stack's first broker as
// --bootstrap-server. fetch.sh puts the tools jar in the broker's cache, as Kafka's tarball
// ships it; KAFKA_TOOLS_CLASSPATH (a java classpath: dir/*, jar paths) can add or override
// jars; when the tools are in neither, the command says so and exits 1.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliError, usageError, type Command } from '../cli';
import { loadCliConfig } from '../config';

const TOOLS: Readonly<Record<string, string>> = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  consume: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  groups: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  offsets: 'org.apache.kafka.tools.GetOffsetShell',
};

const help = `usage: atelier kafka <topics|consume|groups|offsets> [arguments] [-- tool arguments]
  topics [tool arguments]          kafka-topics (default: --list)
  consume <topic> [--from-beginning] [--max-messages N] [--timeout-ms N] [-- tool arguments]
                                   kafka-console-consumer, printing key, partition and offset
  groups [tool arguments]          kafka-consumer-groups (default: --list)
  offsets [tool arguments]         kafka-get-offsets (end offsets per partition)
Runs Kafka's own tools (${Object.values(TOOLS).join(', ')})
with --bootstrap-server set to the stack's first broker (KAFKA_BROKERS). The tools jar
(org.apache.kafka:kafka-tools and argparse4j) comes from KAFKA_TOOLS_CLASSPATH or the Kafka jar
cache (ATELIER_CACHE/kafka/<version>/libs), where infra/kafka/fetch.sh puts it with the broker.
Exit code: the tool's.`;

const hasToolsJar = (entries: readonly string[]): boolean =>
  entries.some((entry) => {
    if (entry.endsWith('/*')) {
      const dir = entry.slice(0, -2);
      return existsSync(dir) && readdirSync(dir).some((f) => /^kafka-tools-\d.*\.jar$/.test(f));
    }
    return /kafka-tools-\d[^/]*\.jar$/.test(entry) && existsSync(entry);
  });

export const kafkaCommand: Command = {
  name: 'kafka',
  summary: 'Kafka’s own tools (topics, console consumer, groups, offsets) on the stack’s broker',
  help,
  async run(args) {
    const dash = args.indexOf('--');
    const mine = dash === -1 ? [...args] : args.slice(0, dash);
    const passed = dash === -1 ? [] : args.slice(dash + 1);
    const [tool, ...rest] = mine;
    if (!tool) throw usageError(`name a tool: ${Object.keys(TOOLS).join(', ')}`);
    const main = TOOLS[tool];
    if (!main) throw usageError(`unknown tool '${tool}' (${Object.keys(TOOLS).join(', ')})`);

    let toolArgs: string[];
    if (tool === 'consume') {
      const [topic, ...options] = rest;
      if (!topic || topic.startsWith('-')) throw usageError('consume needs a topic');
      toolArgs = ['--topic', topic];
      for (let i = 0; i < options.length; i++) {
        const o = options[i]!;
        if (o === '--from-beginning') toolArgs.push(o);
        else if (o === '--max-messages' || o === '--timeout-ms') {
          const v = options[++i];
          if (v === undefined || !/^[0-9]{1,9}$/.test(v))
            throw usageError(`${o} needs a whole number`);
          toolArgs.push(o, v);
        } else throw usageError(`unknown option '${o}' for consume (pass tool options after --)`);
      }
      for (const p of ['print.key=true', 'print.partition=true', 'print.offset=true'])
        toolArgs.push('--property', p);
    } else {
      if (rest.length)
        throw usageError(`unexpected arguments: ${rest.join(' ')} (pass tool options after --)`);
      toolArgs = passed.length || tool === 'offsets' ? [] : ['--list'];
    }

    const config = loadCliConfig(['ATELIER_ROOT', 'ATELIER_CACHE', 'KAFKA_BROKERS']);
    const version = readFileSync(join(config.ATELIER_ROOT, 'infra/kafka/version'), 'utf8').trim();
    const cacheLibs = join(config.ATELIER_CACHE, 'kafka', version, 'libs');
    if (!existsSync(cacheLibs))
      throw new CliError(
        'CLI.FAILED',
        `Kafka ${version}'s jars are not in ${cacheLibs}: run bash infra/kafka/fetch.sh (npm run up does)`,
      );
    const extra = (process.env['KAFKA_TOOLS_CLASSPATH'] ?? '').split(':').filter(Boolean);
    if (!hasToolsJar([...extra, `${cacheLibs}/*`]))
      throw new CliError(
        'CLI.FAILED',
        `Kafka's command-line tools (org.apache.kafka:kafka-tools-${version}.jar, with argparse4j) are not in ${cacheLibs}: ` +
          `run bash infra/kafka/fetch.sh (a cache from before the tools were fetched is filled again), or set ` +
          `KAFKA_TOOLS_CLASSPATH to their jars`,
        { version },
      );
    const { stdout: java } = await promisify(execFile)('bash', [
      '-c',
      'source "$1/infra/kafka/_lib.sh" && kafka_java "$2"',
      'kafka-java',
      config.ATELIER_ROOT,
      version,
    ]);
    const child = spawn(
      java.trim(),
      [
        '-cp',
        [...extra, `${cacheLibs}/*`].join(':'),
        main,
        '--bootstrap-server',
        config.KAFKA_BROKERS[0]!,
        ...toolArgs,
        ...passed,
      ],
      { stdio: 'inherit' },
    );
    return new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  },
};
