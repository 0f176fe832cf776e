import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { hashToken, Store } from '../../src/serve/store.js';
import { celm } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { startServer } from './helpers.js';

test('celm token revoke: a running server refuses the token at once; list shows it revoked; errors are one line', async () => {
  const data = tempDir('celm-revoke-');
  const srv = await startServer(data);
  try {
    // A second token, made by the CLI as an administrator would.
    const made = celm(['token', 'create', '--name', 'dr-leaver', '--data', data]);
    assert.equal(made.status, 0, made.stderr);
    const token = made.stdout.trim();
    const list = () => fetch(`${srv.base}/api/recordings`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await list()).status, 200);

    const r = celm(['token', 'revoke', '--data', data, 'dr-leaver']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^token [0-9a-f]{8} \("dr-leaver"\) revoked at \d{4}-/);
    // The same server, no restart: refused on the next request.
    const after = await list();
    assert.equal(after.status, 401);
    assert.deepEqual(await after.json(), { error: 'token revoked' });
    assert.equal(after.headers.get('www-authenticate'), 'Bearer realm="celm"');
    // The other token still works.
    assert.equal((await fetch(`${srv.base}/api/recordings`, { headers: srv.auth })).status, 200);

    const lines = celm(['token', 'list', '--data', data]).stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines.find((l) => l.endsWith('dr-test'))!, / {2}active {2}dr-test$/);
    assert.match(
      lines.find((l) => l.endsWith('dr-leaver'))!,
      / {2}REVOKED \d{4}-\d\d-\d\dT[\d:.]+Z {2}dr-leaver$/,
    );
    assert.ok(!lines.join('\n').includes(token));

    const again = celm(['token', 'revoke', '--data', data, 'dr-leaver']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /^celm: token [0-9a-f]{8} \("dr-leaver"\) was already revoked at /);
    const unknown = celm(['token', 'revoke', '--data', data, 'nobody']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^celm: no token with the id or name "nobody"\n$/);

    // Two active tokens with one name: the name is ambiguous, the id is not.
    const a = srv.server.store.createToken('shared');
    srv.server.store.createToken('shared');
    const amb = celm(['token', 'revoke', '--data', data, 'shared']);
    assert.equal(amb.status, 2);
    assert.match(amb.stderr, /2 tokens are named "shared" \(ids [0-9a-f]{8}, [0-9a-f]{8}\): give the id/);
    assert.equal(celm(['token', 'revoke', '--data', data, a.id]).status, 0);
    assert.equal(
      (await fetch(`${srv.base}/api/recordings`, { headers: { Authorization: `Bearer ${a.token}` } })).status,
      401,
    );
    // Now one active "shared" is left: the name is enough.
    assert.equal(celm(['token', 'revoke', '--data', data, 'shared']).status, 0);
  } finally {
    await srv.server.close();
  }
});

test('a database from before revocation and model output gains the columns; its tokens still work', () => {
  const data = tempDir('celm-migrate-');
  const db = new Database(join(data, 'celm.db'));
  db.exec(
    'CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)',
  );
  db.prepare('INSERT INTO tokens VALUES (?, ?, ?, ?)').run('abcd1234', 'old', hashToken('celm_old'), 'x');
  db.close();
  const store = new Store(data);
  try {
    assert.deepEqual(store.checkToken('celm_old'), { id: 'abcd1234', name: 'old' });
    assert.equal(store.revokeToken('old').id, 'abcd1234');
    assert.equal(store.checkToken('celm_old'), 'revoked');
    assert.equal(store.checkToken('celm_other'), null);
  } finally {
    store.close();
  }
});
