//! Report plots (learning curves, win-rate heatmap, score scatter), each written as both
//! SVG and PNG. The DejaVu Sans font is embedded (the `dejavu` crate, registered with
//! plotters' ab_glyph backend), so plotting works on machines with no system fonts.
//!
//! Every function takes a path *stem* and writes `STEM.svg` and `STEM.png`, each through
//! a temporary name and a rename, so a half-written plot never lies around. Non-finite
//! values are skipped (they break a line; a NaN heatmap cell is grey), so callers can
//! pass raw statistics without cleaning them.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{anyhow, Context, Result};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod heatmap;
mod panels;
pub use heatmap::{heatmap, heatmap_with, HeatmapOptions};
pub use panels::{interval_chart, small_multiples, IntervalSeries};

/// Canvas size of every plot, in pixels (PNG) or user units (SVG).
pub const SIZE: (u32, u32) = (1000, 650);
const FONT: &str = "sans-serif";

/// One line of a line chart: `y` against `x`, with an optional ± band (`err`, e.g. the
/// standard error) drawn shaded around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub err: Option<Vec<f64>>,
}

/// Twelve distinguishable colours (Tableau 10 with teal for its grey, plus two), cycled
/// beyond that (with a different marker shape).
const PALETTE: [(u8, u8, u8); 12] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    // Teal where Tableau has grey: grey is reserved for reference lines (random).
    (0, 128, 128),
    (188, 189, 34),
    (23, 190, 207),
    (0, 0, 128),
    (128, 128, 0),
];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Registration can only fail on a malformed font; the embedded one is valid.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

