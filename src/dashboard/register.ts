// The dashboard as a face of the TCP listener: its page and two assets at /, no token needed (they hold
// no data; every call the page makes is an API call with the user's token).
import type { FastifyInstance } from 'fastify';
import type { TcpFace } from '../api/tcp/server.js';
import { DashboardFiles } from './files.js';
import { loadedFaces } from '../daemon/loaded-faces.js';

loadedFaces.add('dashboard');

export function registerDashboard(app: FastifyInstance, face: TcpFace): void {
  let files: DashboardFiles | null = null;
  let missing: string | null = null;
  try {
    files = new DashboardFiles();
  } catch (err) {
    // the API keeps working without a built dashboard; the page says what to do
    missing = (err as Error).message;
    face.deps.log.warn('DASHBOARD_MISSING', missing);
  }
  for (const route of ['/', '/index.html', '/app.js', '/app.css']) {
    app.get(route, { exposeHeadRoute: true }, (request, reply) => {
      if (!files) {
        void reply.code(503).header('content-type', 'text/plain; charset=utf-8').send(`Sentinel's dashboard is not available: ${missing}\n`);
        return;
      }
      const ifNoneMatch = request.headers['if-none-match'];
      const answer = files.answer(request.method, route, typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined)!;
      void reply.code(answer.status).headers(answer.headers).send(answer.status === 304 || request.method === 'HEAD' ? undefined : answer.body);
    });
  }
}
