// Runs inside the sandbox: shows what the agent sees.
const fs = require('node:fs');
const env = fs.readFileSync('.env', 'utf8');
console.log(`uid ${process.getuid()}; .env is ${env.length === 0 ? 'masked (empty)' : 'VISIBLE'}`);
process.exit(env.length === 0 ? 0 : 1);
