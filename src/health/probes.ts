// One-shot probes, each bounded by a timeout and an AbortSignal: TCP, HTTP GET, a command,
// and the log-line matcher used by readiness. Every probe resolves (never rejects) with
// { ok, detail, durationMs }.
export { probeTcp, probeHttp } from './probe-net.js';
export type { ProbeResult, ProbeOptions, TcpProbeTarget, HttpProbeTarget } from './probe-net.js';
export { probeExec } from './probe-exec.js';
export type { ExecProbeTarget } from './probe-exec.js';
export { createLogTail, findLogLine, waitForLogLine, fileSize } from './log-tail.js';
export type { LogTail, LogMatch, WaitLogOptions } from './log-tail.js';
