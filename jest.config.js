// Three tiers (see docs/architecture.md#tests): unit specs sit next to the code,
// medium tests use real databases, e2e tests drive the HTTP app or the real entry point.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: '<rootDir>/test/support/host-realm-environment.js',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only packages (Node loads them through require(esm); jest's module system cannot),
  // so swc turns them into CommonJS: @noble/*, and content-disposition under @fastify/static.
  transformIgnorePatterns: ['/node_modules/(?!(@noble|content-disposition)/)'],
  moduleNameMapper: {
    '^@nf/pqc$': '<rootDir>/libs/pqc/src',
    '^@nf/pqc/(.*)$': '<rootDir>/libs/pqc/src/$1',
    '^@nf/contracts$': '<rootDir>/libs/contracts/src',
  },
  rootDir: __dirname,
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/api/src/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'medium', testMatch: ['<rootDir>/test/medium/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // The dashboard's pure logic (formatting, rates, permissions), no DOM needed.
    { ...common, displayName: 'dashboard', testMatch: ['<rootDir>/apps/dashboard/**/*.spec.ts'] },
    // The built dashboard in real Chromium against the built service (npm test builds both first).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
