// k-means++ (BADGE D^2 sampling) distance update: one warp per point, lanes stride over
// the dimension, fixed xor-shuffle tree: dist2[i] = min(dist2[i], ||x_i - c||^2).
extern "C" __global__ void kmeanspp_update(const float* pts, const float* c, float* dist2,
                                           int n, int dim) {
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x % 32;
    if (warp >= n) return;
    const float* x = pts + warp * dim;
    float acc = 0.f;
    for (int k = lane; k < dim; k += 32) {
        float t = x[k] - c[k];
        acc = fmaf(t, t, acc);
    }
    for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
    if (lane == 0) dist2[warp] = fminf(dist2[warp], acc);
}
