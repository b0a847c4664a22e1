// Shared prelude for every kernel file (prepended by src/scoring/cuda.rs, so NVRTC needs
// no include path). Element loaders widen f32 / f16 / bf16 inputs to f32; f16/bf16 are
// passed as raw 16-bit patterns. No CUDA headers are needed.
typedef unsigned short u16;
#define NEG_INF (__int_as_float(0xff800000))

struct LdF32 {
    typedef float T;
    static __device__ __forceinline__ float ld(const float* p, long long i) { return p[i]; }
};
struct LdBf16 {
    typedef u16 T;
    static __device__ __forceinline__ float ld(const u16* p, long long i) {
        return __uint_as_float(((unsigned int)p[i]) << 16);
    }
};
struct LdF16 {
    typedef u16 T;
    static __device__ __forceinline__ float ld(const u16* p, long long i) {
        float f;
        unsigned short b = p[i];
        asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(b));
        return f;
    }
};

// Logit tile: 64 token rows x 64 vocabulary columns, 256 threads; thread (ty, tx) owns
// rows ty + 16 i and columns tx + 16 j (i, j < 4). d is consumed in chunks of TK.
#define TM 64
#define TN 64
#define TK 16

template <class L>
__device__ __forceinline__ void logit_tile(const typename L::T* H, const typename L::T* W,
                                           int tokens, int V, int d, int row0, int col0,
                                           float (*Hs)[TM + 4], float (*Ws)[TN + 4],
                                           float acc[4][4]) {
    const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = 0.f;
    for (int k0 = 0; k0 < d; k0 += TK) {
#pragma unroll
        for (int q = 0; q < 4; ++q) {
            int e = tid + 256 * q, r = e / TK, k = e % TK;
            int gr = row0 + r, gc = col0 + r, gk = k0 + k;
            Hs[k][r] = (gr < tokens && gk < d) ? L::ld(H, (long long)gr * d + gk) : 0.f;
            Ws[k][r] = (gc < V && gk < d) ? L::ld(W, (long long)gc * d + gk) : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TK; ++k) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = Hs[k][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = Ws[k][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
}
