/*
 * lnn_ros's optional native kernels, a Node-API addon built at install time when a C compiler is
 * there (lnn_ros/kernels/native.ts runs the portable TypeScript kernels without it):
 *   gemm(c, a, b, m, n, k, transA, transB, accumulate): C (m×n) = or += op(A)·op(B), float32,
 *     row-major;
 *   ltcForward(step), ltcBackward(step, gOut, grads): one LTC observation over a batch;
 *   conv2d(args), conv2dBackpropFilter(args), conv2dBackpropInput(args): an NHWC convolution
 *     (bias, ReLU) and its gradients, as im2col blocks through the gemm;
 *   cfcActivation, cfcActivationBackward, cfcGatedForward, cfcGatedBackward: the CfC step's
 *     elementwise parts (one thread: they are a small share of the step);
 *   setThreads(n), threads(), isa().
 * Work is split into chunks over up to `threads` cores (a persistent pool; the calling thread
 * claims chunks too).
 * The instruction set is chosen at run time (AVX-512, AVX2+FMA or SSE2 on x86-64; NEON on
 * arm64), so one build runs on every CPU of its architecture.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include "kernels.h"

#define MAX_THREADS 16
/* Chunks of one job at most (chunks_for gives at most 4 a thread). */
#define MAX_CHUNKS (4 * MAX_THREADS)
/* Backbone layers a native CfC window takes (deeper backbones take the TypeScript loop). */
#define MAX_LAYERS 8
/* Below this many multiply-adds a second thread costs more (wake-up ~10-30 µs) than it saves. */
#define MIN_MACS_PER_PART (1 << 19)

static const lnn_kernels *kernels = &kernels_base;
static const char *isa_name = "baseline";

static void choose_kernels(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    kernels = &kernels_avx512;
    isa_name = "avx512";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    kernels = &kernels_avx2;
    isa_name = "avx2";
  } else {
    isa_name = "sse2";
  }
#elif defined(__aarch64__)
  isa_name = "neon";
#endif
}

/*
 * --- The pool: fn(ctx, chunk, thread) for every chunk, claimed one at a time by the calling
 * thread (thread 0) and by workers 1 .. threads-1 as they get scheduled. On a machine whose other
 * cores are busy a worker may start late or never: the caller then runs the chunks itself and
 * waits only for chunks a worker has already claimed, never for a worker that has not started.
 */
typedef void (*chunk_fn)(void *ctx, int chunk, int thread);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static chunk_fn job_fn;
static void *job_ctx;
static int job_chunks, job_threads, job_open, active;
static unsigned generation;
static atomic_int next_chunk, done_chunks;
static int started = 1; /* threads running, the caller included */
static int wanted = 1;

static void run_chunks(chunk_fn fn, void *ctx, int chunks, int thread) {
  for (int c; (c = atomic_fetch_add(&next_chunk, 1)) < chunks;) {
    fn(ctx, c, thread);
    atomic_fetch_add(&done_chunks, 1);
  }
}

/* How long an idle worker polls for the next job before it sleeps: training issues products
   back to back, and waking a sleeping thread (futex + IPI, slower still in a VM) cost a 256³
   product half of its second thread's gain here. Short, so that an idle process (or a robot's node
   between camera frames) sleeps; 300 µs polls made training slower here, not faster (the
   poller competes with V8's own threads for the two cores). */
#define SPIN_NS 50000L

static atomic_uint published; /* `generation`, readable without the lock */
static int sleepers;          /* workers in pthread_cond_wait (under mu) */

static inline void cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Polls for a generation after `seen` for up to SPIN_NS. */
static void spin_for_job(unsigned seen) {
  const long until = now_ns() + SPIN_NS;
  for (int i = 1;; i++) {
    if (atomic_load_explicit(&published, memory_order_acquire) != seen) return;
    cpu_relax();
    if ((i & 255) == 0 && now_ns() > until) return;
  }
}

static void *worker(void *arg) {
  int i = (int)(intptr_t)arg;
  unsigned seen = 0;
  for (;;) {
    spin_for_job(seen);
    pthread_mutex_lock(&mu);
    while (!job_open || generation == seen) {
      sleepers++;
      pthread_cond_wait(&work_cv, &mu);
      sleepers--;
    }
    seen = generation;
    if (i >= job_threads) {
      pthread_mutex_unlock(&mu);
      continue;
    }
    active++;
    chunk_fn fn = job_fn;
    void *ctx = job_ctx;
    int chunks = job_chunks;
    pthread_mutex_unlock(&mu);
    run_chunks(fn, ctx, chunks, i);
    pthread_mutex_lock(&mu);
    if (--active == 0) pthread_cond_signal(&done_cv);
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

/* Workers up to `wanted` (never stopped: fewer are used when fewer are wanted); returns the threads available. */
static int available_threads(void) {
  while (started < wanted) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)(intptr_t)started) != 0) break;
    pthread_detach(t);
    started++;
  }
  return wanted < started ? wanted : started;
}

static void parallel(int threads, int chunks, chunk_fn fn, void *ctx) {
  if (threads < 2 || chunks < 2) {
    for (int c = 0; c < chunks; c++) fn(ctx, c, 0);
    return;
  }
  pthread_mutex_lock(&mu);
  job_fn = fn;
  job_ctx = ctx;
  job_chunks = chunks;
  job_threads = threads;
  atomic_store(&next_chunk, 0);
  atomic_store(&done_chunks, 0);
  job_open = 1;
  generation++;
  atomic_store_explicit(&published, generation, memory_order_release);
  if (sleepers > 0) pthread_cond_broadcast(&work_cv);
  pthread_mutex_unlock(&mu);
  run_chunks(fn, ctx, chunks, 0);
  while (atomic_load(&done_chunks) < chunks) sched_yield(); /* a worker finishing a chunk it claimed */
  pthread_mutex_lock(&mu);
  job_open = 0;
  while (active > 0) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
}

/* `per_thread` chunks per thread (at most `units`), so that a late worker leaves little to wait for. */
static int chunks_for(int threads, int per_thread, int units) {
  int chunks = threads < 2 ? 1 : per_thread * threads;
  return chunks < units ? chunks : units < 1 ? 1 : units;
}

/* [lo, hi) of piece i of `pieces` over `total`, in multiples of `align`. */
static void part_range(int total, int pieces, int i, int align, int *lo, int *hi) {
  int chunk = ((total + pieces - 1) / pieces + align - 1) / align * align;
  *lo = i * chunk < total ? i * chunk : total;
  *hi = *lo + chunk < total ? *lo + chunk : total;
}

static float *aligned_floats(size_t n) {
  void *p = NULL;
  return posix_memalign(&p, 64, n * sizeof(float)) == 0 ? p : NULL;
}

/* --- gemm: chunks split C's rows or columns, in multiples of 32 (every kernel's NR divides it).
   Split over rows, op(B) is packed once, by all threads, before the rows are computed; split over
   columns, each chunk packs the rows of op(A) it needs (two chunks a thread keep that small). */
