// Every front-end module must parse: the window loads them as ES modules and one syntax error leaves the
// console blank, which no other unit test (they import only the pure modules) would notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('../js/', import.meta.url));

// Copied to `.mjs` so that `node --check` parses them as modules on any Node.js ≥ 18.
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
  test(`ui/js/${file} parses as a module`, () => {
    const scratch = mkdtempSync(join(tmpdir(), 'redgrid-ui-'));
    try {
      const copy = join(scratch, file.replace(/\.js$/, '.mjs'));
      copyFileSync(join(dir, file), copy);
      const run = spawnSync(process.execPath, ['--check', copy], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}
