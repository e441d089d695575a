export type ForeignFormat = 'procfile' | 'pm2' | 'compose' | 'process-compose' | 'supervisord';
export function detectFormat(_path: string, _text: string): ForeignFormat | 'sentinel' { return 'sentinel'; }
export function importText(_f: ForeignFormat, _t: string, _p: string): { config: Record<string, unknown>; warnings: string[] } { throw new Error('x'); }
