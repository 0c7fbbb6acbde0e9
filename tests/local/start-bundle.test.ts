import { readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface StartBundle {
  START_BUNDLE: string;
  buildStartBundle(): Promise<void>;
  startBundleIsCurrent(): boolean;
}
const { START_BUNDLE, buildStartBundle, startBundleIsCurrent } = (await import(
  path.resolve('scripts/start-bundle.mjs')
)) as StartBundle;

describe("npm start's bundle", () => {
  it('is reused while its sources are unchanged and rebuilt once one changes', async () => {
    await buildStartBundle();
    expect(startBundleIsCurrent()).toBe(true);
    // Every source the stack is made of is listed, with its size and modification time.
    const inputs = JSON.parse(
      readFileSync(START_BUNDLE, 'utf8').trimEnd().split('\n').at(-1)!.replace('// inputs: ', ''),
    ) as Record<string, [number, number]>;
    const source = path.resolve('src/local/ports.ts');
    expect(Object.keys(inputs)).toContain(source);
    expect(Object.keys(inputs)).toContain(path.resolve('src/app.ts'));

    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 1000));
      expect(startBundleIsCurrent()).toBe(false);
      await buildStartBundle();
      expect(startBundleIsCurrent()).toBe(true);
    } finally {
      utimesSync(source, atime, mtime);
    }
  });
});
