import { TaskIdSchema, isValid } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { replayTaskId } from './task-tracker.repository.js';

describe('replayTaskId', () => {
  it('appends the replay number and stays a valid task id', () => {
    expect(replayTaskId('log:665f1c2ab3e4d5f6a7b8c9d0:1', 2)).toBe('log:665f1c2ab3e4d5f6a7b8c9d0:1:r2');
    const longest = `t${'x'.repeat(127)}`;
    const replay = replayTaskId(longest, 12);
    expect(replay).toHaveLength(128);
    expect(replay.endsWith(':r12')).toBe(true);
    expect(isValid(TaskIdSchema, replay)).toBe(true);
  });
});
