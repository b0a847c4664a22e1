// k-means++ (BADGE D^2 sampling) distance update, dist2[i] = min(dist2[i], ||x_i - c||^2),
// with the arithmetic of its CPU reference (selection::badge::kmeanspp_update), which is
// what BADGE runs in the loop: one thread per point, each difference in f32, its square
// (exact in f64: 24-bit significands) and the sum over the dimension in f64 in index
// order, so a contracted fma gives the same bits and the result equals the CPU's.
extern "C" __global__ void kmeanspp_update(const float* pts, const float* c, double* dist2,
                                           int n, int dim) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float* x = pts + i * dim;
    double acc = 0.0;
    for (int k = 0; k < dim; ++k) {
        double t = (double)(x[k] - c[k]);
        acc += t * t;
    }
    if (acc < dist2[i]) dist2[i] = acc;
}
