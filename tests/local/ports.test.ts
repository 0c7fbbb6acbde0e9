import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { busyPorts } from '../../src/local/ports.js';
import { freePort } from '../support/local-stack.js';

describe('busyPorts', () => {
  it('names the ports something already listens on, and only those', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const free = await freePort();
    try {
      expect(
        await busyPorts([
          ['PORT', takenPort],
          ['PLAYGROUND_PORT', free],
        ] as const),
      ).toEqual([['PORT', takenPort]]);
    } finally {
      taken.close();
    }
  });
});
