//! Building a statement's WHERE clause from optional filters, with its binds numbered in order, and
//! escaping text for LIKE: shared by the queue, the worker search and the history.

/// Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`.
pub(crate) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Clauses joined by AND, with their binds numbered in order.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// `clause` with each `?` replaced by the next bind's `$n`; `binds` in the order of the `?`s.
    pub(crate) fn push(&mut self, clause: &str, binds: Vec<Bind>) {
        let mut text = String::new();
        let mut binds = binds.into_iter();
        for part in clause.split('?').enumerate() {
            if part.0 > 0 {
                self.binds.push(binds.next().expect("a bind for every ?"));
                text.push_str(&format!("${}", self.binds.len()));
            }
            text.push_str(part.1);
        }
        self.clauses.push(text);
    }

    /// `column` at or below any of `prefixes` (grid codes: a code's prefix is its ancestor's code), as
    /// ranges rather than LIKE, so an index can serve them and nothing needs escaping. No prefixes at all
    /// is no row: a caller that means "no limit" does not call this.
    pub(crate) fn push_under_any(&mut self, column: &str, prefixes: &[String]) {
        if prefixes.is_empty() {
            self.push("1 = 0", Vec::new());
            return;
        }
        let ranges: Vec<String> =
            prefixes.iter().map(|_| format!("({column} >= ? AND {column} < ?)")).collect();
        let binds =
            prefixes.iter().flat_map(|p| [Bind::Text(p.clone()), Bind::Text(format!("{p}\u{7f}"))]).collect();
        self.push(&format!("({})", ranges.join(" OR ")), binds);
    }

    /// How many binds the clauses take: the next `$n` is one more.
    pub(crate) fn bind_count(&self) -> usize {
        self.binds.len()
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub(crate) fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for bind in &self.binds {
            query = match bind {
                Bind::Text(t) => query.bind(t.clone()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        query
    }
}
