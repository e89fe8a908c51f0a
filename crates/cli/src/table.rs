//! Plain-text tables for people: a header line, then one line per row, columns padded to their widest
//! cell; amounts right-aligned so their decimal points line up.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table being filled.
#[derive(Debug)]
pub(crate) struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub(crate) fn new(columns: &[(&'static str, Align)]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column).
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push(cells);
    }

    /// The table as lines of text, without a final newline.
    pub(crate) fn render(&self) -> String {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|(h, _)| h.chars().count())
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let header: Vec<String> = self.columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        std::iter::once(&header)
            .chain(&self.rows)
            .map(|cells| {
                let line: Vec<String> = cells
                    .iter()
                    .zip(&self.columns)
                    .zip(&widths)
                    .map(|((cell, (_, align)), &width)| match align {
                        Align::Left => format!("{cell:<width$}"),
                        Align::Right => format!("{cell:>width$}"),
                    })
                    .collect();
                line.join("  ").trim_end().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_columns_and_aligns_amounts() {
        let mut table = Table::new(&[
            ("name", Align::Left),
            ("amount", Align::Right),
            ("note", Align::Left),
        ]);
        table.row(vec!["a".into(), "12.50".into(), String::new()]);
        table.row(vec!["longer".into(), "1000.00".into(), "x".into()]);
        assert_eq!(
            table.render(),
            "name     amount  note\n\
             a         12.50\n\
             longer  1000.00  x"
        );
    }
}
