import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debianSourcesFor, parseDeb822, parseOneLine, resolveDebianSources } from './apt-sources.js';

// Pure data: these mirror names are never contacted by the tests.
const DEB822 = `Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: trixie trixie-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://deb.nodesource.example/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg
`;

let apt: string;
beforeEach(() => {
  apt = mkdtempSync(join(tmpdir(), 'paddock-apt-'));
  mkdirSync(join(apt, 'sources.list.d'));
});
afterEach(() => rmSync(apt, { recursive: true, force: true }));

describe('apt sources', () => {
  it('parses deb822 stanzas', () => {
    const s = parseDeb822(DEB822);
    expect(s).toHaveLength(3);
    expect(s[0]).toMatchObject({ types: ['deb'], uris: ['http://mirror.example/debian'], suites: ['trixie', 'trixie-updates'] });
  });

  it('parses one-line sources with options', () => {
    const s = parseOneLine('# x\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\ndeb-src http://m.example/debian bookworm main\n');
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ uris: ['http://m.example/debian'], suites: ['bookworm'], signedBy: '/k.gpg', architectures: 'amd64' });
  });

  it("re-points the host's Debian mirrors at the recipe's suite and drops third-party repos", () => {
    const text = debianSourcesFor(parseDeb822(DEB822), 'bookworm');
    expect(text).toContain('URIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n');
    expect(text).toContain('URIs: http://mirror.example/debian-security\nSuites: bookworm-security\n');
    expect(text).toContain('Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg');
    expect(text).not.toContain('nodesource');
    expect(text).not.toContain('trixie');
  });

  it('returns null when the host has no Debian mirror (e.g. Ubuntu)', () => {
    expect(debianSourcesFor(parseOneLine('deb http://archive.ubuntu.example/ubuntu noble main\n'), 'bookworm')).toBeNull();
  });

  it('reads /etc/apt-style folders: .sources, .list, ignores other files', () => {
    writeFileSync(join(apt, 'sources.list.d', 'debian.sources'), DEB822);
    writeFileSync(join(apt, 'sources.list.d', 'old.list.disabled'), 'deb http://other.example/debian bookworm main\n');
    const r = resolveDebianSources('bookworm', {}, apt);
    expect(r.text).toContain('http://mirror.example/debian');
    expect(r.text).not.toContain('other.example');
    expect(r.origin).toContain('debian.sources');
  });

  it('uses PADDOCK_DEBIAN_SOURCES verbatim when set', () => {
    const f = join(apt, 'mine.sources');
    writeFileSync(f, 'Types: deb\nURIs: http://own.example/debian\nSuites: bookworm\nComponents: main\n');
    const r = resolveDebianSources('bookworm', { PADDOCK_DEBIAN_SOURCES: f }, apt);
    expect(r.text).toContain('own.example');
    expect(r.origin).toContain('PADDOCK_DEBIAN_SOURCES');
  });

  it('fails clearly when the override is missing or no sources exist, suggesting --image', () => {
    expect(() => resolveDebianSources('bookworm', { PADDOCK_DEBIAN_SOURCES: join(apt, 'nope') }, apt)).toThrow(/does not exist/);
    expect(() => resolveDebianSources('bookworm', {}, apt)).toThrow(/PADDOCK_DEBIAN_SOURCES.*--image NAME/);
  });
});
