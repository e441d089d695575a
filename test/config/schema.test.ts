// The published JSON Schema and the init templates come from, and agree with, the one zod schema.
import { describe, expect, it } from 'vitest';
import { initTemplate, INIT_TEMPLATES } from '../../src/config/init-templates.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';
import { loadProject } from './helpers.js';

describe('JSON Schema', () => {
  it('describes processes with their keys, closed to unknown keys', () => {
    const schema = buildJsonSchema() as { properties: Record<string, { additionalProperties?: { properties?: Record<string, unknown>; additionalProperties?: boolean } }> };
    const proc = schema.properties.processes.additionalProperties!;
    expect(Object.keys(proc.properties!)).toContain('health');
    expect(Object.keys(proc.properties!)).toContain('depends_on');
    expect(proc.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain('A duration: \\"500ms\\"');
  });
});

describe('init templates', () => {
  for (const name of INIT_TEMPLATES) {
    it(`"${name}" is a valid config`, () => {
      const result = loadProject({ 'sentinel.yaml': initTemplate(name), '.env': '' }, { env: {} });
      expect(result.messages).toEqual([]);
      expect(Object.keys(result.config?.processes ?? {}).length).toBeGreaterThan(0);
    });
  }

  it('names the choices for an unknown template', () => {
    expect(() => initTemplate('rust')).toThrow('unknown template "rust"; choose one of: node, python, go, static');
  });
});
