/** LOCAL_CLOCK_OFFSET_DAYS: the local stack's clock shifted by whole or fractional days; bad values refused. */
import { describe, expect, it } from 'vitest';
import { localClockFromEnv } from '../../src/local/local-clock.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const sys = () => NOW;

describe('local clock offset', () => {
  it('is the system clock when unset or blank', () => {
    for (const v of [undefined, '', '  ']) {
      const c = localClockFromEnv(v, sys);
      expect(c.offsetDays).toBe(0);
      expect(c.clock.now().getTime()).toBe(NOW);
    }
  });

  it('shifts by whole, fractional and negative days', () => {
    expect(localClockFromEnv('116', sys).clock.now().getTime()).toBe(NOW + 116 * 86_400_000);
    expect(localClockFromEnv('0.5', sys).clock.now().getTime()).toBe(NOW + 43_200_000);
    expect(localClockFromEnv('-2', sys).clock.now().getTime()).toBe(NOW - 2 * 86_400_000);
  });

  it('keeps time moving', () => {
    let t = NOW;
    const c = localClockFromEnv('1', () => t);
    t += 5000;
    expect(c.clock.now().getTime()).toBe(NOW + 86_400_000 + 5000);
  });

  it('refuses what is not a number of days, naming the variable', () => {
    for (const v of ['soon', '1e3', '12d', 'NaN', '4000', '--1']) {
      expect(() => localClockFromEnv(v, sys)).toThrow(/LOCAL_CLOCK_OFFSET_DAYS must be a number of days/);
    }
  });
});
