{
  "targets": [
    {
      "target_name": "sentinel_native",
      "sources": ["addon.c", "spawn.c", "proc.c", "fd.c", "runtimes.c", "socket.c", "mem.c", "files.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