#define GEMM_CHUNKS_PER_THREAD 2
static float *packs[MAX_THREADS];
static float *packed_b;
static size_t packed_b_floats;

typedef struct {
  gemm_args g;
  int chunks, split_m;
  const float *packed_b;
} gemm_job;

/* Each of `threads` threads' packing scratch (GEMM_PACK_FLOATS, kept for the process). */
static int gemm_packs(int threads) {
  for (int i = 0; i < threads; i++) {
    if (!packs[i] && !(packs[i] = aligned_floats(GEMM_PACK_FLOATS))) return ENOMEM;
  }
  return 0;
}

static void gemm_chunk(void *ctx, int c, int thread) {
  const gemm_job *j = ctx;
  int lo, hi;
  part_range(j->split_m ? j->g.m : j->g.n, j->chunks, c, 32, &lo, &hi);
  if (lo >= hi) return;
  if (j->split_m) kernels->gemm(&j->g, lo, hi, 0, j->g.n, packs[thread], j->packed_b);
  else kernels->gemm(&j->g, 0, j->g.m, lo, hi, packs[thread], NULL);
}

static void gemm_row_chunk(void *ctx, int c, int thread) {
  const gemm_job *j = ctx;
  int lo, hi;
  (void)thread;
  part_range(j->g.n, j->chunks, c, 32, &lo, &hi);
  if (lo < hi) kernels->gemm_row(&j->g, lo, hi);
}

static void gemm_pack_chunk(void *ctx, int c, int thread) {
  const gemm_job *j = ctx;
  int lo, hi;
  (void)thread;
  part_range(j->g.n, j->chunks, c, kernels->gemm_nr, &lo, &hi);
  if (lo < hi) kernels->gemm_pack_b(&j->g, lo, hi, (float *)j->packed_b);
}

/* Threads worth using for `work` multiply-adds (or synapse evaluations) in `units` pieces. */
static int threads_for(double work, int units) {
  int threads = available_threads();
  if (threads > units) threads = units;
  if (work < (double)MIN_MACS_PER_PART * threads) threads = (int)(work / MIN_MACS_PER_PART);
  return threads < 1 ? 1 : threads;
}

static int gemm_run(const gemm_args *g) {
  /* Split where the redundant packing is smaller: chunks of C's rows repack op(B) (K×N) each,
     chunks of columns repack op(A) (M×K). */
  if (g->m == 1 && !g->trans_b) {
    gemm_job j = {*g, 0, 0, NULL};
    j.chunks = chunks_for(threads_for((double)g->n * g->k, (g->n + 31) / 32), 1, (g->n + 31) / 32);
    parallel(j.chunks, j.chunks, gemm_row_chunk, &j);
    return 0;
  }
  const int split_m = g->n <= g->m, extent = split_m ? g->m : g->n;
  const int threads = threads_for((double)g->m * g->n * g->k, (extent + 31) / 32);
  gemm_job j = {*g, chunks_for(threads, GEMM_CHUNKS_PER_THREAD, (extent + 31) / 32), split_m, NULL};
  if (gemm_packs(threads) != 0) return ENOMEM;
  if (split_m && threads > 1) {
    const int nr = kernels->gemm_nr;
    const size_t need = (size_t)(g->k > 0 ? g->k : 1) * ((g->n + nr - 1) / nr * nr);
    if (need > packed_b_floats) {
      free(packed_b);
      packed_b_floats = 0;
      if (!(packed_b = aligned_floats(need))) return ENOMEM;
      packed_b_floats = need;
    }
    gemm_job pack = j;
    pack.packed_b = packed_b;
    pack.chunks = chunks_for(threads, 1, (g->n + nr - 1) / nr);
    parallel(threads, pack.chunks, gemm_pack_chunk, &pack);
    j.packed_b = packed_b;
  }
  parallel(threads, j.chunks, gemm_chunk, &j);
  return 0;
}

/* --- LTC: chunks of batch rows. The backward's sums are per chunk, added up in chunk order: the
   result is the same whichever thread ran which chunk (per-thread sums made training differ from
   run to run with the same seed). */
typedef struct {
  const ltc_step *s;
  const float *g_out;
  ltc_grads partial[MAX_CHUNKS];
  float *scratch[MAX_THREADS];
  int chunks;
} ltc_job;

static void ltc_forward_chunk(void *ctx, int c, int thread) {
  ltc_job *j = ctx;
  int lo, hi;
  (void)thread;
  part_range(j->s->batch, j->chunks, c, 1, &lo, &hi);
  if (lo < hi) kernels->ltc_forward(j->s, lo, hi);
}

static void ltc_backward_chunk(void *ctx, int c, int thread) {
  ltc_job *j = ctx;
  int lo, hi;
  part_range(j->s->batch, j->chunks, c, 1, &lo, &hi);
  if (lo < hi) kernels->ltc_backward(j->s, j->g_out, lo, hi, &j->partial[c], j->scratch[thread]);
}

static void ltc_forward_run(const ltc_step *s) {
  const int H = s->rec.dests;
  const int threads = threads_for((double)s->batch * s->unfolds * H * H, s->batch);
  ltc_job j = {.s = s, .chunks = chunks_for(threads, 4, s->batch)};
  parallel(threads, j.chunks, ltc_forward_chunk, &j);
}

static int ltc_backward_run(const ltc_step *s, const float *g_out, const ltc_grads *g) {
  const int H = s->rec.dests, I = s->sen.sources;
  const size_t sums = 3 * (size_t)H + 4 * (size_t)H * H + 4 * (size_t)H * I;
  const int threads = threads_for(2.0 * s->batch * s->unfolds * H * H, s->batch);
  ltc_job j = {.s = s, .g_out = g_out, .chunks = chunks_for(threads, 4, s->batch)};
  /* Each thread's working floats, then each chunk's sums (zeroed), every part 64-byte aligned. */
  const size_t work = (4 * (size_t)H + 15) / 16 * 16, part = (sums + 15) / 16 * 16;
  float *buffer = aligned_floats(threads * work + j.chunks * part);
  if (!buffer) return ENOMEM;
  memset(buffer, 0, (threads * work + j.chunks * part) * sizeof(float));
  for (int i = 0; i < threads; i++) j.scratch[i] = buffer + i * work;
  for (int c = 0; c < j.chunks; c++) {
    float *q = buffer + threads * work + c * part;
    j.partial[c] = (ltc_grads){g->g_u, g->g_v0, g->g_ts, q, q + H, q + 2 * H, q + 3 * H, q + 3 * H + 4 * (size_t)H * H};
  }
  parallel(threads, j.chunks, ltc_backward_chunk, &j);
  float *outs[] = {g->g_gleak, g->g_vleak, g->g_cm, g->rec_sums, g->sen_sums};
  const size_t sizes[] = {H, H, H, 4 * (size_t)H * H, 4 * (size_t)H * I};
  for (int k = 0; k < 5; k++) memset(outs[k], 0, sizes[k] * sizeof(float));
  for (int i = 0; i < j.chunks; i++) {
    const ltc_grads *p = &j.partial[i];
    const float *froms[] = {p->g_gleak, p->g_vleak, p->g_cm, p->rec_sums, p->sen_sums};
    for (int k = 0; k < 5; k++) {
      for (size_t n = 0; n < sizes[k]; n++) outs[k][n] += froms[k][n];
    }
  }
  free(buffer);
  return 0;
}

