// The scheduler's public surface: the daemon lazy-loads this module (it pulls in croner).
export { createAgenda, realClock, MAX_TIMER_MS, type Agenda, type AgendaOptions, type SchedulerClock } from './agenda.js';
export {
  createScheduler,
  QUEUE_LIMIT,
  type RunContext,
  type RunNowResult,
  type RunResult,
  type ScheduleInfo,
  type ScheduleRunner,
  type Scheduler,
  type SchedulerEvent,
  type SchedulerOptions,
} from './engine.js';
export { retryDelay } from './jobs.js';
export { planMissed, type MissedPlan } from './missed.js';
export { dueBetween, nextRunAfter, upcoming, type DueWindow } from './next-run.js';
export { createSchedulerRepo, runLogPaths, type RunRecord, type RunStatus, type SchedulerRepo, type StoredSchedule } from '../store/schedules.js';
export { createRestartCron, type RestartCron, type RestartCronEntry, type RestartCronEvent, type RestartCronOptions, type RestartTargetState } from './restart-cron.js';
export {
  createSchedule,
  SCHEDULE_DEFAULTS,
  triggerKind,
  validateCron,
  validateTimeZone,
  validateTrigger,
  type MissedPolicy,
  type OverlapPolicy,
  type RetryBackoff,
  type RunTrigger,
  type Schedule,
  type ScheduleInput,
  type Trigger,
} from './schedule.js';
export { createSpawnRunner, type SpawnRunnerOptions } from './spawn-runner.js';
export { parseAt, parseTriggerOptions, type TriggerOptions } from './trigger-input.js';
export { createProcessRunner, specOfSchedule, type ProcessRunner, type ProcessRunnerOptions } from './process-runner.js';
export { connectProcessRestarts, restartTargetState, type ProcessRestarts, type ProcessRestartsOptions } from './process-restarts.js';
