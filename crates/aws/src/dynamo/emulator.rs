//! The AWS API emulator for tests (feature `emulator`): moto's server mode, started once per
//! test process by `tests/aws/moto.sh serve` (which installs moto, pinned, into a venv under
//! the cargo target folder the first time).
//!
//! moto runs until the test process ends, however it ends: it stops when its stdin closes,
//! and only this process holds the other end of that pipe.
//!
//! SDK configs from here point at the emulator with static test credentials and region
//! `us-east-1`, and read nothing from the environment or `~/.aws`, so real credentials on the
//! machine can never be used (nor needed).
//!
//! ```ignore
//! let store = rollcall_aws::dynamo::emulator::fresh_store().await;
//! ```

use super::{DynamoStore, create_table};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

/// How long the first start may take: it installs moto (a minute or two).
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// A running moto server.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    /// Kept open for as long as this process lives: moto exits when it closes.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

impl Emulator {
    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK config for any AWS client, pointing at the emulator.
    pub fn sdk_config(&self) -> SdkConfig {
        let credentials = Credentials::new("testing", "testing", None, None, "rollcall-emulator");
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build()
    }

    /// A DynamoDB client for the emulator. Make one per tokio runtime (per test): a client
    /// keeps connections that belong to the runtime it first ran on.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }
}

/// The emulator of this process, started on first use. Panics if it cannot start: tests
/// cannot run without it.
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| start().unwrap_or_else(|why| panic!("moto emulator: {why}")))
}

fn start() -> Result<Emulator, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("tests/aws/moto.sh");
    let mut child = Command::new("bash")
        .arg(&script)
        .arg("serve")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;

    // The first line says where it listens; reading it on a thread bounds the wait.
    let (tell, told) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = tell.send(read.map(|_| line));
    });
    let line = match told.recv_timeout(START_TIMEOUT) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => return Err(format!("reading its output: {e}")),
        Err(_) => {
            let _ = child.kill();
            return Err(format!("not listening after {START_TIMEOUT:?}"));
        }
    };
    let Some(port) = line.trim().strip_prefix("listening ") else {
        let status = child.wait().map_err(|e| e.to_string())?;
        return Err(format!(
            "{} serve exited ({status}) without listening",
            script.display()
        ));
    };
    let port: u16 = port.parse().map_err(|e| format!("port {port:?}: {e}"))?;
    Ok(Emulator {
        endpoint: format!("http://127.0.0.1:{port}"),
        _lifeline: Mutex::new((child, stdin)),
    })
}

/// A table name no other test of any process uses.
pub fn unique_table_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let nanos = chrono::Utc::now().timestamp_subsec_nanos();
    format!("rollcall-test-{}-{n}-{nanos}", std::process::id())
}

/// A [`DynamoStore`] on a new, empty table in the emulator.
pub async fn fresh_store() -> DynamoStore {
    let client = emulator().dynamodb();
    let table = unique_table_name();
    create_table(&client, &table)
        .await
        .unwrap_or_else(|e| panic!("create table {table} in the emulator: {e}"));
    DynamoStore::new(client, table)
}