/// Compact tick label: 12000 → "12k", 0.125 → "0.125", 2.5e-5 → "2.5e-5".
pub fn tick(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    // Rounding residue of an axis step through zero (e.g. -1.4e-17) is zero.
    if a < 1e-12 {
        return "0".into();
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a == 0.0 {
        "0".into()
    } else if a >= 1e9 {
        format!("{}G", trim(format!("{:.2}", v / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.2}", v / 1e3)))
    } else if a < 1e-3 {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        trim(format!("{v:.3}"))
    }
}

/// Rough rendered width of `s` in pixels at font size `px` (DejaVu Sans averages about
/// 0.5 em per character; 0.55 leaves a margin), used to lay out labels before drawing.
fn text_width(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * px * 0.55
}

/// Shortens `s` with an ellipsis so it fits in `width` pixels at size `px`.
fn fit(s: &str, width: f64, px: f64) -> String {
    let max = (width / (px * 0.55)).floor() as usize;
    if s.chars().count() <= max || max < 2 {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// Finite min/max of `vals`, widened when degenerate so an axis always has extent.
fn range(vals: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        if hi / lo < 1.5 {
            return (lo / 1.5, hi * 1.5);
        }
        return (lo / 1.1, hi * 1.1);
    }
    if lo == hi {
        let pad = if lo == 0.0 { 0.5 } else { lo.abs() * 0.05 };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

fn stem_paths(stem: &Path) -> (PathBuf, PathBuf) {
    let with = |ext: &str| {
        let mut s = stem.as_os_str().to_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".svg"), with(".png"))
}

/// A chart that can draw itself on any backend (so one description yields SVG and PNG).
trait Painter {
    /// Canvas size (small multiples grow with their panel count).
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Renders `p` into an SVG string and a PNG file and moves both into place.
fn render_both<P: Painter>(stem: &Path, p: &P) -> Result<()> {
    register_fonts();
    let (svg_path, png_path) = stem_paths(stem);
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, p.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        p.paint(&root)?;
        root.present().map_err(err)?;
    }
    crate::atomic::write_atomic(&svg_path, svg.as_bytes())
        .with_context(|| format!("writing {}", svg_path.display()))?;
    // The bitmap encoder picks the format from the extension, so the temporary name
    // must still end in ".png".
    let tmp = png_path.with_extension("tmp.png");
    {
        let root = BitMapBackend::new(&tmp, p.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        p.paint(&root)?;
        root.present()
            .map_err(err)
            .with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &png_path).with_context(|| format!("renaming to {}", png_path.display()))
}

/// Splits a series into runs of consecutive finite points (a NaN breaks the line).
fn finite_runs(x: &[f64], y: &[f64], log_x: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![];
    let mut cur = vec![];
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() && (!log_x || a > 0.0) {
            cur.push((a, b));
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// Line chart with markers, shaded ±err bands and a legend panel to the right of the
/// plot (so it never covers data). `log_x` uses a logarithmic x axis (non-positive x
/// values are then skipped). Writes `STEM.svg` and `STEM.png`.
pub fn line_chart(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<()> {
    render_both(
        path_stem,
        &LineChart {
            title,
            x_label,
            y_label,
            series,
            log_x,
        },
    )
}

struct LineChart<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
    log_x: bool,
}

impl Painter for LineChart<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let (series, log_x) = (self.series, self.log_x);
        let xr = range(series.iter().flat_map(|s| s.x.iter().copied()), log_x);
        let yr = range(
            series.iter().flat_map(|s| {
                let e = s.err.clone().unwrap_or_default();
                s.y.iter().enumerate().flat_map(move |(i, &y)| {
                    // No (finite) error bar at this point: draw none.
                    let d = e.get(i).copied().filter(|d| d.is_finite()).unwrap_or(0.0);
                    [y - d, y + d]
                })
            }),
            false,
        );
        let legend_w = legend_width(series.iter().map(|s| s.label.as_str()));
        let area = root
            .margin(8, 0, 0, 0)
            .titled(self.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (plot, legend) = area.split_horizontally(SIZE.0 - legend_w);
        let (xl, yl) = (self.x_label, self.y_label);
        if log_x {
            // Within two decades powers of ten give too few ticks; use powers of two.
            let base = if xr.1 / xr.0 < 100.0 { 2.0 } else { 10.0 };
            let xc = (xr.0..xr.1).log_scale().base(base).into();
            draw_lines::<DB, LogCoord<f64>>(&plot, xc, yr, xl, yl, series, log_x)?;
        } else {
            let xc: RangedCoordf64 = (xr.0..xr.1).into();
            draw_lines(&plot, xc, yr, xl, yl, series, log_x)?;
        }
        draw_legend(&legend, series, legend_w as f64)
    }
}

const LEGEND_PX: f64 = 15.0;

/// Width of a legend panel for these labels (0 when there are none).
fn legend_width<'a>(labels: impl Iterator<Item = &'a str>) -> u32 {
    let mut any = false;
    let longest = labels
        .inspect(|_| any = true)
        .map(|l| text_width(l, LEGEND_PX))
        .fold(0.0, f64::max);
    if any {
        (longest + 60.0).clamp(150.0, 340.0) as u32
    } else {
        0
    }
}

/// Legend panel: one row per series with its line, marker and (fitted) label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    width: f64,
) -> Result<()> {
    let labels: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    draw_legend_labels(area, &labels, width)
}

/// The marker of series `i` (shape cycles with the colour, so that series stay apart
/// in greyscale and beyond the palette's twelve colours).
fn marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    i: usize,
    at: (i32, i32),
) -> Result<()> {
    let c = color(i);
    match (i / PALETTE.len() + i) % 3 {
        0 => area.draw(&Circle::new(at, 4, c.filled())),
        1 => area.draw(&TriangleMarker::new(at, 6, c.filled())),
        _ => area.draw(&Cross::new(at, 5, c.stroke_width(2))),
    }
    .map_err(err)
}

/// Legend rows for `labels` (series `i` in colour `i`).
fn draw_legend_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[&str],
    width: f64,
) -> Result<()> {
    if labels.is_empty() {
        return Ok(());
    }
    let (_, h) = area.dim_in_pixel();
    let row = ((h as f64 - 40.0) / labels.len() as f64).clamp(8.0, 26.0);
    let px = LEGEND_PX.min(row * 0.8);
    let style = TextStyle::from((FONT, px).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let y = (30.0 + row * i as f64) as i32;
        area.draw(&PathElement::new(
            vec![(6, y), (34, y)],
            color(i).stroke_width(2),
        ))
        .map_err(err)?;
        marker(area, i, (20, y))?;
        let label = fit(l, width - 50.0, px);
        area.draw(&Text::new(label, (42, y), style.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// Markers of series `i` at `pts`.
fn draw_markers<DB: DrawingBackend, X>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    i: usize,
    pts: &[(f64, f64)],
) -> Result<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let c = color(i);
    match (i / PALETTE.len() + i) % 3 {
        0 => chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled()))),
        1 => chart.draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 6, c.filled()))),
        _ => chart.draw_series(pts.iter().map(|&p| Cross::new(p, 5, c.stroke_width(2)))),
    }
    .map_err(err)?;
    Ok(())
}

/// A series' ± band (at `alpha`) and its line, in colour `c`, without markers.
fn draw_band_and_line<DB: DrawingBackend, X>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    s: &Series,
    c: RGBColor,
    alpha: f64,
) -> Result<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    if let Some(e) = &s.err {
        let ys: Vec<f64> = s.y.iter().zip(e).map(|(y, d)| y + d).collect();
        let yl: Vec<f64> = s.y.iter().zip(e).map(|(y, d)| y - d).collect();
        for (up, lo) in finite_runs(&s.x, &ys, false)
            .into_iter()
            .zip(finite_runs(&s.x, &yl, false))
        {
            if up.len() < 2 || up.len() != lo.len() {
                continue;
            }
            let poly: Vec<(f64, f64)> = up.iter().copied().chain(lo.into_iter().rev()).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(alpha).filled())))
                .map_err(err)?;
        }
    }
    for run in finite_runs(&s.x, &s.y, false) {
        chart
            .draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(2)))
            .map_err(err)?;
    }
    Ok(())
}

