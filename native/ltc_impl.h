/*
 * The LTC step over batch rows, forward and backward (kernels_*.c include this file after
 * simd.h): the loops of lnn_ros/kernels/fused_ltc_step.ts with the synapse sums over sources
 * VW lanes at a time (a vector exp per activation instead of a table lookup), float32. The
 * backward recomputes the activations from the kept iterates: cheaper than writing B·K·H² of them
 * to memory and reading them back.
 */

static inline __attribute__((always_inline)) vec activation(const ltc_synapses *s, size_t k, int i, int r, const float *pre) {
  return vsigmoid(ld(s->slope + k, r) * ld(pre + i, r) + ld(s->shift + k, r));
}

/* Lanes [i, i + r) of destination row `row`: conductances onto *vn, *vd. */
static inline __attribute__((always_inline)) void conduct_lanes(const ltc_synapses *s, size_t row, int i, int r, const float *pre, vec *vn, vec *vd) {
  vec a = activation(s, row + i, i, r, pre);
  vec g = ld(s->wmax + row + i, r) * a; /* 0 in lanes past r: wmax loads as 0 there */
  *vn += g * ld(s->erev + row + i, r);
  *vd += g;
}

/* num[j] = Σ_i wmax·a·erev, den[j] = Σ_i wmax·a with a = σ(slope·pre_i + shift). */
static void conduct(const ltc_synapses *s, const float *pre, float *num, float *den) {
  const int n = s->sources;
  for (int j = 0; j < s->dests; j++) {
    const size_t row = (size_t)j * n;
    vec vn = {0}, vd = {0};
    int i = 0;
    for (; i + VW <= n; i += VW) conduct_lanes(s, row, i, VW, pre, &vn, &vd);
    if (i < n) conduct_lanes(s, row, i, n - i, pre, &vn, &vd);
    num[j] = hsum(vn);
    den[j] = hsum(vd);
  }
}

/* The backward of conduct_lanes given dL/dnum_j = gn, dL/dden_j = gd: sums and dL/dpre. */
static inline __attribute__((always_inline)) void conduct_back_lanes(const ltc_synapses *s, size_t row, size_t size, int i, int r, const float *pre, float gn, float gd, float *sums, float *g_pre) {
  float *num_act = sums, *den_act = sums + size, *gx_sum = sums + 2 * size, *gx_pre = sums + 3 * size;
  const size_t k = row + i;
  vec a = activation(s, k, i, r, pre); /* 0 in lanes past r: slope and shift load as 0, σ(0)·wmax = 0 */
  vec gna = gn * a, gda = gd * a;
  st(num_act + k, ld(num_act + k, r) + gna, r);
  st(den_act + k, ld(den_act + k, r) + gda, r);
  /* dL/d(wmax·a) = gn·erev + gd, times wmax·a·(1 − a). */
  vec gx = (gna * ld(s->erev + k, r) + gda) * ld(s->wmax + k, r) * (1.0f - a);
  st(gx_sum + k, ld(gx_sum + k, r) + gx, r);
  st(gx_pre + k, ld(gx_pre + k, r) + gx * ld(pre + i, r), r);
  st(g_pre + i, ld(g_pre + i, r) + gx * ld(s->slope + k, r), r);
}

static void conduct_back(const ltc_synapses *s, const float *pre, const float *g_num, const float *g_den, float *sums, float *g_pre) {
  const int n = s->sources;
  const size_t size = (size_t)n * s->dests;
  for (int j = 0; j < s->dests; j++) {
    const size_t row = (size_t)j * n;
    int i = 0;
    for (; i + VW <= n; i += VW) conduct_back_lanes(s, row, size, i, VW, pre, g_num[j], g_den[j], sums, g_pre);
    if (i < n) conduct_back_lanes(s, row, size, i, n - i, pre, g_num[j], g_den[j], sums, g_pre);
  }
}

