// Email delivery over SMTP with nodemailer, bounded by a timeout.
import nodemailer, { type Transporter } from 'nodemailer';
import type { DeliveryResult, NotifyEventKind, NotifyPayload } from './types.js';

export interface EmailConfig {
  host: string;
  /** Default 465 when `secure`, else 587. */
  port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  from: string;
  to: string | string[];
  /** Whole delivery, connect to QUIT; default 10 s. */
  timeoutMs?: number;
  requireTLS?: boolean;
  /** Do not upgrade with STARTTLS even when offered. */
  ignoreTLS?: boolean;
  /** Set false for a server with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  events?: NotifyEventKind[];
}

const HEADLINES: Record<NotifyEventKind, string> = {
  crash: 'crashed',
  failed: 'failed (restarts exhausted)',
  unhealthy: 'is unhealthy',
  recovered: 'recovered',
  test: 'test notification',
};

export function formatEmail(p: NotifyPayload): { subject: string; text: string } {
  const subject = p.event === 'test' ? `[sentinel] test notification from ${p.host}` : `[sentinel] ${p.process} ${HEADLINES[p.event]} on ${p.host}`;
  const lines = [
    `Process:   ${p.process}`,
    `Event:     ${p.event}`,
    `Host:      ${p.host}`,
    `Time:      ${p.time}`,
    ...(p.exitCode !== null ? [`Exit code: ${p.exitCode}`] : []),
    ...(p.signal ? [`Signal:    ${p.signal}`] : []),
    ...(p.reason ? [`Reason:    ${p.reason}`] : []),
  ];
  return { subject, text: `${lines.join('\n')}\n` };
}

/** Sends one message; never throws. */
export async function sendEmail(cfg: EmailConfig, payload: NotifyPayload): Promise<DeliveryResult> {
  const start = Date.now();
  const to = Array.isArray(cfg.to) ? cfg.to.join(', ') : cfg.to;
  const timeoutMs = cfg.timeoutMs ?? 10_000;
  const result = (ok: boolean, error?: string): DeliveryResult => ({
    channel: 'email',
    target: to,
    event: payload.event,
    process: payload.process,
    ok,
    attempts: 1,
    ...(error ? { error } : {}),
    durationMs: Date.now() - start,
  });
  let transport: Transporter | null = null;
  let timer: NodeJS.Timeout | undefined;
  try {
    transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port ?? (cfg.secure ? 465 : 587),
      secure: cfg.secure ?? false,
      auth: cfg.auth,
      requireTLS: cfg.requireTLS,
      ignoreTLS: cfg.ignoreTLS,
      tls: cfg.tlsRejectUnauthorized === false ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    const { subject, text } = formatEmail(payload);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SMTP delivery took longer than ${timeoutMs}ms`)), timeoutMs);
    });
    await Promise.race([transport.sendMail({ from: cfg.from, to, subject, text }), timeout]);
    return result(true);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    clearTimeout(timer);
    transport?.close();
  }
}
