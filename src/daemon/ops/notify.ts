// Notification operations: the global channels (webhooks, SMTP) and a test message.
import { SentinelError } from '../../core/errors.js';
import { validateWebhook, validateEmail } from '../../notify/validate.js';
import type { ChannelSet } from '../../notify/notifier.js';
import type { DeliveryResult } from '../../notify/types.js';
import type { Daemon, Handlers } from '../context.js';

/** Channel settings shown to clients: secrets and passwords never leave the daemon. */
function publicChannels(c: ChannelSet) {
  return {
    webhooks: (c.webhooks ?? []).map((w, i) => ({ index: i + 1, url: w.url, signed: Boolean(w.secret), events: w.events ?? null, timeoutMs: w.timeoutMs ?? null, retries: w.retries ?? null })),
    emails: (c.emails ?? []).map((e, i) => ({ index: (c.webhooks?.length ?? 0) + i + 1, host: e.host, port: e.port ?? null, from: e.from, to: e.to, auth: Boolean(e.auth), events: e.events ?? null })),
  };
}

export function notifyOps(d: Daemon): Handlers<'notify.list' | 'notify.add-webhook' | 'notify.add-email' | 'notify.remove' | 'notify.test'> {
  return {
    'notify.list'() {
      return publicChannels(d.health.globalChannels());
    },
    'notify.add-webhook'(p) {
      const hook = validateWebhook(p);
      const c = d.health.globalChannels();
      d.health.setGlobalChannels({ ...c, webhooks: [...(c.webhooks ?? []), hook] });
      return publicChannels(d.health.globalChannels());
    },
    'notify.add-email'(p) {
      const email = validateEmail(p);
      const c = d.health.globalChannels();
      d.health.setGlobalChannels({ ...c, emails: [...(c.emails ?? []), email] });
      return publicChannels(d.health.globalChannels());
    },
    'notify.remove'(p) {
      const index = p.index;
      const c = d.health.globalChannels();
      const hooks = c.webhooks ?? [];
      const emails = c.emails ?? [];
      if (index > hooks.length + emails.length) {
        throw new SentinelError('NOT_FOUND', `no notification channel number ${p.index}; "sentinel notify list" shows their numbers`);
      }
      if (index <= hooks.length) hooks.splice(index - 1, 1);
      else emails.splice(index - hooks.length - 1, 1);
      d.health.setGlobalChannels({ webhooks: hooks, emails });
      return publicChannels(d.health.globalChannels());
    },
    async 'notify.test'(p) {
      const name = p.name;
      const rec = name ? d.supervisor.resolve(name) : null;
      // the monitor answers with the notifier's delivery results
      const results = (await d.health.notify('test', rec, 'test message from sentinel notify test')) as DeliveryResult[];
      return { results };
    },
  };
}
