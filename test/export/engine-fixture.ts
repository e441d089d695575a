// The export tests' input: test/fixtures/export/stack.yaml through the same pipeline `export -f` uses.
import path from 'node:path';
import { exportSourceFromFile } from '../../src/export/from-config.js';
import type { EngineInput } from '../../src/export/engine-common.js';

export const STACK = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/export/stack.yaml');

export async function stackInput(extra: Partial<EngineInput> = {}): Promise<EngineInput> {
  const { specs, schedules } = await exportSourceFromFile(STACK);
  return { specs, schedules, hostEnv: () => false, ...extra };
}

/** Every string in a value, keys included (to prove no secret value or host path leaks). */
export function allText(value: unknown): string {
  return JSON.stringify(value);
}
