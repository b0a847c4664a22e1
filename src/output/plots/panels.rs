//! Plots that stay readable with a dozen strategies: the paired-difference interval
//! chart (each strategy minus a baseline, with its interval, per iteration) and small
//! multiples (one panel per strategy, the baseline in grey in every panel), instead of
//! one chart where a dozen translucent bands overlap into a smear.

use super::{color, err, range, render_both, tick, Painter, Series, FONT};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One strategy's estimates at each x: `y` with interval `[lo, hi]` (NaN bounds: no
/// interval, the point alone is drawn).
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalSeries {
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// Dodged point-and-interval chart with a zero line: at each x, one point per series,
/// spread sideways so intervals never overlap, a vertical bar for the interval, and a
/// legend to the right. `x_names` labels the integer x positions (e.g. "t=0").
pub fn interval_chart(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[IntervalSeries],
    x_names: &[String],
) -> Result<()> {
    render_both(
        path_stem,
        &Intervals {
            title,
            x_label,
            y_label,
            series,
            x_names,
        },
    )
}

struct Intervals<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [IntervalSeries],
    x_names: &'a [String],
}

impl Painter for Intervals<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let n = self.series.len().max(1) as f64;
        let xs = self.series.iter().flat_map(|s| s.x.iter().copied());
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let (x0, x1) = if x0 > x1 { (0.0, 0.0) } else { (x0, x1) };
        let yr = range(
            self.series
                .iter()
                .flat_map(|s| s.y.iter().chain(&s.lo).chain(&s.hi).copied())
                .chain([0.0]),
            false,
        );
        let legend_w = super::legend_width(self.series.iter().map(|s| s.label.as_str()));
        let area = root
            .margin(8, 0, 0, 0)
            .titled(self.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (w, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(w - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d((x0 - 0.5)..(x1 + 0.5), yr.0..yr.1)
            .map_err(err)?;
        let names = self.x_names;
        let xfmt = |v: &f64| {
            let r = v.round();
            if (v - r).abs() < 1e-9 && r >= 0.0 {
                names.get(r as usize).cloned().unwrap_or_else(|| tick(r))
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_labels(((x1 - x0) as usize + 2).max(2))
            .x_label_formatter(&xfmt)
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .bold_line_style(RGBColor(215, 215, 215))
            .y_labels(8)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0 - 0.5, 0.0), (x1 + 0.5, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        // Spread the series sideways, 0.12 apart, over at most 70% of the gap between
        // two x positions (so few series stay next to their label).
        let spread = (0.12 * (n - 1.0)).min(0.7);
        for (i, s) in self.series.iter().enumerate() {
            let c = color(i);
            let off = if n > 1.0 {
                -spread / 2.0 + spread * i as f64 / (n - 1.0)
            } else {
                0.0
            };
            let mut line = Vec::new();
            for k in 0..s.x.len() {
                let (x, y) = (s.x[k] + off, s.y[k]);
                if !y.is_finite() {
                    continue;
                }
                let (lo, hi) = (s.lo.get(k).copied(), s.hi.get(k).copied());
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if lo.is_finite() && hi.is_finite() {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(x, lo), (x, hi)],
                                c.stroke_width(2),
                            )))
                            .map_err(err)?;
                    }
                }
                line.push((x, y));
            }
            chart
                .draw_series(LineSeries::new(
                    line.iter().copied(),
                    c.mix(0.35).stroke_width(1),
                ))
                .map_err(err)?;
            super::draw_markers(&mut chart, i, &line)?;
        }
        let labels: Vec<&str> = self.series.iter().map(|s| s.label.as_str()).collect();
        super::draw_legend_labels(&legend, &labels, legend_w as f64)
    }
}

/// One panel per series in a grid (shared axes), each with `reference` (e.g. random)
/// drawn in grey and `baseline` (e.g. the base student) as a dashed line, so every
/// strategy is compared with the same yardstick without a dozen lines on one chart.
pub fn small_multiples(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[Series],
    reference: Option<&Series>,
    baseline: Option<f64>,
) -> Result<()> {
    render_both(
        path_stem,
        &Multiples {
            title,
            x_label,
            y_label,
            panels,
            reference,
            baseline,
        },
    )
}