/* --- CfC window: every step of a window (default / no_gate mode, a native activation), forward
   and the per-row part of the backward, as lnn_ros/kernels/fused_cfc_sequence.ts does it step by
   step for the whole batch. A sample's recurrence does not touch the other samples, so chunks of
   batch rows run all their steps on their own: one parallel job per direction instead of several
   per step, and each thread keeps the (prepacked) weights in its cache. The parameter gradients,
   sums over every row and step, are left to the caller (products over B·T rows).
   Layout [B][T][features] throughout. */
typedef struct {
  int batch, steps, inputs, units, width, layers, kind, gated, ts_rows;
  const float *backbone_w, *backbone_b; /* layer l: (width × cols_l), cols_0 = I + H, else width */
  const float *head_w, *head_b;         /* (4H × top) stacked heads, masks applied */
  const float *x, *h0, *ts;             /* x [B][T][I], h0 [B][H], ts [ts_rows][T] */
  float *z0, *zs, *pres;                /* [B][T][I+H]; layers × [B][T][width] each */
  float *head, *f1, *f2, *gate, *out;   /* [B][T][4H]; [B][T][H] */
  /* Backward: in g_out; out g_head, g_pres (dL/dpre, layers × [B][T][width]), g_x, g_h0, g_ts [B][T]. */
  const float *g_out;
  float *g_head, *g_pres, *g_x, *g_h0, *g_ts;
} cfc_window;

/* Rows of the largest chunk: chunks follow from the batch alone, so a window's values do not
   depend on the thread count. */
#define WINDOW_CHUNKS 8
#define WINDOW_MIN_ROWS 16

typedef struct {
  const cfc_window *w;
  int chunks;
  /* Features of the widest layer input or output (the backward's scratch rows). */
  int widest;
  /* Prepacked op(B) per layer then the heads: Wᵀ forward, W backward. */
  const float *packed[2][MAX_LAYERS + 1];
  float *scratch[MAX_THREADS]; /* per thread: rows × widest for dL/dz, rows × H for g_next and g_out */
} window_job;

static int window_cols(const cfc_window *w, int l) { return l == 0 ? w->inputs + w->units : w->width; }

/* z_l, the input of layer l (l = layers: the heads' input). */
static float *window_z(const cfc_window *w, int l) {
  return l == 0 ? w->z0 : w->zs + (size_t)(l - 1) * w->batch * w->steps * w->width;
}

/* Layer l of the window (l = layers: the stacked heads): its weight (rows × cols) and bias, and
   its outputs before the activation and their gradient, [B][T][rows] (g_pre NULL in the forward). */
typedef struct {
  int rows, cols;
  const float *weight, *bias;
  float *pre, *g_pre;
} window_layer;

static window_layer layer_of(const cfc_window *w, int l) {
  const int cols = window_cols(w, l);
  if (l == w->layers) return (window_layer){4 * w->units, cols, w->head_w, w->head_b, w->head, w->g_head};
  const size_t plane = (size_t)w->batch * w->steps * w->width, first = (size_t)w->width * window_cols(w, 0);
  const float *weight = w->backbone_w + (l == 0 ? 0 : first + (size_t)(l - 1) * w->width * w->width);
  return (window_layer){w->width, cols, weight, w->backbone_b + (size_t)l * w->width, w->pres + l * plane, w->g_pres ? w->g_pres + l * plane : NULL};
}

/* A layer's forward at step t for rows [b0, b0+n): c += z · Wᵀ, both [B][T][features] (W prepacked). */
static gemm_args forward_gemm(const cfc_window *w, const float *z, int cols, float *c, int rows, int b0, int n, int t) {
  const size_t at = (size_t)b0 * w->steps + t;
  gemm_args g = {z + at * cols, NULL, c + at * rows, n, rows, cols, w->steps * cols, cols, w->steps * rows, 0, 1, 1};
  return g;
}

static void window_forward_chunk(void *ctx, int c, int thread) {
  const window_job *j = ctx;
  const cfc_window *w = j->w;
  int b0, b1;
  part_range(w->batch, j->chunks, c, 1, &b0, &b1);
  const int n = b1 - b0, T = w->steps, I = w->inputs, H = w->units;
  for (int t = 0; t < T; t++) {
    for (int b = b0; b < b1; b++) {
      float *z = w->z0 + ((size_t)b * T + t) * (I + H);
      memcpy(z, w->x + ((size_t)b * T + t) * I, (size_t)I * sizeof(float)); /* input first, then state */
      memcpy(z + I, t == 0 ? w->h0 + (size_t)b * H : w->out + ((size_t)b * T + t - 1) * H, (size_t)H * sizeof(float));
    }
    for (int l = 0; l <= w->layers; l++) {
      const window_layer L = layer_of(w, l);
      for (int b = b0; b < b1; b++) memcpy(L.pre + ((size_t)b * T + t) * L.rows, L.bias, (size_t)L.rows * sizeof(float));
      gemm_args g = forward_gemm(w, window_z(w, l), L.cols, L.pre, L.rows, b0, n, t);
      kernels->gemm(&g, 0, n, 0, L.rows, packs[thread], j->packed[0][l]);
      if (l < w->layers) {
        float *z = window_z(w, l + 1);
        for (int b = b0; b < b1; b++) kernels->cfc_activation(w->kind, L.pre + ((size_t)b * T + t) * L.rows, z + ((size_t)b * T + t) * L.rows, (size_t)L.rows);
      }
    }
    for (int b = b0; b < b1; b++) {
      const size_t bt = (size_t)b * T + t;
      const float ts = w->ts[w->ts_rows == 1 ? (size_t)t : bt];
      cfc_gated u = {1, H, w->gated, w->head + bt * 4 * H, &ts, w->out + bt * H, w->f1 + bt * H, w->f2 + bt * H, w->gate + bt * H};
      kernels->cfc_gated_forward(&u);
    }
  }
}