/// Beyond this many points a series is drawn as a plain line: a marker per point would
/// merge into a thick smear (the cumulative curve has one point per example).
const MAX_MARKED_POINTS: usize = 40;

fn draw_lines<DB: DrawingBackend, X>(
    plot: &DrawingArea<DB, Shift>,
    xc: X,
    yr: (f64, f64),
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let yc: RangedCoordf64 = (yr.0..yr.1).into();
    let mut chart = ChartBuilder::on(plot)
        .margin(12)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(xc, yc)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(205, 205, 205))
        .x_labels(8)
        .y_labels(8)
        .draw()
        .map_err(err)?;
    // Many overlapping bands turn to mud: fainter bands the more series there are
    // (the report's small multiples show each band at full strength instead).
    let band_alpha = match series.len() {
        0..=4 => 0.15,
        5..=8 => 0.07,
        _ => 0.04,
    };
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        if let Some(e) = &s.err {
            let ys: Vec<f64> = s.y.iter().zip(e).map(|(y, d)| y + d).collect();
            let yl: Vec<f64> = s.y.iter().zip(e).map(|(y, d)| y - d).collect();
            for (up, lo) in finite_runs(&s.x, &ys, log_x)
                .into_iter()
                .zip(finite_runs(&s.x, &yl, log_x))
            {
                if up.len() < 2 || up.len() != lo.len() {
                    continue;
                }
                let poly: Vec<(f64, f64)> =
                    up.iter().copied().chain(lo.into_iter().rev()).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        c.mix(band_alpha).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        for run in finite_runs(&s.x, &s.y, log_x) {
            chart
                .draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(2)))
                .map_err(err)?;
            if s.x.len() <= MAX_MARKED_POINTS {
                draw_markers(&mut chart, i, &run)?;
            }
        }
    }
    Ok(())
}

/// Scatter plot of `points` with an annotation box (e.g. "Spearman ρ = 0.41, p = 0.003,
/// n = 120") in the top-left corner. Non-finite points are skipped.
pub fn scatter(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64)],
    annotation: &str,
) -> Result<()> {
    render_both(
        path_stem,
        &Scatter {
            title,
            x_label,
            y_label,
            points,
            annotation,
        },
    )
}

struct Scatter<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    points: &'a [(f64, f64)],
    annotation: &'a str,
}

impl Painter for Scatter<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let pts: Vec<(f64, f64)> = self
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        let xr = range(pts.iter().map(|p| p.0), false);
        let yr = range(pts.iter().map(|p| p.1), false);
        let area = root
            .margin(8, 0, 0, 0)
            .titled(self.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(14)
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(205, 205, 205))
            .draw()
            .map_err(err)?;
        // Tens of thousands of points merge into a solid blob: smaller, fainter dots the
        // more there are, so density stays visible.
        let c = color(0);
        let (r, alpha) = match pts.len() {
            0..=2000 => (3, 0.55),
            2001..=10000 => (2, 0.3),
            _ => (2, 0.12),
        };
        chart
            .draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, r, c.mix(alpha).filled())),
            )
            .map_err(err)?;
        if !self.annotation.is_empty() {
            let plot = chart.plotting_area();
            let (ox, oy) = plot.get_base_pixel();
            let lines: Vec<&str> = self.annotation.lines().collect();
            let px = 15.0;
            let bw = lines.iter().map(|l| text_width(l, px)).fold(0.0, f64::max) + 16.0;
            let bh = lines.len() as f64 * 20.0 + 10.0;
            let (bx, by) = (ox + 10, oy + 10);
            root.draw(&Rectangle::new(
                [(bx, by), (bx + bw as i32, by + bh as i32)],
                WHITE.mix(0.9).filled(),
            ))
            .map_err(err)?;
            root.draw(&Rectangle::new(
                [(bx, by), (bx + bw as i32, by + bh as i32)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(err)?;
            let st = TextStyle::from((FONT, px).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
            for (i, l) in lines.iter().enumerate() {
                root.draw(&Text::new(
                    l.to_string(),
                    (bx + 8, by + 7 + 20 * i as i32),
                    st.clone(),
                ))
                .map_err(err)?;
            }
        }
        Ok(())
    }
}
