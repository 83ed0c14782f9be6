// Bundled in place of `ssh2`: docker-modem reads `require('ssh2').Client` at load time, but only
// ssh:// engines ever construct one. Load the real module on first construction instead.
module.exports = {
  Client: function LazySshClient(...args) {
    const { Client } = require('ssh2');
    return new Client(...args);
  },
};
