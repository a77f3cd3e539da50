/*
 * The CfC step's elementwise parts (kernels_*.c include this file after simd.h): backbone
 * activations forward and backward, and the default / no_gate update forward and backward,
 * as in lnn_ros/kernels/fused_cfc_sequence.ts (GELU and the pure mode stay there).
 */

/* The activations, as cfc_activation codes: 0 lecun_tanh, 1 silu, 2 relu, 3 tanh. */
static inline __attribute__((always_inline)) vec act_lanes(int kind, vec x) {
  switch (kind) {
    case 0: return splat(1.7159f) * vtanh(splat(0.666f) * x);
    case 1: return x * vsigmoid(x);
    case 2: return vmax(x, splat(0.0f));
    default: return vtanh(x);
  }
}

/* act'(pre), given z = act(pre). */
static inline __attribute__((always_inline)) vec act_slope(int kind, vec pre, vec z) {
  switch (kind) {
    case 0: return splat(0.666f) * (splat(1.7159f) - z * z / splat(1.7159f));
    case 1: {
      vec s = vsigmoid(pre);
      return s * (splat(1.0f) + pre * (splat(1.0f) - s));
    }
    case 2: return vselect(pre > splat(0.0f), splat(1.0f), splat(0.0f));
    default: return splat(1.0f) - z * z;
  }
}

static void cfc_activation(int kind, const float *pre, float *out, size_t n) {
  size_t i = 0;
  for (; i + VW <= n; i += VW) store(out + i, act_lanes(kind, load(pre + i)));
  if (i < n) st(out + i, act_lanes(kind, ld(pre + i, (int)(n - i))), (int)(n - i));
}

/* g *= act'(pre). */
static void cfc_activation_backward(int kind, const float *pre, const float *z, float *g, size_t n) {
  size_t i = 0;
  for (; i + VW <= n; i += VW) store(g + i, load(g + i) * act_slope(kind, load(pre + i), load(z + i)));
  if (i < n) {
    int r = (int)(n - i);
    st(g + i, ld(g + i, r) * act_slope(kind, ld(pre + i, r), ld(z + i, r)), r);
  }
}

/* Lanes [j, j + r) of row b: f1 = tanh(ff1), f2 = tanh(ff2), gate = σ(t_a·ts + t_b), out. */
static inline __attribute__((always_inline)) void gated_lanes(const cfc_gated *c, int b, int j, int r) {
  const int H = c->units;
  const float *head = c->head + (size_t)b * 4 * H;
  const size_t bj = (size_t)b * H + j;
  vec t1 = vtanh(ld(head + j, r)), t2 = vtanh(ld(head + H + j, r));
  vec g = vsigmoid(ld(head + 2 * H + j, r) * c->ts[b] + ld(head + 3 * H + j, r)); /* torch: +t_a·ts */
  st(c->f1 + bj, t1, r);
  st(c->f2 + bj, t2, r);
  st(c->gate + bj, g, r);
  st(c->out + bj, c->gated ? t1 * (splat(1.0f) - g) + g * t2 : t1 + g * t2, r);
}

static void cfc_gated_forward(const cfc_gated *c) {
  for (int b = 0; b < c->batch; b++) {
    int j = 0;
    for (; j + VW <= c->units; j += VW) gated_lanes(c, b, j, VW);
    if (j < c->units) gated_lanes(c, b, j, c->units - j);
  }
}

/* dL/dhead for lanes [j, j + r) of row b; returns their share of dL/dts. */
static inline __attribute__((always_inline)) vec gated_back_lanes(const cfc_gated *c, const float *g_out, float *g_head, int b, int j, int r) {
  const int H = c->units;
  const float *head = c->head + (size_t)b * 4 * H;
  float *gh = g_head + (size_t)b * 4 * H;
  const size_t bj = (size_t)b * H + j;
  vec go = ld(g_out + bj, r), t1 = ld(c->f1 + bj, r), t2 = ld(c->f2 + bj, r), g = ld(c->gate + bj, r);
  vec gf1 = c->gated ? go * (splat(1.0f) - g) : go;
  vec g_gate = (c->gated ? go * (t2 - t1) : go * t2) * g * (splat(1.0f) - g); /* dL/d(t_a·ts + t_b) */
  st(gh + j, gf1 * (splat(1.0f) - t1 * t1), r);
  st(gh + H + j, go * g * (splat(1.0f) - t2 * t2), r);
  st(gh + 2 * H + j, g_gate * c->ts[b], r);
  st(gh + 3 * H + j, g_gate, r);
  return g_gate * ld(head + 2 * H + j, r);
}

static void cfc_gated_backward(const cfc_gated *c, const float *g_out, float *g_head, float *g_ts) {
  for (int b = 0; b < c->batch; b++) {
    vec acc = {0};
    int j = 0;
    for (; j + VW <= c->units; j += VW) acc += gated_back_lanes(c, g_out, g_head, b, j, VW);
    if (j < c->units) acc += gated_back_lanes(c, g_out, g_head, b, j, c->units - j);
    g_ts[b] = hsum(acc);
  }
}
