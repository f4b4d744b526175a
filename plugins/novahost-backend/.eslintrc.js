module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // A benchmark's sample project (React), not code of this package.
  ignorePatterns: ['bench/fixtures/**'],
});
