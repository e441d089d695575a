// Notifications: webhooks and email, routed per event and process. email.js (nodemailer) loads lazily.
export { createNotifier, DEFAULT_EVENTS } from './notifier.js';
export type { Notifier, NotifyConfig, ChannelSet, NotifierDeps } from './notifier.js';
export { sendWebhook, signBody, WEBHOOK_DEFAULTS } from './webhook.js';
export type { WebhookConfig } from './webhook.js';
export type { EmailConfig } from './email.js';
export { validateWebhook, validateEmail, parseEvents, parseEmailAddress } from './validate.js';
export { NOTIFY_EVENTS } from './types.js';
export type { NotifyEvent, NotifyEventKind, NotifyPayload, DeliveryResult } from './types.js';
export { createCoalescer, summaryOf, DEFAULT_COALESCE_WINDOW_MS } from './coalesce.js';
export type { Coalescer } from './coalesce.js';
