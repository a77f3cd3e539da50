/*
 * Vector types and the exp/sigmoid the kernels use, for VW floats per vector (set by the
 * including kernels_*.c). GCC/clang vector extensions: one source for SSE2, AVX2, AVX-512, NEON.
 */
#include <string.h>

typedef float vec __attribute__((vector_size(VW * 4)));
typedef int ivec __attribute__((vector_size(VW * 4)));
typedef float vec_u __attribute__((vector_size(VW * 4), aligned(4)));

static inline vec splat(float x) { return (vec){0} + x; }
static inline vec load(const float *p) { return *(const vec_u *)p; }
static inline void store(float *p, vec v) { *(vec_u *)p = v; }

/* The first n (< VW) lanes from p, zeros after; and the way back. */
static inline vec load_part(const float *p, int n) {
  float t[VW] = {0};
  memcpy(t, p, (size_t)n * sizeof(float));
  return load(t);
}
static inline void store_part(float *p, vec v, int n) {
  float t[VW];
  store(t, v);
  memcpy(p, t, (size_t)n * sizeof(float));
}

static inline vec vselect(ivec mask, vec a, vec b) { return (vec)((mask & (ivec)a) | (~mask & (ivec)b)); }
/* A NaN in `a` stays NaN (the comparison is false, so `a` is kept): a clamp must not turn a
   diverged value into a finite one, or NaN would pass unseen through training and inference. */
static inline vec vmin(vec a, vec b) { return vselect(a > b, b, a); }
static inline vec vmax(vec a, vec b) { return vselect(a < b, b, a); }

/* e^x, relative error < 2e-7 on [−87, 88] (Cephes' expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial). */
static inline vec vexp(vec x) {
  x = vmax(vmin(x, splat(88.37f)), splat(-87.33f));
  const vec round = splat(12582912.0f); /* 1.5·2^23: adding it rounds to an integer */
  vec n = (x * splat(1.44269504088896341f) + round) - round;
  vec r = x - n * splat(0.693359375f) - n * splat(-2.12194440e-4f);
  vec p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  vec y = p * r * r + r + splat(1.0f);
  ivec e = (__builtin_convertvector(n, ivec) + 127) << 23;
  return y * (vec)e;
}

static inline vec vsigmoid(vec x) { return splat(1.0f) / (splat(1.0f) + vexp(-x)); }

static inline float hsum(vec v) {
  float s = 0;
  for (int l = 0; l < VW; l++) s += v[l];
  return s;
}

/* r (≤ VW) lanes from p: a full load when r == VW (a constant in the main loops). */
static inline __attribute__((always_inline)) vec ld(const float *p, int r) { return r == VW ? load(p) : load_part(p, r); }
static inline __attribute__((always_inline)) void st(float *p, vec v, int r) {
  if (r == VW) store(p, v);
  else store_part(p, v, r);
}

static inline vec vabs(vec x) { return (vec)((ivec)x & 0x7fffffff); }

/* tanh: 1 − 2/(e^2x + 1), and its odd series below |x| = 0.1 where that form loses relative accuracy. */
static inline vec vtanh(vec x) {
  vec big = splat(1.0f) - splat(2.0f) / (vexp(splat(2.0f) * vmin(x, splat(9.0f))) + splat(1.0f));
  vec x2 = x * x;
  vec small = x * (splat(1.0f) + x2 * (splat(-1.0f / 3) + x2 * (splat(2.0f / 15) + x2 * splat(-17.0f / 315))));
  return vselect(vabs(x) < splat(0.1f), small, big);
}
