import type { ViteUserConfig } from 'vitest/config';

/**
 * Resolve our workspace libraries to their TypeScript sources (the `@agair/source` export
 * condition), so tests never depend on a previous build.
 */
export const sourceConditions = {
  resolve: { conditions: ['@agair/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@agair/source', 'module', 'node', 'import', 'default'] } },
} satisfies ViteUserConfig;

/** Unit tests of one project: `src/**\/*.spec.ts`, without the `*.int.spec.ts` integration tests. */
export function unitTestProject(projectDir: string): ViteUserConfig {
  return {
    ...sourceConditions,
    root: projectDir,
    test: {
      include: ['src/**/*.spec.ts'],
      exclude: ['src/**/*.int.spec.ts', 'src/**/*.chaos.spec.ts', '**/node_modules/**', '**/dist/**'],
      environment: 'node',
      reporters: ['default'],
      passWithNoTests: false,
    },
  };
}
