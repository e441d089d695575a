// Restart-policy parameters, shared by `policy` and `run`. Durations stay as written here (the policy
// reader parses them with the one rule: a bare number is seconds) because `run` passes them on as-is.
import * as z from 'zod';
import { count, Duration } from './primitives.js';
import { once } from './define.js';

const ExitCodes = once(() => z
  .union([z.string(), z.array(z.number().int().min(0).max(255))], {
    error: 'expected exit codes as "1,2" or a list of numbers from 0 to 255',
  })
  .meta({ description: 'Exit codes: "1,2" or [1, 2]' }));

export const PolicyFields = once(() => ({
  restartExitCodes: ExitCodes().optional(),
  noRestartExitCodes: ExitCodes().optional(),
  maxRestarts: count(0, 1_000_000, 5).optional(),
  restartWindow: Duration.optional(),
  restartDelay: Duration.optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  backoffMax: Duration.optional(),
  jitter: z
    .union([z.number().min(0).max(1), z.string()], { error: 'expected a fraction from 0 to 1 or a percentage like "20%"' })
    .optional()
    .meta({ description: 'A fraction from 0 to 1, or a percentage like "20%"' }),
  minUptime: Duration.optional(),
}));

export const RestartMode = once(() => z.enum(['never', 'on-failure', 'always']));
