/*
 * The ceilings the training kernels work against on this core (bench/peak.ts compiles and runs
 * this with the system C compiler): arithmetic peak of one core with 512-bit FMA, 256-bit FMA,
 * and 128-bit separate multiply and add (what WebAssembly SIMD128 has: no fused multiply-add),
 * from register-only loops; and the read bandwidth of one core from a 256 MiB array.
 * Prints JSON {"avx512_fma": GFLOP/s, "avx2_fma": ..., "simd128_mul_add": ..., "read_gb_s": ...}
 * (null where the CPU lacks the instructions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

#define ITERS 20000000L
/* 12 independent accumulators: enough to cover the FMA latency on both pipes. */
#define PEAK(name, width, attr)                                                    \
  attr static double name(float seed) {                                           \
    typedef float v __attribute__((vector_size(width)));                          \
    v a[12], x = (v){0} + seed, y = (v){0} + (1.0f - seed * 1e-7f);               \
    for (int i = 0; i < 12; i++) a[i] = (v){0} + (float)i;                        \
    double t = now();                                                             \
    for (long n = 0; n < ITERS; n++) {                                            \
      _Pragma("GCC unroll 12") for (int i = 0; i < 12; i++) a[i] = a[i] * y + x;  \
    }                                                                             \
    t = now() - t;                                                                \
    float s = 0;                                                                  \
    for (int i = 0; i < 12; i++) s += a[i][0];                                    \
    if (s == 12345.f) puts("");                                                   \
    return 2.0 * 12 * (width / 4) * ITERS / t / 1e9;                              \
  }

#if defined(__x86_64__)
PEAK(peak512, 64, __attribute__((target("avx512f,fma"), optimize("fp-contract=fast"))))
PEAK(peak256, 32, __attribute__((target("avx2,fma"), optimize("fp-contract=fast"))))
#endif
PEAK(peak128, 16, __attribute__((optimize("fp-contract=off"))))

static double read_bandwidth(void) {
  const size_t n = (size_t)64 << 20; /* floats: 256 MiB */
  float *a = malloc(n * sizeof(float));
  if (!a) return 0;
  for (size_t i = 0; i < n; i++) a[i] = (float)(i & 7);
  double best = 0;
  for (int r = 0; r < 5; r++) {
    double t = now(), s = 0;
    for (size_t i = 0; i < n; i += 16) s += a[i] + a[i + 4] + a[i + 8] + a[i + 12]; /* one touch per 16-byte chunk: every cache line read */
    t = now() - t;
    if (s == -1) puts("");
    if (n * sizeof(float) / t / 1e9 > best) best = n * sizeof(float) / t / 1e9;
  }
  free(a);
  return best;
}

int main(void) {
  char p512[32] = "null", p256[32] = "null";
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) snprintf(p512, sizeof p512, "%.1f", peak512(0.5f));
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) snprintf(p256, sizeof p256, "%.1f", peak256(0.5f));
#endif
  printf("{\"avx512_fma\": %s, \"avx2_fma\": %s, \"simd128_mul_add\": %.1f, \"read_gb_s\": %.1f}\n", p512, p256, peak128(0.5f), read_bandwidth());
  return 0;
}
