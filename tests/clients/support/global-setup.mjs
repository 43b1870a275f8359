// Before any spec: the server binary is built (a no-op when it is current), and the
// two build tools that persist documents compile theirs against schema.graphql, as an
// app's build would: relay-compiler (relay/src -> artifacts and a manifest) and
// graphql-codegen's client preset (codegen/src -> typed documents and a manifest).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repository } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export default function globalSetup() {
  if (!process.env.AG_BIN) {
    execFileSync('cargo', ['build', '--locked', '--bin', 'achievement-graph'], { cwd: repository, stdio: 'inherit' });
  }
  const clients = join(here, '..');
  // A compile from scratch: relay-compiler persists only what it (re)writes, into a
  // manifest and an artifact folder that must exist.
  rmSync(join(clients, 'relay', '__generated__'), { recursive: true, force: true });
  mkdirSync(join(clients, 'relay', '__generated__'));
  writeFileSync(join(clients, 'relay', 'persisted-documents.json'), '{}\n');
  execFileSync(join(clients, 'node_modules', '.bin', 'relay-compiler'), { cwd: join(clients, 'relay'), stdio: 'inherit' });
  rmSync(join(clients, 'codegen', 'gql'), { recursive: true, force: true });
  execFileSync(join(clients, 'node_modules', '.bin', 'graphql-codegen'), ['--config', 'codegen.mjs'], {
    cwd: join(clients, 'codegen'),
    stdio: 'inherit',
  });
}
