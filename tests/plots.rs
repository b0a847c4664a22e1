//! Plot smoke tests: both formats are produced, are what they claim to be, carry their
//! text, and degenerate input (NaN, inf, one point, nothing) does not panic.

use std::path::Path;

use activesynth::output::plots::{
    heatmap, heatmap_with, interval_chart, line_chart, scatter, small_multiples, HeatmapOptions,
    IntervalSeries, Series,
};

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Checks STEM.png and STEM.svg exist, the PNG has the magic and 1000×650 IHDR, and the
/// SVG is an <svg> document containing every string in `texts`.
fn check(stem: &Path, texts: &[&str]) {
    let png = std::fs::read(stem.with_extension("png")).unwrap();
    assert!(png.len() > 1000, "png too small: {}", png.len());
    assert_eq!(png[..8], PNG_MAGIC);
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (1000, 650));
    let svg = std::fs::read_to_string(stem.with_extension("svg")).unwrap();
    assert!(
        svg.trim_start().starts_with("<svg"),
        "{}",
        &svg[..60.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    for t in texts {
        assert!(svg.contains(t), "svg lacks {t:?}");
    }
    let dir = stem.parent().unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let n = e.unwrap().file_name().into_string().unwrap();
        assert!(!n.contains(".tmp"), "temporary file left behind: {n}");
    }
}

fn curve(label: &str, k: f64, err: bool) -> Series {
    let x: Vec<f64> = [500.0, 1000.0, 2000.0, 4000.0, 8000.0].to_vec();
    let y: Vec<f64> = x.iter().map(|v| 0.3 + k * (v / 500.0_f64).ln()).collect();
    Series {
        label: label.into(),
        err: err.then(|| vec![0.01, 0.015, 0.012, 0.02, 0.01]),
        x,
        y,
    }
}

#[test]
fn line_chart_writes_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("curves");
    let names = [
        "random",
        "loss-own-high-softmax",
        "loss-gt-low-argmax",
        "reward-low",
        "judge-hard",
        "lion",
        "badge",
        "incorrect",
        "evokd",
        "loss-own-low-argmax",
        "reward-high",
        "extra",
    ];
    let series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, n)| curve(n, 0.05 + 0.004 * i as f64, i % 2 == 0))
        .collect();
    line_chart(
        &stem,
        "Test accuracy vs examples",
        "synthetic examples",
        "accuracy",
        &series,
        true,
    )
    .unwrap();
    check(
        &stem,
        &[
            "Test accuracy vs examples",
            "synthetic examples",
            "accuracy",
            "loss-own-high-softmax",
            "extra",
        ],
    );
    line_chart(&stem, "Linear axis", "tokens", "acc", &series[..3], false).unwrap();
    check(&stem, &["Linear axis", "tokens", "random"]);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = Series {
        label: "nan-and-inf".into(),
        x: vec![0.0, 1.0, 2.0, f64::NAN, 4.0, 5.0],
        y: vec![f64::NAN, 0.5, f64::INFINITY, 0.7, f64::NEG_INFINITY, 0.9],
        err: Some(vec![0.1, f64::NAN, 0.1, 0.1, 0.1, f64::INFINITY]),
    };
    let single = Series {
        label: "one".into(),
        x: vec![3.0],
        y: vec![0.4],
        err: Some(vec![0.0]),
    };
    let empty = Series {
        label: "empty".into(),
        x: vec![],
        y: vec![],
        err: None,
    };
    for log in [false, true] {
        let stem = d.join(format!("bad{log}"));
        line_chart(
            &stem,
            "bad",
            "x",
            "y",
            &[bad.clone(), single.clone(), empty.clone()],
            log,
        )
        .unwrap();
        check(&stem, &["bad", "nan-and-inf"]);
    }
    line_chart(&d.join("none"), "none", "x", "y", &[], false).unwrap();
    check(&d.join("none"), &["none"]);
    scatter(
        &d.join("sc1"),
        "single",
        "before",
        "after",
        &[(1.0, 2.0)],
        "n = 1",
    )
    .unwrap();
    check(&d.join("sc1"), &["single", "before", "after", "n = 1"]);
    scatter(
        &d.join("sc0"),
        "nothing",
        "a",
        "b",
        &[(f64::NAN, 1.0), (f64::INFINITY, 2.0)],
        "",
    )
    .unwrap();
    check(&d.join("sc0"), &["nothing"]);
    let labels: Vec<String> = vec!["a".into()];
    heatmap(
        &d.join("h1"),
        "one cell",
        &labels,
        &labels,
        &[vec![f64::NAN]],
        &|v| format!("{v:.2}"),
    )
    .unwrap();
    check(&d.join("h1"), &["one cell"]);
    heatmap(&d.join("h0"), "no cells", &[], &[], &[], &|v| {
        format!("{v:.2}")
    })
    .unwrap();
    check(&d.join("h0"), &["no cells"]);
}

