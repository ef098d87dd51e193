// make-favicon.mjs - writes public/favicon.ico from public/favicon.svg: the
// SVG drawn at 16 and 32 pixels by Debian's chromium (playwright-core, as the
// browser tests use it) and packed as an ICO with PNG images (which every
// browser since 2010 reads). The ICO is committed; run this after changing
// the SVG:  node web/make-favicon.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const here = import.meta.dirname;
const { chromium } = createRequire(path.join(here, 'package.json'))('playwright-core');
const svg = readFileSync(path.join(here, 'public/favicon.svg'), 'utf8');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
const pngs = [];
for (const size of [16, 32]) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
  pngs.push({ size, data: await page.screenshot({ omitBackground: true }) });
  await page.close();
}
await browser.close();

// ICONDIR (6 bytes), one ICONDIRENTRY (16 bytes) per image, then the PNGs.
const head = Buffer.alloc(6 + 16 * pngs.length);
head.writeUInt16LE(0, 0);
head.writeUInt16LE(1, 2); // type: icon
head.writeUInt16LE(pngs.length, 4);
let offset = head.length;
pngs.forEach(({ size, data }, i) => {
  const e = 6 + 16 * i;
  head.writeUInt8(size, e);
  head.writeUInt8(size, e + 1);
  head.writeUInt8(0, e + 2); // no palette
  head.writeUInt8(0, e + 3);
  head.writeUInt16LE(1, e + 4); // colour planes
  head.writeUInt16LE(32, e + 6); // bits per pixel
  head.writeUInt32LE(data.length, e + 8);
  head.writeUInt32LE(offset, e + 12);
  offset += data.length;
});
const ico = Buffer.concat([head, ...pngs.map((p) => p.data)]);
writeFileSync(path.join(here, 'public/favicon.ico'), ico);
console.log(`public/favicon.ico: ${ico.length} bytes (${pngs.map((p) => `${p.size}px`).join(', ')})`);
