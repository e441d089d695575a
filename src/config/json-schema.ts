// The published JSON Schema of sentinel.yaml, generated from the zod schema so editors complete the file.
import * as z from 'zod';
import { SentinelConfigSchema } from './schema.js';

export function buildJsonSchema(): Record<string, unknown> {
  // io "input": describe what a person writes (durations as "5s"), not what the loader produces.
  const schema = z.toJSONSchema(SentinelConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

export function formatJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
