//! SVG plots beside the results: events/s per system, and live lag over time.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;

/// A bar per `(label, events/s)`.
pub(crate) fn throughput(path: &Path, title: &str, bars: &[(String, u64)]) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (960, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = i64::try_from(bars.len()).unwrap_or(0);
    let top = bars.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let top = top + top / 10;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0i64..n * 10, 0u64..top)
        .context("building the throughput chart")?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // No x labels (each bar is named above it). Not `x_labels(0)`: plotters 0.3.7 then searches
        // for a tick step until the integer overflows (a panic in debug builds).
        .x_labels(1)
        .x_label_formatter(&|_| String::new())
        .y_desc("events/s")
        .draw()?;
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
        let i = i64::try_from(i).unwrap_or(0);
        let color = colors[usize::try_from(i).unwrap_or(0) % colors.len()];
        Rectangle::new([(i * 10 + 1, 0), (i * 10 + 9, *value)], color.filled())
    }))?;
    // Each bar's name and figure above it (plotters' axis labels do not fit names this long).
    chart.draw_series(bars.iter().enumerate().map(|(i, (label, value))| {
        let i = i64::try_from(i).unwrap_or(0);
        Text::new(
            format!("{label}: {}", crate::stats::thousands(*value)),
            (i * 10 + 1, *value + top / 40),
            ("sans-serif", 12),
        )
    }))?;
    root.present().context("writing the throughput plot")?;
    Ok(())
}

/// Lag (ms) of each transfer against its submit time (ms since the first).
pub(crate) fn lag(path: &Path, title: &str, series: &[(u64, i64)]) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (960, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let points: Vec<(u64, i64)> = series.iter().map(|(t, us)| (*t, us / 1000)).collect();
    let right = points.iter().map(|(t, _)| *t).max().unwrap_or(1).max(1);
    let top = points.iter().map(|(_, ms)| *ms).max().unwrap_or(1).max(1);
    let bottom = points.iter().map(|(_, ms)| *ms).min().unwrap_or(0).min(0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0u64..right + right / 20 + 1, bottom..top + top / 10 + 1)
        .context("building the lag chart")?;
    chart
        .configure_mesh()
        .x_desc("ms since the first transfer")
        .y_desc("block announced → visible, ms")
        .draw()?;
    let blue = RGBColor(31, 119, 180);
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        blue.stroke_width(1),
    ))?;
    chart.draw_series(points.iter().map(|p| Circle::new(*p, 2, blue.filled())))?;
    root.present().context("writing the lag plot")?;
    Ok(())
}
