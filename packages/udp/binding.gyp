{
  "targets": [
    {
      "target_name": "udp",
      "sources": ["src/addon.c", "src/args.c", "src/sockets.c", "src/batch.c", "src/poll.c", "src/memory.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
