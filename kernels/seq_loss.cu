// Per-sequence mean token cross-entropy without materialising tokens x V logits
// (Cut Cross-Entropy style). Pass 1 (lse_partial_*): grid (row blocks, V splits); each
// block sweeps its share of V in 64-wide tiles with an online log-sum-exp per row, and
// writes one (max, sum) pair per (split, row); the target logit has exactly one writer.
// Pass 2 (seq_finish): one block per sequence merges the splits in a fixed order and
// reduces the rows with a fixed tree, so results are bit-reproducible (no float atomics).

template <class L>
__device__ void lse_partial(const typename L::T* H, const typename L::T* W, const unsigned int* tgt,
                            int tokens, int V, int d, int tiles_per_split,
                            float* pm, float* ps, float* ly) {
    __shared__ float Hs[TK][TM + 4];
    __shared__ float Ws[TK][TN + 4];
    __shared__ float red_m[TM][17];
    __shared__ float red_s[TM][17];
    const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
    const int row0 = blockIdx.x * TM, split = blockIdx.y;
    const int ntiles = (V + TN - 1) / TN;
    const int t_begin = split * tiles_per_split;
    const int t_end = min(ntiles, t_begin + tiles_per_split);
    float m[4], s[4];
    int y[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        int r = row0 + ty + 16 * i;
        m[i] = NEG_INF;
        s[i] = 0.f;
        y[i] = r < tokens ? (int)tgt[r] : -1;
    }
    float acc[4][4];
    for (int t = t_begin; t < t_end; ++t) {
        const int col0 = t * TN;
        logit_tile<L>(H, W, tokens, V, d, row0, col0, Hs, Ws, acc);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            float mt = NEG_INF;
#pragma unroll
            for (int j = 0; j < 4; ++j)
                if (col0 + tx + 16 * j < V) mt = fmaxf(mt, acc[i][j]);
            if (mt == NEG_INF) continue;
            float nm = fmaxf(m[i], mt);
            float add = 0.f;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                int c = col0 + tx + 16 * j;
                if (c < V) add += expf(acc[i][j] - nm);
                if (c == y[i]) ly[row0 + ty + 16 * i] = acc[i][j];
            }
            s[i] = s[i] * expf(m[i] - nm) + add;
            m[i] = nm;
        }
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        red_m[ty + 16 * i][tx] = m[i];
        red_s[ty + 16 * i][tx] = s[i];
    }
    __syncthreads();
    if (tid < TM) {
        int r = row0 + tid;
        float M = NEG_INF;
        for (int q = 0; q < 16; ++q) M = fmaxf(M, red_m[tid][q]);
        float S = 0.f;
        if (M != NEG_INF)
            for (int q = 0; q < 16; ++q)
                if (red_m[tid][q] != NEG_INF) S += red_s[tid][q] * expf(red_m[tid][q] - M);
        if (r < tokens) {
            pm[(long long)split * tokens + r] = M;
            ps[(long long)split * tokens + r] = S;
        }
    }
}

#define LSE_PARTIAL(NAME, L)                                                                   \
    extern "C" __global__ void __launch_bounds__(256)                                          \
        NAME(const L::T* H, const L::T* W, const unsigned int* tgt, int tokens, int V, int d,  \
             int tiles_per_split, float* pm, float* ps, float* ly) {                           \
        lse_partial<L>(H, W, tgt, tokens, V, d, tiles_per_split, pm, ps, ly);                 \
    }
LSE_PARTIAL(lse_partial_f32, LdF32)
LSE_PARTIAL(lse_partial_f16, LdF16)
LSE_PARTIAL(lse_partial_bf16, LdBf16)

// One block of 256 threads per sequence: lse per row (also written out for grad_embed)
// and the mean of lse - target logit over the sequence.
extern "C" __global__ void __launch_bounds__(256)
    seq_finish(const float* pm, const float* ps, const float* ly, const long long* offsets,
               int tokens, int nsplit, float* lse_out, float* loss_out) {
    __shared__ float red[256];
    const int s = blockIdx.x, tid = threadIdx.x;
    const long long a = offsets[s], b = offsets[s + 1];
    float acc = 0.f;
    for (long long r = a + tid; r < b; r += 256) {
        float M = NEG_INF;
        for (int q = 0; q < nsplit; ++q) M = fmaxf(M, pm[(long long)q * tokens + r]);
        float S = 0.f;
        for (int q = 0; q < nsplit; ++q) {
            float mq = pm[(long long)q * tokens + r];
            if (mq != NEG_INF) S += ps[(long long)q * tokens + r] * expf(mq - M);
        }
        float lse = M + logf(S);
        lse_out[r] = lse;
        acc += lse - ly[r];
    }
    red[tid] = acc;
    __syncthreads();
    for (int w = 128; w > 0; w >>= 1) {
        if (tid < w) red[tid] += red[tid + w];
        __syncthreads();
    }
    if (tid == 0) loss_out[s] = b > a ? red[0] / (float)(b - a) : 0.f;
}
