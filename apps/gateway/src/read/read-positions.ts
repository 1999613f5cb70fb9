// The waits of `?minPosition=` (a chain block) and `?minPosition=`'s market twin
// `?minMarketPosition=` (an event-store global position) on the read routes. A read waits,
// bounded by READ_YOUR_WRITES_WAIT_MS (the orders API's wait, one setting for both), until the
// model it reads reached the position, then answers as of then; if the model is still behind
// at the deadline it answers 409 READ_MODEL.BEHIND with the position it reached, never older
// data dressed as the state asked for (a client that asked for a minimum has to notice).
//
// Chain models: `position.block` is the newest block applied (a head row per model), polled.
// Orders model: the orders API's ReadYourWrites finds the market the event at that position
// belongs to and waits for that market's stream, whatever collection the read is about.
import { Inject, Injectable } from '@nestjs/common';
import { CodedError } from '@atelier/kernel';
import { READ_YOUR_WRITES_WAIT_MS, ReadYourWrites } from '../orders/read-your-writes';
import { ReadApiError } from './read.errors';

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class ReadPositions {
  constructor(
    private readonly market: ReadYourWrites,
    @Inject(READ_YOUR_WRITES_WAIT_MS) private readonly waitMs: number,
  ) {}

  /** Returns once `position()` (a block, null before any fact) reached `minPosition`. */
  async chain(
    minPosition: bigint | undefined,
    position: () => Promise<string | null>,
  ): Promise<void> {
    if (minPosition === undefined || minPosition === 0n) return;
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const reached = await position();
      if (reached !== null && BigInt(reached) >= minPosition) return;
      if (Date.now() >= deadline)
        throw new ReadApiError(
          'READ_MODEL.BEHIND',
          `the read model has not reached block ${minPosition} within ${this.waitMs} ms; retry`,
          {
            minPosition: minPosition.toString(),
            position: { block: reached },
            waitedMs: this.waitMs,
          },
        );
      await sleep(POLL_MS);
    }
  }

  /** Returns once the orders model applied the market event at `minMarketPosition`. */
  async orders(minMarketPosition: bigint | undefined): Promise<void> {
    try {
      await this.market.reach(minMarketPosition);
    } catch (e) {
      if (!(e instanceof CodedError) || e.code !== 'READ_MODEL.BEHIND') throw e;
      throw new ReadApiError('READ_MODEL.BEHIND', e.message, {
        minMarketPosition: String(minMarketPosition),
        position: { market: await this.market.position() },
        waitedMs: this.waitMs,
      });
    }
  }
}
