import { defineProject } from 'vitest/config';
import { unitTestProject } from '../../tools/vitest/shared.js';

export default defineProject(unitTestProject(import.meta.dirname));
