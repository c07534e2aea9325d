import { describe, expect, it } from 'vitest';
import { markStrip, sparkline } from '../../../cli/core/sparkline.ts';

describe('sparkline', () => {
  it('scales from the lowest to the highest value', () => {
    expect(sparkline([10, 20, 30, 40, 50, 60, 70, 80], 80)).toBe('▁▂▃▄▅▆▇█');
  });

  it('leaves a gap where a period has no data', () => {
    expect(sparkline([10, undefined, 80], 80)).toBe('▁ █');
  });

  it('draws a flat series in the middle, and nothing without data', () => {
    expect(sparkline([42, 42, 42], 80)).toBe('▄▄▄');
    expect(sparkline([undefined, undefined], 80)).toBe('');
    expect(sparkline([], 80)).toBe('');
  });

  it('fits a long series into the width, each column the highest value of its run', () => {
    // Prepare: 336 hours, one slow hour in the middle
    const values = Array.from({ length: 336 }, (_, hour) => (hour === 170 ? 900 : 100));

    // Act
    const line = sparkline(values, 48);

    // Assess
    expect([...line]).toHaveLength(48);
    expect([...line].filter((bar) => bar === '█')).toHaveLength(1);
    expect(line.replace('█', '')).toMatch(/^▁+$/);
  });
});

describe('markStrip', () => {
  it('draws one mark per period, a gap where there is no data', () => {
    expect(markStrip([0, 1, undefined, 1, 0], ['·', 'R'], 80)).toBe('·R R·');
  });

  it('keeps one marked period visible when a long series is cut into runs, column for column with the sparkline', () => {
    // Prepare: 336 hours, one marked hour in the middle (the same run the sparkline would draw it in)
    const levels = Array.from({ length: 336 }, (_, hour) => (hour === 170 ? 1 : 0));
    const values = levels.map((level) => (level === 1 ? 900 : 100));

    // Act
    const strip = markStrip(levels, ['·', 'R'], 48);

    // Assess
    expect([...strip]).toHaveLength(48);
    expect(strip.indexOf('R')).toBe([...sparkline(values, 48)].indexOf('█'));
    expect(strip.replace('R', '')).toMatch(/^·+$/);
  });
});
