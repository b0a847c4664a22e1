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
use plotters::style::FontTransform;

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

/// Twelve distinguishable colours (Tableau 10 plus two), cycled beyond that.
const PALETTE: [(u8, u8, u8); 12] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
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
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        p.paint(&root)?;
        root.present().map_err(err)?;
    }
    super::atomic::write_atomic(&svg_path, svg.as_bytes())
        .with_context(|| format!("writing {}", svg_path.display()))?;
    // The bitmap encoder picks the format from the extension, so the temporary name
    // must still end in ".png".
    let tmp = png_path.with_extension("tmp.png");
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
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
                    let d = e.get(i).copied().filter(|d| d.is_finite()).unwrap_or(0.0);
                    [y - d, y + d]
                })
            }),
            false,
        );
        let legend_w = if series.is_empty() {
            0
        } else {
            let longest = series
                .iter()
                .map(|s| text_width(&s.label, LEGEND_PX))
                .fold(0.0, f64::max);
            (longest + 60.0).clamp(150.0, 340.0) as u32
        };
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

/// Legend panel: one row per series with its line, marker and (fitted) label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
    width: f64,
) -> Result<()> {
    if series.is_empty() {
        return Ok(());
    }
    let (_, h) = area.dim_in_pixel();
    let row = ((h as f64 - 40.0) / series.len() as f64).clamp(8.0, 26.0);
    let px = LEGEND_PX.min(row * 0.8);
    let style = TextStyle::from((FONT, px).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, s) in series.iter().enumerate() {
        let y = (30.0 + row * i as f64) as i32;
        let c = color(i);
        area.draw(&PathElement::new(vec![(6, y), (34, y)], c.stroke_width(2)))
            .map_err(err)?;
        match i % 3 {
            0 => area.draw(&Circle::new((20, y), 4, c.filled())),
            1 => area.draw(&TriangleMarker::new((20, y), 6, c.filled())),
            _ => area.draw(&Cross::new((20, y), 5, c.stroke_width(2))),
        }
        .map_err(err)?;
        let label = fit(&s.label, width - 50.0, px);
        area.draw(&Text::new(label, (42, y), style.clone()))
            .map_err(err)?;
    }
    Ok(())
}

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
    // Many overlapping bands turn to mud: fainter bands the more series there are.
    let band_alpha = if series.len() > 6 { 0.08 } else { 0.15 };
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
            // Marker shape cycles too, so series stay apart in greyscale.
            match i % 3 {
                0 => chart.draw_series(run.iter().map(|&p| Circle::new(p, 4, c.filled()))),
                1 => chart.draw_series(run.iter().map(|&p| TriangleMarker::new(p, 6, c.filled()))),
                _ => chart.draw_series(run.iter().map(|&p| Cross::new(p, 5, c.stroke_width(2)))),
            }
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Heatmap of `values[row][col]` with each value printed in its cell (formatted by
/// `fmt`), a colour scale bar, row labels on the left and column labels below (rotated
/// when they do not fit horizontally). NaN cells are grey. Writes `STEM.svg`/`STEM.png`.
pub fn heatmap(
    path_stem: &Path,
    title: &str,
    row_labels: &[String],
    col_labels: &[String],
    values: &[Vec<f64>],
    fmt: &dyn Fn(f64) -> String,
) -> Result<()> {
    render_both(
        path_stem,
        &Heatmap {
            title,
            rows: row_labels,
            cols: col_labels,
            values,
            fmt,
        },
    )
}

struct Heatmap<'a> {
    title: &'a str,
    rows: &'a [String],
    cols: &'a [String],
    values: &'a [Vec<f64>],
    fmt: &'a dyn Fn(f64) -> String,
}