static void window_backward_chunk(void *ctx, int c, int thread) {
  const window_job *j = ctx;
  const cfc_window *w = j->w;
  int b0, b1;
  part_range(w->batch, j->chunks, c, 1, &b0, &b1);
  const int n = b1 - b0, T = w->steps, I = w->inputs, H = w->units;
  float *gz = j->scratch[thread], *g_next = gz + (size_t)n * j->widest, *g_out = g_next + (size_t)n * H;
  for (int t = T - 1; t >= 0; t--) {
    for (int b = b0; b < b1; b++) {
      const size_t bt = (size_t)b * T + t;
      float *go = g_out + (size_t)(b - b0) * H;
      for (int i = 0; i < H; i++) go[i] = w->g_out[bt * H + i] + (t < T - 1 ? g_next[(size_t)(b - b0) * H + i] : 0.0f);
      const float ts = w->ts[w->ts_rows == 1 ? (size_t)t : bt];
      cfc_gated u = {1, H, w->gated, w->head + bt * 4 * H, &ts, w->out + bt * H, w->f1 + bt * H, w->f2 + bt * H, w->gate + bt * H};
      kernels->cfc_gated_backward(&u, go, w->g_head + bt * 4 * H, w->g_ts + bt);
    }
    /* dL/dz_l = dL/dpre_l · W_l (the heads first), then through the activation below it. */
    for (int l = w->layers; l >= 0; l--) {
      const window_layer L = layer_of(w, l);
      gemm_args g = {L.g_pre + ((size_t)b0 * T + t) * L.rows, NULL, gz, n, L.cols, L.rows, T * L.rows, L.cols, L.cols, 0, 0, 0};
      kernels->gemm(&g, 0, n, 0, L.cols, packs[thread], j->packed[1][l]);
      if (l == 0) break;
      const window_layer below = layer_of(w, l - 1);
      const float *z = window_z(w, l);
      for (int b = b0; b < b1; b++) {
        const size_t at = ((size_t)b * T + t) * L.cols;
        memcpy(below.g_pre + at, gz + (size_t)(b - b0) * L.cols, (size_t)L.cols * sizeof(float));
        kernels->cfc_activation_backward(w->kind, below.pre + at, z + at, below.g_pre + at, (size_t)L.cols);
      }
    }
    for (int b = b0; b < b1; b++) {
      const float *row = gz + (size_t)(b - b0) * (I + H);
      memcpy(w->g_x + ((size_t)b * T + t) * I, row, (size_t)I * sizeof(float));
      memcpy(g_next + (size_t)(b - b0) * H, row + I, (size_t)H * sizeof(float));
    }
  }
  memcpy(w->g_h0 + (size_t)b0 * H, g_next, (size_t)n * H * sizeof(float));
}

/* Packs every layer's weight (and the heads') for `forward` (op(B) = Wᵀ) or the backward (W). */
static float *window_pack(const cfc_window *w, int backward, window_job *j) {
  gemm_args g[MAX_LAYERS + 1];
  size_t total = 0;
  const int nr = kernels->gemm_nr;
  for (int l = 0; l <= w->layers; l++) {
    const window_layer L = layer_of(w, l);
    /* Forward: C = z · Wᵀ (B = W, n = rows, k = cols, transposed); backward: C = g · W (n = cols, k = rows). */
    g[l] = backward ? (gemm_args){NULL, L.weight, NULL, 0, L.cols, L.rows, 0, L.cols, 0, 0, 0, 0} : (gemm_args){NULL, L.weight, NULL, 0, L.rows, L.cols, 0, L.cols, 0, 0, 1, 0};
    total += (size_t)g[l].k * ((g[l].n + nr - 1) / nr * nr);
  }
  float *buffer = aligned_floats(total), *at = buffer;
  if (!buffer) return NULL;
  for (int l = 0; l <= w->layers; l++) {
    kernels->gemm_pack_b(&g[l], 0, g[l].n, at);
    j->packed[backward][l] = at;
    at += (size_t)g[l].k * ((g[l].n + nr - 1) / nr * nr);
  }
  return buffer;
}

static int window_chunks(int batch) {
  int chunks = batch / WINDOW_MIN_ROWS;
  return chunks < 1 ? 1 : chunks > WINDOW_CHUNKS ? WINDOW_CHUNKS : chunks;
}

static int window_run(const cfc_window *w, int backward) {
  window_job j = {.w = w, .chunks = window_chunks(w->batch)};
  const double macs = (double)w->batch * w->steps * (4.0 * w->units + w->layers * w->width) * window_cols(w, w->layers > 0 ? 1 : 0);
  const int threads = threads_for(backward ? 2 * macs : macs, j.chunks);
  if (gemm_packs(threads) != 0) return ENOMEM;
  float *packed = window_pack(w, backward, &j);
  if (!packed) return ENOMEM;
  float *scratch = NULL;
  if (backward) {
    const int rows = (w->batch + j.chunks - 1) / j.chunks;
    j.widest = 4 * w->units;
    for (int l = 0; l <= w->layers; l++) j.widest = window_cols(w, l) > j.widest ? window_cols(w, l) : j.widest;
    const size_t per = ((size_t)rows * (j.widest + 2 * w->units) + 15) / 16 * 16;
    if (!(scratch = aligned_floats(per * threads))) {
      free(packed);
      return ENOMEM;
    }
    for (int i = 0; i < threads; i++) j.scratch[i] = scratch + per * i;
  }
  parallel(threads, j.chunks, backward ? window_backward_chunk : window_forward_chunk, &j);
  free(scratch);
  free(packed);
  return 0;
}

/* --- conv2d: chunks of blocks of output pixels, each block unrolled (im2col) into the thread's
   scratch, then one gemm against the filter and the bias/ReLU epilogue while it is in cache. */
#define CONV_BLOCK 96

typedef struct {
  const conv_args *c;
  const float *dy; /* backward: dL/dout, NHWC */
  float *grad;     /* backward: dL/dw (K × out_c) or dL/dx (NHWC input) */
  float *scratch[MAX_THREADS];
  /* dL/dw: chunk c > 0's share, added up in chunk order (the same sums whichever thread ran which
     chunk). dL/dx needs none: its chunks are whole frames, whose input pixels no other chunk touches. */
  float *partial[MAX_CHUNKS];
  int chunks;
  int align; /* chunk boundaries fall on multiples of this many output pixels */
} conv_job;

/*
 * Output pixel p's window: for filter row kh, the input row iy (or -1 when it is padding) and the
 * filter columns [kw0, kw1) that fall inside the image, whose input values are contiguous (NHWC).
 */
typedef struct {
  int b, oy, ox;
} pixel;

static pixel pixel_at(const conv_args *c, int p) {
  const int per_image = c->out_h * c->out_w;
  return (pixel){p / per_image, (p % per_image) / c->out_w, p % c->out_w};
}

static void window_row(const conv_args *c, pixel q, int kh, int *iy, int *kw0, int *kw1) {
  const int y = q.oy * c->stride_h - c->pad_top + kh, x0 = q.ox * c->stride_w - c->pad_left;
  *iy = y < 0 || y >= c->in_h ? -1 : y;
  *kw0 = x0 < 0 ? -x0 : 0;
  *kw1 = c->in_w - x0 < c->k_w ? c->in_w - x0 : c->k_w;
  if (*kw1 < *kw0) *kw1 = *kw0;
}

/* Where filter column kw of row iy of pixel q's window starts in x (NHWC). */
static size_t input_at(const conv_args *c, pixel q, int iy, int kw) {
  return (((size_t)q.b * c->in_h + iy) * c->in_w + (q.ox * c->stride_w - c->pad_left + kw)) * c->in_c;
}

