// Checks notification settings as typed, before the daemon relies on them.
import { SentinelError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { parseCount, parseHttpUrl, parsePort } from '../health/validate.js';
import { NOTIFY_EVENTS, type NotifyEventKind } from './types.js';
import type { WebhookConfig } from './webhook.js';
import type { EmailConfig } from './email.js';

function bad(what: string, expected: string, value: unknown): never {
  throw new SentinelError('INVALID_ARGUMENT', `${what}: expected ${expected}, got ${JSON.stringify(value)}`);
}

export function parseEvents(raw: unknown, what = 'events'): NotifyEventKind[] {
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',').map((s) => s.trim());
  for (const e of list) {
    if (!(NOTIFY_EVENTS as readonly string[]).includes(e)) bad(what, `a list of ${NOTIFY_EVENTS.join(', ')}, like "crash,failed"`, raw);
  }
  return list as NotifyEventKind[];
}

export function parseEmailAddress(raw: unknown, what = 'email'): string {
  const text = String(raw ?? '').trim();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(text) && !/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(text)) bad(what, 'an address like "ops@example.com"', raw);
  return text;
}

export function validateWebhook(raw: Record<string, unknown>): WebhookConfig {
  const cfg: WebhookConfig = { url: parseHttpUrl(raw.url as string, 'webhook url').href };
  if (raw.secret !== undefined) {
    if (typeof raw.secret !== 'string' || raw.secret.length === 0) bad('webhook secret', 'a non-empty string', raw.secret);
    cfg.secret = raw.secret;
  }
  if (raw.timeout !== undefined) cfg.timeoutMs = parseDuration(raw.timeout as string, 'webhook timeout');
  if (raw.retries !== undefined) cfg.retries = parseCount(raw.retries as string, 'webhook retries', 0, 20);
  if (raw.backoff !== undefined) cfg.backoffMs = parseDuration(raw.backoff as string, 'webhook backoff');
  if (raw.events !== undefined) cfg.events = parseEvents(raw.events, 'webhook events');
  return cfg;
}

export function validateEmail(raw: Record<string, unknown>): EmailConfig {
  if (typeof raw.host !== 'string' || raw.host.trim() === '') bad('smtp host', 'a host name like "smtp.example.com"', raw.host);
  const to = Array.isArray(raw.to) ? raw.to : String(raw.to ?? '').split(',').map((s) => s.trim());
  const cfg: EmailConfig = {
    host: raw.host,
    from: parseEmailAddress(raw.from, 'email from'),
    to: to.map((t) => parseEmailAddress(t, 'email to')),
  };
  if (raw.port !== undefined) cfg.port = parsePort(raw.port as string, 'smtp port');
  if (raw.secure !== undefined) cfg.secure = raw.secure === true || raw.secure === 'true';
  if (raw.user !== undefined || raw.pass !== undefined) cfg.auth = { user: String(raw.user ?? ''), pass: String(raw.pass ?? '') };
  if (raw.timeout !== undefined) cfg.timeoutMs = parseDuration(raw.timeout as string, 'smtp timeout');
  if (raw.events !== undefined) cfg.events = parseEvents(raw.events, 'email events');
  return cfg;
}