/// Viridis-like colour ramp for t in [0, 1].
fn ramp(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let s = t * (STOPS.len() - 1) as f64;
    let i = (s.floor() as usize).min(STOPS.len() - 2);
    let f = s - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c`.
fn ink_on(c: RGBColor) -> RGBColor {
    let lum = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if lum > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

impl Painter for Heatmap<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let nr = self.values.len().max(self.rows.len());
        let nc = self
            .values
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            .max(self.cols.len());
        let area = root
            .margin(8, 0, 0, 0)
            .titled(self.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        if nr == 0 || nc == 0 {
            return Ok(());
        }
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as f64, h as f64);
        let label_px = 14.0;
        let row_w = self
            .rows
            .iter()
            .map(|s| text_width(s, label_px))
            .fold(0.0, f64::max)
            .min(w * 0.3)
            + 12.0;
        let bar_w = 90.0;
        let grid_w = w - row_w - bar_w - 20.0;
        let cell_w = grid_w / nc as f64;
        let col_max = self
            .cols
            .iter()
            .map(|s| text_width(s, label_px))
            .fold(0.0, f64::max);
        let rotate = col_max > cell_w - 6.0;
        let col_h = if rotate {
            col_max.min(h * 0.35) + 12.0
        } else {
            28.0
        };
        let grid_h = h - col_h - 16.0;
        let cell_h = grid_h / nr as f64;
        let (x0, y0) = (row_w + 4.0, 8.0);

        let finite: Vec<f64> = self
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
        let span = if hi > lo { hi - lo } else { 1.0 };

        let sample = (self.fmt)(if finite.is_empty() { 0.0 } else { hi });
        let val_px = (cell_h * 0.4)
            .min(cell_w / (sample.chars().count().max(3) as f64 * 0.62))
            .clamp(6.0, 16.0);
        for r in 0..nr {
            for c in 0..nc {
                let v = self.values.get(r).and_then(|row| row.get(c)).copied();
                let (fill, text) = match v {
                    Some(v) if v.is_finite() => (ramp((v - lo) / span), (self.fmt)(v)),
                    Some(v) => (RGBColor(200, 200, 200), (self.fmt)(v)),
                    None => (RGBColor(230, 230, 230), String::new()),
                };
                let (cx0, cy0) = (x0 + c as f64 * cell_w, y0 + r as f64 * cell_h);
                let rect = [
                    (cx0 as i32, cy0 as i32),
                    ((cx0 + cell_w) as i32, (cy0 + cell_h) as i32),
                ];
                area.draw(&Rectangle::new(rect, fill.filled()))
                    .map_err(err)?;
                area.draw(&Rectangle::new(rect, WHITE.stroke_width(1)))
                    .map_err(err)?;
                let ink = ink_on(fill);
                let style = TextStyle::from((FONT, val_px).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let centre = ((cx0 + cell_w / 2.0) as i32, (cy0 + cell_h / 2.0) as i32);
                area.draw(&Text::new(text, centre, style)).map_err(err)?;
            }
        }
        let lpx = label_px.min(cell_h * 0.8).max(6.0);
        let rstyle =
            TextStyle::from((FONT, lpx).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (r, s) in self.rows.iter().enumerate().take(nr) {
            let y = y0 + (r as f64 + 0.5) * cell_h;
            let s = fit(s, row_w - 10.0, lpx);
            area.draw(&Text::new(s, ((x0 - 6.0) as i32, y as i32), rstyle.clone()))
                .map_err(err)?;
        }
        let gy = y0 + grid_h + 6.0;
        for (c, s) in self.cols.iter().enumerate().take(nc) {
            let x = x0 + (c as f64 + 0.5) * cell_w;
            if rotate {
                let px = label_px.min(cell_w * 0.8).max(6.0);
                let s = fit(s, col_h - 12.0, px);
                let st =
                    TextStyle::from((FONT, px).into_font().transform(FontTransform::Rotate270))
                        .pos(Pos::new(HPos::Right, VPos::Center));
                area.draw(&Text::new(s, (x as i32, gy as i32), st))
                    .map_err(err)?;
            } else {
                let st = TextStyle::from((FONT, label_px).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Top));
                area.draw(&Text::new(s.clone(), (x as i32, gy as i32), st))
                    .map_err(err)?;
            }
        }
        // Colour scale: a vertical bar with five labelled levels.
        let bx = x0 + grid_w + 18.0;
        let steps = 60;
        for k in 0..steps {
            let t0 = k as f64 / steps as f64;
            let ya = y0 + grid_h * (1.0 - t0 - 1.0 / steps as f64);
            let yb = y0 + grid_h * (1.0 - t0);
            area.draw(&Rectangle::new(
                [
                    (bx as i32, ya as i32),
                    ((bx + 18.0) as i32, yb.ceil() as i32),
                ],
                ramp(t0 + 0.5 / steps as f64).filled(),
            ))
            .map_err(err)?;
        }
        let tstyle =
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for k in 0..=4 {
            let t = k as f64 / 4.0;
            let y = y0 + grid_h * (1.0 - t);
            area.draw(&Text::new(
                tick(lo + t * (hi - lo)),
                ((bx + 24.0) as i32, y as i32),
                tstyle.clone(),
            ))
            .map_err(err)?;
        }
        Ok(())
    }
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
        let c = color(0);
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.mix(0.55).filled())))
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
