//! The store contract, run against the SQLite store on a real database file per test.

use rollcall_local::store::SqliteStore;
use rollcall_testkit::GuardedStore;
use tempfile::TempDir;

/// A fresh database in its own temporary directory, removed after the store is dropped.
fn sqlite_store() -> GuardedStore<SqliteStore, TempDir> {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let store = SqliteStore::open(&dir.path().join("rollcall.sqlite")).expect("open the database");
    GuardedStore::new(store, dir)
}

rollcall_testkit::store_contract_tests!(sqlite_store());

/// The contract holds across reopening: a commit that returned is in the file.
#[tokio::test]
async fn committed_events_survive_reopening_the_database() {
    use rollcall_core::ports::EventStore;
    let store = sqlite_store();
    rollcall_testkit::contract::a_new_event_is_readable_by_id_and_by_uid(&store).await;
    let path = store.guard().path().join("rollcall.sqlite");
    let reopened = SqliteStore::open(&path).expect("reopen the database");
    let id = rollcall_testkit::SequentialIds::nth(1);
    let event = reopened
        .event(&id)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(event.uid, "uid-1");
}
