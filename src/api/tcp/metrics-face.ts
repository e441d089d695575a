// GET /metrics on the TCP listener: the same exposition as on the socket, for a viewer token (Prometheus sends
// it with `authorization: {credentials: TOKEN}` in its scrape config). A token limited to some processes is
// refused: the exposition is about every process.
import { SentinelError } from '../../core/errors.js';
import { METRICS_PATH, renderMetrics } from '../metrics-route.js';
import type { FaceRegistrar } from './server.js';

export const metricsFace: FaceRegistrar = (app, face) => {
  app.route({
    method: ['GET', 'HEAD'],
    url: METRICS_PATH,
    handler: async (request, reply) => {
      const who = face.authenticate(request);
      face.requireRole(who, 'viewer', 'GET /metrics');
      if (who.processes !== null) {
        throw new SentinelError('FORBIDDEN', `GET /metrics is about every process, and token "${who.name}" is limited to processes matching "${who.processes}"; scrape with a token without --processes`);
      }
      const ac = new AbortController();
      request.raw.on('close', () => ac.abort());
      const m = await renderMetrics(face.deps.ops, { actor: `token:${who.name}`, signal: ac.signal });
      return reply.type(m.contentType).send(request.method === 'HEAD' ? '' : m.body);
    },
  });
};
