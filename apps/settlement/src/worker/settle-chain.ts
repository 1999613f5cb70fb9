// The worker's chain side, over viem: simulate a batch (settleBatch's eth_call answers one
// SkipReason per pair), sign its transaction without sending it (the hash is known before
// anything leaves), broadcast a signed transaction, and read a receipt's verdict per pair.
import {
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  type Account,
  type Chain,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { marketplaceAbi, skipReasonName } from '@atelier/contracts-abi';
import { encodeSettleBatch } from '@atelier/chain-actions';
import type { Fees, Hex, PairResult, SettlementTrade } from '@atelier/settlement-domain';

export interface SettleChainDeps {
  readonly client: PublicClient;
  readonly wallet: WalletClient<Transport, Chain, Account>;
  readonly marketplace: Hex;
}

const pairsOf = (trades: readonly SettlementTrade[]) =>
  trades.map((t) => ({ ask: t.ask, bid: t.bid }));

export const batchCalldata = (trades: readonly SettlementTrade[]): Hex =>
  encodeFunctionData({
    abi: marketplaceAbi,
    functionName: 'settleBatch',
    args: [encodeSettleBatch({ pairs: pairsOf(trades) }).batch],
  });

/** What the submitter needs of the chain (SettleChain over viem; a fake in unit specs). */
export interface SettlementChain {
  readonly marketplace: Hex;
  readonly operator: Hex;
  simulate(trades: readonly SettlementTrade[]): Promise<{ reasons: string[]; block: bigint }>;
  pendingNonce(): Promise<number>;
  minedNonce(): Promise<number>;
  /**
   * The hash of block 0, lower case: which chain the node serves. A restarted local node is a
   * new chain under the same chain id (and the same deterministic addresses).
   */
  genesis(): Promise<Hex>;
  sign(
    trades: readonly SettlementTrade[],
    nonce: number,
    fees?: Fees,
    gas?: bigint,
  ): Promise<{ hash: Hex; raw: Hex; gas: bigint; fees: Fees }>;
  /** The fees a new transaction would pay now. */
  currentFees(): Promise<Fees>;
  broadcast(raw: Hex): Promise<void>;
  receipt(hash: Hex): Promise<TransactionReceipt | null>;
  known(hash: Hex): Promise<boolean>;
  latestBlock(): Promise<bigint>;
  balance(): Promise<bigint>;
}

export class SettleChain implements SettlementChain {
  constructor(private readonly deps: SettleChainDeps) {}

  get marketplace(): Hex {
    return this.deps.marketplace;
  }

  get operator(): Hex {
    return this.deps.wallet.account.address;
  }

  /**
   * The SkipReason name of each pair ('None' = would settle) at the latest block. Throws when
   * the whole call reverts (a gas-burning collection or wallet): the caller bisects.
   */
  async simulate(
    trades: readonly SettlementTrade[],
  ): Promise<{ reasons: string[]; block: bigint }> {
    const block = await this.deps.client.getBlockNumber({ cacheTime: 0 });
    const { result } = await this.deps.client.simulateContract({
      address: this.deps.marketplace,
      abi: marketplaceAbi,
      functionName: 'settleBatch',
      args: [encodeSettleBatch({ pairs: pairsOf(trades) }).batch],
      account: this.operator,
      blockNumber: block,
    });
    return { reasons: (result as readonly number[]).map((r) => skipReasonName(Number(r))), block };
  }

  /** The operator's next nonce as the node sees it, pending transactions included. */
  pendingNonce(): Promise<number> {
    return this.deps.client.getTransactionCount({ address: this.operator, blockTag: 'pending' });
  }

  minedNonce(): Promise<number> {
    return this.deps.client.getTransactionCount({ address: this.operator, blockTag: 'latest' });
  }

  async genesis(): Promise<Hex> {
    const block = await this.deps.client.getBlock({ blockNumber: 0n });
    if (!block.hash) throw new Error('the node returned block 0 without a hash');
    return block.hash.toLowerCase() as Hex;
  }

  /**
   * Signs (does not send) settleBatch for these trades at `nonce`; the hash is the id to record.
   * Gas is estimated +20 % unless given: a replacement must reuse its original's limit, since
   * an estimate now may run on a pending state where the original already settled the pairs
   * (all skipped, far cheaper), and the replacement would then run out of gas when mined.
   */
  async sign(
    trades: readonly SettlementTrade[],
    nonce: number,
    fees?: Fees,
    gasLimit?: bigint,
  ): Promise<{ hash: Hex; raw: Hex; gas: bigint; fees: Fees }> {
    const data = batchCalldata(trades);
    const gas =
      gasLimit ??
      ((await this.deps.client.estimateGas({
        account: this.operator,
        to: this.deps.marketplace,
        data,
      })) *
        12n) /
        10n;
    const f = fees ?? (await this.currentFees());
    const raw = await this.deps.wallet.signTransaction({
      account: this.deps.wallet.account,
      chain: this.deps.wallet.chain,
      to: this.deps.marketplace,
      data,
      gas,
      nonce,
      type: 'eip1559',
      maxFeePerGas: f.maxFeePerGas,
      maxPriorityFeePerGas: f.maxPriorityFeePerGas,
    });
    return { hash: keccak256(raw), raw, gas, fees: f };
  }

  async currentFees(): Promise<Fees> {
    // eip1559 is viem's default fee type: both fields are set.
    const e = (await this.deps.client.estimateFeesPerGas()) as Fees;
    return { maxFeePerGas: e.maxFeePerGas, maxPriorityFeePerGas: e.maxPriorityFeePerGas };
  }

  /** Broadcasts a signed transaction; "already known" is success (a resend after a crash). */
  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.deps.client.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      const msg = String((e as Error).message ?? e).toLowerCase();
      if (msg.includes('already known') || msg.includes('already imported')) return;
      throw e;
    }
  }

  /** Null only when the node says there is none: an RPC failure throws (never read as "lost"). */
  receipt(hash: Hex): Promise<TransactionReceipt | null> {
    return this.deps.client.getTransactionReceipt({ hash }).catch((e: unknown) => {
      if (e instanceof TransactionReceiptNotFoundError) return null;
      throw e;
    });
  }

  /** True while the node knows the transaction (mempool or mined); an RPC failure throws. */
  known(hash: Hex): Promise<boolean> {
    return this.deps.client.getTransaction({ hash }).then(
      () => true,
      (e: unknown) => {
        if (e instanceof TransactionNotFoundError) return false;
        throw e;
      },
    );
  }

  latestBlock(): Promise<bigint> {
    return this.deps.client.getBlockNumber({ cacheTime: 0 });
  }

  balance(): Promise<bigint> {
    return this.deps.client.getBalance({ address: this.operator });
  }
}

/** Per pair of the batch (calldata order): settled, or skipped with the PairSkipped reason. */
export function resultsOf(
  receipt: TransactionReceipt,
  marketplace: Hex,
  tradeIds: readonly string[],
): PairResult[] {
  const logs = parseEventLogs({
    abi: marketplaceAbi,
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === marketplace.toLowerCase()),
    eventName: 'PairSkipped',
  });
  const skipped = new Map<number, string>();
  for (const l of logs) skipped.set(Number(l.args.index), skipReasonName(Number(l.args.reason)));
  return tradeIds.map((tradeId, i) => {
    const reason = skipped.get(i);
    return reason === undefined
      ? { tradeId, outcome: 'settled' as const }
      : { tradeId, outcome: 'skipped' as const, reason };
  });
}
