/*
 * The blocked matrix product, compiled once per instruction set (kernels_*.c include this file
 * after simd.h).
 *
 * BLIS-style: op(B) is packed in K×NR micro-panels (kept in L1 by the inner loop), op(A) in
 * MR×K micro-panels (a block of MC rows kept in L2); the MR×NR micro-kernel keeps its tile of C
 * in 12 vector registers (MR = 6 rows × 2 vectors), one broadcast of A per row and two loads of B
 * per k. Packing zero-pads the edges, so the kernel has no edge cases; edge tiles go through a
 * scratch tile.
 */
#define MR 6
#define NR (2 * VW)

/* op(A)[i, k] for row-major A stored M×K, or K×M when transposed. */
static void pack_a(const gemm_args *g, int i0, int mc, int k0, int kc, float *restrict out) {
  for (int p = 0; p < mc; p += MR) {
    int rows = mc - p < MR ? mc - p : MR;
    for (int k = 0; k < kc; k++) {
      float *dst = out + (size_t)p * kc + (size_t)k * MR;
      for (int r = 0; r < rows; r++) {
        size_t i = (size_t)(i0 + p + r), kk = (size_t)(k0 + k);
        dst[r] = g->trans_a ? g->a[kk * g->lda + i] : g->a[i * g->lda + kk];
      }
      for (int r = rows; r < MR; r++) dst[r] = 0;
    }
  }
}

/* op(B)[k, j] for row-major B stored K×N, or N×K when transposed. */
static void pack_b(const gemm_args *g, int k0, int kc, int j0, int nc, float *restrict out) {
  for (int q = 0; q < nc; q += NR) {
    int cols = nc - q < NR ? nc - q : NR;
    float *panel = out + (size_t)q * kc;
    if (!g->trans_b) {
      for (int k = 0; k < kc; k++) {
        const float *src = g->b + (size_t)(k0 + k) * g->ldb + j0 + q;
        float *dst = panel + (size_t)k * NR;
        memcpy(dst, src, (size_t)cols * sizeof(float));
        for (int c = cols; c < NR; c++) dst[c] = 0;
      }
    } else {
      for (int c = 0; c < NR; c++) {
        if (c >= cols) {
          for (int k = 0; k < kc; k++) panel[(size_t)k * NR + c] = 0;
          continue;
        }
        const float *src = g->b + (size_t)(j0 + q + c) * g->ldb + k0;
        for (int k = 0; k < kc; k++) panel[(size_t)k * NR + c] = src[k];
      }
    }
  }
}

/* c[MR×NR] (= or +=) a-panel · b-panel over kc. */
static inline void micro(int kc, const float *restrict a, const float *restrict b, float *restrict c, int ldc, int add) {
  vec c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  vec c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  for (int k = 0; k < kc; k++) {
    const vec b0 = *(const vec *)b;
    const vec b1 = *(const vec *)(b + VW);
    c00 += a[0] * b0; c01 += a[0] * b1; /* scalar · vector: one broadcast */
    c10 += a[1] * b0; c11 += a[1] * b1;
    c20 += a[2] * b0; c21 += a[2] * b1;
    c30 += a[3] * b0; c31 += a[3] * b1;
    c40 += a[4] * b0; c41 += a[4] * b1;
    c50 += a[5] * b0; c51 += a[5] * b1;
    a += MR;
    b += NR;
  }
#define STORE(r, v0, v1)                                              \
  do {                                                                \
    vec_u *p0 = (vec_u *)(c + (size_t)(r) * ldc);                     \
    vec_u *p1 = (vec_u *)(c + (size_t)(r) * ldc + VW);                \
    if (add) { *p0 += v0; *p1 += v1; } else { *p0 = v0; *p1 = v1; }   \
  } while (0)
  STORE(0, c00, c01); STORE(1, c10, c11); STORE(2, c20, c21);
  STORE(3, c30, c31); STORE(4, c40, c41); STORE(5, c50, c51);
#undef STORE
}