#[test]
fn heatmap_and_scatter_carry_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = ["random", "loss-own-high-softmax", "badge", "lion"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let vals: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            (0..4)
                .map(|j| {
                    if i == j {
                        0.0
                    } else {
                        ((i * 4 + j) % 5) as f64 / 8.0
                    }
                })
                .collect()
        })
        .collect();
    let stem = dir.path().join("win");
    heatmap(
        &stem,
        "Win rate P(row beats column)",
        &names,
        &names,
        &vals,
        &|v| format!("{v:.3}"),
    )
    .unwrap();
    check(
        &stem,
        &[
            "Win rate P(row beats column)",
            "loss-own-high-softmax",
            "0.375",
            "0.000",
        ],
    );
    let pts: Vec<(f64, f64)> = (0..50)
        .map(|i| (i as f64 / 10.0, (i as f64).sqrt()))
        .collect();
    let stem = dir.path().join("scatter");
    scatter(
        &stem,
        "Seed score vs synthetic score",
        "seed loss",
        "synthetic loss",
        &pts,
        "Spearman rho = 1.000\np < 1e-6, n = 50",
    )
    .unwrap();
    check(
        &stem,
        &[
            "Seed score vs synthetic score",
            "seed loss",
            "synthetic loss",
            "Spearman rho = 1.000",
            "n = 50",
        ],
    );
}

/// Realistic report plots. Written to $ACTIVESYNTH_PLOT_DIR when set (to look at them),
/// otherwise to a temporary directory.
#[test]
fn realistic_report_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("ACTIVESYNTH_PLOT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let names = [
        "random",
        "loss-own-high-softmax",
        "loss-own-high-argmax",
        "loss-gt-high-argmax",
        "loss-own-low-argmax",
        "reward-low",
        "reward-high",
        "judge-hard",
        "lion",
        "badge",
        "incorrect",
        "evokd",
    ];
    let series: Vec<Series> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x = vec![100.0, 200.0, 400.0, 800.0, 1600.0];
            let y = x
                .iter()
                .map(|v: &f64| 0.35 + (0.02 + 0.002 * i as f64) * (v / 100.0).log2())
                .collect();
            Series {
                label: n.to_string(),
                x,
                y,
                err: Some(vec![0.012, 0.015, 0.01, 0.018, 0.014]),
            }
        })
        .collect();
    let stem = dir.join("curves_examples");
    line_chart(
        &stem,
        "arith: test accuracy vs synthetic examples",
        "synthetic examples (log)",
        "test accuracy",
        &series,
        true,
    )
    .unwrap();
    check(&stem, &["test accuracy", "evokd"]);
    let tok: Vec<Series> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Series {
            x: s.x.iter().map(|v| v * (900.0 + 400.0 * i as f64)).collect(),
            ..s.clone()
        })
        .collect();
    let stem = dir.join("curves_tokens");
    line_chart(
        &stem,
        "arith: test accuracy vs teacher tokens",
        "cumulative teacher tokens",
        "test accuracy",
        &tok,
        false,
    )
    .unwrap();
    check(&stem, &["teacher tokens"]);
    let labels: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let vals: Vec<Vec<f64>> = (0..12)
        .map(|i| {
            (0..12)
                .map(|j| {
                    if i == j {
                        0.0
                    } else {
                        ((i * 7 + j * 3) % 11) as f64 / 20.0
                    }
                })
                .collect()
        })
        .collect();
    let stem = dir.join("winrate");
    heatmap(
        &stem,
        "Win rate: P(row beats column), alpha = 1",
        &labels,
        &labels,
        &vals,
        &|v| format!("{v:.2}"),
    )
    .unwrap();
    check(&stem, &["Win rate"]);
    let pts: Vec<(f64, f64)> = (0..300)
        .map(|i| {
            let a = (i as f64 * 0.37).sin() * 2.0 + 3.0;
            (a, a * 0.6 + (i as f64 * 1.3).cos())
        })
        .collect();
    let stem = dir.join("scatter");
    scatter(
        &stem,
        "Seed loss vs synthetic loss (same student)",
        "seed own-generation loss",
        "synthetic own-generation loss",
        &pts,
        "Spearman rho = 0.712 (p = 3.1e-12)\nn = 300",
    )
    .unwrap();
    check(&stem, &["Spearman"]);
}

