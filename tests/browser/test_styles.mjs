// test_styles.mjs - every style document of styles/ passes the official
// MapLibre style-spec validator (@maplibre/maplibre-gl-style-spec from
// web/node_modules: its validateStyleMin API and its gl-style-validate
// CLI), and the validator does catch a broken copy, so a green run means
// something. Skips with a visible reason when web/node_modules is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STYLES = path.join(SRC, 'styles');
const SPEC = path.join(SRC, 'web/node_modules/@maplibre/maplibre-gl-style-spec');
const skip = existsSync(SPEC) ? false : 'web/node_modules is missing (scripts/setup runs npm ci)';
if (skip) console.log(`SKIP: ${skip}`);

const files = readdirSync(STYLES).filter((f) => f.endsWith('.json')).sort();

test('the styles folder holds the base map, overlay and services styles', () => {
  assert.deepEqual(files, ['basemap.json', 'overlays.json', 'services.json']);
});

for (const f of files) {
  test(`styles/${f} passes validateStyleMin`, { skip }, () => {
    const spec = createRequire(path.join(SRC, 'web/package.json'))('@maplibre/maplibre-gl-style-spec');
    const errors = spec.validateStyleMin(JSON.parse(readFileSync(path.join(STYLES, f), 'utf8')));
    assert.deepEqual(errors.map((e) => e.message), []);
  });

  test(`styles/${f} passes the gl-style-validate CLI`, { skip }, () => {
    const cli = path.join(SPEC, 'dist/gl-style-validate.mjs');
    // exits non-zero and prints the errors when there are any
    execFileSync(process.execPath, [cli, path.join(STYLES, f)], { encoding: 'utf8' });
  });
}

test('the validator refuses a broken style (the checks above can fail)', { skip }, () => {
  const spec = createRequire(path.join(SRC, 'web/package.json'))('@maplibre/maplibre-gl-style-spec');
  const doc = JSON.parse(readFileSync(path.join(STYLES, 'services.json'), 'utf8'));
  doc.layers[0].paint['fill-colour'] = '#ff0000';
  doc.layers[1].type = 'lines';
  const errors = spec.validateStyleMin(doc).map((e) => e.message).join('\n');
  assert.match(errors, /fill-colour/);
  assert.match(errors, /lines/);
  const dir = mkdtempSync(path.join(tmpdir(), 'ge-style-'));
  try {
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(doc));
    assert.throws(() => execFileSync(process.execPath,
      [path.join(SPEC, 'dist/gl-style-validate.mjs'), path.join(dir, 'bad.json')], { stdio: 'pipe' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every drawn layer of the services style reads the service or the state', () => {
  const doc = JSON.parse(readFileSync(path.join(STYLES, 'services.json'), 'utf8'));
  const text = JSON.stringify(doc.layers);
  for (const service of readdirSync(path.join(SRC, 'data/services')).filter((f) => f.endsWith('.json')))
    assert.ok(text.includes(`"${service.replace(/\.json$/, '')}"`), `services.json has no symbol for ${service}`);
  for (const state of ['valid', 'warning', 'error'])
    assert.ok(text.includes(`"${state}"`), `services.json has no symbol for the state ${state}`);
});

test('the base map labels streets and house numbers with the server\'s own glyphs', { skip }, () => {
  const spec = createRequire(path.join(SRC, 'web/package.json'))('@maplibre/maplibre-gl-style-spec');
  const doc = JSON.parse(readFileSync(path.join(STYLES, 'basemap.json'), 'utf8'));
  // root-relative: the server makes it absolute against its public URL, and
  // nothing is fetched from elsewhere (also not the webfonts of OpenLayers)
  assert.equal(doc.glyphs, '/fonts/{fontstack}/{range}.pbf');
  assert.match(doc.metadata['ol:webfonts'], /^\/fonts\//);
  const symbols = doc.layers.filter((l) => l.type === 'symbol');
  const fields = symbols.map((l) => `${l['source-layer']}:${JSON.stringify(l.layout['text-field'])}`);
  assert.ok(fields.includes('roads:["get","name"]'), fields.join(' '));
  assert.ok(fields.includes('housenumbers:["get","housenumber"]'), fields.join(' '));
  for (const l of symbols) assert.deepEqual(l.layout['text-font'], ['literal', ['Noto Sans Regular']]);
  // the validator checks the glyphs template (its tokens), so the check of
  // this style above covers it
  const bad = structuredClone(doc);
  bad.glyphs = '/fonts/{fontstack}/0-255.pbf';
  assert.match(spec.validateStyleMin(bad).map((e) => e.message).join('\n'), /\{range\}/);
});
