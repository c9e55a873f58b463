import { defineProject } from 'vitest/config';
import { unitTestProject } from '../../tools/vitest/shared.js';

const project = unitTestProject(import.meta.dirname);

// `*.live.spec.ts` talk to a real partner account: only `npm run test:contract:satloc` runs them.
export default defineProject({
  ...project,
  test: { ...project.test, exclude: [...(project.test?.exclude ?? []), 'src/**/*.live.spec.ts'] },
});
