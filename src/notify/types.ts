// What notifications carry and what a delivery attempt reports.

export const NOTIFY_EVENTS = ['crash', 'failed', 'unhealthy', 'recovered', 'test'] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

/** What the supervisor reports; the notifier fills in time and host. */
export interface NotifyEvent {
  event: NotifyEventKind;
  process: string;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
  /** Epoch ms; default now. */
  time?: number;
  /** A summary of this many more events of the kind within the coalescing window. */
  repeats?: number;
}

/** The JSON body of a webhook, and the facts an email states. */
export interface NotifyPayload {
  event: NotifyEventKind;
  process: string;
  exitCode: number | null;
  signal: string | null;
  reason: string;
  /** ISO 8601. */
  time: string;
  host: string;
  /** Set on a summary: how many more events of the kind the window saw. */
  repeats?: number;
}

export interface DeliveryResult {
  channel: 'webhook' | 'email' | 'plugin';
  /** The URL, the SMTP recipients, or the plugin's name. */
  target: string;
  event: NotifyEventKind;
  process: string;
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt (webhooks). */
  status?: number;
  error?: string;
  durationMs: number;
}
