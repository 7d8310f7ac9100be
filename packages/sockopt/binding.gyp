{
  "targets": [
    {
      "target_name": "sockopt",
      "sources": ["src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
