// The deploy script's console: one prefixed status line per step, and errors shortened to what the
// person running it needs (the innermost cause, no stack).

export function status(message: string): void {
  process.stdout.write(`[deploy] ${message}\n`);
}

/** viem wraps fetch's error, which wraps the socket error (ECONNREFUSED...): names each, innermost last. */
export function shortReason(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const short = (current as Error & { shortMessage?: string }).shortMessage ?? current.message;
    const code = (current as Error & { code?: unknown }).code;
    parts.push(
      `${short.split('\n')[0]?.replace(/\.$/, '') ?? ''}${typeof code === 'string' && !short.includes(code) ? ` ${code}` : ''}`,
    );
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(err);
}