/* cols[r][(kh, kw, ci)] = x at the window of output pixel p0 + r, 0 in the padding. */
static void im2col(const conv_args *c, int p0, int rows, float *cols) {
  const int K = c->k_h * c->k_w * c->in_c, span = c->k_w * c->in_c;
  for (int r = 0; r < rows; r++) {
    const pixel q = pixel_at(c, p0 + r);
    for (int kh = 0; kh < c->k_h; kh++) {
      float *dst = cols + (size_t)r * K + (size_t)kh * span;
      int iy, kw0, kw1;
      window_row(c, q, kh, &iy, &kw0, &kw1);
      if (iy < 0 || kw0 == kw1) {
        memset(dst, 0, (size_t)span * sizeof(float));
        continue;
      }
      const float *src = c->x + input_at(c, q, iy, kw0);
      const int lo = kw0 * c->in_c, hi = kw1 * c->in_c;
      for (int k = 0; k < lo; k++) dst[k] = 0;
      for (int k = lo; k < hi; k++) dst[k] = src[k - lo];
      for (int k = hi; k < span; k++) dst[k] = 0;
    }
  }
}

/* The way back: dx at each window of output pixels p0.. += cols[r] (the padding dropped). */
static void col2im(const conv_args *c, int p0, int rows, const float *cols, float *dx) {
  const int K = c->k_h * c->k_w * c->in_c, span = c->k_w * c->in_c;
  for (int r = 0; r < rows; r++) {
    const pixel q = pixel_at(c, p0 + r);
    for (int kh = 0; kh < c->k_h; kh++) {
      int iy, kw0, kw1;
      window_row(c, q, kh, &iy, &kw0, &kw1);
      if (iy < 0) continue;
      const float *src = cols + (size_t)r * K + (size_t)kh * span;
      float *dst = dx + input_at(c, q, iy, kw0);
      const int lo = kw0 * c->in_c, hi = kw1 * c->in_c;
      for (int k = lo; k < hi; k++) dst[k - lo] += src[k];
    }
  }
}

enum { CONV_FORWARD, CONV_FILTER, CONV_INPUT };

/*
 * Fewer output channels than this take the transposed products (channels as the rows of the
 * micro-kernel, pixels as its wide columns): a micro-tile is 6 rows × up to 32 columns, so 8
 * channels as columns would leave most of every tile empty.
 */
#define NARROW_CHANNELS 32

/* Chunk `chunk`'s blocks of output pixels on thread i, for one of the three products. */
static void conv_blocks(conv_job *j, int chunk, int i, int which) {
  const conv_args *c = j->c;
  const int pixels = c->batch * c->out_h * c->out_w, K = c->k_h * c->k_w * c->in_c, N = c->out_c;
  const int narrow = N < NARROW_CHANNELS;
  int lo, hi;
  part_range(pixels, j->chunks, chunk, j->align, &lo, &hi);
  float *cols = j->scratch[i];
  float *tile = cols + (size_t)CONV_BLOCK * K; /* N × CONV_BLOCK, for the transposed forward */
  float *grad = which == CONV_FILTER && chunk > 0 ? j->partial[chunk] : j->grad;
  for (int p0 = lo; p0 < hi; p0 += CONV_BLOCK) {
    const int rows = hi - p0 < CONV_BLOCK ? hi - p0 : CONV_BLOCK;
    const float *dy = j->dy ? j->dy + (size_t)p0 * N : NULL;
    if (which == CONV_FORWARD) {
      im2col(c, p0, rows, cols);
      float *out = c->out + (size_t)p0 * N;
      if (narrow) {
        /* tile (N × rows) = Wᵀ · colsᵀ, then transposed into the output rows. */
        gemm_args g = {c->w, cols, tile, N, rows, K, N, K, rows, 1, 1, 0};
        kernels->gemm(&g, 0, N, 0, rows, packs[i], NULL);
        for (int r = 0; r < rows; r++) {
          for (int n = 0; n < N; n++) out[(size_t)r * N + n] = tile[(size_t)n * rows + r];
        }
      } else {
        gemm_args g = {cols, c->w, out, rows, N, K, K, N, N, 0, 0, 0};
        kernels->gemm(&g, 0, rows, 0, N, packs[i], NULL);
      }
      for (int r = 0; r < rows; r++) {
        float *o = out + (size_t)r * N;
        if (c->bias) for (int n = 0; n < N; n++) o[n] += c->bias[n];
        if (c->relu) for (int n = 0; n < N; n++) o[n] = o[n] < 0 ? 0 : o[n]; /* NaN stays NaN */
      }
    } else if (which == CONV_FILTER) {
      /* dW (K × N) += colsᵀ · dy over the block; narrow: dWᵀ (N × K) += dyᵀ · cols (the caller transposes). */
      im2col(c, p0, rows, cols);
      gemm_args g = narrow ? (gemm_args){dy, cols, grad, N, K, rows, N, K, K, 1, 0, 1} : (gemm_args){cols, dy, grad, K, N, rows, K, N, N, 1, 0, 1};
      kernels->gemm(&g, 0, g.m, 0, g.n, packs[i], NULL);
    } else {
      /* cols = dy · Wᵀ (rows × K), scattered back onto dx. */
      gemm_args g = {dy, c->w, cols, rows, K, N, N, N, K, 0, 1, 0};
      kernels->gemm(&g, 0, rows, 0, K, packs[i], NULL);
      col2im(c, p0, rows, cols, grad);
    }
  }
}

static void conv_forward_chunk(void *ctx, int c, int i) { conv_blocks(ctx, c, i, CONV_FORWARD); }
static void conv_filter_chunk(void *ctx, int c, int i) { conv_blocks(ctx, c, i, CONV_FILTER); }
static void conv_input_chunk(void *ctx, int c, int i) { conv_blocks(ctx, c, i, CONV_INPUT); }

/* Runs one of the products; a gradient of `grad_size` floats is zeroed, then summed over threads. */
static int conv_run(const conv_args *c, int which, const float *dy, float *grad, size_t grad_size) {
  static const chunk_fn fns[] = {conv_forward_chunk, conv_filter_chunk, conv_input_chunk};
  const int pixels = c->batch * c->out_h * c->out_w, blocks = (pixels + CONV_BLOCK - 1) / CONV_BLOCK;
  const size_t K = (size_t)c->k_h * c->k_w * c->in_c;
  const int frame = c->out_h * c->out_w, by_frame = which == CONV_INPUT;
  const int units = by_frame ? c->batch : blocks;
  const int threads = threads_for((double)pixels * c->out_c * K, units);
  conv_job j = {.c = c, .dy = dy, .grad = grad, .chunks = chunks_for(threads, 4, units), .align = by_frame ? frame : CONV_BLOCK};
  int ok = gemm_packs(threads) == 0;
  for (int i = 0; i < threads; i++) {
    ok &= (j.scratch[i] = aligned_floats((size_t)CONV_BLOCK * (K + c->out_c))) != NULL; /* cols, then the forward's tile */
  }
  for (int k = 1; which == CONV_FILTER && k < j.chunks; k++) ok &= (j.partial[k] = calloc(grad_size, sizeof(float))) != NULL;
  /* The narrow filter gradient is summed as dWᵀ (N × K) in a buffer of its own, then transposed. */
  const int transposed = which == CONV_FILTER && c->out_c < NARROW_CHANNELS;
  float *out_grad = grad;
  if (ok && transposed) ok = (j.grad = calloc(grad_size, sizeof(float))) != NULL;
  if (ok) {
    if (j.grad) memset(j.grad, 0, grad_size * sizeof(float));
    parallel(threads, j.chunks, fns[which], &j);
    for (int k = 1; which == CONV_FILTER && k < j.chunks; k++) {
      for (size_t n = 0; n < grad_size; n++) j.grad[n] += j.partial[k][n];
    }
    if (transposed) {
      const size_t N = (size_t)c->out_c;
      for (size_t k = 0; k < K; k++) {
        for (size_t n = 0; n < N; n++) out_grad[k * N + n] = j.grad[n * K + k];
      }
    }
  }
  if (transposed) free(j.grad);
  for (int i = 0; i < threads; i++) free(j.scratch[i]);
  for (int k = 1; k < j.chunks; k++) free(j.partial[k]);
  return ok ? 0 : ENOMEM;
}

