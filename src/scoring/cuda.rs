//! CUDA backend: `kernels/*.cu` compiled at run time with NVRTC and launched through
//! cudarc (dynamic loading, so the crate builds and runs where no CUDA exists).
//!
//! cudarc panics when libcuda or libnvrtc cannot be loaded, so every entry point probes
//! `is_culib_present()` first and additionally runs under `catch_unwind`; failures become
//! [`ScoringError::Device`] and [`super::select_backend`] falls back to the CPU.
//!
//! Limits: the fused projection keeps kA ≤ [`KA_MAX`] in shared memory; the exact
//! (unprojected) embedding is delegated to the CPU reference (it is only meant for small
//! V·d, where the GPU buys nothing).

use super::{cpu, Elems, Projection, ScoringBackend, ScoringError, ScoringInput};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtrMut, LaunchConfig, PushKernelArg,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Largest kA the `proj_u_partial` kernel supports (shared-memory tile of A).
pub const KA_MAX: usize = 64;
const TILE: usize = 64;

const COMMON: &str = include_str!("../../kernels/common.cuh");
const SEQ_LOSS: &str = include_str!("../../kernels/seq_loss.cu");
const GRAD_EMBED: &str = include_str!("../../kernels/grad_embed.cu");
const KMEANSPP: &str = include_str!("../../kernels/kmeanspp.cu");

/// Every kernel file as (name, full NVRTC source with the common prelude).
pub fn kernel_sources() -> Vec<(&'static str, String)> {
    vec![
        ("seq_loss", format!("{COMMON}\n{SEQ_LOSS}")),
        ("grad_embed", format!("{COMMON}\n{GRAD_EMBED}")),
        ("kmeanspp", format!("{COMMON}\n{KMEANSPP}")),
    ]
}

/// True when libnvrtc can be loaded (enough to compile PTX; no driver needed).
pub fn nvrtc_present() -> bool {
    // SAFETY: only tries to dlopen candidate library names.
    catch_unwind(|| unsafe { cudarc::nvrtc::sys::is_culib_present() }).unwrap_or(false)
}

/// True when libcuda (the driver) can be loaded.
pub fn driver_present() -> bool {
    // SAFETY: only tries to dlopen candidate library names.
    catch_unwind(|| unsafe { cudarc::driver::sys::is_culib_present() }).unwrap_or(false)
}

fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, ScoringError>) -> Result<T, ScoringError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            Err(ScoringError::Device(format!("{what}: {msg}")))
        }
    }
}

fn dev<E: std::fmt::Debug>(what: &'static str) -> impl Fn(E) -> ScoringError {
    move |e| ScoringError::Device(format!("{what}: {e:?}"))
}

/// Compile one source to PTX for a virtual architecture such as `compute_80`.
pub fn compile_ptx(name: &str, src: &str, arch: &'static str) -> Result<String, ScoringError> {
    if !nvrtc_present() {
        return Err(ScoringError::Device("libnvrtc not found".into()));
    }
    guarded("nvrtc", || {
        let opts = cudarc::nvrtc::CompileOptions {
            arch: Some(arch),
            name: Some(format!("{name}.cu")),
            ..Default::default()
        };
        cudarc::nvrtc::compile_ptx_with_opts(src, opts)
            .map(|p| p.to_src())
            .map_err(|e| ScoringError::Device(format!("{name}.cu for {arch}: {e}")))
    })
}

/// The CI check: compile every kernel for `compute_80` and `compute_90`; returns
/// (kernel, arch, PTX size in bytes) for each. Needs only libnvrtc.
pub fn check_ptx_all() -> Result<Vec<(String, String, usize)>, ScoringError> {
    let mut out = Vec::new();
    for arch in ["compute_80", "compute_90"] {
        for (name, src) in kernel_sources() {
            let ptx = compile_ptx(name, &src, arch)?;
            out.push((name.to_string(), arch.to_string(), ptx.len()));
        }
    }
    Ok(out)
}

/// Device copy of an input matrix: f32 as is, f16/bf16 as raw bit patterns.
enum DevMat {
    F32(CudaSlice<f32>),
    U16(CudaSlice<u16>),
}

struct Funcs {
    lse_partial: [CudaFunction; 3],
    proj_u_partial: [CudaFunction; 3],
    bh: [CudaFunction; 3],
    seq_finish: CudaFunction,
    u_reduce: CudaFunction,
    seq_outer: CudaFunction,
    kmeanspp: CudaFunction,
}

/// The CUDA scoring backend on one device.
pub struct CudaBackend {
    stream: Arc<CudaStream>,
    funcs: Funcs,
    sms: usize,
    device_name: String,
    cpu: cpu::CpuBackend,
}

