// The functions of Sentinel's native addon (see addon.c), one file per concern.
#ifndef SENTINEL_NATIVE_H
#define SENTINEL_NATIVE_H
#include <node_api.h>

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "sentinel native: bad argument (" #call ")"); \
      goto done;                                                           \
    }                                                                      \
  } while (0)

// The Int32Array of pids that procStatsOf, fdCounts and runTimes take as their one argument (proc.c); 0 after
// throwing a TypeError naming `fn` when the call did not pass one.
int pid_array(napi_env env, napi_callback_info info, const char *fn, const int32_t **pids, size_t *length);
// A new typed array of `length` elements of `type` (Int32Array or Float64Array), for the results the functions
// hand back (proc.c); *data points at its elements. 0 after throwing "`fn`: out of memory" when it could not
// be made.
int new_typed_array(napi_env env, const char *fn, napi_typedarray_type type, size_t length, void **data,
                    napi_value *result);

// spawn.c
void throw_errno(napi_env env, int code, const char *what);
napi_value Spawn(napi_env env, napi_callback_info info);
napi_value SpawnMany(napi_env env, napi_callback_info info);
napi_value Reap(napi_env env, napi_callback_info info);
napi_value Peek(napi_env env, napi_callback_info info);
// proc.c
napi_value ProcStats(napi_env env, napi_callback_info info);
napi_value ProcList(napi_env env, napi_callback_info info);
napi_value ProcStatsOf(napi_env env, napi_callback_info info);
// fd.c
napi_value FdCounts(napi_env env, napi_callback_info info);
// runtimes.c
napi_value RunTimes(napi_env env, napi_callback_info info);
// socket.c
napi_value Request(napi_env env, napi_callback_info info);
// files.c
napi_value FileSizes(napi_env env, napi_callback_info info);
// mem.c
napi_value TrimMalloc(napi_env env, napi_callback_info info);

#endif
