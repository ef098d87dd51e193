// screenshots.mjs - browser tests compare their screenshots with the
// reviewed references in tests/screenshots instead of overwriting them.
//
// checkScreenshot(target, name, { ignore }) takes the screenshot of a page
// (its viewport) or of one element (a playwright Locator), writes it to
// $GE_TEST_SCREENSHOTS/<name>.png (build/test-screenshots, set by
// tests/CMakeLists.txt) and compares it with tests/screenshots/<name>.png
// using pixelmatch. More differing pixels than the tolerance below fail the
// test, with a diff image written next to the actual one (<name>-diff.png:
// differing pixels red, anti-aliasing yellow, ignored regions blue, the rest
// faded). `ignore` lists CSS selectors of elements whose text changes from
// run to run (dates of periods relative to today, times of day, random case
// ids, counts that depend on the kernel's buffers); their boxes in the
// actual screenshot are left out of the comparison in both images, the rest
// of the layout is still compared.
//
// References are written only on request, never by default:
//   GE_UPDATE_SCREENSHOTS=1 scripts/test --quick -R browser_test_editor
// writes the actual screenshots as the new references (look at them, then
// commit them).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REFERENCES = path.join(SRC, 'tests/screenshots');
export const ACTUAL = process.env.GE_TEST_SCREENSHOTS || path.join(SRC, 'build/test-screenshots');
const UPDATE = process.env.GE_UPDATE_SCREENSHOTS === '1';

// Tolerances. THRESHOLD is pixelmatch's per-pixel colour distance (0..1,
// OKLab; 0.1 is its default): below it two pixels count as equal, and pixels
// it finds to be anti-aliasing are not counted at all. MAX_RATIO is the share
// of the compared (not ignored) pixels that may differ.
//
// Measured on this machine (Debian's chromium 156, headless, software
// rendering), three runs of test_editor, test_review, test_review_export and
// test_basemap:
// - with the ignored regions left out, every screenshot had 0 differing
//   pixels, run against run and against the references (made 11 days
//   earlier); byte-wise at most 59 pixels of editor-5-finished differed, all
//   below THRESHOLD;
// - without ignoring anything, run against run differed in up to 0.16 % of
//   the pixels (review-purged: a random case id and the time of day) and
//   against the references in up to 0.20 % (dates 11 days apart): that is
//   what `ignore` is for.
// What a layout change costs, measured by painting over the references:
// the editor without its tool panel 3.5 %, its map blank 1.4 to 3.2 %, the
// Finish button gone 1.9 %; the review list's map blank 1.0 %, its filter
// panel gone 0.65 %, a case card gone 0.47 %, the map key gone 0.22 %; the
// case's decision block gone 0.32 %; the base map blank 14 %. A single small
// button (0.04 %) is below any sensible limit and left to the DOM assertions.
// MAX_RATIO = 0.1 % passes the natural variation (none) with a margin of
// about a thousand pixels per screenshot for font or rendering noise, and
// fails every layout change above.
const THRESHOLD = 0.1;
const MAX_RATIO = 0.001;

const requireWeb = createRequire(path.join(SRC, 'web/package.json'));
let libs;
async function load() {
  if (!libs) {
    const { PNG } = requireWeb('pngjs');
    const pixelmatch = (await import(pathToFileURL(path.join(SRC, 'web/node_modules/pixelmatch/index.js')))).default;
    libs = { PNG, pixelmatch };
  }
  return libs;
}

// The RGBA pixels of a PNG (a Buffer), or of the box { x, y, width, height }
// of it, rounded to whole pixels (what lies outside the image is 0, as a
// canvas's getImageData gives it): { width, height, data }.
export async function pngPixels(png, box = null) {
  const { PNG } = await load();
  const img = PNG.sync.read(png);
  if (!box) return { width: img.width, height: img.height, data: img.data };
  const x0 = Math.round(box.x), y0 = Math.round(box.y);
  const width = Math.round(box.width), height = Math.round(box.height);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x0 + x;
      if (sx < 0 || sx >= img.width) continue;
      const from = (sy * img.width + sx) * 4, to = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) data[to + k] = img.data[from + k];
    }
  }
  return { width, height, data };
}