/*
 * All of op(B), packed once for every part of a product split over C's rows: K-slice pc (a
 * multiple of KC) starts at pc · round_up(N, NR), and column j's panel of a slice at j · kc in it.
 * Columns [j0, j1), j0 a multiple of NR.
 */
static void gemm_pack_b(const gemm_args *g, int j0, int j1, float *packed) {
  const size_t width = (size_t)(g->n + NR - 1) / NR * NR;
  for (int pc = 0; pc < g->k; pc += KC) {
    int kc = g->k - pc < KC ? g->k - pc : KC;
    pack_b(g, pc, kc, j0, j1 - j0, packed + (size_t)pc * width + (size_t)j0 * kc);
  }
}

/* Rows [m0, m1) × columns [n0, n1) of C; op(B) from `packed_b` (gemm_pack_b's layout) or packed here. */
static void gemm_part(const gemm_args *g, int m0, int m1, int n0, int n1, float *pack, const float *packed_b) {
  float *pa = pack;
  const size_t width = (size_t)(g->n + NR - 1) / NR * NR;
  float tile[MR * NR] __attribute__((aligned(64)));
  for (int jc = n0; jc < n1; jc += NC) {
    int nc = n1 - jc < NC ? n1 - jc : NC;
    for (int pc = 0; pc < g->k || pc == 0; pc += KC) {
      int kc = g->k - pc < KC ? g->k - pc : KC;
      int add = g->accumulate || pc > 0;
      const float *pb = packed_b ? packed_b + (size_t)pc * width + (size_t)jc * kc : pack + MC * KC;
      if (!packed_b) pack_b(g, pc, kc, jc, nc, pack + MC * KC);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        pack_a(g, ic, mc, pc, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int cols = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? mc - ir : MR;
            float *c = g->c + (size_t)(ic + ir) * g->ldc + jc + jr;
            const float *a = pa + (size_t)ir * kc;
            const float *b = pb + (size_t)jr * kc;
            if (rows == MR && cols == NR) {
              micro(kc, a, b, c, g->ldc, add);
              continue;
            }
            micro(kc, a, b, tile, NR, 0);
            for (int r = 0; r < rows; r++) {
              float *dst = c + (size_t)r * g->ldc;
              for (int q = 0; q < cols; q++) dst[q] = add ? dst[q] + tile[r * NR + q] : tile[r * NR + q];
            }
          }
        }
      }
      if (kc == 0) break;
    }
  }
}

/*
 * C (1 × N), columns [n0, n1), of a one-row product with B not transposed, unpacked: the same
 * sums as gemm_part's (each KC-deep slice from zero in k order, then into C in slice order), so
 * the values are the same bits, without packing a 6-row panel for one row and all of op(B) — the
 * column sums of a B·T-row gradient spent ~20× their arithmetic on that.
 */
#define ROW_VECS 4
static void gemm_row(const gemm_args *g, int n0, int n1) {
  for (int j = n0; j < n1; j += ROW_VECS * VW) {
    const int w = n1 - j < ROW_VECS * VW ? n1 - j : ROW_VECS * VW;
    for (int pc = 0; pc < g->k || pc == 0; pc += KC) {
      const int kc = g->k - pc < KC ? g->k - pc : KC, add = g->accumulate || pc > 0;
      vec acc[ROW_VECS] = {{0}};
      for (int k = 0; k < kc; k++) {
        const float a = g->trans_a ? g->a[(size_t)(pc + k) * g->lda] : g->a[pc + k];
        const float *row = g->b + (size_t)(pc + k) * g->ldb + j;
        for (int v = 0; v < ROW_VECS && v * VW < w; v++) acc[v] += a * ld(row + v * VW, w - v * VW < VW ? w - v * VW : VW);
      }
      for (int v = 0; v < ROW_VECS && v * VW < w; v++) {
        const int r = w - v * VW < VW ? w - v * VW : VW;
        float *c = g->c + j + v * VW;
        st(c, add ? ld(c, r) + acc[v] : acc[v], r);
      }
      if (kc == 0) break;
    }
  }
}
