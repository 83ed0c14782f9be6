// Fixtures for the egress integration tests: "the internet" is a container on a network the
// test creates; the sandbox is a container on the session network. Nothing else is contacted.
import type Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

export const TEST_LABELS = { 'paddock.test': '1' };

/** The test internet's server: HTTP :8080, HTTPS :8443, a fake model API and static files. */
export const INTERNET_SERVER = `
import http from 'node:http'; import https from 'node:https'; import fs from 'node:fs'; import path from 'node:path';
const root = '/srv/www';
const handler = (req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/hello') return res.end('hello from the test internet ' + req.headers.host);
  if (u.pathname === '/redirect') { res.writeHead(302, { location: 'http://other.test:8080/hello' }); return res.end(); }
  if (u.pathname.startsWith('/v1/')) {
    const ok = req.headers['x-api-key'] === process.env.EXPECTED_KEY;
    res.writeHead(ok ? 200 : 401); return res.end(ok ? 'authorized' : 'unauthorized');
  }
  const file = path.join(root, path.normalize(decodeURIComponent(u.pathname)));
  if (!file.startsWith(root)) { res.writeHead(400); return res.end(); }
  const serve = (f, next) => fs.stat(f, (e, st) => {
    if (e || !st.isFile()) return next();
    res.writeHead(200, { 'content-length': st.size, 'content-type': f.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    fs.createReadStream(f).pipe(res);
  });
  serve(file, () => serve(file + '.json', () => { res.writeHead(404); res.end('not found'); }));
};
http.createServer(handler).listen(8080);
https.createServer({ key: fs.readFileSync('/srv/tls/key.pem'), cert: fs.readFileSync('/srv/tls/cert.pem') }, handler).listen(8443);
console.log('internet up');
`;

/** Server files: script, a self-signed certificate, a dumb-HTTP git repo, an npm-registry-like tree. */
export function prepareInternetFiles(dir: string): void {
  mkdirSync(join(dir, 'tls'), { recursive: true });
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'server.mjs'), INTERNET_SERVER);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=allowed.test',
      '-addext',
      'subjectAltName=DNS:allowed.test,DNS:*.allowed.test',
      '-keyout',
      join(dir, 'tls', 'key.pem'),
      '-out',
      join(dir, 'tls', 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  // git: a bare repo served over the dumb HTTP protocol
  const src = join(dir, 'src');
  mkdirSync(src);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      stdio: 'ignore',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git(src, 'init', '-q', '-b', 'main');
  writeFileSync(join(src, 'README.md'), 'cloned through the paddock proxy\n');
  git(src, 'add', '.');
  git(src, 'commit', '-q', '-m', 'init');
  git(dir, 'clone', '-q', '--bare', src, join(dir, 'www', 'repo.git'));
  git(join(dir, 'www', 'repo.git'), 'update-server-info');
  // npm: one package with metadata + tarball, as a registry serves them
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'paddock-demo', version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(join(pkg, 'index.js'), "module.exports = 'installed through the paddock proxy';\n");
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: pkg, encoding: 'utf8' }),
  ) as { filename: string; integrity: string; shasum: string }[];
  const p = packed[0];
  if (!p) throw new Error('npm pack produced nothing');
  mkdirSync(join(dir, 'www', 'paddock-demo', '-'), { recursive: true });
  execFileSync('cp', [
    join(dir, p.filename),
    join(dir, 'www', 'paddock-demo', '-', 'paddock-demo-1.0.0.tgz'),
  ]);
  const meta = {
    name: 'paddock-demo',
    'dist-tags': { latest: '1.0.0' },
    versions: {
      '1.0.0': {
        name: 'paddock-demo',
        version: '1.0.0',
        main: 'index.js',
        dist: {
          tarball: 'http://registry.test:8080/paddock-demo/-/paddock-demo-1.0.0.tgz',
          integrity: p.integrity,
          shasum: p.shasum,
        },
      },
    },
  };
  writeFileSync(join(dir, 'www', 'paddock-demo.json'), JSON.stringify(meta)); // npm asks for /paddock-demo
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function execIn(
  docker: Docker,
  container: Docker.Container,
  cmd: string,
  opts: { user?: string; env?: string[] } = {},
): Promise<ExecResult> {
  const exec = await container.exec({
    Cmd: ['bash', '-c', cmd],
    AttachStdout: true,
    AttachStderr: true,
    User: opts.user,
    Env: opts.env,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve) => stream.on('end', () => resolve()));
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, stdout, stderr };
}

export async function containerIp(docker: Docker, id: string, network: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`container ${id} has no address on ${network}`);
  return ip;
}
