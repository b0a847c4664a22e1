//! The heatmap (win-rate matrix): values printed in coloured cells, a colour scale bar
//! (fixed or the data's range), an optional uncoloured footer row for a summary on
//! another scale.

use super::{err, fit, render_both, text_width, tick, Painter, FONT};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;
use std::path::Path;

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
    heatmap_with(
        path_stem,
        title,
        row_labels,
        col_labels,
        values,
        fmt,
        &HeatmapOptions::default(),
    )
}

/// Options of [`heatmap_with`].
#[derive(Clone, Debug, Default)]
pub struct HeatmapOptions {
    /// Fixed colour scale (e.g. (0, 1) for probabilities), so that a value looks the
    /// same in every report; default: the data's own range.
    pub range: Option<(f64, f64)>,
    /// A row shown apart below the grid, uncoloured: (label, one value per column).
    /// For a summary on another scale (the win-rate column score, lower is better).
    pub footer: Option<(String, Vec<f64>)>,
}

/// [`heatmap`] with a fixed colour scale and/or a separate footer row.
pub fn heatmap_with(
    path_stem: &Path,
    title: &str,
    row_labels: &[String],
    col_labels: &[String],
    values: &[Vec<f64>],
    fmt: &dyn Fn(f64) -> String,
    opts: &HeatmapOptions,
) -> Result<()> {
    render_both(
        path_stem,
        &Heatmap {
            title,
            rows: row_labels,
            cols: col_labels,
            values,
            fmt,
            opts,
        },
    )
}

struct Heatmap<'a> {
    title: &'a str,
    rows: &'a [String],
    cols: &'a [String],
    values: &'a [Vec<f64>],
    fmt: &'a dyn Fn(f64) -> String,
    opts: &'a HeatmapOptions,
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
        let footer_label = self.opts.footer.as_ref().map(|f| f.0.as_str());
        let row_w = self
            .rows
            .iter()
            .map(String::as_str)
            .chain(footer_label)
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
        // The footer row sits below the grid after a gap of half a row.
        let footer_rows = if self.opts.footer.is_some() { 1.5 } else { 0.0 };
        // Capped, so that a 3 × 3 matrix is not drawn as slabs.
        let cell_h = ((h - col_h - 16.0) / (nr as f64 + footer_rows)).min(70.0);
        let grid_h = cell_h * nr as f64;
        let below = grid_h + cell_h * footer_rows;
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
        let (lo, hi) = match self.opts.range {
            Some(r) => r,
            None if lo > hi => (0.0, 1.0),
            None => (lo, hi),
        };
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
        if let Some((label, vals)) = &self.opts.footer {
            let fy = y0 + grid_h + cell_h * 0.5;
            for c in 0..nc {
                let v = vals.get(c).copied().unwrap_or(f64::NAN);
                let cx0 = x0 + c as f64 * cell_w;
                let rect = [
                    (cx0 as i32, fy as i32),
                    ((cx0 + cell_w) as i32, (fy + cell_h) as i32),
                ];
                area.draw(&Rectangle::new(rect, RGBColor(245, 245, 245).filled()))
                    .map_err(err)?;
                area.draw(&Rectangle::new(
                    rect,
                    RGBColor(190, 190, 190).stroke_width(1),
                ))
                .map_err(err)?;
                let st = TextStyle::from((FONT, val_px).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let centre = ((cx0 + cell_w / 2.0) as i32, (fy + cell_h / 2.0) as i32);
                area.draw(&Text::new((self.fmt)(v), centre, st))
                    .map_err(err)?;
            }
            let lpx = label_px.min(cell_h * 0.8).max(6.0);
            let st =
                TextStyle::from((FONT, lpx).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
            let s = fit(label, row_w - 10.0, lpx);
            area.draw(&Text::new(
                s,
                ((x0 - 6.0) as i32, (fy + cell_h / 2.0) as i32),
                st,
            ))
            .map_err(err)?;
        }
        let gy = y0 + below + 6.0;
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
