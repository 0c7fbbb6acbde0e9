/**
 * Loopback addresses: what local mode (and every local stand-in: the Agents Playground, the Graph
 * emulator, the Bot Connector emulator) may listen on. Anything else would put an unauthenticated
 * demo on a network.
 */
import net from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

/** True for `localhost`, 127.0.0.0/8 and ::1 (also written as an IPv4-mapped address). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** Throws naming `setting` when `host` is not a loopback address. */
export function assertLoopback(host: string, setting: string): void {
  if (!isLoopbackHost(host)) {
    throw new Error(
      `${setting} is "${host}", which is not a loopback address; local stand-ins listen on 127.0.0.1 only.`,
    );
  }
}

/** A host as it goes in a URL: IPv6 addresses in brackets. */
export function hostForUrl(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}
