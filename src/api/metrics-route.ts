// GET /metrics: the Prometheus exposition, raw (text/plain; version=0.0.4), for scrapers. It is the
// `metrics.exposition` operation (viewer) answered as text instead of JSON, so every listener that
// mounts it (the Unix socket here, the TCP listener with a viewer token) serves the same thing.
import { invokeOperation, type OperationTable } from '../daemon/operations.js';
import type { OpContext } from '../daemon/context.js';

export const METRICS_PATH = '/metrics';

export async function renderMetrics(ops: OperationTable, ctx: OpContext = { actor: 'metrics', signal: new AbortController().signal }): Promise<{ contentType: string; body: string }> {
  return (await invokeOperation(ops, 'metrics.exposition', {}, ctx)) as { contentType: string; body: string };
}
