// Preloaded (`node --import`) into the Microsoft 365 Agents Playground, which listens on every
// network interface and has no setting to choose one: from here on a server in that process that
// names no host listens on 127.0.0.1, and one that names a non-loopback host fails to start.
// Unix sockets and inherited handles are left alone.
import net from 'node:net';

const LOOPBACK = '127.0.0.1';

function isLoopback(host) {
  const h = String(host)
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1].startsWith('127.');
}

function refuse(host) {
  throw new Error(`refusing to listen on ${host}: this local stand-in listens on ${LOOPBACK} only`);
}

const isPort = (v) => v === undefined || v === null || typeof v === 'number' || /^\d+$/.test(String(v));

/** The arguments of net.Server#listen, with the host forced to loopback. */
export function loopbackListenArgs(args) {
  const [first, second] = args;
  if (typeof first === 'function') return [0, LOOPBACK, ...args];
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined || first.fd !== undefined || first.handle !== undefined || first._handle) return args;
    if (first.host === undefined || first.host === null || first.host === '')
      return [{ ...first, host: LOOPBACK }, ...args.slice(1)];
    if (!isLoopback(first.host)) refuse(first.host);
    return args;
  }
  if (!isPort(first)) return args; // a pipe or socket path
  if (typeof second === 'string') {
    if (!isLoopback(second)) refuse(second);
    return args;
  }
  if (args.length >= 2 && (second === undefined || second === null)) return [first, LOOPBACK, ...args.slice(2)];
  return [first ?? 0, LOOPBACK, ...args.slice(1)];
}

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(...args) {
  return listen.apply(this, loopbackListenArgs(args));
};
