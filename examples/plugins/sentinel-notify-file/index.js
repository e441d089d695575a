// A Sentinel notifier plugin (the JS form): every notification becomes one JSON line appended to
// `options.file`, for a log shipper or a script to pick up. Declare it in SENTINEL_HOME/daemon.yaml:
//
//   plugins:
//     - name: notify-file
//       module: sentinel-notify-file        # npm install --prefix $SENTINEL_HOME sentinel-notify-file
//       options: {file: /var/log/sentinel-events.jsonl}
//
// and name it from a process: `notify: {plugins: [notify-file]}`.
import { appendFile } from 'node:fs/promises';
import path from 'node:path';

/** The plugin API version this module was written for; the daemon refuses any other. */
export const apiVersion = 1;
export const kinds = ['notifier'];

export function create(options, context) {
  const file = options.file;
  if (typeof file !== 'string' || !path.isAbsolute(file)) {
    throw new Error(`options.file must be an absolute path, got ${JSON.stringify(file)}`);
  }
  context.log(`writing notifications to ${file}`);
  return {
    async notify(req) {
      const { options: _ignored, ...event } = req;
      await appendFile(file, `${JSON.stringify({ plugin: context.name, ...event })}\n`);
    },
  };
}
