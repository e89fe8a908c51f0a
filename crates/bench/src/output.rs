//! The files of a run: `<stem>.json`, `<stem>.md`, `<stem>-throughput.svg` and `<stem>-lag.svg`.

use crate::{plot, report, results::Results, stats};

/// Prints the Markdown summary and writes the JSON, the Markdown and the SVG plots under `out`.
pub(crate) fn write(results: &Results, out: &std::path::Path, stem: &str) -> anyhow::Result<()> {
    let markdown = report::render(results);
    println!("{markdown}");
    std::fs::write(
        out.join(format!("{stem}.json")),
        serde_json::to_vec_pretty(results)?,
    )?;
    std::fs::write(out.join(format!("{stem}.md")), &markdown)?;
    let mut bars = Vec::new();
    if let Some(l) = results.limits.done() {
        if let Some(best) = l.best_logs() {
            bars.push(("eth_getLogs".to_owned(), best.logs_per_second));
        }
        if let Some(ev) = l.bulk_events_per_second(results.events_on_chain) {
            bars.push((
                format!("PostgreSQL {}", l.best_bulk().map_or("bulk", |b| b.method)),
                ev,
            ));
        }
    }
    for (name, stage) in [
        ("EmToken (server)", &results.emtoken_server),
        ("EmToken (embedded)", &results.emtoken_embedded),
        ("Ponder (server)", &results.ponder),
        ("Envio (server)", &results.envio),
    ] {
        if let Some(b) = stage.done() {
            bars.push((name.to_owned(), b.events_per_second));
        }
    }
    let title = format!(
        "Backfill of {} EmToken events, events/s ({} cores)",
        stats::thousands(results.events_on_chain),
        results.machine.cores
    );
    plot::throughput(&out.join(format!("{stem}-throughput.svg")), &title, &bars)?;
    if let Some(lag) = results
        .lag
        .done()
        .and_then(|l| l.main_probe().map(|p| (l, p)))
    {
        let (run, probe) = lag;
        plot::lag(
            &out.join(format!("{stem}-lag.svg")),
            &format!(
                "Live lag through the {} probe, {} transfers/s",
                probe.probe, run.rate_per_second
            ),
            &probe.series,
        )?;
    }
    eprintln!(
        "emtoken-bench: results in {}",
        out.join(format!("{stem}.{{json,md}}")).display()
    );
    Ok(())
}
