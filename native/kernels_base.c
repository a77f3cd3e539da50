/* Baseline: SSE2 on x86-64, NEON on arm64 (both 4 floats a vector). */
#include "kernels.h"
#define VW 4
#include "simd.h"
#include "gemm_impl.h"
#include "ltc_impl.h"
#include "cfc_impl.h"
const lnn_kernels kernels_base = {gemm_part, gemm_pack_b, NR, gemm_row, ltc_forward_rows, ltc_backward_rows, cfc_activation, cfc_activation_backward, cfc_gated_forward, cfc_gated_backward};
