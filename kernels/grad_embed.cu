// Projected last-layer gradient embedding, second pass over the logit tiles (needs the
// per-row lse from seq_loss.cu's seq_finish):
//   proj_u_partial_*: U_split[row, a] = sum over this split's columns c of
//                     (softmax(row)[c] - [c == y]) * A[a, c]          (kA <= 64)
//   u_reduce:         U = sum of the splits in a fixed order
//   bh_*:             Z[row, b] = sum_k B[b, k] h[row, k]
//   seq_outer:        E[s, a, b] = (1/|s|) sum over the sequence's rows of U[r, a] Z[r, b]
// Every sum has one owner thread and a fixed order: bit-reproducible.
#define KA_MAX 64

template <class L>
__device__ void proj_u_partial(const typename L::T* H, const typename L::T* W, const unsigned int* tgt,
                               const float* lse, const float* A, int tokens, int V, int d, int ka,
                               int tiles_per_split, float* upart) {
    __shared__ float Hs[TK][TM + 4];
    __shared__ float Ws[TK][TN + 4];
    __shared__ float Ps[TM][TN + 1];
    __shared__ float As[KA_MAX][TN + 1];
    const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
    const int row0 = blockIdx.x * TM, split = blockIdx.y;
    const int ntiles = (V + TN - 1) / TN;
    const int t_begin = split * tiles_per_split;
    const int t_end = min(ntiles, t_begin + tiles_per_split);
    float l[4];
    int y[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        int r = row0 + ty + 16 * i;
        l[i] = r < tokens ? lse[r] : 0.f;
        y[i] = r < tokens ? (int)tgt[r] : -1;
    }
    float uacc[4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) uacc[i][j] = 0.f;
    float acc[4][4];
    for (int t = t_begin; t < t_end; ++t) {
        const int col0 = t * TN;
        logit_tile<L>(H, W, tokens, V, d, row0, col0, Hs, Ws, acc);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            int r = ty + 16 * i;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                int c = col0 + tx + 16 * j;
                float p = 0.f;
                if (c < V && row0 + r < tokens) p = expf(acc[i][j] - l[i]) - (c == y[i] ? 1.f : 0.f);
                Ps[r][tx + 16 * j] = p;
            }
        }
        for (int e = tid; e < KA_MAX * TN; e += 256) {
            int a = e / TN, c = e % TN;
            As[a][c] = (a < ka && col0 + c < V) ? A[(long long)a * V + col0 + c] : 0.f;
        }
        __syncthreads();
        for (int c = 0; c < TN; ++c) {
            float pv[4], av[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) pv[i] = Ps[ty + 16 * i][c];
#pragma unroll
            for (int j = 0; j < 4; ++j) av[j] = As[tx + 16 * j][c];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) uacc[i][j] = fmaf(pv[i], av[j], uacc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        int r = row0 + ty + 16 * i;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            int a = tx + 16 * j;
            if (r < tokens && a < ka) upart[((long long)split * tokens + r) * ka + a] = uacc[i][j];
        }
    }
}

template <class L>
__device__ void bh(const typename L::T* H, const float* B, int tokens, int d, int kb, float* Z) {
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)tokens * kb) return;
    long long r = e / kb;
    int b = (int)(e % kb);
    float acc = 0.f;
    for (int k = 0; k < d; ++k) acc = fmaf(B[(long long)b * d + k], L::ld(H, r * d + k), acc);
    Z[e] = acc;
}

#define GRAD_KERNELS(SUF, L)                                                                      \
    extern "C" __global__ void __launch_bounds__(256)                                             \
        proj_u_partial_##SUF(const L::T* H, const L::T* W, const unsigned int* tgt,               \
                             const float* lse, const float* A, int tokens, int V, int d, int ka,  \
                             int tiles_per_split, float* upart) {                                 \
        proj_u_partial<L>(H, W, tgt, lse, A, tokens, V, d, ka, tiles_per_split, upart);          \
    }                                                                                             \
    extern "C" __global__ void bh_##SUF(const L::T* H, const float* B, int tokens, int d, int kb, \
                                        float* Z) {                                               \
        bh<L>(H, B, tokens, d, kb, Z);                                                            \
    }
GRAD_KERNELS(f32, LdF32)
GRAD_KERNELS(f16, LdF16)
GRAD_KERNELS(bf16, LdBf16)

extern "C" __global__ void u_reduce(const float* upart, int tokens, int ka, int nsplit, float* U) {
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long n = (long long)tokens * ka;
    if (e >= n) return;
    float acc = 0.f;
    for (int q = 0; q < nsplit; ++q) acc += upart[(long long)q * n + e];
    U[e] = acc;
}

extern "C" __global__ void seq_outer(const float* U, const float* Z, const long long* offsets,
                                     int ka, int kb, float* out) {
    const int s = blockIdx.x;
    const long long a0 = offsets[s], b0 = offsets[s + 1];
    const float inv = b0 > a0 ? 1.f / (float)(b0 - a0) : 0.f;
    for (int e = threadIdx.x; e < ka * kb; e += blockDim.x) {
        int a = e / kb, b = e % kb;
        float acc = 0.f;
        for (long long r = a0; r < b0; ++r) acc = fmaf(U[r * ka + a], Z[r * kb + b], acc);
        out[(long long)s * ka * kb + e] = acc * inv;
    }
}
