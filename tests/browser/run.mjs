// run.mjs - runs one browser test file with node's test runner (spec output,
// as `node --test --test-reporter=spec FILE` would print) and turns its
// result into an exit status ctest understands: 1 when a test failed, 77
// (SKIP_RETURN_CODE in tests/CMakeLists.txt) when none failed and a test or a
// whole suite was skipped, 0 when everything ran and passed. `node --test`
// alone exits 0 when tests are skipped, and the spec summary counts neither
// a skipped suite's tests nor the suite, so ctest would show "passed" for a
// file whose browser never started.
//
//   node tests/browser/run.mjs tests/browser/test_editor.mjs
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import path from 'node:path';

const SKIPPED = 77;
const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: node tests/browser/run.mjs TEST_FILE.mjs');
  process.exit(2);
}

const counts = { passed: 0, failed: 0, skipped: 0 };
const skips = [];
const stream = run({ files: [path.resolve(file)] });
stream.on('test:pass', (d) => {
  const suite = d.details?.type === 'suite';
  if (d.skip) {
    counts.skipped++;
    skips.push(`${suite ? 'suite' : 'test'} "${d.name}"${typeof d.skip === 'string' ? `: ${d.skip}` : ''}`);
  } else if (!suite) {
    counts.passed++;
  }
});
stream.on('test:fail', (d) => {
  if (d.details?.type !== 'suite') counts.failed++;
});
const out = stream.compose(new spec());
out.pipe(process.stdout);
out.on('end', () => {
  const name = path.basename(file);
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (counts.failed) {
    process.exitCode = 1;
  } else if (counts.skipped) {
    for (const s of skips) console.log(`SKIPPED: ${s}`);
    console.log(`SKIPPED: exit status ${SKIPPED}, so ctest lists ${name} as skipped`);
    process.exitCode = SKIPPED;
  }
});
