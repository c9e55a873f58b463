import type { ChannelWrapper } from 'amqp-connection-manager';
import type { MessagingLogger } from './logger.js';

/**
 * A channel wrapper reports a setup that failed (the channel closed under it because the broker
 * went away or the app is closing, or the broker refused a declaration) as an `error` event. With
 * no listener, that event throws inside the wrapper's connect handler, which nothing awaits: an
 * unhandled rejection, and the service stops. Seen in CI: partner-api exited 1 on SIGTERM right
 * after a RabbitMQ restart ("Channel ended, no reply will be forthcoming"). The wrapper sets the
 * channel up again on the next connection, so a warning is all the event needs.
 */
export function watchChannelErrors(channel: ChannelWrapper, logger: MessagingLogger, name: string): void {
  channel.on('error', (err: Error) => logger.warn({ channel: name, reason: err.message }, 'channel setup failed; it is set up again on the next connection'));
}