/// Intermediate results of the loss pass, reused by the embedding pass.
struct LossPass {
    h: DevMat,
    w: DevMat,
    tgt: CudaSlice<u32>,
    offs: CudaSlice<i64>,
    lse: CudaSlice<f32>,
    loss: CudaSlice<f32>,
    dtype_ix: usize,
}

impl CudaBackend {
    /// Open device `ordinal`, compile the kernels for its architecture and load them.
    pub fn try_new(ordinal: usize) -> Result<Self, ScoringError> {
        if !driver_present() {
            return Err(ScoringError::Device("libcuda not found".into()));
        }
        if !nvrtc_present() {
            return Err(ScoringError::Device("libnvrtc not found".into()));
        }
        guarded("cuda init", || {
            let ctx = CudaContext::new(ordinal).map_err(dev("context"))?;
            let (maj, min) = ctx
                .compute_capability()
                .map_err(dev("compute capability"))?;
            let arch: &'static str = Box::leak(format!("compute_{maj}{min}").into_boxed_str());
            let device_name = ctx.name().unwrap_or_else(|_| "cuda".into());
            let sms = ctx
                .attribute(cudarc::driver::sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
                .map_err(dev("attribute"))? as usize;
            let mut modules = Vec::new();
            for (name, src) in kernel_sources() {
                let ptx = compile_ptx(name, &src, arch)?;
                let m = ctx
                    .load_module(cudarc::nvrtc::Ptx::from_src(ptx))
                    .map_err(dev("load module"))?;
                modules.push(m);
            }
            let f = |m: usize, n: &str| modules[m].load_function(n).map_err(dev("load function"));
            let funcs = Funcs {
                lse_partial: [
                    f(0, "lse_partial_f32")?,
                    f(0, "lse_partial_f16")?,
                    f(0, "lse_partial_bf16")?,
                ],
                seq_finish: f(0, "seq_finish")?,
                proj_u_partial: [
                    f(1, "proj_u_partial_f32")?,
                    f(1, "proj_u_partial_f16")?,
                    f(1, "proj_u_partial_bf16")?,
                ],
                bh: [f(1, "bh_f32")?, f(1, "bh_f16")?, f(1, "bh_bf16")?],
                u_reduce: f(1, "u_reduce")?,
                seq_outer: f(1, "seq_outer")?,
                kmeanspp: f(2, "kmeanspp_update")?,
            };
            Ok(CudaBackend {
                stream: ctx.default_stream(),
                funcs,
                sms: sms.max(1),
                device_name,
                cpu: cpu::CpuBackend::new(super::default_threads()),
            })
        })
    }

    /// The device's name as the driver reports it (e.g. "NVIDIA H100 80GB HBM3").
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    fn upload(&self, e: &Elems) -> Result<(DevMat, usize), ScoringError> {
        use half::slice::HalfFloatSliceExt;
        Ok(match e {
            Elems::F32(x) => (
                DevMat::F32(self.stream.clone_htod(*x).map_err(dev("upload"))?),
                0,
            ),
            Elems::F16(x) => (
                DevMat::U16(
                    self.stream
                        .clone_htod(x.reinterpret_cast())
                        .map_err(dev("upload"))?,
                ),
                1,
            ),
            Elems::Bf16(x) => (
                DevMat::U16(
                    self.stream
                        .clone_htod(x.reinterpret_cast())
                        .map_err(dev("upload"))?,
                ),
                2,
            ),
        })
    }

    /// V splits so that row blocks × splits fill the device about four times over.
    fn splits(&self, tokens: usize, v: usize) -> (usize, usize) {
        let row_blocks = tokens.div_ceil(TILE).max(1);
        let ntiles = v.div_ceil(TILE).max(1);
        let want = (4 * self.sms).div_ceil(row_blocks).clamp(1, ntiles);
        let per = ntiles.div_ceil(want);
        (ntiles.div_ceil(per), per)
    }

    fn loss_pass(&self, x: &ScoringInput) -> Result<LossPass, ScoringError> {
        x.validate()?;
        let s = &self.stream;
        let (h, dtype_ix) = self.upload(&x.h)?;
        let (w, wt) = self.upload(&x.w)?;
        if wt != dtype_ix {
            return Err(ScoringError::Invalid(
                "H and W must have the same element type".into(),
            ));
        }
        let tokens = x.tokens();
        let (nsplit, per) = self.splits(tokens, x.v);
        let tgt = s.clone_htod(x.targets).map_err(dev("upload"))?;
        let offs_host: Vec<i64> = x.offsets.iter().map(|&o| o as i64).collect();
        let offs = s.clone_htod(&offs_host).map_err(dev("upload"))?;
        let mut pm = poisoned(s, nsplit * tokens.max(1))?;
        let mut ps = poisoned(s, nsplit * tokens.max(1))?;
        let mut ly = poisoned(s, tokens.max(1))?;
        let mut lse = poisoned(s, tokens.max(1))?;
        let mut loss = poisoned(s, x.n_seq().max(1))?;
        let (t_i, v_i, d_i, per_i, ns_i) = (
            tokens as i32,
            x.v as i32,
            x.d as i32,
            per as i32,
            nsplit as i32,
        );
        if tokens > 0 {
            let cfg = LaunchConfig {
                grid_dim: (tokens.div_ceil(TILE) as u32, nsplit as u32, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let mut b = s.launch_builder(&self.funcs.lse_partial[dtype_ix]);
            push_mat(&mut b, &h);
            push_mat(&mut b, &w);
            b.arg(&tgt).arg(&t_i).arg(&v_i).arg(&d_i).arg(&per_i);
            b.arg(&mut pm).arg(&mut ps).arg(&mut ly);
            // SAFETY: argument list matches lse_partial_* in kernels/seq_loss.cu.
            unsafe { b.launch(cfg) }.map_err(dev("launch lse_partial"))?;
        }
        if x.n_seq() > 0 {
            let cfg = LaunchConfig {
                grid_dim: (x.n_seq() as u32, 1, 1),
                block_dim: (256, 1, 1),
                shared_mem_bytes: 0,
            };
            let mut b = s.launch_builder(&self.funcs.seq_finish);
            b.arg(&pm).arg(&ps).arg(&ly).arg(&offs).arg(&t_i).arg(&ns_i);
            b.arg(&mut lse).arg(&mut loss);
            // SAFETY: argument list matches seq_finish in kernels/seq_loss.cu.
            unsafe { b.launch(cfg) }.map_err(dev("launch seq_finish"))?;
        }
        Ok(LossPass {
            h,
            w,
            tgt,
            offs,
            lse,
            loss,
            dtype_ix,
        })
    }
}

/// A device buffer of `n` f32 filled with NaN (every byte 0xFF), not zeros: an element
/// that no kernel writes then reads back as NaN, which the tests (and any user looking
/// at the output) see, where a zero would pass for a plausible value.
fn poisoned(s: &Arc<CudaStream>, n: usize) -> Result<CudaSlice<f32>, ScoringError> {
    // SAFETY: the buffer is filled on the same stream before any kernel reads it.
    let mut buf = unsafe { s.alloc::<f32>(n) }.map_err(dev("alloc"))?;
    let bytes = n * std::mem::size_of::<f32>();
    let (ptr, _record) = buf.device_ptr_mut(s);
    // SAFETY: `ptr` addresses `bytes` bytes of the allocation just made.
    unsafe { cudarc::driver::result::memset_d8_async(ptr, 0xFF, bytes, s.cu_stream()) }
        .map_err(dev("memset"))?;
    drop(_record);
    Ok(buf)
}

fn push_mat<'a>(b: &mut cudarc::driver::LaunchArgs<'a>, m: &'a DevMat) {
    match m {
        DevMat::F32(s) => b.arg(s),
        DevMat::U16(s) => b.arg(s),
    };
}

fn grid1(n: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (n.div_ceil(256).max(1) as u32, 1, 1),
        block_dim: (256, 1, 1),
        shared_mem_bytes: 0,
    }
}

impl ScoringBackend for CudaBackend {
    fn name(&self) -> &str {
        "cuda"
    }

