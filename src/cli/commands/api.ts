// sentinel api schema: the daemon's REST API as an OpenAPI 3.1 document (the same one GET /v1/openapi.json serves).
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';

export function register(program: Command): void {
  const api = program.command('api').description('The REST API on the daemon socket');
  api
    .command('schema')
    .description('Print the OpenAPI 3.1 document of the REST API (every operation, its parameters, results and permission)')
    .action(async () => {
      await act({}, (c) => c.call('api.schema'), (doc) => println(JSON.stringify(doc, null, 2)));
    });
}
