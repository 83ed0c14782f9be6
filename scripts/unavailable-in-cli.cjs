// Bundled in place of dockerode's BuildKit/gRPC dependencies, which the CLI never uses (images
// are built with the classic builder). Loading them cost a third of `paddock run`'s start-up.
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      if (key === '__esModule' || typeof key === 'symbol') return undefined;
      throw new Error(`BuildKit sessions are not available in the paddock CLI (tried to use ${String(key)})`);
    },
  },
);