/* --- Node-API glue. Every array's length is checked against the sizes the kernels will touch. */
#define CHECK(call)                                                \
  do {                                                             \
    if ((call) != napi_ok) {                                       \
      napi_throw_error(env, NULL, "lnn_native: " #call " failed"); \
      return NULL;                                                 \
    }                                                              \
  } while (0)

static int float_array(napi_env env, napi_value v, float **data, size_t *length) {
  bool is_typed;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, (void **)data, NULL, NULL) != napi_ok) return 0;
  return type == napi_float32_array;
}

/* obj[name]: a Float32Array of at least `need` floats, else a pending TypeError and 0. */
static int field_array(napi_env env, napi_value obj, const char *name, size_t need, float **data) {
  napi_value v;
  size_t length = 0;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || !float_array(env, v, data, &length) || length < need) {
    char message[128];
    snprintf(message, sizeof message, "lnn_native: '%s' must be a Float32Array of at least %zu floats", name, need);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static int field_number(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_get_value_double(env, v, out) != napi_ok) {
    char message[96];
    snprintf(message, sizeof message, "lnn_native: '%s' must be a number", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *c, *a, *b;
  size_t lc, la, lb;
  if (argc != 9 || !float_array(env, argv[0], &c, &lc) || !float_array(env, argv[1], &a, &la) || !float_array(env, argv[2], &b, &lb)) {
    napi_throw_type_error(env, NULL, "gemm(c, a, b: Float32Array, m, n, k, transA, transB, accumulate)");
    return NULL;
  }
  int32_t m, n, k;
  bool ta, tb, acc;
  CHECK(napi_get_value_int32(env, argv[3], &m));
  CHECK(napi_get_value_int32(env, argv[4], &n));
  CHECK(napi_get_value_int32(env, argv[5], &k));
  CHECK(napi_get_value_bool(env, argv[6], &ta));
  CHECK(napi_get_value_bool(env, argv[7], &tb));
  CHECK(napi_get_value_bool(env, argv[8], &acc));
  if (m < 0 || n < 0 || k < 0 || lc < (size_t)m * n || la < (size_t)m * k || lb < (size_t)k * n) {
    napi_throw_range_error(env, NULL, "gemm: an array is shorter than m, n, k say");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  gemm_args g = {a, b, c, m, n, k, ta ? m : k, tb ? k : n, n, ta, tb, acc};
  if (gemm_run(&g) != 0) napi_throw_error(env, NULL, "gemm: out of memory");
  return NULL;
}

static int read_synapses(napi_env env, napi_value step, const char *name, int sources, int dests, ltc_synapses *s) {
  napi_value obj;
  if (napi_get_named_property(env, step, name, &obj) != napi_ok) return 0;
  size_t n = (size_t)sources * dests;
  float *slope, *shift, *wmax, *erev;
  if (!field_array(env, obj, "slope", n, &slope) || !field_array(env, obj, "shift", n, &shift) || !field_array(env, obj, "wmax", n, &wmax) || !field_array(env, obj, "erev", n, &erev)) return 0;
  *s = (ltc_synapses){sources, dests, slope, shift, wmax, erev};
  return 1;
}

/* The step object: {batch, inputs, units, unfolds, eps, sen, rec, cm, gleak, vleak, u, v0, ts, out, iterates, invDen, cmStep}. */
static int read_step(napi_env env, napi_value obj, ltc_step *s) {
  double batch, inputs, units, unfolds, eps;
  if (!field_number(env, obj, "batch", &batch) || !field_number(env, obj, "inputs", &inputs) || !field_number(env, obj, "units", &units) ||
      !field_number(env, obj, "unfolds", &unfolds) || !field_number(env, obj, "eps", &eps)) return 0;
  if (!(batch >= 1 && inputs >= 1 && units >= 1 && unfolds >= 1 && batch * units * units * unfolds < 4e9)) {
    napi_throw_range_error(env, NULL, "lnn_native: ltc sizes out of range");
    return 0;
  }
  const int B = (int)batch, I = (int)inputs, H = (int)units, K = (int)unfolds;
  *s = (ltc_step){.batch = B, .unfolds = K, .eps = (float)eps};
  const size_t b = (size_t)B, h = (size_t)H;
  float *cm, *gleak, *vleak, *u, *v0, *ts;
  if (!read_synapses(env, obj, "sen", I, H, &s->sen) || !read_synapses(env, obj, "rec", H, H, &s->rec) ||
      !field_array(env, obj, "cm", h, &cm) || !field_array(env, obj, "gleak", h, &gleak) || !field_array(env, obj, "vleak", h, &vleak) ||
      !field_array(env, obj, "u", b * I, &u) || !field_array(env, obj, "v0", b * h, &v0) || !field_array(env, obj, "ts", b, &ts) ||
      !field_array(env, obj, "out", b * h, &s->out) || !field_array(env, obj, "iterates", b * (K + 1) * h, &s->iterates) || !field_array(env, obj, "invDen", b * K * h, &s->inv_den) ||
      !field_array(env, obj, "cmStep", b * h, &s->cm_step)) return 0;
  s->cm = cm, s->gleak = gleak, s->vleak = vleak, s->u = u, s->v0 = v0, s->ts = ts;
  return 1;
}

static napi_value ltc_forward(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  ltc_step s;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_step(env, argv[0], &s)) return NULL;
  ltc_forward_run(&s);
  return NULL;
}

/* ltcBackward(step, gOut, {gU, gV0, gTs, gGleak, gVleak, gCm, recSums, senSums}); the step as ltcForward filled it. */
static napi_value ltc_backward(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  ltc_step s;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3 || !read_step(env, argv[0], &s)) return NULL;
  const size_t b = (size_t)s.batch, h = (size_t)s.rec.dests, i = (size_t)s.sen.sources;
  float *g_out;
  size_t length;
  if (!float_array(env, argv[1], &g_out, &length) || length < b * h) {
    napi_throw_type_error(env, NULL, "ltcBackward: gOut must be a Float32Array of batch × units floats");
    return NULL;
  }
  ltc_grads g;
  if (!field_array(env, argv[2], "gU", b * i, &g.g_u) || !field_array(env, argv[2], "gV0", b * h, &g.g_v0) || !field_array(env, argv[2], "gTs", b, &g.g_ts) ||
      !field_array(env, argv[2], "gGleak", h, &g.g_gleak) || !field_array(env, argv[2], "gVleak", h, &g.g_vleak) || !field_array(env, argv[2], "gCm", h, &g.g_cm) ||
      !field_array(env, argv[2], "recSums", 4 * h * h, &g.rec_sums) || !field_array(env, argv[2], "senSums", 4 * h * i, &g.sen_sums)) return NULL;
  if (ltc_backward_run(&s, g_out, &g) != 0) napi_throw_error(env, NULL, "ltcBackward: out of memory");
  return NULL;
}

/*
 * The geometry {batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop,
 * padLeft, relu} and the arrays named in `arrays` (x, filter, bias (or null), out, dy, dw, dx),
 * each checked against its size.
 */
static int read_conv(napi_env env, napi_value obj, conv_args *c, float **dy, float **grad, int which) {
  static const char *names[] = {"batch", "inH", "inW", "inC", "outH", "outW", "outC", "kH", "kW", "strideH", "strideW", "padTop", "padLeft", "relu"};
  double v[14];
  for (int k = 0; k < 14; k++) {
    if (!field_number(env, obj, names[k], &v[k])) return 0;
    if (!(v[k] >= 0 && v[k] < 1e8)) {
      napi_throw_range_error(env, NULL, "conv2d: a size is out of range");
      return 0;
    }
  }
  *c = (conv_args){NULL, NULL, NULL, NULL, (int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], v[13] != 0};
  if (c->stride_h < 1 || c->stride_w < 1 || c->k_h < 1 || c->k_w < 1) {
    napi_throw_range_error(env, NULL, "conv2d: kernel and strides must be >= 1");
    return 0;
  }
  const size_t in = (size_t)c->batch * c->in_h * c->in_w * c->in_c, out = (size_t)c->batch * c->out_h * c->out_w * c->out_c;
  const size_t w = (size_t)c->k_h * c->k_w * c->in_c * c->out_c;
  float *x = NULL, *f = NULL;
  if (which != CONV_INPUT && !field_array(env, obj, "x", in, &x)) return 0;
  if (which != CONV_FILTER && !field_array(env, obj, "filter", w, &f)) return 0;
  c->x = x, c->w = f;
  if (which == CONV_FORWARD) {
    napi_value bias;
    napi_valuetype type;
    float *b = NULL;
    if (!field_array(env, obj, "out", out, &c->out) || napi_get_named_property(env, obj, "bias", &bias) != napi_ok || napi_typeof(env, bias, &type) != napi_ok) return 0;
    if (type != napi_null && type != napi_undefined && !field_array(env, obj, "bias", (size_t)c->out_c, &b)) return 0;
    c->bias = b;
    return 1;
  }
  return field_array(env, obj, "dy", out, dy) && field_array(env, obj, which == CONV_FILTER ? "dw" : "dx", which == CONV_FILTER ? w : in, grad);
}

static napi_value conv_call(napi_env env, napi_callback_info info, int which) {
  size_t argc = 1;
  napi_value argv[1];
  conv_args c;
  float *dy = NULL, *grad = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_conv(env, argv[0], &c, &dy, &grad, which)) return NULL;
  const size_t grad_size = which == CONV_FILTER ? (size_t)c.k_h * c.k_w * c.in_c * c.out_c : which == CONV_INPUT ? (size_t)c.batch * c.in_h * c.in_w * c.in_c : 0;
  if (c.batch * c.out_h * c.out_w * c.out_c == 0) {
    if (grad) memset(grad, 0, grad_size * sizeof(float));
    return NULL;
  }
  if (conv_run(&c, which, dy, grad, grad_size) != 0) napi_throw_error(env, NULL, "conv2d: out of memory");
  return NULL;
}

