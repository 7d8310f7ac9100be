{
  "targets": [
    {
      "target_name": "aesni_kernels",
      "type": "static_library",
      "sources": ["src/aesCfb.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O3", "-fPIC"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", { "cflags": ["-maes", "-msse4.1"] }]
      ]
    },
    {
      "target_name": "aesni",
      "sources": ["src/addon.c", "src/keySchedule.c", "src/prefixCrc.c"],
      "dependencies": ["aesni_kernels"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
