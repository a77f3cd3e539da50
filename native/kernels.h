/* The kernels each instruction-set build provides, and the arguments they share with the addon. */
#ifndef LNN_KERNELS_H
#define LNN_KERNELS_H
#include <stddef.h>

/* C (M×N, row stride ldc) = or += op(A) (M×K) · op(B) (K×N); row-major, op = transpose when set. */
typedef struct {
  const float *a;
  const float *b;
  float *c;
  int m, n, k;
  int lda, ldb, ldc;
  int trans_a, trans_b, accumulate;
} gemm_args;

/* Cache blocking: a KC-deep slice of op(B), NC columns (L2/L3), and of op(A), MC rows (L2). */
#define KC 256
#define MC 120
#define NC 1536
/* Floats of scratch one thread's gemm needs (packed A block + packed B block, widest NR = 32). */
#define GEMM_PACK_FLOATS ((size_t)MC * KC + (size_t)KC * (NC + 32))

/*
 * LTC synapses onto `dests` neurons from `sources` neurons or inputs, [dest][source] row-major:
 * activation σ(slope·pre + shift) (slope = sigma, shift = −sigma·mu), maximum conductance wmax
 * (P(w)·mask), reversal potential erev.
 */
typedef struct {
  int sources, dests;
  const float *slope, *shift, *wmax, *erev;
} ltc_synapses;

/*
 * One LTC observation for a batch (lnn_ros/kernels/fused_ltc_step.ts has the equations).
 * The forward fills out and what the backward reads: iterates [B][K+1][H], inv_den [B][K][H],
 * cm_step [B][H].
 */
typedef struct {
  int batch, unfolds;
  float eps;
  ltc_synapses sen, rec;
  const float *cm, *gleak, *vleak; /* P(cm), P(gleak), vleak: [H] */
  const float *u, *v0, *ts;        /* [B][I], [B][H], [B] */
  float *out, *iterates, *inv_den, *cm_step;
} ltc_step;

/*
 * The backward's results: per row g_u, g_v0, g_ts; summed over rows g_gleak, g_vleak, g_cm
 * (w.r.t. P(cm)) and per synapse (rec_sums 4·H·H, sen_sums 4·H·I, each four [dest][source]
 * blocks: Σ gNum·a, Σ gDen·a, Σ gx, Σ gx·pre with gx = dL/d(slope·pre + shift)).
 */
typedef struct {
  float *g_u, *g_v0, *g_ts;
  float *g_gleak, *g_vleak, *g_cm;
  float *rec_sums, *sen_sums;
} ltc_grads;

/*
 * A 2-D convolution, NHWC input x, HWIO filter w (kh, kw, in, out), bias [out] or NULL, NHWC
 * output; zero padding pad_top/pad_left (the rest follows from the output size); optional ReLU.
 */
typedef struct {
  const float *x, *w, *bias;
  float *out;
  int batch, in_h, in_w, in_c, out_h, out_w, out_c;
  int k_h, k_w, stride_h, stride_w, pad_top, pad_left, relu;
} conv_args;

/*
 * The CfC default / no_gate update from the stacked heads (B × [ff1 | ff2 | t_a | t_b], H each):
 * out = f1·(1 − gate) + gate·f2 (gated) or f1 + gate·f2, keeping f1, f2 and gate (B × H).
 */
typedef struct {
  int batch, units, gated;
  const float *head, *ts; /* ts: [B] */
  float *out, *f1, *f2, *gate;
} cfc_gated;

typedef struct {
  /* Rows [m0, m1) × columns [n0, n1) of C; `pack` is GEMM_PACK_FLOATS floats, 64-byte aligned;
     op(B) from `packed_b` (laid out by gemm_pack_b) when not NULL. */
  void (*gemm)(const gemm_args *g, int m0, int m1, int n0, int n1, float *pack, const float *packed_b);
  /* Packs op(B)'s columns [j0, j1) (j0 a multiple of the kernel's NR, gemm_nr) for every K-slice. */
  void (*gemm_pack_b)(const gemm_args *g, int j0, int j1, float *packed);
  int gemm_nr;
  /* One-row products (M = 1, op(B) = B), columns [n0, n1): gemm's values without its packing. */
  void (*gemm_row)(const gemm_args *g, int n0, int n1);
  /* Batch rows [b0, b1). */
  void (*ltc_forward)(const ltc_step *s, int b0, int b1);
  /* Batch rows [b0, b1) given dL/dout; adds to the sums of `g` (zeroed by the caller); `scratch` is 4·H floats. */
  void (*ltc_backward)(const ltc_step *s, const float *g_out, int b0, int b1, const ltc_grads *g, float *scratch);
  /* Backbone activations (codes: 0 lecun_tanh, 1 silu, 2 relu, 3 tanh): out = act(pre); g *= act'(pre). */
  void (*cfc_activation)(int kind, const float *pre, float *out, size_t n);
  void (*cfc_activation_backward)(int kind, const float *pre, const float *z, float *g, size_t n);
  void (*cfc_gated_forward)(const cfc_gated *c);
  /* dL/dhead (B × 4H) and dL/dts per row, given dL/dout. */
  void (*cfc_gated_backward)(const cfc_gated *c, const float *g_out, float *g_head, float *g_ts);
} lnn_kernels;

extern const lnn_kernels kernels_base;
#if defined(__x86_64__)
extern const lnn_kernels kernels_avx2;
extern const lnn_kernels kernels_avx512;
#endif

#endif