/* conv2d({geometry, x, filter, bias (or null), out}). */
static napi_value conv2d(napi_env env, napi_callback_info info) { return conv_call(env, info, CONV_FORWARD); }
/* conv2dBackpropFilter({geometry, x, dy, dw}): dw = dL/dfilter. */
static napi_value conv2d_filter(napi_env env, napi_callback_info info) { return conv_call(env, info, CONV_FILTER); }
/* conv2dBackpropInput({geometry, filter, dy, dx}): dx = dL/dx. */
static napi_value conv2d_input(napi_env env, napi_callback_info info) { return conv_call(env, info, CONV_INPUT); }

/* The Float32Array arguments argv[from..from+count) into arrays[], each at least `need` long. */
static int float_args(napi_env env, napi_value *argv, int from, int count, size_t need, float **arrays) {
  for (int k = 0; k < count; k++) {
    size_t length;
    if (!float_array(env, argv[from + k], &arrays[k], &length) || length < need) {
      napi_throw_type_error(env, NULL, "lnn_native: expected Float32Arrays of equal length");
      return 0;
    }
  }
  return 1;
}

static int activation_kind(napi_env env, napi_value v, int *kind) {
  int32_t k;
  if (napi_get_value_int32(env, v, &k) != napi_ok || k < 0 || k > 3) {
    napi_throw_range_error(env, NULL, "lnn_native: activation codes are 0 lecun_tanh, 1 silu, 2 relu, 3 tanh");
    return 0;
  }
  *kind = k;
  return 1;
}

/* cfcActivation(kind, pre, out): out = act(pre) over pre's length. */
static napi_value cfc_activation(napi_env env, napi_callback_info info) {
  size_t argc = 3, n;
  napi_value argv[3];
  float *a[2];
  int kind;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3 || !activation_kind(env, argv[0], &kind) || !float_array(env, argv[1], &a[0], &n) || !float_args(env, argv, 1, 2, n, a)) return NULL;
  kernels->cfc_activation(kind, a[0], a[1], n);
  return NULL;
}

/* cfcActivationBackward(kind, pre, z, g): g *= act'(pre) over pre's length. */
static napi_value cfc_activation_backward(napi_env env, napi_callback_info info) {
  size_t argc = 4, n;
  napi_value argv[4];
  float *a[3];
  int kind;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4 || !activation_kind(env, argv[0], &kind) || !float_array(env, argv[1], &a[0], &n) || !float_args(env, argv, 1, 3, n, a)) return NULL;
  kernels->cfc_activation_backward(kind, a[0], a[1], a[2], n);
  return NULL;
}

