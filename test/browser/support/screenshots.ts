import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';

// Screenshot tests: the page against a committed baseline (test/browser/__screenshots__/NAME.png). Pixels may
// differ a little (anti-aliasing between Chromium builds); a moved or missing block of the layout may not.
// `npm run test:browser:update` (UPDATE_SCREENSHOTS=1) rewrites the baselines: look at them before committing.

const BASELINE_DIR = fileURLToPath(new URL('../__screenshots__/', import.meta.url));
/** Where a failing comparison leaves the new screenshot and the difference (gitignored). */
const FAILURE_DIR = fileURLToPath(new URL('../.screenshot-failures/', import.meta.url));
export const isUpdatingScreenshots = process.env.UPDATE_SCREENSHOTS === '1';

/** Per-pixel colour distance pixelmatch ignores (0-1), and the share of differing pixels allowed. */
const PIXEL_THRESHOLD = 0.1;
const MAX_DIFFERENT_PIXELS_RATIO = 0.002;

/** A stable screenshot: fonts loaded, no caret, no animation, the whole page. */
export async function takeScreenshot(page: Page, fullPage = true): Promise<Buffer> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  return page.screenshot({ fullPage, animations: 'disabled', caret: 'hide', scale: 'css' });
}

/** Compares with the baseline NAME.png, or writes it when updating. A missing baseline fails. */
export async function expectScreenshot(page: Page, name: string): Promise<void> {
  const actual = await takeScreenshot(page);
  const baselineFile = `${BASELINE_DIR}${name}.png`;
  if (isUpdatingScreenshots) {
    await mkdir(BASELINE_DIR, { recursive: true });
    await writeFile(baselineFile, actual);
    return;
  }
  if (!existsSync(baselineFile)) {
    throw new Error(`no baseline ${baselineFile}: run npm run test:browser:update and commit it`);
  }
  const expected = PNG.sync.read(await readFile(baselineFile));
  const got = PNG.sync.read(actual);
  const sameSize = expected.width === got.width && expected.height === got.height;
  let differentPixels = Number.POSITIVE_INFINITY;
  const diff = new PNG({ width: expected.width, height: expected.height });
  if (sameSize) {
    differentPixels = pixelmatch(expected.data, got.data, diff.data, got.width, got.height, {
      threshold: PIXEL_THRESHOLD,
    });
  }
  const ratio = differentPixels / (expected.width * expected.height);
  if (ratio > MAX_DIFFERENT_PIXELS_RATIO) {
    await mkdir(FAILURE_DIR, { recursive: true });
    await writeFile(`${FAILURE_DIR}${name}.actual.png`, actual);
    if (sameSize) await writeFile(`${FAILURE_DIR}${name}.diff.png`, PNG.sync.write(diff));
  }
  expect(
    { size: `${got.width}x${got.height}`, tooDifferent: ratio > MAX_DIFFERENT_PIXELS_RATIO },
    `${name}: ${sameSize ? `${(ratio * 100).toFixed(3)} % of pixels differ` : 'size differs'}; see ${FAILURE_DIR}`,
  ).toEqual({ size: `${expected.width}x${expected.height}`, tooDifferent: false });
}
