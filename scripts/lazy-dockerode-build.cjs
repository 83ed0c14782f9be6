// Bundled in place of `tar-fs` and `@balena/dockerignore`: dockerode's util.js requires both at
// load time, but only a build from a directory context (`buildImage({ context })`) uses them.
// Paddock builds from its own tar streams, so `paddock run` never needs them: load on first use.
// (Kept out of the bundle as externals, resolved from node_modules when used.)
const real = { tarFs: null, ignore: null };
const tarFs = () => (real.tarFs ??= require('tar-fs'));
const ignore = () => (real.ignore ??= require('@balena/dockerignore'));

function dockerIgnore(...args) {
  const m = ignore();
  return (typeof m === 'function' ? m : m.default)(...args);
}

module.exports = { tarFs: { pack: (...a) => tarFs().pack(...a), extract: (...a) => tarFs().extract(...a) }, dockerIgnore };
