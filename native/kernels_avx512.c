/* AVX-512F (Skylake-X, Zen 4 and later), chosen at run time when the CPU has it. */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx2,fma")
#endif
#include "kernels.h"
#define VW 16
#include "simd.h"
#include "gemm_impl.h"
#include "ltc_impl.h"
#include "cfc_impl.h"
const lnn_kernels kernels_avx512 = {gemm_part, gemm_pack_b, NR, gemm_row, ltc_forward_rows, ltc_backward_rows, cfc_activation, cfc_activation_backward, cfc_gated_forward, cfc_gated_backward};
#if defined(__clang__)
#pragma clang attribute pop
#endif
#endif
