// Giving freed malloc memory back to the system. V8's full collection frees the C++ side of the objects it
// drops (parsed config, spawn arguments, compiled code of one-off functions), but glibc keeps freed chunks in
// its arenas for the next malloc: only the top of the main heap is ever returned on its own. malloc_trim(0)
// walks every arena and hands each free page back (MADV_DONTNEED), so the pages leave RSS and private memory.
#include <stdbool.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "native.h"

// trimMalloc(): true when some memory went back to the system (always false without glibc).
napi_value TrimMalloc(napi_env env, napi_callback_info info) {
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) != 0;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}
