import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PaddockError } from '../errors.js';

/**
 * Where the base image's Debian packages come from. Never hard-coded: either the file named by
 * PADDOCK_DEBIAN_SOURCES (used verbatim), or the host's own apt sources, reduced to the Debian
 * archive and security mirrors and re-pointed at the recipe's suite (so a trixie or bullseye host
 * can still build a bookworm image from the mirror it already uses).
 */
export interface DebianSources {
  /** deb822 text to hand to mmdebstrap (it lands in the image as /etc/apt/sources.list.d/). */
  text: string;
  /** Where it came from, for messages. */
  origin: string;
}

interface Stanza {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  architectures?: string;
  enabled: boolean;
}

const DEBIAN_CODENAMES = new Set([
  'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable',
]);
const DEBIAN_KEYRING = /^\/usr\/share\/keyrings\/debian-archive-[\w.-]+\.(gpg|asc|pgp)$/;

/** Parse deb822 `.sources` text into stanzas (continuation lines and comments handled). */
export function parseDeb822(text: string): Stanza[] {
  const out: Stanza[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of block.split('\n')) {
      if (raw.startsWith('#') || raw.trim() === '') continue;
      if (/^\s/.test(raw) && last) {
        fields.set(last, `${fields.get(last) ?? ''}\n${raw.trim()}`);
        continue;
      }
      const m = /^([\w-]+):\s*(.*)$/.exec(raw);
      if (!m) continue;
      last = m[1]!.toLowerCase();
      fields.set(last, m[2]!.trim());
    }
    if (!fields.has('uris')) continue;
    const words = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    out.push({
      types: words('types'),
      uris: words('uris'),
      suites: words('suites'),
      components: words('components'),
      signedBy: fields.get('signed-by'),
      architectures: fields.get('architectures'),
      enabled: (fields.get('enabled') ?? 'yes').toLowerCase() !== 'no',
    });
  }
  return out;
}

/** Parse one-line `sources.list` text (`deb [opts] uri suite comp...`). */
export function parseOneLine(text: string): Stanza[] {
  const out: Stanza[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = new Map<string, string>();
    for (const o of (m[2] ?? '').split(/\s+/).filter(Boolean)) {
      const [k, v] = o.split('=');
      if (k && v) opts.set(k.toLowerCase(), v);
    }
    out.push({
      types: [m[1]!],
      uris: [m[3]!],
      suites: [m[4]!],
      components: m[5]!.split(/\s+/).filter(Boolean),
      signedBy: opts.get('signed-by'),
      architectures: opts.get('arch'),
      enabled: true,
    });
  }
  return out;
}

/**
 * Reduce host stanzas to Debian's archive and security mirrors and rewrite them for `suite`.
 * Returns deb822 text, or null when the host has no Debian mirror (Ubuntu, third-party only...).
 */
export function debianSourcesFor(stanzas: Stanza[], suite: string): string | null {
  const archive: string[] = [];
  const security: string[] = [];
  let signedBy: string | undefined;
  for (const s of stanzas) {
    if (!s.enabled || !s.types.includes('deb')) continue;
    const uris = s.uris.filter((u) => /^https?:\/\//.test(u));
    for (const st of s.suites) {
      const code = st.split(/[-/]/)[0] ?? '';
      if (!DEBIAN_CODENAMES.has(code) || !s.components.includes('main')) continue;
      const bucket = /-security$|\/updates$/.test(st) ? security : archive;
      for (const u of uris) if (!bucket.includes(u)) bucket.push(u);
      if (s.signedBy && DEBIAN_KEYRING.test(s.signedBy)) signedBy = s.signedBy;
    }
  }
  if (archive.length === 0) return null;
  const sig = signedBy ? `Signed-By: ${signedBy}\n` : '';
  let text = `Types: deb\nURIs: ${archive.join(' ')}\nSuites: ${suite} ${suite}-updates\nComponents: main\n${sig}`;
  if (security.length > 0) {
    text += `\nTypes: deb\nURIs: ${security.join(' ')}\nSuites: ${suite}-security\nComponents: main\n${sig}`;
  }
  return text;
}

/** Read the host's apt sources (deb822 files, then sources.list and *.list). */
export function readHostStanzas(aptDir = '/etc/apt'): { stanzas: Stanza[]; files: string[] } {
  const files: string[] = [];
  const stanzas: Stanza[] = [];
  const dir = join(aptDir, 'sources.list.d');
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const n of names) {
    const p = join(dir, n);
    if (n.endsWith('.sources')) stanzas.push(...parseDeb822(readFileSync(p, 'utf8')));
    else if (n.endsWith('.list')) stanzas.push(...parseOneLine(readFileSync(p, 'utf8')));
    else continue;
    files.push(p);
  }
  const list = join(aptDir, 'sources.list');
  if (existsSync(list)) {
    stanzas.push(...parseOneLine(readFileSync(list, 'utf8')));
    files.push(list);
  }
  return { stanzas, files };
}

/** The sources for the base build, or a PaddockError saying what to do. */
export function resolveDebianSources(
  suite: string,
  env: NodeJS.ProcessEnv = process.env,
  aptDir = '/etc/apt',
): DebianSources {
  const override = env.PADDOCK_DEBIAN_SOURCES;
  if (override) {
    if (!existsSync(override)) {
      throw new PaddockError(
        'IMAGE_BUILD_FAILED',
        `PADDOCK_DEBIAN_SOURCES points to ${override}, which does not exist. Point it at an apt sources ` +
          `file for Debian ${suite} (deb822 or one-line format).`,
      );
    }
    return { text: readFileSync(override, 'utf8'), origin: `${override} (PADDOCK_DEBIAN_SOURCES)` };
  }
  const { stanzas, files } = readHostStanzas(aptDir);
  const text = debianSourcesFor(stanzas, suite);
  if (!text) {
    const where = files.length > 0 ? `none of ${files.join(', ')} names` : `${aptDir} has no apt sources naming`;
    throw new PaddockError(
      'IMAGE_BUILD_FAILED',
      `cannot build the default image: ${where} a Debian mirror. Set PADDOCK_DEBIAN_SOURCES to an apt ` +
        `sources file for Debian ${suite}, or run with --image NAME to use an image of your own.`,
    );
  }
  return { text, origin: files.join(', ') };
}
