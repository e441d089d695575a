// The `hosts:` key of daemon.yaml: other machines whose processes `hosts.processes` (monit --hosts, the
// dashboard's host column) shows next to this one's. Each is reached through an SSH tunnel to its daemon's
// Unix socket, or through its TCP API with a token. "local" is this host's own name in every answer.
import * as z from 'zod';
import { SettingsDuration } from '../config/schema-primitives.js';
import { parseHostSpec } from '../client/ssh-target.js';
import { parseRemoteUrl } from '../client/remote.js';

export const LOCAL_HOST = 'local';

const hostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a host name is letters, digits, ".", "_" or "-" (at most 63), like "web-1"')
  .refine((n) => n !== LOCAL_HOST, '"local" is the name of this host; give the other host another name');

const timeout = SettingsDuration;

/** A message of a parser that throws, as a zod issue (the parser's message already says what a good value is). */
function checkWith(parse: (v: string) => unknown) {
  return (v: string | undefined, ctx: z.RefinementCtx) => {
    if (v === undefined) return;
    try {
      parse(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^--(host|url) /, '') });
    }
  };
}

const hostEntry = z
  .object({
    name: hostName,
    /** user@host[:port] (or a Host of ~/.ssh/config of the daemon's user): its daemon's socket through SSH. */
    ssh: z.string().min(1).superRefine(checkWith(parseHostSpec)).optional(),
    remote_home: z.string().regex(/^(\/|~\/|~$)/, 'must be an absolute path on that host (or start with ~/), e.g. /home/deploy/.sentinel').optional(),
    remote_command: z.string().min(1).optional(),
    /** http(s)://HOST:PORT of its TCP API. */
    url: z.string().min(1).superRefine(checkWith(parseRemoteUrl)).optional(),
    /** A file holding the token (`sentinel token create NAME --role viewer` on that host). */
    token_file: z.string().min(1).optional(),
    /** The CA that signed the certificate of an https:// url (when it is not a public one). */
    ca_file: z.string().min(1).optional(),
    /** How long one answer of that host may take before it is reported as an error (default 5s). */
    timeout: timeout.default(5000),
  })
  .strict()
  .check(
    z.refine((h) => (h.ssh === undefined) !== (h.url === undefined), { error: 'give either "ssh" (user@host[:port]) or "url" (https://host:9797 with token_file), not both or neither' }),
    z.refine((h) => h.url === undefined || h.token_file !== undefined, { path: ['token_file'], error: 'a host reached by url needs "token_file": a file holding a token of that host ("sentinel token create NAME --role viewer" there)' }),
    z.refine((h) => h.ssh === undefined || (h.token_file === undefined && h.ca_file === undefined), { error: '"token_file" and "ca_file" are for a host reached by url; an ssh host uses your SSH key' }),
    z.refine((h) => h.url === undefined || (h.remote_home === undefined && h.remote_command === undefined), { error: '"remote_home" and "remote_command" are for a host reached by ssh' }),
  );

export const hostsSetting = z
  .array(hostEntry)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((h, i) => {
      if (seen.has(h.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `the name "${h.name}" is used by two hosts; names must be unique` });
      seen.add(h.name);
    });
  });

export type HostSetting = z.output<typeof hostEntry>;