/// PNG width and height from the IHDR chunk.
fn png_size(png: &Path) -> (u32, u32) {
    let b = std::fs::read(png).unwrap();
    assert_eq!(b[..8], PNG_MAGIC);
    (
        u32::from_be_bytes(b[16..20].try_into().unwrap()),
        u32::from_be_bytes(b[20..24].try_into().unwrap()),
    )
}

#[test]
fn heatmap_fixed_scale_and_footer() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    let values = vec![vec![f64::NAN, 0.33], vec![0.0, f64::NAN]];
    let fmt = |v: f64| format!("{v:.2}");
    // The top of the ramp, the colour of a cell holding the scale's maximum exactly.
    let top = "#FDE725";
    let auto = dir.path().join("auto");
    heatmap(&auto, "auto", &rows, &rows, &values, &fmt).unwrap();
    let svg = std::fs::read_to_string(auto.with_extension("svg")).unwrap();
    assert!(
        svg.to_uppercase().contains(top),
        "auto scale: 0.33 is the brightest cell"
    );
    let fixed = dir.path().join("fixed");
    let opts = HeatmapOptions {
        range: Some((0.0, 1.0)),
        footer: Some(("column score (lower = better)".into(), vec![0.17, 0.0])),
    };
    heatmap_with(&fixed, "fixed", &rows, &rows, &values, &fmt, &opts).unwrap();
    check(&fixed, &["column score (lower = better)", "0.17", "0.33"]);
    let svg = std::fs::read_to_string(fixed.with_extension("svg")).unwrap();
    assert!(
        !svg.to_uppercase().contains(top),
        "fixed 0–1 scale: 0.33 must not get the colour of 1.0"
    );
}

#[test]
fn paired_intervals_and_small_multiples() {
    let dir = tempfile::tempdir().unwrap();
    let labels = [
        "loss-own-high",
        "loss-gt-high",
        "reward-low",
        "judge-hard",
        "lion",
        "badge",
        "incorrect",
        "evokd",
        "loss-own-low",
        "reward-high",
        "loss-softmax",
        "badge-8",
    ];
    let series: Vec<IntervalSeries> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| IntervalSeries {
            label: l.to_string(),
            x: vec![0.0, 1.0, 2.0],
            y: vec![0.01 * i as f64 - 0.05, 0.0, f64::NAN],
            lo: vec![-0.1, f64::NAN, f64::NAN],
            hi: vec![0.1, f64::NAN, f64::NAN],
        })
        .collect();
    let names: Vec<String> = (0..3).map(|k| format!("t={k}")).collect();
    let p = dir.path().join("paired");
    interval_chart(&p, "paired", "iteration", "minus random", &series, &names).unwrap();
    check(&p, &["badge-8", "t=2", "minus random"]);

    let panels: Vec<Series> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut s = curve(l, 0.01 * i as f64, true);
            s.label = l.to_string();
            s
        })
        .collect();
    let reference = curve("random", 0.02, true);
    let p = dir.path().join("multiples");
    small_multiples(
        &p,
        "learning",
        "size",
        "test accuracy",
        &panels,
        Some(&reference),
        Some(0.3),
    )
    .unwrap();
    // 12 panels: a 4 × 3 grid on a taller canvas, one caption per panel.
    assert_eq!(png_size(&p.with_extension("png")), (1200, 920));
    let svg = std::fs::read_to_string(p.with_extension("svg")).unwrap();
    for l in labels {
        assert!(
            svg.contains(&format!(">\n{l}\n</text>")),
            "panel {l} lacks its caption"
        );
    }
    assert!(svg.contains("grey: random"));
}
