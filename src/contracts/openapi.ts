// The OpenAPI 3.1 document of the REST API, derived from the contracts: paths, parameters (path,
// query for GET, JSON body otherwise), results, NDJSON streams, error responses from the error
// registry, and who may call what (x-sentinel-permission) and how (x-sentinel-kind).
import * as z from 'zod';
import { ERRORS, type ErrorCode } from '../core/errors.js';
import type { AnyContract, OpRoute } from './define.js';
import { CONTRACT_LIST } from './index.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Errors any operation may answer with: bad parameters, a body that is not JSON or too large, a bug. */
function commonErrors(route: OpRoute): ErrorCode[] {
  // over TCP: no, wrong or expired token (401), a role too low or a token limited to other processes (403), too many failed logins (429)
  const auth: ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN', 'TOO_MANY_REQUESTS'];
  return route.method === 'GET' ? ['INVALID_ARGUMENT', ...auth, 'INTERNAL'] : ['INVALID_ARGUMENT', 'BAD_REQUEST', ...auth, 'PAYLOAD_TOO_LARGE', 'INTERNAL'];
}

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: `Error codes: ${list.join(', ')}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

function pathKeys(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
}

function operationObject(c: AnyContract, route: OpRoute, index: number): Record<string, unknown> {
  const params = jsonSchema(c.params, 'input');
  const props = params.properties ?? {};
  const required = new Set(params.required ?? []);
  const inPath = pathKeys(route.path);
  const parameters: unknown[] = inPath.map((key) => ({ name: key, in: 'path', required: true, schema: props[key] ?? { type: 'string' } }));
  let requestBody: unknown;
  const rest = Object.keys(props).filter((k) => !inPath.includes(k));
  if (route.method === 'GET') {
    for (const key of rest) parameters.push({ name: key, in: 'query', required: required.has(key), schema: props[key] });
  } else if (rest.length > 0) {
    const body: JsonSchema = { ...params, properties: Object.fromEntries(rest.map((k) => [k, props[k]])) };
    const bodyRequired = (params.required ?? []).filter((k) => !inPath.includes(k));
    if (bodyRequired.length > 0) body.required = bodyRequired;
    else delete body.required;
    requestBody = { required: bodyRequired.length > 0, content: { 'application/json': { schema: body } } };
  }
  const content: Record<string, unknown> = { 'application/json': { schema: jsonSchema(c.result, 'input') } };
  if (c.kind === 'stream' && c.item) content['application/x-ndjson'] = { schema: jsonSchema(c.item, 'input') };
  return {
    operationId: index === 0 ? c.name : `${c.name}:${index + 1}`,
    summary: c.summary,
    description: `Operation "${c.name}"${c.kind === 'stream' ? '; with follow=true the answer is a stream of NDJSON items (one JSON object per line)' : ''}.`,
    tags: [c.name.includes('.') ? c.name.slice(0, c.name.indexOf('.')) : route.path.split('/')[2]],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      '200': { description: 'The result', content },
      ...errorResponses([...commonErrors(route), ...(c.errors ?? [])]),
    },
    'x-sentinel-op': c.name,
    'x-sentinel-permission': c.permission,
    'x-sentinel-kind': c.kind,
    // how a token limited to some processes may call it: ref, filter, any, or none (refused)
    'x-sentinel-token-scope': c.tokenScope ?? 'none',
  };
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const c of CONTRACT_LIST as readonly AnyContract[]) {
    c.routes.forEach((route, i) => {
      const p = (paths[openApiPath(route.path)] ??= {});
      p[route.method.toLowerCase()] = operationObject(c, route, i);
    });
  }
  paths['/v1/ops/{op}'] = {
    post: {
      operationId: 'ops.by-name',
      summary: 'Call any operation by name with its parameters as the JSON body (what the CLI uses)',
      parameters: [{ name: 'op', in: 'path', required: true, schema: { type: 'string', enum: CONTRACT_LIST.map((c) => c.name) } }],
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: {
        '200': { description: 'The operation\'s result (see its own route)', content: { 'application/json': { schema: { type: 'object' } } } },
        ...errorResponses(['INVALID_ARGUMENT', 'BAD_REQUEST', 'ROUTE_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'INTERNAL']),
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sentinel',
      version,
      description: 'The REST API of the Sentinel daemon, served on its Unix socket ($SENTINEL_HOME/sentinel.sock, full access for its owner) ' +
        'and, when turned on (api.listen in $SENTINEL_HOME/daemon.yaml, or sentinel daemon start --listen), over TCP with bearer tokens ' +
        '(sentinel token create NAME --role viewer|operator|admin); x-sentinel-permission is the role an operation needs. ' +
        'Durations are "500ms", "5s", "2m", "1h" or a number of seconds; sizes are "512K", "10M", "1G" or a number of bytes.',
    },
    servers: [
      { url: 'http://localhost', description: 'the daemon\'s Unix socket (e.g. curl --unix-socket ~/.sentinel/sentinel.sock)' },
      { url: 'http://127.0.0.1:9797', description: 'the TCP listener, when turned on (the address is api.listen; https with api.tls)' },
    ],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (TCP only; the Unix socket needs none): sentinel token create NAME --role viewer' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERRORS) },
                message: { type: 'string', description: 'What was wrong and how to fix it' },
                details: { type: 'object' },
              },
            },
          },
        },
      },
    },
  };
}