    fn seq_loss(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError> {
        guarded("seq_loss", || {
            let lp = self.loss_pass(x)?;
            let mut out = self.stream.clone_dtoh(&lp.loss).map_err(dev("download"))?;
            out.truncate(x.n_seq());
            Ok(out)
        })
    }

    fn grad_embed(&self, x: &ScoringInput, p: &Projection) -> Result<Vec<f32>, ScoringError> {
        if p.ka > KA_MAX || p.ka == 0 || p.kb == 0 || p.v != x.v || p.d != x.d {
            return Err(ScoringError::Invalid(format!(
                "CUDA projection needs 1 ≤ kA ≤ {KA_MAX}, kB ≥ 1 and matching V, d (got kA = {}, kB = {})",
                p.ka, p.kb
            )));
        }
        guarded("grad_embed", || {
            let lp = self.loss_pass(x)?;
            let s = &self.stream;
            let tokens = x.tokens();
            let (nsplit, per) = self.splits(tokens, x.v);
            let a = s.clone_htod(&p.a).map_err(dev("upload"))?;
            let bm = s.clone_htod(&p.b).map_err(dev("upload"))?;
            let nt = tokens.max(1);
            let mut upart = poisoned(s, nsplit * nt * p.ka)?;
            let mut u = poisoned(s, nt * p.ka)?;
            let mut z = poisoned(s, nt * p.kb)?;
            let mut out = poisoned(s, (x.n_seq() * p.dim()).max(1))?;
            let (t_i, v_i, d_i, ka_i, kb_i) = (
                tokens as i32,
                x.v as i32,
                x.d as i32,
                p.ka as i32,
                p.kb as i32,
            );
            let (per_i, ns_i) = (per as i32, nsplit as i32);
            let k = lp.dtype_ix;
            if tokens > 0 {
                let cfg = LaunchConfig {
                    grid_dim: (tokens.div_ceil(TILE) as u32, nsplit as u32, 1),
                    block_dim: (256, 1, 1),
                    shared_mem_bytes: 0,
                };
                let mut b = s.launch_builder(&self.funcs.proj_u_partial[k]);
                push_mat(&mut b, &lp.h);
                push_mat(&mut b, &lp.w);
                b.arg(&lp.tgt)
                    .arg(&lp.lse)
                    .arg(&a)
                    .arg(&t_i)
                    .arg(&v_i)
                    .arg(&d_i)
                    .arg(&ka_i)
                    .arg(&per_i);
                b.arg(&mut upart);
                // SAFETY: argument list matches proj_u_partial_* in kernels/grad_embed.cu.
                unsafe { b.launch(cfg) }.map_err(dev("launch proj_u_partial"))?;

                let mut b = s.launch_builder(&self.funcs.u_reduce);
                b.arg(&upart).arg(&t_i).arg(&ka_i).arg(&ns_i).arg(&mut u);
                // SAFETY: matches u_reduce.
                unsafe { b.launch(grid1(tokens * p.ka)) }.map_err(dev("launch u_reduce"))?;

                let mut b = s.launch_builder(&self.funcs.bh[k]);
                push_mat(&mut b, &lp.h);
                b.arg(&bm).arg(&t_i).arg(&d_i).arg(&kb_i).arg(&mut z);
                // SAFETY: matches bh_*.
                unsafe { b.launch(grid1(tokens * p.kb)) }.map_err(dev("launch bh"))?;
            }
            if x.n_seq() > 0 {
                let cfg = LaunchConfig {
                    grid_dim: (x.n_seq() as u32, 1, 1),
                    block_dim: (256, 1, 1),
                    shared_mem_bytes: 0,
                };
                let mut b = s.launch_builder(&self.funcs.seq_outer);
                b.arg(&u)
                    .arg(&z)
                    .arg(&lp.offs)
                    .arg(&ka_i)
                    .arg(&kb_i)
                    .arg(&mut out);
                // SAFETY: matches seq_outer.
                unsafe { b.launch(cfg) }.map_err(dev("launch seq_outer"))?;
            }
            let mut host = s.clone_dtoh(&out).map_err(dev("download"))?;
            host.truncate(x.n_seq() * p.dim());
            Ok(host)
        })
    }

    fn grad_embed_exact(&self, x: &ScoringInput) -> Result<Vec<f32>, ScoringError> {
        self.cpu.grad_embed_exact(x)
    }

    fn kmeanspp_update(
        &self,
        points: &[f32],
        centre: &[f32],
        dist2: &mut [f64],
    ) -> Result<(), ScoringError> {
        cpu::kmeanspp_check(points, centre, dist2)?;
        if dist2.is_empty() {
            return Ok(());
        }
        guarded("kmeanspp_update", || {
            let s = &self.stream;
            let pts = s.clone_htod(points).map_err(dev("upload"))?;
            let c = s.clone_htod(centre).map_err(dev("upload"))?;
            let mut d2 = s.clone_htod(&*dist2).map_err(dev("upload"))?;
            let (n_i, dim_i) = (dist2.len() as i32, centre.len() as i32);
            let mut b = s.launch_builder(&self.funcs.kmeanspp);
            b.arg(&pts).arg(&c).arg(&mut d2).arg(&n_i).arg(&dim_i);
            // SAFETY: matches kmeanspp_update in kernels/kmeanspp.cu; one thread per point.
            unsafe { b.launch(grid1(dist2.len())) }.map_err(dev("launch kmeanspp"))?;
            let host = s.clone_dtoh(&d2).map_err(dev("download"))?;
            dist2.copy_from_slice(&host);
            Ok(())
        })
    }
}
