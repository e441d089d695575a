// Sentinel's optional native addon: what Node has no fast call for, on the daemon's hot paths.
//   spawn.c  starting a child with posix_spawn (no fork of the daemon), or many from a few threads, and reaping them;
//   proc.c   one pass over every /proc/PID/stat (stops and reaps sweep them all), the list of /proc,
//            and the stats of given pids (the metrics read only the managed trees);
//   fd.c     the open file descriptors of given pids (the metrics' open-fds gauge);
//   runtimes.c the on-CPU time of given pids (the metrics history's probe of whether anything ran);
//   socket.c one blocking request over a Unix socket (the CLI's calls, without loading node:net);
//   mem.c    malloc_trim: the freed malloc arenas back to the system after the daemon's idle collection.
// Everything here has a JavaScript fallback (src/core/native.ts): the addon changes speed, not behaviour.
#include "native.h"

static void add(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value);
  napi_set_named_property(env, exports, name, value);
}

NAPI_MODULE_INIT() {
  add(env, exports, "spawn", Spawn);
  add(env, exports, "spawnMany", SpawnMany);
  add(env, exports, "reap", Reap);
  add(env, exports, "peek", Peek);
  add(env, exports, "procStats", ProcStats);
  add(env, exports, "procList", ProcList);
  add(env, exports, "procStatsOf", ProcStatsOf);
  add(env, exports, "fdCounts", FdCounts);
  add(env, exports, "runTimes", RunTimes);
  add(env, exports, "request", Request);
  add(env, exports, "trimMalloc", TrimMalloc);
  add(env, exports, "fileSizes", FileSizes);
  return exports;
}
