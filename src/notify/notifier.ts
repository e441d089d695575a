// Routes supervisor events to the configured channels (global plus per process), never
// throws into the caller, and returns (and remembers) what each delivery did.
import os from 'node:os';
import { sendWebhook, type WebhookConfig } from './webhook.js';
import type { EmailConfig } from './email.js';
import type { DeliveryResult, NotifyEvent, NotifyEventKind, NotifyPayload } from './types.js';

export interface ChannelSet {
  webhooks?: WebhookConfig[];
  emails?: EmailConfig[];
  /** Notifier plugins by name (daemon.yaml plugins:); they get the events a channel gets by default. */
  plugins?: string[];
}

export interface NotifyConfig {
  global?: ChannelSet;
  /** Per process: channels added to the global ones, or replacing them with `inheritGlobal: false`. */
  processes?: Record<string, ChannelSet & { inheritGlobal?: boolean }>;
}

/** Events a channel gets when its `events` list is not set. */
export const DEFAULT_EVENTS: readonly NotifyEventKind[] = ['crash', 'failed', 'unhealthy', 'recovered'];

export interface NotifierDeps {
  hostname?: string;
  now?: () => number;
  /** Called with every delivery result (e.g. to write the event log). */
  onResult?: (result: DeliveryResult) => void;
  sendWebhook?: (cfg: WebhookConfig, payload: NotifyPayload) => Promise<DeliveryResult>;
  sendEmail?: (cfg: EmailConfig, payload: NotifyPayload) => Promise<DeliveryResult>;
  /** Hands a payload to a notifier plugin; rejects when the plugin failed. */
  sendPlugin?: (name: string, payload: NotifyPayload) => Promise<void>;
}

export interface Notifier {
  /** Delivers to every channel that wants this event; resolves with one result per channel. */
  notify(event: NotifyEvent): Promise<DeliveryResult[]>;
  setConfig(config: NotifyConfig): void;
  /** The last deliveries, newest last. */
  recent(): DeliveryResult[];
}

const RECENT_KEEP = 100;

function wants(events: NotifyEventKind[] | undefined, kind: NotifyEventKind): boolean {
  return kind === 'test' || (events ?? DEFAULT_EVENTS).includes(kind);
}

/** Loads nodemailer only when an email channel is actually used. */
async function lazySendEmail(cfg: EmailConfig, payload: NotifyPayload): Promise<DeliveryResult> {
  const { sendEmail } = await import('./email.js');
  return sendEmail(cfg, payload);
}

export function createNotifier(initial: NotifyConfig, deps: NotifierDeps = {}): Notifier {
  let config = initial;
  const recent: DeliveryResult[] = [];
  const host = deps.hostname ?? os.hostname();
  const now = deps.now ?? Date.now;
  const webhook = deps.sendWebhook ?? sendWebhook;
  const email = deps.sendEmail ?? lazySendEmail;

  function channelsFor(processName: string): Required<ChannelSet> {
    const own = config.processes?.[processName];
    const base = own?.inheritGlobal === false ? {} : (config.global ?? {});
    return {
      webhooks: [...(base.webhooks ?? []), ...(own?.webhooks ?? [])],
      emails: [...(base.emails ?? []), ...(own?.emails ?? [])],
      plugins: [...new Set([...(base.plugins ?? []), ...(own?.plugins ?? [])])],
    };
  }

  async function viaPlugin(name: string, payload: NotifyPayload): Promise<DeliveryResult> {
    const start = now();
    if (!deps.sendPlugin) throw new Error('no plugin host');
    await deps.sendPlugin(name, payload);
    return { channel: 'plugin', target: name, event: payload.event, process: payload.process, ok: true, attempts: 1, durationMs: now() - start };
  }

  function remember(r: DeliveryResult): DeliveryResult {
    recent.push(r);
    if (recent.length > RECENT_KEEP) recent.shift();
    try {
      deps.onResult?.(r);
    } catch {
      // a failing observer must not turn a delivery into an error
    }
    return r;
  }

  async function guarded(channel: DeliveryResult['channel'], target: string, payload: NotifyPayload, run: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
    const start = now();
    try {
      return remember(await run());
    } catch (err) {
      return remember({ channel, target, event: payload.event, process: payload.process, ok: false, attempts: 1, error: (err as Error).message, durationMs: now() - start });
    }
  }

  return {
    async notify(event) {
      try {
        const payload: NotifyPayload = {
          event: event.event,
          process: event.process,
          exitCode: event.exitCode ?? null,
          signal: event.signal ?? null,
          reason: event.reason ?? '',
          time: new Date(event.time ?? now()).toISOString(),
          host,
          ...(event.repeats !== undefined ? { repeats: event.repeats } : {}),
        };
        const { webhooks, emails, plugins } = channelsFor(event.process);
        return await Promise.all([
          ...webhooks.filter((w) => wants(w.events, event.event)).map((w) => guarded('webhook', w.url, payload, () => webhook(w, payload))),
          ...emails
            .filter((e) => wants(e.events, event.event))
            .map((e) => guarded('email', Array.isArray(e.to) ? e.to.join(', ') : e.to, payload, () => email(e, payload))),
          ...plugins.filter(() => wants(undefined, event.event)).map((name) => guarded('plugin', name, payload, () => viaPlugin(name, payload))),
        ]);
      } catch {
        return [];
      }
    },
    setConfig(next) {
      config = next;
    },
    recent: () => [...recent],
  };
}
