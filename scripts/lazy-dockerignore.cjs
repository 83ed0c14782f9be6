// See lazy-dockerode-build.cjs.
module.exports = require('./lazy-dockerode-build.cjs').dockerIgnore;
