import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from './errors.js';
import { AssignStatus } from './job-assign.schema.js';
import { PartnerLogTrackerState } from './partner-log-tracker.schema.js';
import {
  AssignStatusMachine,
  AssignStatusTransitions,
  PartnerLogTrackerMachine,
  PartnerLogTrackerTransitions,
  TaskTrackerMachine,
  TaskTrackerTransitions,
  assertTransition,
  canTransition,
  nextStates,
  statesOf,
  terminalStates,
  type StateMachine,
} from './state-machine.js';
import { TaskTrackerState } from './task-tracker.schema.js';

/*
 * The expected edges are written out here independently of the machines, as the design and
 * the sweeper need them. Each machine is then checked on every (from, to) pair of its states.
 */
interface Case {
  machine: StateMachine<string | number>;
  allStates: readonly (string | number)[];
  allowed: readonly string[];
  terminal: readonly (string | number)[];
}

const cases: Case[] = [
  {
    machine: PartnerLogTrackerMachine as StateMachine<string | number>,
    allStates: Object.values(PartnerLogTrackerState),
    allowed: [
      'PENDING→DOWNLOADING',
      'PENDING→SKIPPED',
      'DOWNLOADING→DOWNLOADED',
      'DOWNLOADING→PENDING', // sweeper reclaim / retryable download failure
      'DOWNLOADING→FAILED', // attempts ceiling
      'DOWNLOADING→SKIPPED', // duplicate content
      'DOWNLOADED→PROCESSING',
      'DOWNLOADED→FAILED', // the worker gave up on its task
      'PROCESSING→PROCESSED',
      'PROCESSING→DOWNLOADED', // sweeper reclaim
      'PROCESSING→FAILED', // data-format or attempts ceiling
      'PROCESSING→SKIPPED', // nothing applied
      'FAILED→PENDING', // operator: download again
      'FAILED→PROCESSING', // replay of a stored file
    ],
    terminal: ['PROCESSED', 'SKIPPED'],
  },
  {
    machine: TaskTrackerMachine as StateMachine<string | number>,
    allStates: Object.values(TaskTrackerState),
    allowed: [
      'QUEUED→PROCESSING',
      'QUEUED→FAILED', // dead-lettered before any claim
      'PROCESSING→COMPLETED',
      'PROCESSING→QUEUED', // retry with backoff, or sweeper requeues a stuck task
      'PROCESSING→FAILED',
    ],
    terminal: ['COMPLETED', 'FAILED'],
  },
  {
    machine: AssignStatusMachine as StateMachine<string | number>,
    allStates: Object.values(AssignStatus),
    allowed: ['0→1', '0→2', '1→0', '2→0'],
    terminal: [],
  },
];

describe.each(cases)('$machine.name state machine', ({ machine, allStates, allowed, terminal }) => {
  it('has an entry for every state and targets only known states', () => {
    expect(statesOf(machine)).toEqual(allStates);
    for (const from of allStates) for (const to of nextStates(machine, from)) expect(allStates).toContain(to);
  });

  it('allows exactly the listed transitions, for every (from, to) pair', () => {
    const expected = new Set(allowed);
    let pairs = 0;
    for (const from of allStates) {
      for (const to of allStates) {
        pairs += 1;
        const legal = expected.has(`${from}→${to}`);
        expect(canTransition(machine, from, to), `${from} → ${to}`).toBe(legal);
        if (legal) expect(() => assertTransition(machine, from, to)).not.toThrow();
        else expect(() => assertTransition(machine, from, to), `${from} → ${to}`).toThrow(IllegalTransitionError);
      }
    }
    expect(pairs).toBe(allStates.length ** 2);
  });

  it('never lists staying in the same state as a transition', () => {
    for (const state of allStates) expect(canTransition(machine, state, state)).toBe(false);
  });

  it('reaches every state from the initial one', () => {
    const seen = new Set([machine.initial]);
    const queue = [machine.initial];
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      for (const next of nextStates(machine, state)) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    expect([...seen].sort()).toEqual([...allStates].sort());
  });

  it('has the expected terminal states', () => {
    expect(terminalStates(machine)).toEqual(terminal);
  });
});

describe('assertTransition', () => {
  it('names the machine, both states and what is allowed', () => {
    try {
      assertTransition(PartnerLogTrackerMachine, 'PROCESSED', 'PENDING');
      expect.unreachable();
    } catch (err) {
      const error = err as IllegalTransitionError;
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error.code).toBe('ILLEGAL_TRANSITION');
      expect([error.machine, error.from, error.to]).toEqual(['PartnerLogTracker', 'PROCESSED', 'PENDING']);
      expect(error.message).toBe('PartnerLogTracker: illegal transition PROCESSED → PENDING; allowed from PROCESSED: none (terminal state)');
    }
  });

  it('writes numeric assignment statuses with their names', () => {
    expect(() => assertTransition(AssignStatusMachine, AssignStatus.DOWNLOADED, AssignStatus.UPLOADED)).toThrow(
      'JobAssign.status: illegal transition DOWNLOADED(1) → UPLOADED(2); allowed from DOWNLOADED(1): NEW(0)',
    );
  });

  it('rejects a state that is not in the machine, as read from a corrupt record', () => {
    const fromDatabase = 'ARCHIVED' as TaskTrackerState;
    expect(canTransition(TaskTrackerMachine, fromDatabase, 'QUEUED')).toBe(false);
    expect(() => assertTransition(TaskTrackerMachine, fromDatabase, 'QUEUED')).toThrow(IllegalTransitionError);
    expect(nextStates(TaskTrackerMachine, 'toString' as TaskTrackerState)).toEqual([]);
  });
});

describe('transition tables', () => {
  it('are the data behind the machines', () => {
    expect(PartnerLogTrackerMachine.transitions).toBe(PartnerLogTrackerTransitions);
    expect(TaskTrackerMachine.transitions).toBe(TaskTrackerTransitions);
    expect(AssignStatusMachine.transitions).toBe(AssignStatusTransitions);
  });
});
