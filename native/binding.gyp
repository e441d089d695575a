{
  "targets": [
    {
      "target_name": "fast_spawn",
      "sources": ["fast-spawn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