struct Multiples<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    panels: &'a [Series],
    reference: Option<&'a Series>,
    baseline: Option<f64>,
}

fn band_values(s: &Series) -> impl Iterator<Item = f64> + '_ {
    s.y.iter().enumerate().flat_map(move |(i, &y)| {
        let d = s
            .err
            .as_ref()
            .and_then(|e| e.get(i).copied())
            .filter(|d| d.is_finite())
            // No (finite) error bar: the band is the point itself, not a failure.
            .unwrap_or(0.0);
        [y - d, y + d]
    })
}

impl Painter for Multiples<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.panels.len().max(1);
        let cols = (n as f64).sqrt().ceil() as u32;
        let rows = (n as u32).div_ceil(cols);
        (1200, (140 + rows * 260).max(650))
    }

    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let n = self.panels.len().max(1);
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let all = self.panels.iter().chain(self.reference);
        let xr = range(all.clone().flat_map(|s| s.x.iter().copied()), false);
        let yr = range(all.flat_map(band_values).chain(self.baseline), false);
        let area = root
            .margin(8, 0, 0, 0)
            .titled(self.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (w, h) = area.dim_in_pixel();
        // A key line above the grid, then the panels, then the shared x-axis label.
        let (key, rest) = area.split_vertically(30);
        let (grid, xdesc) = rest.split_vertically(h - 30 - 30);
        let mut key_items: Vec<(String, RGBColor, bool)> = Vec::new();
        if let Some(r) = self.reference {
            key_items.push((format!("grey: {}", r.label), RGBColor(150, 150, 150), false));
        }
        if self.baseline.is_some() {
            key_items.push(("dashed: base student".into(), BLACK, true));
        }
        key_items.push((
            "coloured: the panel's strategy (band: ± SE)".into(),
            color(0),
            false,
        ));
        let mut kx = 20i32;
        let kst = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (text, c, dashed) in key_items {
            let pts: Vec<(i32, i32)> = if dashed {
                vec![(kx, 15), (kx + 8, 15)]
            } else {
                vec![(kx, 15), (kx + 24, 15)]
            };
            key.draw(&PathElement::new(pts, c.stroke_width(2)))
                .map_err(err)?;
            if dashed {
                key.draw(&PathElement::new(
                    vec![(kx + 14, 15), (kx + 24, 15)],
                    c.stroke_width(2),
                ))
                .map_err(err)?;
            }
            key.draw(&Text::new(text.clone(), (kx + 30, 15), kst.clone()))
                .map_err(err)?;
            kx += 30 + super::text_width(&text, 15.0) as i32 + 30;
        }
        xdesc
            .draw(&Text::new(
                self.x_label.to_string(),
                ((w / 2) as i32, 12),
                TextStyle::from((FONT, 17).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(err)?;
        let cells = grid.split_evenly((rows, cols));
        for (i, s) in self.panels.iter().enumerate() {
            let cell = &cells[i];
            let left = i % cols == 0;
            let mut chart = ChartBuilder::on(cell)
                .margin(6)
                .caption(&s.label, (FONT, 16).into_font().style(FontStyle::Bold))
                .x_label_area_size(24)
                .y_label_area_size(if left { 52 } else { 30 })
                .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
                .map_err(err)?;
            let mut mesh = chart.configure_mesh();
            mesh.x_label_formatter(&|v| tick(*v))
                .y_label_formatter(&|v| tick(*v))
                .label_style((FONT, 12))
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(225, 225, 225))
                .x_labels(5)
                .y_labels(5);
            if left {
                mesh.y_desc(self.y_label).axis_desc_style((FONT, 13));
            }
            mesh.draw().map_err(err)?;
            if let Some(b) = self.baseline {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(xr.0, b), (xr.1, b)],
                        6,
                        4,
                        BLACK.stroke_width(1),
                    ))
                    .map_err(err)?;
            }
            if let Some(r) = self.reference {
                super::draw_band_and_line(&mut chart, r, RGBColor(150, 150, 150), 0.12)?;
            }
            super::draw_band_and_line(&mut chart, s, color(i), 0.2)?;
        }
        Ok(())
    }
}
