import nx from '@nx/eslint-plugin';

/** Who may import whom. Tags are set in each project's package.json (`nx.tags`). */
const productionConstraints = [
  // Apps never import apps and never ship test helpers.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  // domain-models is the bottom of the graph: it imports none of our libs.
  { sourceTag: 'scope:domain', onlyDependOnLibsWithTags: ['scope:domain'] },
  { sourceTag: 'scope:parser', onlyDependOnLibsWithTags: ['scope:domain'] },
  { sourceTag: 'scope:partner', onlyDependOnLibsWithTags: ['scope:domain', 'scope:parser'] },
  { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:domain'] },
  { sourceTag: 'scope:persistence', onlyDependOnLibsWithTags: ['scope:domain'] },
  { sourceTag: 'scope:messaging', onlyDependOnLibsWithTags: ['scope:domain'] },
  // The apps' composition helpers: wires the other libs together, imported by apps only.
  {
    sourceTag: 'scope:runtime',
    onlyDependOnLibsWithTags: ['scope:domain', 'scope:parser', 'scope:partner', 'scope:platform', 'scope:persistence', 'scope:messaging'],
  },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
];

/** Tests may also use the test helpers (libs tagged type:testing). */
const testConstraints = productionConstraints.map((c) =>
  c.sourceTag === 'type:testing' ? c : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] },
);

const boundaries = (depConstraints) => ({
  '@nx/enforce-module-boundaries': [
    'error',
    {
      enforceBuildableLibDependency: true,
      allow: [],
      banTransitiveDependencies: true,
      checkDynamicDependenciesExceptions: [],
      depConstraints,
    },
  ],
});

const testFiles = ['**/*.spec.ts', '**/test/**/*.ts', '**/test-fixtures/**/*.ts', '**/bench/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/.nx', '**/vite.config.*.timestamp*'] },
  {
    files: ['**/*.ts'],
    rules: {
      ...boundaries(productionConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read once, by the service kit's loadConfig; nothing else reads the environment.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through loadConfig() (service-kit), not process.env.' },
      ],
    },
  },
  { files: testFiles, rules: boundaries(testConstraints) },
  {
    // Tests and benchmarks may read the environment (service URLs); the config loader says so inline.
    files: ['**/*.spec.ts', '**/bench/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Test runner configuration shares one helper from tools/; it is not part of any project's code.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
