// createProjectionDataSource's idleTimeoutMs against real PostgreSQL: a connection idle for longer
// than it is closed (the next query gets a new backend), and KEEP_PROJECTOR_CONNECTIONS, what the
// gateway's projectors write through, keeps it (the same backend answers).
import type { DataSource } from 'typeorm';
import { createProjectionDataSource, KEEP_PROJECTOR_CONNECTIONS } from './data-source';

const url = process.env['GATEWAY_DATABASE_URL']!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function backendAfterIdle(idleTimeoutMs: number | undefined, idleMs: number) {
  const ds: DataSource = await createProjectionDataSource({
    url,
    schema: 'public',
    projections: [],
    poolSize: 1,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
  });
  try {
    const pid = async () =>
      ((await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0]!.pid;
    const before = await pid();
    await sleep(idleMs);
    return { before, after: await pid() };
  } finally {
    await ds.destroy();
  }
}

describe('createProjectionDataSource idleTimeoutMs', () => {
  it('closes a connection idle for longer than idleTimeoutMs', async () => {
    const { before, after } = await backendAfterIdle(100, 600);
    expect(after).not.toBe(before);
  });

  it('keeps its connections with KEEP_PROJECTOR_CONNECTIONS', async () => {
    expect(KEEP_PROJECTOR_CONNECTIONS).toBe(0); // pg: never closed for idling
    const { before, after } = await backendAfterIdle(KEEP_PROJECTOR_CONNECTIONS, 600);
    expect(after).toBe(before);
  });
});
