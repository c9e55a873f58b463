import { LogCapture } from '@agair/testing';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines with the service name', () => {
    const capture = new LogCapture();
    createLogger({ name: 'poller', level: 'info', destination: capture }).info({ logId: 'L1' }, 'log downloaded');
    expect(capture.records()[0]).toMatchObject({ service: 'poller', logId: 'L1', msg: 'log downloaded', level: 30 });
  });

  it('redacts passwords, tokens, keys and authorization headers at any of the first levels', () => {
    const capture = new LogCapture();
    const logger = createLogger({ name: 'partner-api', level: 'info', destination: capture });
    logger.info({ password: 'pw-top-secret' }, 'one');
    logger.info({ user: { username: 'ops', password: 'pw-nested-secret' } }, 'two');
    logger.info({ req: { headers: { authorization: 'Bearer eyJ-secret-jwt', 'x-api-key': 'k-secret' } } }, 'three');
    logger.info({ auth: { result: { accessToken: 'at-secret', apiKey: 'ak-secret', refreshToken: 'rt-secret' } } }, 'four');
    logger.info({ partner: { credentials: { keyId: 'k1', ciphertext: 'c-secret' } } }, 'five');
    for (const secret of ['pw-top-secret', 'pw-nested-secret', 'eyJ-secret-jwt', 'k-secret', 'at-secret', 'ak-secret', 'rt-secret', 'c-secret']) {
      expect(capture.text).not.toContain(secret);
    }
    expect(capture.records()[1]).toMatchObject({ user: { username: 'ops', password: '[redacted]' } });
  });
});

describe('redactUrl', () => {
  it('hides the password and secret-looking query parameters', () => {
    expect(redactUrl('amqp://guest:hunter2@rabbit:5672/vhost')).toBe('amqp://guest:***@rabbit:5672/vhost');
    expect(redactUrl('https://x/api/Satloc/AuthenticateAPIUser?username=a&password=p%40ss')).not.toContain('p%40ss');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
