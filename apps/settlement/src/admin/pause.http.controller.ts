// The pause switch at run time: POST /admin/pause stops sending new batches (trades are still
// taken in and submitted ones still followed to confirmation), POST /admin/resume sends again.
// Guarded by SETTLEMENT_ADMIN_TOKEN as a bearer token; without one configured the endpoints
// answer SETTLEMENT.ADMIN_DISABLED. The env switch SETTLEMENT_PAUSED sets the state at start.
import { timingSafeEqual } from 'node:crypto';
import { Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { AdminError } from './admin.errors';

export const ADMIN_CONTEXT = Symbol('atelier.settlement.AdminContext');

export interface AdminContext {
  readonly token: string | undefined;
  /** The submitter's settings object, whose `paused` the loop reads every round. */
  readonly switch: { paused: boolean } | undefined;
}

@Controller('admin')
export class PauseController {
  constructor(@Inject(ADMIN_CONTEXT) private readonly ctx: AdminContext) {}

  @Post('pause')
  @HttpCode(200)
  pause(@Headers('authorization') auth: string | undefined): { paused: boolean } {
    return this.set(auth, true);
  }

  @Post('resume')
  @HttpCode(200)
  resume(@Headers('authorization') auth: string | undefined): { paused: boolean } {
    return this.set(auth, false);
  }

  private set(auth: string | undefined, paused: boolean): { paused: boolean } {
    const { token, switch: sw } = this.ctx;
    if (!token || !sw)
      throw new AdminError('SETTLEMENT.ADMIN_DISABLED', 'no SETTLEMENT_ADMIN_TOKEN configured');
    const given = Buffer.from(auth?.replace(/^Bearer /, '') ?? '');
    const want = Buffer.from(token);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new AdminError(
        'SETTLEMENT.ADMIN_UNAUTHORIZED',
        'a valid admin bearer token is required',
      );
    sw.paused = paused;
    return { paused };
  }
}