// How far RGBA pixels are from a blank image: the variance of their
// luminance and the number of distinct colours.
export function imageStats(d) {
  let sum = 0, sum2 = 0;
  const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    const l = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    sum += l;
    sum2 += l * l;
    colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  const n = d.length / 4;
  return { variance: sum2 / n - (sum / n) ** 2, colours: colours.size };
}

// Boxes (x, y, width, height in screenshot pixels) of every element that
// matches one of the selectors, relative to the screenshot's origin.
async function boxesOf(page, origin, selectors) {
  const boxes = [];
  for (const sel of selectors) {
    for (const el of await page.locator(sel).all()) {
      const b = await el.boundingBox();
      if (b) boxes.push({ x: b.x - origin.x, y: b.y - origin.y, width: b.width, height: b.height });
    }
  }
  return boxes;
}

function maskOf(width, height, boxes) {
  const mask = new Uint8Array(width * height);
  for (const b of boxes) {
    const x0 = Math.max(0, Math.floor(b.x)), x1 = Math.min(width, Math.ceil(b.x + b.width));
    const y0 = Math.max(0, Math.floor(b.y)), y1 = Math.min(height, Math.ceil(b.y + b.height));
    for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  }
  return mask;
}

// Takes and checks the screenshot; throws (fails the test) when it differs
// from the reference beyond the tolerance. Returns the PNG and what was
// measured.
export async function checkScreenshot(target, name, { ignore = [] } = {}) {
  const isPage = typeof target.page !== 'function';
  const page = isPage ? target : target.page();
  const png = await target.screenshot({ animations: 'disabled', caret: 'hide' });
  const origin = isPage ? { x: 0, y: 0 } : await target.boundingBox();
  const boxes = await boxesOf(page, origin, ignore);

  mkdirSync(ACTUAL, { recursive: true });
  const actualFile = path.join(ACTUAL, `${name}.png`);
  const diffFile = path.join(ACTUAL, `${name}-diff.png`);
  const refFile = path.join(REFERENCES, `${name}.png`);
  writeFileSync(actualFile, png);
  rmSync(diffFile, { force: true });
  if (UPDATE) {
    writeFileSync(refFile, png);
    console.log(`# screenshot ${name}: reference written (GE_UPDATE_SCREENSHOTS=1): ${refFile}`);
    return { png, updated: true };
  }
  const test = `browser_${path.basename(process.argv[1] || 'test_', '.mjs')}`;
  const again = `if the change is intended: GE_UPDATE_SCREENSHOTS=1 scripts/test --quick -R ${test}, look at ${refFile} and commit it`;
  if (!existsSync(refFile)) throw new Error(`screenshot ${name}: no reference ${refFile} (actual: ${actualFile}); ${again}`);

  const { PNG, pixelmatch } = await load();
  const a = PNG.sync.read(png);
  const r = PNG.sync.read(readFileSync(refFile));
  if (a.width !== r.width || a.height !== r.height)
    throw new Error(`screenshot ${name}: ${a.width}x${a.height}, the reference is ${r.width}x${r.height} (actual: ${actualFile}); ${again}`);
  const mask = maskOf(a.width, a.height, boxes);
  const diff = new PNG({ width: a.width, height: a.height });
  const n = pixelmatch(a.data, r.data, diff.data, a.width, a.height, { threshold: THRESHOLD, ignoreMask: mask });
  let ignored = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    ignored++;
    diff.data[4 * i] = 160; diff.data[4 * i + 1] = 190; diff.data[4 * i + 2] = 255; diff.data[4 * i + 3] = 255;
  }
  const compared = a.width * a.height - ignored;
  const ratio = compared ? n / compared : 0;
  const result = { png, name, differing: n, compared, ratio };
  console.log(`# screenshot ${name}: ${n} of ${compared} compared pixels differ (${(100 * ratio).toFixed(3)} %, at most ${(100 * MAX_RATIO).toFixed(2)} %), ${ignored} ignored`);
  if (ratio > MAX_RATIO) {
    writeFileSync(diffFile, PNG.sync.write(diff));
    throw new Error(`screenshot ${name}: ${n} pixels (${(100 * ratio).toFixed(2)} %) differ from ${refFile}, more than ${(100 * MAX_RATIO).toFixed(2)} %: ` +
      `see ${actualFile} and ${diffFile}; ${again}`);
  }
  return result;
}
