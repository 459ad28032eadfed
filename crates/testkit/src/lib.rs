//! Fixtures the test suites share (a dev-dependency only; nothing of the product depends on it).
//!
//! - [`TestDb`]: a SQLite file in a temporary folder, or a fresh database on the shared PostgreSQL.

use std::sync::atomic::{AtomicU32, Ordering};

use redgrid_store::Store;
use sqlx::Connection;

pub struct TestDb {
    pub store: Store,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

/// The shared PostgreSQL's admin URL: `REDGRID_TEST_PG`, or the machine's default.
pub fn admin_url() -> String {
    std::env::var("REDGRID_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("redgrid_store"));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("station.db").display());
        let store = Store::open(&url).await.expect("a new SQLite file opens and migrates");
        TestDb { store, url, cleanup: Cleanup::Folder(dir) }
    }

    /// The store's URL, to open a second station on the same database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn postgres() -> TestDb {
        let admin = admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for the conformance suite ({admin}): {e}. Start it, or set REDGRID_TEST_PG.")
        });
        let name = unique("redgrid_t");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
        let url = format!("{base}/{name}");
        let store = Store::open(&url).await.expect("a new PostgreSQL database migrates");
        TestDb { store, url, cleanup: Cleanup::Database { admin_url: admin, name } }
    }

    /// Closes the store and removes the database. Called at the end of a passing case; a failing case leaves
    /// its database behind to look at.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Folder(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Cleanup::Database { admin_url, name } => {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    }
}
