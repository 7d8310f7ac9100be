{
  "targets": [
    {
      "target_name": "udp",
      "sources": ["src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
