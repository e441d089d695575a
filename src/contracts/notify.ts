// Notification channels: global webhooks and SMTP recipients, and a test message.
import * as z from 'zod';
import { defineOp } from './define.js';
import { count, Duration, NoParams, params } from './primitives.js';
import { Channels, DeliveryResult } from './results.js';

const events = z
  .union([z.array(z.string()), z.string()], { error: 'expected event names like ["crash", "failed"] or "crash,failed"' })
  .optional()
  .meta({ description: 'Only these events: crash, failed, unhealthy, recovered' });

export const notifyContracts = [
  defineOp({
    name: 'notify.list', summary: 'The global notification channels (secrets and passwords left out)', kind: 'read', permission: 'admin',
    params: () => NoParams, result: () => Channels(),
    routes: [{ method: 'GET', path: '/v1/notifications' }],
  }),
  defineOp({
    name: 'notify.add-webhook', summary: 'POST a JSON event to a URL', kind: 'write', permission: 'admin',
    params: () => params({
      url: z.string(),
      secret: z.string().optional().meta({ description: 'Signs each body: X-Sentinel-Signature: sha256=HMAC' }),
      events,
      timeout: Duration.optional(),
      retries: count(0, 20, 3).optional(),
      backoff: Duration.optional(),
    }),
    result: () => Channels(),
    routes: [{ method: 'POST', path: '/v1/notifications/webhooks' }],
  }),
  defineOp({
    name: 'notify.add-email', summary: 'Send events by email over SMTP', kind: 'write', permission: 'admin',
    params: () => params({
      host: z.string(),
      port: count(1, 65535, 587).optional(),
      secure: z.boolean().optional(),
      from: z.string(),
      to: z.union([z.array(z.string()), z.string()], { error: 'expected addresses as a list or "a@x.org,b@x.org"' }),
      user: z.string().optional(),
      pass: z.string().optional(),
      timeout: Duration.optional(),
      events,
    }),
    result: () => Channels(),
    routes: [{ method: 'POST', path: '/v1/notifications/emails' }],
  }),
  defineOp({
    name: 'notify.remove', summary: 'Remove a notification channel by its number in notify.list', kind: 'write', permission: 'admin',
    params: () => params({ index: count(1, 1_000_000, 1) }), result: () => Channels(),
    routes: [{ method: 'DELETE', path: '/v1/notifications/:index' }],
    errors: ['NOT_FOUND'],
  }),
  defineOp({
    name: 'notify.test', summary: 'Send a test message to every channel (and a process\'s own)', kind: 'write', permission: 'admin',
    params: () => params({ name: z.string().optional() }), result: () => z.object({ results: z.array(DeliveryResult()) }),
    routes: [{ method: 'POST', path: '/v1/notifications/test' }],
    errors: ['PROCESS_NOT_FOUND'],
  }),
] as const;
