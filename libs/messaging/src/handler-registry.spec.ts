import { TaskType } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { HandlerRegistry, HandlerRegistryError } from './handler-registry.js';

describe('HandlerRegistry', () => {
  const noop = async () => undefined;

  it('names every missing handler', () => {
    const registry = new HandlerRegistry().register(TaskType.PROCESS_PARTNER_LOG, noop);
    expect(() => registry.assertHandles()).toThrow(new HandlerRegistryError('no handler registered for UPLOAD_PARTNER_JOB, PROCESS_PARTNER_DATA_FILE'));
    expect(() => registry.assertHandles([TaskType.PROCESS_PARTNER_LOG])).not.toThrow();
  });

  it('refuses a second handler for a type', () => {
    const registry = new HandlerRegistry().register(TaskType.UPLOAD_PARTNER_JOB, noop);
    expect(() => registry.register(TaskType.UPLOAD_PARTNER_JOB, noop)).toThrow(/already registered/);
  });

  it('returns the handler registered for a type', () => {
    const handler = async () => undefined;
    const registry = new HandlerRegistry().register(TaskType.UPLOAD_PARTNER_JOB, handler);
    expect(registry.get(TaskType.UPLOAD_PARTNER_JOB)).toBe(handler);
    expect(registry.get(TaskType.PROCESS_PARTNER_LOG)).toBeUndefined();
    expect(registry.types).toEqual([TaskType.UPLOAD_PARTNER_JOB]);
  });
});
