import net from 'node:net';

/** Which of these loopback ports something else is already listening on. */
export async function busyPorts<N extends string>(
  ports: readonly (readonly [N, number])[],
  host = '127.0.0.1',
): Promise<(readonly [N, number])[]> {
  const results = await Promise.all(
    ports.map(
      (entry) =>
        new Promise<readonly [N, number] | null>((resolve) => {
          const probe = net.createServer();
          probe.once('error', () => resolve(entry));
          probe.listen(entry[1], host, () => probe.close(() => resolve(null)));
        }),
    ),
  );
  return results.filter((r): r is readonly [N, number] => r !== null);
}
