{
  "targets": [
    {
      "target_name": "lnn_native",
      "sources": ["lnn_native.c", "kernels_base.c", "kernels_avx2.c", "kernels_avx512.c"],
      "cflags": ["-O3", "-std=gnu11", "-fno-strict-aliasing", "-ffp-contract=fast"],
      "cflags!": ["-O2"],
      "libraries": ["-lpthread"],
      "xcode_settings": {"OTHER_CFLAGS": ["-O3", "-ffp-contract=fast"]}
    }
  ]
}