/* {batch, units, gated, head, ts, out, f1, f2, gate}. */
static int read_gated(napi_env env, napi_value obj, cfc_gated *c) {
  double batch, units, gated;
  if (!field_number(env, obj, "batch", &batch) || !field_number(env, obj, "units", &units) || !field_number(env, obj, "gated", &gated)) return 0;
  if (!(batch >= 1 && units >= 1 && batch * units < 2e9)) {
    napi_throw_range_error(env, NULL, "lnn_native: cfc sizes out of range");
    return 0;
  }
  const size_t bh = (size_t)batch * (size_t)units;
  float *head, *ts;
  *c = (cfc_gated){(int)batch, (int)units, gated != 0, NULL, NULL, NULL, NULL, NULL, NULL};
  if (!field_array(env, obj, "head", 4 * bh, &head) || !field_array(env, obj, "ts", (size_t)batch, &ts) || !field_array(env, obj, "out", bh, &c->out) ||
      !field_array(env, obj, "f1", bh, &c->f1) || !field_array(env, obj, "f2", bh, &c->f2) || !field_array(env, obj, "gate", bh, &c->gate)) return 0;
  c->head = head, c->ts = ts;
  return 1;
}

static napi_value cfc_gated_forward(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  cfc_gated c;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_gated(env, argv[0], &c)) return NULL;
  kernels->cfc_gated_forward(&c);
  return NULL;
}

/* cfcGatedBackward(update, gOut [B×H], gHead [B×4H], gTs [B]), the update as cfcGatedForward filled it. */
static napi_value cfc_gated_backward(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  cfc_gated c;
  float *a[1], *g_head[1], *g_ts[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4 || !read_gated(env, argv[0], &c)) return NULL;
  const size_t bh = (size_t)c.batch * c.units;
  if (!float_args(env, argv, 1, 1, bh, a) || !float_args(env, argv, 2, 1, 4 * bh, g_head) || !float_args(env, argv, 3, 1, (size_t)c.batch, g_ts)) return NULL;
  kernels->cfc_gated_backward(&c, a[0], g_head[0], g_ts[0]);
  return NULL;
}

/* {batch, steps, inputs, units, width, layers, activation, gated, tsRows} and the arrays of
   cfc_window (camelCase); the backward's too when `backward`. */
static int read_window(napi_env env, napi_value obj, cfc_window *w, int backward) {
  static const char *names[] = {"batch", "steps", "inputs", "units", "width", "layers", "activation", "gated", "tsRows"};
  double v[9];
  for (int i = 0; i < 9; i++) {
    if (!field_number(env, obj, names[i], &v[i])) return 0;
  }
  const double B = v[0], T = v[1], I = v[2], H = v[3], W = v[4], L = v[5];
  if (!(B >= 1 && T >= 1 && I >= 0 && H >= 1 && L >= 0 && L <= MAX_LAYERS && (L == 0 || W >= 1) && v[6] >= 0 && v[6] <= 3 && (v[8] == 1 || v[8] == B) &&
        B * T * (I + H + 4 * H + L * W) < 2e9)) {
    napi_throw_range_error(env, NULL, "lnn_native: cfc window sizes out of range");
    return 0;
  }
  *w = (cfc_window){(int)B, (int)T, (int)I, (int)H, (int)W, (int)L, (int)v[6], v[7] != 0, (int)v[8]};
  const size_t bt = (size_t)B * T, top = L > 0 ? (size_t)W : (size_t)(I + H);
  const size_t backbone = L > 0 ? (size_t)W * (I + H) + (size_t)(L - 1) * W * W : 0;
  float *in[7];
  if (!field_array(env, obj, "backboneW", backbone, &in[0]) || !field_array(env, obj, "backboneB", (size_t)L * W, &in[1]) ||
      !field_array(env, obj, "headW", 4 * (size_t)H * top, &in[2]) || !field_array(env, obj, "headB", 4 * (size_t)H, &in[3]) ||
      !field_array(env, obj, "x", bt * I, &in[4]) || !field_array(env, obj, "h0", (size_t)B * H, &in[5]) || !field_array(env, obj, "ts", (size_t)v[8] * T, &in[6]) ||
      !field_array(env, obj, "z0", bt * (I + H), &w->z0) || !field_array(env, obj, "zs", bt * L * W, &w->zs) || !field_array(env, obj, "pres", bt * L * W, &w->pres) ||
      !field_array(env, obj, "head", bt * 4 * H, &w->head) || !field_array(env, obj, "f1", bt * H, &w->f1) || !field_array(env, obj, "f2", bt * H, &w->f2) ||
      !field_array(env, obj, "gate", bt * H, &w->gate) || !field_array(env, obj, "out", bt * H, &w->out)) return 0;
  w->backbone_w = in[0], w->backbone_b = in[1], w->head_w = in[2], w->head_b = in[3], w->x = in[4], w->h0 = in[5], w->ts = in[6];
  if (!backward) return 1;
  float *g_out;
  if (!field_array(env, obj, "gOut", bt * H, &g_out) || !field_array(env, obj, "gHead", bt * 4 * H, &w->g_head) || !field_array(env, obj, "gPres", bt * L * W, &w->g_pres) ||
      !field_array(env, obj, "gX", bt * I, &w->g_x) || !field_array(env, obj, "gH0", (size_t)B * H, &w->g_h0) || !field_array(env, obj, "gTs", bt, &w->g_ts)) return 0;
  w->g_out = g_out;
  return 1;
}

static napi_value cfc_window_call(napi_env env, napi_callback_info info, int backward) {
  size_t argc = 1;
  napi_value argv[1];
  cfc_window w;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_window(env, argv[0], &w, backward)) return NULL;
  if (window_run(&w, backward) != 0) napi_throw_error(env, NULL, "lnn_native: cfc window: out of memory");
  return NULL;
}

/* cfcWindowForward(window): fills z0, zs, pres, head, f1, f2, gate, out. */
static napi_value cfc_window_forward(napi_env env, napi_callback_info info) { return cfc_window_call(env, info, 0); }

/* cfcWindowBackward(window): from gOut and what the forward filled, gHead, gPres, gX, gH0, gTs. */
static napi_value cfc_window_backward(napi_env env, napi_callback_info info) { return cfc_window_call(env, info, 1); }

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &n));
  wanted = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, wanted, &out));
  return out;
}

static napi_value get_isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, isa_name, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  choose_kernels();
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  wanted = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"ltcForward", NULL, ltc_forward, NULL, NULL, NULL, napi_default, NULL},
      {"ltcBackward", NULL, ltc_backward, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, conv2d_filter, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, conv2d_input, NULL, NULL, NULL, napi_default, NULL},
      {"cfcActivation", NULL, cfc_activation, NULL, NULL, NULL, napi_default, NULL},
      {"cfcActivationBackward", NULL, cfc_activation_backward, NULL, NULL, NULL, napi_default, NULL},
      {"cfcGatedForward", NULL, cfc_gated_forward, NULL, NULL, NULL, napi_default, NULL},
      {"cfcGatedBackward", NULL, cfc_gated_backward, NULL, NULL, NULL, napi_default, NULL},
      {"cfcWindowForward", NULL, cfc_window_forward, NULL, NULL, NULL, napi_default, NULL},
      {"cfcWindowBackward", NULL, cfc_window_backward, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
      {"isa", NULL, get_isa, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
