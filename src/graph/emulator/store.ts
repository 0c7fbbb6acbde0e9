/**
 * Persistence for the emulator: named collections of JSON records kept in memory, made durable by an
 * append-only journal (`journal.jsonl`, one synchronous append per mutation, so a process crash loses
 * at most the mutation being written) plus a compacted snapshot (`state.json`, written atomically via
 * rename at start-up, every `compactEvery` mutations and on close). File bytes live beside them under
 * `content/<itemId>` and are written before the item record that points at them.
 *
 * Without a dataDir everything stays in memory (tests).
 */
import fs from 'node:fs';
import path from 'node:path';

export type CollectionName =
  | 'items'
  | 'permissions'
  | 'events'
  | 'transactions'
  | 'users'
  | 'meta'
  | 'tombstones'
  | 'teamsApps'
  | 'installedApps'
  | 'meetingStays';
type Json = Record<string, unknown>;
type Snapshot = Partial<Record<CollectionName, Record<string, Json>>>;

const NAMES: CollectionName[] = [
  'items',
  'permissions',
  'events',
  'transactions',
  'users',
  'meta',
  'tombstones',
  'teamsApps',
  'installedApps',
  'meetingStays',
];

export class EmulatorStore {
  private readonly cols = new Map<CollectionName, Map<string, Json>>();
  private journalFd: number | undefined;
  private journalLines = 0;
  private readonly memContent = new Map<string, Buffer>();

  constructor(
    readonly dataDir: string | undefined,
    private readonly compactEvery = 20_000,
  ) {
    for (const n of NAMES) this.cols.set(n, new Map());
    if (dataDir) this.load(dataDir);
  }

  private load(dir: string): void {
    fs.mkdirSync(path.join(dir, 'content'), { recursive: true });
    const snapPath = path.join(dir, 'state.json');
    if (fs.existsSync(snapPath)) {
      const snap = JSON.parse(fs.readFileSync(snapPath, 'utf8')) as Snapshot;
      for (const n of NAMES) for (const [k, v] of Object.entries(snap[n] ?? {})) this.col(n).set(k, v);
    }
    const jPath = path.join(dir, 'journal.jsonl');
    if (fs.existsSync(jPath)) {
      for (const line of fs.readFileSync(jPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let rec: [string, CollectionName, string, Json?];
        try {
          rec = JSON.parse(line) as [string, CollectionName, string, Json?];
        } catch {
          break; // a torn last line from a crash: everything before it is intact
        }
        const [op, c, k, v] = rec;
        if (op === 'put' && v) this.col(c).set(k, v);
        else if (op === 'del') this.col(c).delete(k);
      }
    }
    this.compact();
  }

  private col(n: CollectionName): Map<string, Json> {
    return this.cols.get(n)!;
  }

  get<T>(n: CollectionName, key: string): T | undefined {
    return this.col(n).get(key) as T | undefined;
  }

  values<T>(n: CollectionName): T[] {
    return [...this.col(n).values()] as T[];
  }

  put(n: CollectionName, key: string, value: object): void {
    this.col(n).set(key, value as Json);
    this.append(['put', n, key, value]);
  }

  delete(n: CollectionName, key: string): void {
    if (!this.col(n).delete(key)) return;
    this.append(['del', n, key]);
  }

  private append(rec: unknown[]): void {
    if (this.journalFd === undefined) return;
    fs.writeSync(this.journalFd, JSON.stringify(rec) + '\n');
    if (++this.journalLines >= this.compactEvery) this.compact();
  }

  /** Writes the snapshot atomically and truncates the journal. */
  compact(): void {
    if (!this.dataDir) return;
    const snap: Snapshot = {};
    for (const n of NAMES) snap[n] = Object.fromEntries(this.col(n));
    const tmp = path.join(this.dataDir, 'state.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(snap));
    fs.renameSync(tmp, path.join(this.dataDir, 'state.json'));
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalFd = fs.openSync(path.join(this.dataDir, 'journal.jsonl'), 'w');
    this.journalLines = 0;
  }

  writeContent(itemId: string, bytes: Buffer): void {
    if (!this.dataDir) {
      this.memContent.set(itemId, bytes);
      return;
    }
    const tmp = path.join(this.dataDir, 'content', `${itemId}.tmp`);
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path.join(this.dataDir, 'content', itemId));
  }

  readContent(itemId: string): Buffer | undefined {
    if (!this.dataDir) return this.memContent.get(itemId);
    const p = path.join(this.dataDir, 'content', itemId);
    return fs.existsSync(p) ? fs.readFileSync(p) : undefined;
  }

  deleteContent(itemId: string): void {
    if (!this.dataDir) this.memContent.delete(itemId);
    else fs.rmSync(path.join(this.dataDir, 'content', itemId), { force: true });
  }

  /** Drops every record (and content) — used by the admin reset endpoint. */
  clear(): void {
    for (const n of NAMES) this.col(n).clear();
    this.memContent.clear();
    if (this.dataDir) {
      fs.rmSync(path.join(this.dataDir, 'content'), { recursive: true, force: true });
      fs.mkdirSync(path.join(this.dataDir, 'content'), { recursive: true });
    }
    this.compact();
  }

  close(): void {
    this.compact();
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalFd = undefined;
  }
}
