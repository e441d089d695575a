// Process-tree resource sampling: one /proc scan per sample, CPU % from successive samples.
export { sampleTrees, scanProcesses, readStat, readProcState, isZombie, parseStat, getPageSize, CLOCK_TICKS_PER_SECOND } from './proc-tree.js';
export type { ProcStat, TreeSample } from './proc-tree.js';
export { CpuTracker } from './cpu-tracker.js';
