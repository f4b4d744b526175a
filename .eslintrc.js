// Every package's .eslintrc.js extends this one through ESLint's cascade.
module.exports = {
  root: true,
  plugins: ['import'],
  settings: {
    // Let eslint-plugin-import resolve and read TypeScript sources.
    'import/extensions': ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs'],
    'import/resolver': {
      node: { extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs'] },
    },
  },
  rules: {
    // No import cycles inside a package (type-only imports do not count).
    // Other packages are not followed: ignoreExternal treats everything
    // outside the package as external, and skipping the whole-graph
    // pre-pass (disableScc) keeps `repo lint` within seconds of its time
    // without the rule (it parsed every dependency in node_modules).
    'import/no-cycle': ['error', { ignoreExternal: true, disableScc: true }],
  },
};
