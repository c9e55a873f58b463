import type { ViteUserConfig } from 'vitest/config';
/**
 * Resolve our workspace libraries to their TypeScript sources (the `@agair/source` export
 * condition), so tests never depend on a previous build.
 */
export declare const sourceConditions: {
    resolve: {
        conditions: string[];
    };
    ssr: {
        resolve: {
            conditions: string[];
        };
    };
};
/** Unit tests of one project: `src/**\/*.spec.ts`, without the `*.int.spec.ts` integration tests. */
export declare function unitTestProject(projectDir: string): ViteUserConfig;
//# sourceMappingURL=shared.d.ts.map