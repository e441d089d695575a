// The OpenAPI document is valid OpenAPI 3.1 and shows every operation with its permission and kind.
import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildOpenApi } from '../../src/contracts/openapi.js';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import type { AnyContract } from '../../src/contracts/define.js';

type Operation = Record<string, unknown> & { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown };
const doc = buildOpenApi('9.9.9') as { openapi: string; paths: Record<string, Record<string, Operation>> };

function operationAt(method: string, path: string): Operation {
  return doc.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has every operation of the list, on each of its routes, with its permission and kind', () => {
    for (const c of CONTRACT_LIST as readonly AnyContract[]) {
      for (const r of c.routes) {
        const op = operationAt(r.method, r.path);
        expect(op, `${r.method} ${r.path}`).toBeDefined();
        expect(op['x-sentinel-op']).toBe(c.name);
        expect(op['x-sentinel-permission']).toBe(c.permission);
        expect(op['x-sentinel-kind']).toBe(c.kind);
        expect(op.responses['200'].content?.['application/json'], c.name).toBeDefined();
        expect(op.responses['422'], c.name).toBeDefined();
        expect(op.responses['500'], c.name).toBeDefined();
        if (c.kind === 'stream') expect(op.responses['200'].content?.['application/x-ndjson'], c.name).toBeDefined();
        for (const code of c.errors ?? []) expect(JSON.stringify(op.responses), `${c.name} ${code}`).toContain(code);
      }
    }
  });

  it('puts path parameters in the path, GET parameters in the query and the others in a JSON body', () => {
    const logs = operationAt('GET', '/v1/processes/:ref/logs');
    expect(logs.parameters?.find((p) => p.name === 'ref')?.in).toBe('path');
    expect(logs.parameters?.find((p) => p.name === 'follow')?.in).toBe('query');
    expect(logs.requestBody).toBeUndefined();
    const stop = operationAt('POST', '/v1/processes/:ref/stop');
    expect(stop.parameters?.map((p) => p.name)).toEqual(['ref']);
    expect(JSON.stringify(stop.requestBody)).toContain('"timeout"');
    expect(JSON.stringify(stop.requestBody)).not.toContain('"ref"');
    expect(operationAt('GET', '/v1/processes/:ref').responses['404']).toBeDefined();
    expect(operationAt('POST', '/v1/processes').responses['409']).toBeDefined();
  });

  it('documents durations as strings with a unit or numbers of seconds', () => {
    const body = JSON.stringify(operationAt('POST', '/v1/processes/:ref/stop').requestBody);
    expect(body).toContain('or a number of seconds');
  });
});