static void ltc_forward_rows(const ltc_step *s, int b0, int b1) {
  const int I = s->sen.sources, H = s->rec.dests, K = s->unfolds;
  float num[H], den[H], sen_num[H], sen_den[H];
  for (int b = b0; b < b1; b++) {
    conduct(&s->sen, s->u + (size_t)b * I, sen_num, sen_den);
    const float dt = s->ts[b] / K;
    float *cm_step = s->cm_step + (size_t)b * H;
    for (int j = 0; j < H; j++) cm_step[j] = s->cm[j] / dt;
    float *it = s->iterates + (size_t)b * (K + 1) * H;
    memcpy(it, s->v0 + (size_t)b * H, (size_t)H * sizeof(float));
    for (int k = 0; k < K; k++, it += H) {
      /* Conductances at the previous iterate; v_j implicit in the reversal terms. */
      conduct(&s->rec, it, num, den);
      float *inv_den = s->inv_den + ((size_t)b * K + k) * H;
      for (int j = 0; j < H; j++) {
        const float c = cm_step[j];
        const float inv = 1.0f / (c + s->gleak[j] + den[j] + sen_den[j] + s->eps);
        inv_den[j] = inv;
        it[H + j] = (c * it[j] + s->gleak[j] * s->vleak[j] + num[j] + sen_num[j]) * inv;
      }
    }
    memcpy(s->out + (size_t)b * H, it, (size_t)H * sizeof(float));
  }
}

static void ltc_backward_rows(const ltc_step *s, const float *g_out, int b0, int b1, const ltc_grads *g, float *scratch) {
  const int I = s->sen.sources, H = s->rec.dests, K = s->unfolds;
  float *g_v = scratch, *g_prev = scratch + H, *g_num = scratch + 2 * H, *g_den = scratch + 3 * H;
  float g_cm_step[H], g_sen_num[H], g_sen_den[H];
  for (int b = b0; b < b1; b++) {
    memcpy(g_v, g_out + (size_t)b * H, (size_t)H * sizeof(float));
    memset(g_cm_step, 0, sizeof g_cm_step);
    memset(g_sen_num, 0, sizeof g_sen_num);
    memset(g_sen_den, 0, sizeof g_sen_den);
    const float *cm_step = s->cm_step + (size_t)b * H;
    for (int k = K - 1; k >= 0; k--) {
      const float *it = s->iterates + ((size_t)b * (K + 1) + k) * H; /* v^k, then v^(k+1) at +H */
      const float *inv = s->inv_den + ((size_t)b * K + k) * H;
      for (int j = 0; j < H; j++) {
        /* v' = num·inv with inv = 1/(den + eps): dL/dnum = g·inv, dL/dden = −g·v'·inv. */
        const float gn = g_v[j] * inv[j];
        const float gd = -g_v[j] * it[H + j] * inv[j];
        g_num[j] = gn;
        g_den[j] = gd;
        g_cm_step[j] += gn * it[j] + gd;
        g->g_gleak[j] += gn * s->vleak[j] + gd;
        g->g_vleak[j] += gn * s->gleak[j];
        g_sen_num[j] += gn;
        g_sen_den[j] += gd;
        g_prev[j] = gn * cm_step[j];
      }
      conduct_back(&s->rec, it, g_num, g_den, g->rec_sums, g_prev);
      float *t = g_v;
      g_v = g_prev;
      g_prev = t;
    }
    memcpy(g->g_v0 + (size_t)b * H, g_v, (size_t)H * sizeof(float));
    float *g_u = g->g_u + (size_t)b * I;
    memset(g_u, 0, (size_t)I * sizeof(float));
    conduct_back(&s->sen, s->u + (size_t)b * I, g_sen_num, g_sen_den, g->sen_sums, g_u);
    /* cm_t = P(cm)/dt with dt = ts/K: ∂/∂P(cm) = 1/dt, ∂/∂ts = −cm_t/ts. */
    const float dt = s->ts[b] / K;
    float gt = 0;
    for (int j = 0; j < H; j++) {
      g->g_cm[j] += g_cm_step[j] / dt;
      gt -= g_cm_step[j] * cm_step[j] / s->ts[b];
    }
    g->g_ts[b] = gt;
  }
}
